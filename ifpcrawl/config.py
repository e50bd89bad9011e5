"""The project's ``IFP_*`` settings: how each is described, and their check at start.

The registry itself (name, default, kind, allowed values, one-line doc) is
``ifpcrawl.settings.ifp_settings``; README's settings table lists the same names (a test
holds them equal). :func:`check_settings` runs in every `scrapy crawl` (the spider's
``update_settings``, so also under scrapyd) before anything is opened, and raises
:class:`ConfigError` with one line naming the setting, the value and what is allowed; the
project's `crawl` command prints that line and exits with ``ExitStatus.CANNOT_START``.

Values given with ``-s`` arrive as strings: lists and dicts as JSON (lists also as a comma
list), booleans as Scrapy reads them ("1"/"0"/"true"/"false"/"True"/"False").
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

# What Scrapy's getbool() reads; anything else makes it raise deep inside a component.
_BOOL_STRINGS = {"0": False, "1": True, "false": False, "true": True, "False": False, "True": True}


class ConfigError(ValueError):
    """A bad argument or setting: the crawl cannot start. The message is one line."""


@dataclass(frozen=True)
class Spec:
    """One ``IFP_*`` setting.

    ``kind``: str | url | int | float | bool | list | dict. ``choices``: the allowed values
    (of the items, for a list; of the keys, for a dict). ``minimum``: for numbers (and the
    values of a dict).
    """

    name: str
    default: Any
    kind: str
    doc: str
    choices: tuple[str, ...] = ()
    minimum: float | None = None

    def problem(self, value: Any) -> str | None:
        """Why ``value`` is not allowed for this setting (one line), or None."""
        checker = _CHECKERS[self.kind]
        why = checker(self, value)
        if why is None:
            return None
        return f"{self.name}={_shown(value)} is not allowed: {why}"


def _shown(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=str)


def _number(spec: Spec, value: Any, cast: type[int] | type[float]) -> str | None:
    word = "a whole number" if cast is int else "a number"
    if isinstance(value, bool):
        return f"expected {word}"
    try:
        number = cast(value)
    except (TypeError, ValueError):
        return f"expected {word}" + (f" ≥ {spec.minimum:g}" if spec.minimum is not None else "")
    if spec.minimum is not None and number < spec.minimum:
        return f"expected {word} ≥ {spec.minimum:g}"
    return None


def _check_int(spec: Spec, value: Any) -> str | None:
    return _number(spec, value, int)


def _check_float(spec: Spec, value: Any) -> str | None:
    return _number(spec, value, float)


def _check_bool(spec: Spec, value: Any) -> str | None:
    if isinstance(value, bool) or value in (0, 1):
        return None
    if isinstance(value, str) and value.strip() in _BOOL_STRINGS:
        return None
    return "expected true or false (or 1 or 0)"


def _check_str(spec: Spec, value: Any) -> str | None:
    if not isinstance(value, str):
        return "expected a string"
    if spec.choices and value not in spec.choices:
        return f"expected one of {', '.join(spec.choices)}"
    return None


def _check_url(spec: Spec, value: Any) -> str | None:
    if not isinstance(value, str):
        return "expected an http(s) URL"
    return url_problem(value)


def as_list(value: Any) -> list[Any] | None:
    """A list setting as Python: a list, a JSON list or a comma list; None if neither."""
    if isinstance(value, list | tuple):
        return list(value)
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text.startswith("["):
        try:
            loaded = json.loads(text)
        except ValueError:
            return None
        return loaded if isinstance(loaded, list) else None
    return [part.strip() for part in text.split(",") if part.strip()]


def as_dict(value: Any) -> dict[Any, Any] | None:
    """A dict setting as Python: a mapping or a JSON object; None if neither."""
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, str):
        try:
            loaded = json.loads(value)
        except ValueError:
            return None
        return loaded if isinstance(loaded, dict) else None
    return None


def _check_list(spec: Spec, value: Any) -> str | None:
    items = as_list(value)
    if items is None:
        return 'expected a JSON list (e.g. ["a", "b"]) or a comma list'
    if not all(isinstance(item, str) for item in items):
        return "expected a list of strings"
    bad = [item for item in items if spec.choices and item not in spec.choices]
    if bad:
        return f"{', '.join(bad)} not among {', '.join(spec.choices)}"
    return None


def _check_dict(spec: Spec, value: Any) -> str | None:
    mapping = as_dict(value)
    if mapping is None:
        return 'expected a JSON object (e.g. {"title": 0.99})'
    bad_keys = [str(key) for key in mapping if spec.choices and key not in spec.choices]
    if bad_keys:
        return f"{', '.join(bad_keys)} not among {', '.join(spec.choices)}"
    for key, item in mapping.items():
        why = _number(spec, item, float)
        if why:
            return f"the value of {key} is not {why.removeprefix('expected ')}"
    return None


def _check_internal(spec: Spec, value: Any) -> str | None:
    """A setting one of ifpcrawl's own commands sets for its run: nothing to check."""
    return None


