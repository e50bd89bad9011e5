#!/usr/bin/env bash
# What the real-WordPress e2e tests need: Debian's WordPress 6.1 and its three default themes,
# PHP's CLI (its built-in server serves the site), the MySQL client, and a running MariaDB on
# 127.0.0.1:3306 reachable as root without a password. Idempotent: installs only what is
# missing, starts MariaDB only when it is down. Called by .ci/run and `make wordpress`.
set -euo pipefail

PACKAGES=(
  wordpress wordpress-theme-twentytwentyone wordpress-theme-twentytwentytwo
  wordpress-theme-twentytwentythree php-cli php-mysql php-xml php-mbstring mariadb-client
)
MYSQL_PORT="${IFP_TEST_MYSQL_PORT:-3306}"

missing_packages() {
  local package
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
      || echo "$package"
  done
}

install_packages() {
  local wanted
  mapfile -t wanted < <(missing_packages "${PACKAGES[@]}")
  [ -x /usr/sbin/mariadbd ] || wanted+=(mariadb-server)
  [ "${#wanted[@]}" -eq 0 ] && return 0
  echo "setup_wp: installing ${wanted[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  # The package pulls in Apache as a dependency; it is never used (php -S serves the site), so
  # keep its maintainer scripts from starting it on port 80, unless a policy is already set.
  local own_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    own_policy=1
  fi
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${wanted[@]}" >/dev/null \
    || { [ -z "$own_policy" ] || rm -f /usr/sbin/policy-rc.d; return 1; }
  [ -z "$own_policy" ] || rm -f /usr/sbin/policy-rc.d
}

mysql_answers() {
  mysql -h 127.0.0.1 -P "$MYSQL_PORT" -u root -e 'SELECT 1' >/dev/null 2>&1
}

start_mariadb() {
  mysql_answers && return 0
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$MYSQL_PORT") 2>/dev/null; then
    mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld
    start-stop-daemon --start --oknodo --background --chuid mysql --exec /usr/sbin/mariadbd
    for _ in $(seq 1 60); do mysql_answers && break; sleep 0.5; done
  fi
  if ! mysql_answers; then
    # A fresh Debian install lets root in over the local socket only; the tests connect over
    # TCP as root without a password, like this project's machines are set up.
    mariadb -u root -e "ALTER USER root@localhost IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD('')" || true
  fi
  mysql_answers || { echo "setup_wp: MariaDB does not answer on 127.0.0.1:$MYSQL_PORT" >&2; return 1; }
}

install_packages
start_mariadb
echo "setup_wp: WordPress $(sed -n "s/^\$wp_version = '\(.*\)';/\1/p" /usr/share/wordpress/wp-includes/version.php) ready"