_CHECKERS = {
    "internal": _check_internal,
    "str": _check_str,
    "url": _check_url,
    "int": _check_int,
    "float": _check_float,
    "bool": _check_bool,
    "list": _check_list,
    "dict": _check_dict,
}


def url_problem(url: str) -> str | None:
    """Why ``url`` is not a site URL (http or https, with a host), or None."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
        parts.port  # noqa: B018 - a bad port raises here
    except ValueError as exc:
        return f"expected an http(s) URL with a host ({exc})"
    if parts.scheme not in ("http", "https") or not host or any(c.isspace() for c in url.strip()):
        return "expected an http(s) URL with a host, e.g. https://example.org/"
    return None


def check_site(url: str) -> None:
    """``-a site=``: an http(s) URL with a host, or :class:`ConfigError`."""
    why = url_problem(url)
    if why:
        raise ConfigError(f"-a site={url} is not allowed: {why}")


def registry() -> dict[str, Spec]:
    """The project's ``IFP_*`` settings by name (from ``ifpcrawl.settings``)."""
    # Imported here: settings.py imports this module for Spec.
    from ifpcrawl import settings

    return {spec.name: spec for spec in settings.ifp_settings}


def default(name: str) -> Any:
    """The registered default of ``name``: components read it instead of repeating it."""
    return registry()[name].default


def ifp_setting(settings: Any, name: str) -> Any:
    """The value of the ``IFP_*`` setting ``name`` as its registry kind says (int, float,
    bool, list, dict, str), the registry default when it is unset: the one way components
    read a setting, so no default is written twice. ``settings``: Scrapy's settings, or any
    mapping (a command's options)."""
    spec = registry()[name]
    value = settings.get(name) if hasattr(settings, "get") else None
    if value is None:
        value = spec.default
    try:
        if spec.kind == "int":
            return int(value)
        if spec.kind == "float":
            return float(value)
    except (TypeError, ValueError):
        raise ConfigError(spec.problem(value) or f"{name}={_shown(value)} is not allowed") from None
    if spec.kind == "bool":
        if isinstance(value, str):
            return _BOOL_STRINGS.get(value.strip(), bool(value))
        return bool(value)
    if spec.kind == "list":
        return as_list(value) or []
    if spec.kind == "dict":
        return as_dict(value) or {}
    return value


def check_settings(settings: Mapping[str, Any]) -> None:
    """Raise :class:`ConfigError` for the first unknown or invalid ``IFP_*`` setting.

    A name defined in settings.py but missing from the registry is accepted unchecked, so
    a forgotten registry entry never stops a crawl (a test catches it instead).
    """
    from ifpcrawl import settings as project

    specs = registry()
    accepted = set(specs) | {name for name in vars(project) if name.startswith("IFP_")}
    for name in sorted(settings):
        if not name.startswith("IFP_"):
            continue
        spec = specs.get(name)
        if spec is None:
            if name in accepted:
                continue
            near = difflib.get_close_matches(name, sorted(accepted), n=1)
            hint = f"; did you mean {near[0]}?" if near else ""
            raise ConfigError(f"unknown setting {name}{hint}")
        why = spec.problem(settings[name])
        if why:
            raise ConfigError(why)
