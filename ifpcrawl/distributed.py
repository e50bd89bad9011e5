"""Many workers on one crawl: a shared Redis frontier (scrapy-redis) feeding one shared store.

``-s IFP_REDIS_URL=redis://host:6379/0`` switches the scheduler and the duplicate filter to
Redis (the :class:`~ifpcrawl.addons.RedisFrontierAddon` add-on, registered in settings.py,
does it; without the setting nothing changes). Every ``scrapy crawl ifp`` started with the
same site, the same Redis and the same ``IFP_REDIS_PREFIX`` joins one *worker group*: the
workers share one request queue and one set of request fingerprints, so seeds and articles
are fetched once across all of them. Give them one shared store (``IFP_STORE=postgresql://...``).

Built on scrapy-redis 0.9.1 (its Scheduler, PriorityQueue, RFPDupeFilter, connection and
pickle serializer), with what Scrapy 2.19 and "no request lost" need done here:

* stats are counted without the deprecated ``spider=`` argument;
* a fingerprint is added and its request queued in one Lua script, and a popped request is
  moved into the worker's *lease* hash in one Lua script, so a worker killed at any instant
  neither drops a request it has marked seen nor one it has taken;
* keys are namespaced per spider *and site*, so two sites never share a frontier;
* the group decides the crawl mode (full / incremental) once, when its first worker joins.

Leases. A worker holds every request it popped until the request's outcome is safe: its
callback has yielded all its output (seen by :class:`LeaseMiddleware`) at least one tick
earlier, and an article it yielded is in the store (seen since the group started). A
separate thread refreshes the worker's heartbeat key (TTL ``IFP_REDIS_WORKER_TTL``); a worker
whose heartbeat lapsed (killed, machine lost) is *dead*, and the first live worker to notice
takes its leases over and queues again every request whose article is not in the store. The
dead worker's unflushed batch of articles is therefore fetched again, and nothing it held
is lost.

Stopping. A worker stops when, for ``IFP_REDIS_IDLE_SECONDS``, the shared queue was empty,
no other live worker was busy and no dead worker was waiting to be taken over. The last
worker to finish (reason ``finished``) deletes the group's keys, so the next run starts a
fresh group (and re-seeds). A worker closing for any other reason (Ctrl-C, store error)
queues its unsettled leases again and leaves the frontier in Redis: starting the same
command again resumes it, like JOBDIR does for one process. ``IFP_REDIS_FLUSH_ON_START``
discards a stale frontier instead (only when no live worker is in the group).

Redis keys, all under ``{IFP_REDIS_PREFIX}:{spider}:{site}`` (site = host[:port]/path):
``:queue`` (sorted set, scrapy-redis PriorityQueue layout), ``:seen`` (fingerprints),
``:meta`` (mode, started_at), ``:lease_seq``, ``:workers`` (worker -> JSON state),
``:lease:{worker}`` (lease id -> serialized request), ``:alive:{worker}`` (heartbeat).
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.utils.asyncio import create_looping_call
from scrapy.utils.misc import load_object
from scrapy.utils.request import request_from_dict
from scrapy_redis import picklecompat
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler

from ifpcrawl.config import ifp_setting
from ifpcrawl.crawlstate import crawl_state
from ifpcrawl.items import Article

if TYPE_CHECKING:
    from redis import Redis
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.settings import BaseSettings
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

DEFAULT_PREFIX = "ifpcrawl"
DEFAULT_IDLE_SECONDS = 10.0
DEFAULT_WORKER_TTL = 10.0
DEFAULT_HEARTBEAT = 1.0
# Where the scheduler leaves the group's frontier (IdleWatch) and itself (LeaseMiddleware).
_FRONTIER_ATTR = "_ifp_frontier"
_SCHEDULER_ATTR = "_ifp_shared_scheduler"
#: Request meta key: the lease id of a popped request (set by SharedScheduler).
LEASE_META = "ifp_lease"

# KEYS: seen, queue. ARGV: fingerprint ('' = dont_filter), score, data.
# Marking seen and queueing in one step: a kill between the two would lose the request.
_PUSH = """
if ARGV[1] ~= '' and redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1
"""
# KEYS: queue, lease hash, lease sequence. Pop the best request and lease it in one step.
_POP = """
local top = redis.call('ZRANGE', KEYS[1], 0, 0)
if #top == 0 then return false end
redis.call('ZREM', KEYS[1], top[1])
local id = redis.call('INCR', KEYS[3])
redis.call('HSET', KEYS[2], id, top[1])
return {tostring(id), top[1]}
"""
# KEYS: dead lease hash, my lease hash, lease sequence, workers, dead alive key.
# ARGV: dead worker id. Moves the leases into mine (so they survive my own death too).
_TAKE_OVER = """
if redis.call('EXISTS', KEYS[5]) == 1 then return false end
local items = redis.call('HGETALL', KEYS[1])
local moved = {}
for i = 1, #items, 2 do
  local id = redis.call('INCR', KEYS[3])
  redis.call('HSET', KEYS[2], id, items[i + 1])
  table.insert(moved, tostring(id))
  table.insert(moved, items[i + 1])
end
redis.call('DEL', KEYS[1])
redis.call('HDEL', KEYS[4], ARGV[1])
return moved
"""
# KEYS: workers, my lease hash, my alive key, queue, seen, meta, lease sequence.
# ARGV: me, '1' to delete the group when I am the last one out.
_LEAVE = """
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[2], KEYS[3])
if ARGV[2] == '1' and redis.call('HLEN', KEYS[1]) == 0 then
  redis.call('DEL', KEYS[4], KEYS[5], KEYS[6], KEYS[7])
  return 1
end
return 0
"""


def utc_now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def make_worker_id() -> str:
    """Unique per process, readable in logs: host, pid and a random tail."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def site_key(site_url: str) -> str:
    """The per-site part of the Redis keys: ``host[:port]/path`` (scheme-free, '%'-free
    because scrapy-redis formats keys with ``%``)."""
    parts = urlsplit(site_url)
    host = (parts.netloc or parts.path).lower()
    path = parts.path if parts.netloc else ""
    key = f"{host}{path.rstrip('/')}" or "default"
    return key.replace("%", "_").replace(" ", "_")


def group_namespace(prefix: str, spider_name: str, site_url: str) -> str:
    return f"{prefix}:{spider_name}:{site_key(site_url)}"


def at_or_after(stamp: str | None, since: str) -> bool:
    """Whether ISO time ``stamp`` is at or after ``since`` (unreadable: False)."""
    if not stamp:
        return False
    try:
        when = datetime.fromisoformat(str(stamp))
        start = datetime.fromisoformat(since)
    except ValueError:
        return False
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    return when >= start


@dataclass(frozen=True)
class GroupKeys:
    """Every Redis key of one worker group."""

    namespace: str

    @property
    def queue(self) -> str:
        return f"{self.namespace}:queue"

    @property
    def seen(self) -> str:
        return f"{self.namespace}:seen"

    @property
    def meta(self) -> str:
        return f"{self.namespace}:meta"

    @property
    def lease_seq(self) -> str:
        return f"{self.namespace}:lease_seq"

    @property
    def workers(self) -> str:
        return f"{self.namespace}:workers"

    def lease(self, worker: str) -> str:
        return f"{self.namespace}:lease:{worker}"

    def alive(self, worker: str) -> str:
        return f"{self.namespace}:alive:{worker}"

    def pattern(self) -> str:
        return f"{self.namespace}:*"


@dataclass
class GroupStatus:
    queued: int
    busy_others: list[str]
    dead: list[str]

    @property
    def quiet(self) -> bool:
        """Nothing left for anyone: the frontier is empty and nobody can add to it."""
        return self.queued == 0 and not self.busy_others and not self.dead


@dataclass
class GroupInfo:
    mode: str
    started_at: str
    queued: int
    workers: int


class Frontier:
    """One worker's handle on its group's shared frontier (plain Redis, no Scrapy)."""

    def __init__(
        self,
        server: Redis,
        keys: GroupKeys,
        worker: str,
        ttl: float = DEFAULT_WORKER_TTL,
    ) -> None:
        self.server = server
        self.keys = keys
        self.worker = worker
        self.ttl_ms = max(1, int(ttl * 1000))
        self._push = server.register_script(_PUSH)
        self._pop = server.register_script(_POP)
        self._take_over = server.register_script(_TAKE_OVER)
        self._leave = server.register_script(_LEAVE)

    # --- membership -----------------------------------------------------------------------

    def join(self, mode: str, now: str, flush: bool = False) -> GroupInfo:
        """Register this worker; the first worker of a group fixes its mode and start time."""
        if flush and not self.live_workers():
            self.clear()
        self.server.hsetnx(self.keys.meta, "mode", mode)
        self.server.hsetnx(self.keys.meta, "started_at", now)
        self.heartbeat(busy=True)
        meta = {_text(k): _text(v) for k, v in self.server.hgetall(self.keys.meta).items()}
        return GroupInfo(
            mode=meta.get("mode", mode),
            started_at=meta.get("started_at", now),
            queued=self.queued(),
            workers=int(self.server.hlen(self.keys.workers)),
        )

    def heartbeat(self, busy: bool) -> None:
        """Refresh the alive key and publish whether this worker is busy."""
        state = json.dumps({"busy": busy, "at": time.time()})
        pipe = self.server.pipeline()
        pipe.set(self.keys.alive(self.worker), "1", px=self.ttl_ms)
        pipe.hset(self.keys.workers, self.worker, state)
        pipe.execute()

    def keep_alive(self) -> None:
        """Refresh the alive key only (from the heartbeat thread)."""
        self.server.set(self.keys.alive(self.worker), "1", px=self.ttl_ms)

    def workers(self) -> dict[str, dict[str, Any]]:
        raw = self.server.hgetall(self.keys.workers)
        out: dict[str, dict[str, Any]] = {}
        for key, value in raw.items():
            try:
                out[_text(key)] = dict(json.loads(_text(value)))
            except ValueError:
                out[_text(key)] = {}
        return out

    def _alive(self, names: list[str]) -> dict[str, bool]:
        pipe = self.server.pipeline()
        for name in names:
            pipe.exists(self.keys.alive(name))
        return {name: bool(found) for name, found in zip(names, pipe.execute(), strict=True)}

    def live_workers(self) -> list[str]:
        names = list(self.workers())
        return [name for name, alive in self._alive(names).items() if alive]

    def status(self) -> GroupStatus:
        workers = self.workers()
        others = [name for name in workers if name != self.worker]
        alive = self._alive(others)
        return GroupStatus(
            queued=self.queued(),
            busy_others=[n for n in others if alive[n] and workers[n].get("busy", True)],
            dead=[n for n in others if not alive[n]],
        )

    def leave(self, clear_if_last: bool) -> bool:
        """Deregister (dropping this worker's leases); True if the group's keys were deleted."""
        keys = self.keys
        cleared = self._leave(
            keys=[
                keys.workers,
                keys.lease(self.worker),
                keys.alive(self.worker),
                keys.queue,
                keys.seen,
                keys.meta,
                keys.lease_seq,
            ],
            args=[self.worker, "1" if clear_if_last else "0"],
        )
        return bool(cleared)

    def clear(self) -> None:
        """Delete every key of the group (a fresh frontier)."""
        names = list(self.server.scan_iter(match=self.keys.pattern(), count=500))
        if names:
            self.server.delete(*names)

    # --- the queue ----------------------------------------------------------------------------

    def queued(self) -> int:
        return int(self.server.zcard(self.keys.queue))

    def push(self, data: bytes, priority: int, fingerprint: str | None) -> bool:
        """Queue a serialized request unless its fingerprint was seen (None: never filter)."""
        added = self._push(
            keys=[self.keys.seen, self.keys.queue], args=[fingerprint or "", -priority, data]
        )
        return bool(added)

    def pop(self) -> tuple[str, bytes] | None:
        """The best queued request, leased to this worker: (lease id, data)."""
        found = self._pop(keys=[self.keys.queue, self.keys.lease(self.worker), self.keys.lease_seq])
        if not found:
            return None
        lease_id, data = found
        return _text(lease_id), _bytes(data)

    def release(self, lease_ids: Iterable[str]) -> None:
        """The outcome of these leases is safe: forget them."""
        ids = list(lease_ids)
        if ids:
            self.server.hdel(self.keys.lease(self.worker), *ids)

    def requeue(self, lease_id: str, data: bytes, priority: int) -> None:
        """Give a leased request back to the group (no fingerprint check: it was seen)."""
        pipe = self.server.pipeline(transaction=True)
        pipe.zadd(self.keys.queue, {data: -priority})
        pipe.hdel(self.keys.lease(self.worker), lease_id)
        pipe.execute()

    def leases(self) -> dict[str, bytes]:
        raw = self.server.hgetall(self.keys.lease(self.worker))
        return {_text(k): _bytes(v) for k, v in raw.items()}

    def take_over(self, dead: str) -> dict[str, bytes]:
        """Move a dead worker's leases into this worker's (None if it came back to life)."""
        keys = self.keys
        moved = self._take_over(
            keys=[
                keys.lease(dead),
                keys.lease(self.worker),
                keys.lease_seq,
                keys.workers,
                keys.alive(dead),
            ],
            args=[dead],
        )
        if not moved:
            return {}
        return {_text(moved[i]): _bytes(moved[i + 1]) for i in range(0, len(moved), 2)}


def _text(value: Any) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _bytes(value: Any) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else bytes(value)


# --- scrapy-redis components, fitted to Scrapy 2.19 ----------------------------------------


class SiteDupeFilter(RFPDupeFilter):  # type: ignore[misc]
    """scrapy-redis's fingerprint filter, keyed per spider and site (not per spider only)."""

    @classmethod
    def from_spider(cls, spider: Spider) -> SiteDupeFilter:
        settings = spider.settings
        keys = GroupKeys(namespace_for(spider))
        server = _redis(settings)
        return cls(server, key=keys.seen, debug=settings.getbool("DUPEFILTER_DEBUG"))

    def request_fingerprint(self, request: Request) -> str:
        return str(super().request_fingerprint(request))


class LeasedPriorityQueue(PriorityQueue):  # type: ignore[misc]
    """scrapy-redis's priority queue whose pop leases the request to this worker."""

    def __init__(self, server: Redis, spider: Spider, key: str, serializer: Any = None) -> None:
        super().__init__(server, spider, key, serializer=serializer or picklecompat)
        self.frontier: Frontier | None = None

    def encode(self, request: Request) -> bytes:
        return bytes(self._encode_request(request))

    def decode(self, data: bytes) -> Request:
        return request_from_dict(self.serializer.loads(data), spider=self.spider)

    def push(self, request: Request) -> None:
        assert self.frontier is not None
        self.frontier.push(self.encode(request), request.priority, None)

    def pop(self, timeout: int = 0) -> Request | None:
        assert self.frontier is not None
        leased = self.frontier.pop()
        return None if leased is None else self.decode(leased[1])


def namespace_for(spider: Spider) -> str:
    settings = spider.settings
    assert spider.crawler is not None
    site_url = crawl_state(spider.crawler).site_url or str(ifp_setting(settings, "IFP_SITE"))
    prefix = str(ifp_setting(settings, "IFP_REDIS_PREFIX") or DEFAULT_PREFIX)
    return group_namespace(prefix, spider.name, site_url)


def _redis(settings: BaseSettings) -> Redis:
    from scrapy_redis.connection import get_redis_from_settings

    server: Redis = get_redis_from_settings(settings)
    return server


@dataclass
class _Lease:
    """This worker's bookkeeping for one request it popped."""

    done_tick: int | None = None  # the tick during which its callback finished
    stored_urls: tuple[str, ...] = ()  # articles the callback yielded: wait for the store


class Heartbeat(threading.Thread):
    """Refreshes the worker's alive key from its own thread.

    The reactor thread can stall for seconds on a busy machine (a large page, a store write
    waiting on another worker's transaction); a heartbeat there would make live workers look
    dead and their requests be fetched twice. Only a dead (or wholly hung) process stops this.
    """

    def __init__(self, frontier: Frontier, interval: float) -> None:
        super().__init__(name="ifp-frontier-heartbeat", daemon=True)
        self.frontier = frontier
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                self.frontier.keep_alive()
            except Exception as exc:  # a Redis blip: the next beat retries
                logger.warning("Heartbeat failed: %s", exc)

    def stop(self) -> None:
        self.stopped.set()


def article_url_of(request: dict[str, Any]) -> str | None:
    """The URL to look up in the store for a serialized article request, else None."""
    meta = request.get("meta") or {}
    if meta.get("ifp_kind") == "article":
        return str(request.get("url") or "") or None
    return None


class SharedScheduler(Scheduler):  # type: ignore[misc]
    """scrapy-redis's Scheduler on a leased, per-site frontier shared by a worker group."""

    df: Any  # the duplicate filter (scrapy-redis sets it; built per spider in open())

    def __init__(self, server: Redis, **kwargs: Any) -> None:
        super().__init__(server, **kwargs)
        self.crawler: Crawler | None = None
        self.frontier: Frontier | None = None
        self.group: GroupInfo | None = None
        self.held: dict[str, _Lease] = {}
        self.worker = make_worker_id()
        self.ttl = DEFAULT_WORKER_TTL
        self.heartbeat_interval = DEFAULT_HEARTBEAT
        self.flush_on_open = False
        self.loop: Any = None
        self.beat: Heartbeat | None = None
        self.ticks = 0
        self.is_stored: Callable[[list[str]], set[str]] = lambda urls: set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedScheduler:
        scheduler: SharedScheduler = cls.from_settings(crawler.settings)
        scheduler.crawler = crawler
        scheduler.stats = crawler.stats
        settings = crawler.settings
        scheduler.ttl = ifp_setting(settings, "IFP_REDIS_WORKER_TTL")
        scheduler.heartbeat_interval = ifp_setting(settings, "IFP_REDIS_HEARTBEAT")
        scheduler.flush_on_open = ifp_setting(
            settings, "IFP_REDIS_FLUSH_ON_START"
        ) or settings.getbool("SCHEDULER_FLUSH_ON_START", False)
        return scheduler

    # --- Scrapy's scheduler interface -------------------------------------------------------

    def open(self, spider: Spider) -> None:
        self.spider = spider
        keys = GroupKeys(namespace_for(spider))
        self.queue = LeasedPriorityQueue(self.server, spider, keys.queue, self.serializer)
        self.frontier = Frontier(self.server, keys, self.worker, self.ttl)
        self.queue.frontier = self.frontier
        if not self.df:
            self.df = load_object(self.dupefilter_cls).from_spider(spider)
        state = crawl_state(spider.crawler)
        mode = state.mode
        self.group = self.frontier.join(mode, utc_now(), flush=self.flush_on_open)
        if mode and self.group.mode != mode:
            # Workers that join later see articles stored by the others and would pick
            # incremental; the whole group must walk listings the same way.
            state.adopt_mode(self.group.mode, "the worker group crawls in that mode")
        self.is_stored = self._store_check(self.group.started_at)
        assert self.crawler is not None
        setattr(self.crawler, _FRONTIER_ATTR, self.frontier)
        setattr(self.crawler, _SCHEDULER_ATTR, self)
        logger.info(
            "Worker %s joined %s (%d queued, %d workers, started %s)",
            self.worker,
            keys.namespace,
            self.group.queued,
            self.group.workers,
            self.group.started_at,
        )
        self._settle_dead()
        self.beat = Heartbeat(self.frontier, self.heartbeat_interval)
        self.beat.start()
        self.loop = create_looping_call(self.tick)
        self.loop.start(self.heartbeat_interval, now=False)

    def close(self, reason: str) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        if self.beat is not None:
            self.beat.stop()
        if self.frontier is None:
            return
        finished = reason == "finished"
        if not finished:
            # Interrupted: hand every unsettled request back so a restart (or the rest of
            # the group) carries on where this worker stopped.
            self._settle(self.frontier.leases())
        cleared = self.frontier.leave(clear_if_last=finished or not self.persist)
        if cleared:
            logger.info("Last worker out: the group's frontier is done and was cleared")
        elif not finished:
            logger.info(
                "Frontier kept in Redis (%d queued): run again to resume", self.frontier.queued()
            )

    def enqueue_request(self, request: Request) -> bool:
        assert self.frontier is not None
        fingerprint = None if request.dont_filter else self.df.request_fingerprint(request)
        if not self.frontier.push(self.queue.encode(request), request.priority, fingerprint):
            self.df.log(request, self.spider)
            self._inc("dupefilter/filtered")
            return False
        self._inc("scheduler/enqueued/redis")
        self._inc("scheduler/enqueued")
        return True

    def next_request(self) -> Request | None:
        assert self.frontier is not None
        leased = self.frontier.pop()
        if leased is None:
            return None
        lease_id, data = leased
        request = self.queue.decode(data)
        # Travels with the request to LeaseMiddleware; stale copies (a retry pushed back to
        # Redis keeps its meta) are overwritten at their next pop.
        request.meta[LEASE_META] = lease_id
        self.held[lease_id] = _Lease()
        self._inc("scheduler/dequeued/redis")
        self._inc("scheduler/dequeued")
        return request

    def has_pending_requests(self) -> bool:
        return self.frontier is not None and self.frontier.queued() > 0

    def __len__(self) -> int:
        return 0 if self.frontier is None else self.frontier.queued()

    # --- leases --------------------------------------------------------------------------------

    def callback_done(self, lease_id: str, article_urls: list[str]) -> None:
        """LeaseMiddleware: the callback of this lease's response yielded all its output."""
        lease = self.held.get(lease_id)
        if lease is not None:
            lease.done_tick = self.ticks
            lease.stored_urls = tuple(article_urls)

    def tick(self) -> None:
        """Publish state, take over dead workers, release settled leases, wake an idle engine."""
        if self.frontier is None or self.crawler is None or self.crawler.engine is None:
            return
        engine = self.crawler.engine
        self.ticks += 1
        try:
            idle = engine.spider_is_idle()
            self.frontier.heartbeat(busy=not idle)
            self._settle_dead()
            self._release_settled(engine_idle=idle)
            queued = self.frontier.queued()
        except Exception:
            # A Redis or store blip must not stop the loop; the next tick retries.
            logger.exception("Frontier maintenance failed")
            return
        if queued and idle:
            # Another worker queued requests while this engine had nothing to do: ask the
            # engine to pull now instead of at its next 5 s heartbeat (private API, hence
            # the guards; without it the engine still pulls, only later).
            slot = getattr(engine, "_slot", None)
            nextcall = getattr(slot, "nextcall", None)
            if nextcall is not None:
                nextcall.schedule()

    def _release_settled(self, engine_idle: bool) -> None:
        """Forget leases whose outcome is safe.

        A callback that finished during an earlier tick has queued its requests (the engine
        schedules them as the callback yields them; a tick later nothing is in flight); an
        article it yielded must also be in the store. An idle engine has run every callback
        and errback of this worker, so only the store remains to wait for.
        """
        assert self.frontier is not None
        release: list[str] = []
        waiting: dict[str, tuple[str, ...]] = {}
        for lease_id, lease in self.held.items():
            settled = engine_idle or (lease.done_tick is not None and lease.done_tick < self.ticks)
            if not settled:
                continue
            if lease.stored_urls:
                waiting[lease_id] = lease.stored_urls
            else:
                release.append(lease_id)
        if waiting:
            stored = self.is_stored(sorted({url for urls in waiting.values() for url in urls}))
            release += [i for i, urls in waiting.items() if all(u in stored for u in urls)]
        for lease_id in release:
            del self.held[lease_id]
        self.frontier.release(release)

    def _settle_dead(self) -> None:
        assert self.frontier is not None
        for dead in self.frontier.status().dead:
            moved = self.frontier.take_over(dead)
            if not moved:
                continue
            requeued = self._settle(moved)
            self._inc("ifp/redis/taken_over", len(moved))
            logger.warning(
                "Worker %s stopped heartbeating: took over its %d leases, queued %d again",
                dead,
                len(moved),
                requeued,
            )

    def _settle(self, leased: dict[str, bytes]) -> int:
        """Queue again every leased request whose outcome is not in the store."""
        assert self.frontier is not None
        decoded: dict[str, dict[str, Any]] = {}
        for lease_id, data in leased.items():
            try:
                decoded[lease_id] = dict(self.queue.serializer.loads(data))
            except Exception:
                logger.warning("Dropped an unreadable leased request %s", lease_id)
                decoded[lease_id] = {}
        urls = [u for u in (article_url_of(r) for r in decoded.values()) if u]
        stored = self.is_stored(urls) if urls else set()
        requeued = 0
        for lease_id, request in decoded.items():
            url = article_url_of(request)
            if not request or (url is not None and url in stored):
                self.frontier.release([lease_id])
            else:
                priority = int(request.get("priority") or 0)
                self.frontier.requeue(lease_id, leased[lease_id], priority)
                requeued += 1
            self.held.pop(lease_id, None)
        self._inc("ifp/redis/requeued", requeued)
        return requeued

    def _store_check(self, since: str) -> Callable[[list[str]], set[str]]:
        """URLs among those given whose article was stored (or seen) since ``since``."""
        assert self.crawler is not None
        from ifpcrawl.runtime import store_for

        store = store_for(self.crawler)

        def stored(urls: list[str]) -> set[str]:
            states = store.article_states(urls)
            return {url for url, state in states.items() if at_or_after(state.last_seen_at, since)}

        return stored

    def _inc(self, key: str, count: int = 1) -> None:
        if self.stats is not None and count:
            self.stats.inc_value(key, count)


class LeaseMiddleware:
    """Tells the shared scheduler when a response's callback has yielded all its output.

    Until then the worker keeps the request leased: if it dies, another worker fetches the
    page again, so no request the callback would have queued is lost. An article it yielded
    keeps the lease until the store has it (the pipeline writes in batches).
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LeaseMiddleware:
        if not ifp_setting(crawler.settings, "IFP_REDIS_URL"):
            raise NotConfigured("IFP_REDIS_URL is not set")
        return cls(crawler)

    def _done(self, response: Response, article_urls: list[str]) -> None:
        scheduler: SharedScheduler | None = getattr(self.crawler, _SCHEDULER_ATTR, None)
        lease_id = response.meta.get(LEASE_META) if response.request is not None else None
        if scheduler is not None and lease_id is not None:
            scheduler.callback_done(str(lease_id), article_urls)

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterator[Any]:
        urls: list[str] = []
        for output in result:
            if isinstance(output, Article):
                urls.append(output.url)
            yield output
        self._done(response, urls)

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        urls: list[str] = []
        async for output in result:
            if isinstance(output, Article):
                urls.append(output.url)
            yield output
        self._done(response, urls)


class IdleWatch:
    """Keeps a worker open while the group still has work; lets it stop once all is quiet.

    The engine raises ``spider_idle`` when this worker has nothing to do; other workers may
    still be fetching pages that will queue more requests, or a dead worker's leases may be
    waiting to be taken over. The worker stops once the group has been quiet (empty queue,
    nobody busy, nobody dead) for ``IFP_REDIS_IDLE_SECONDS``.
    """

    def __init__(self, crawler: Crawler, idle_seconds: float) -> None:
        self.crawler = crawler
        self.idle_seconds = idle_seconds
        self.quiet_since: float | None = None
        assert crawler.stats is not None
        self.stats: StatsCollector = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IdleWatch:
        if not ifp_setting(crawler.settings, "IFP_REDIS_URL"):
            raise NotConfigured("IFP_REDIS_URL is not set")
        seconds = ifp_setting(crawler.settings, "IFP_REDIS_IDLE_SECONDS")
        # At least one heartbeat TTL: a worker that died just before the group went quiet
        # must be seen dead (and taken over) before the others stop.
        seconds = max(seconds, ifp_setting(crawler.settings, "IFP_REDIS_WORKER_TTL"))
        watch = cls(crawler, seconds)
        crawler.signals.connect(watch.spider_idle, signal=signals.spider_idle)
        return watch

    def spider_idle(self, spider: Spider) -> None:
        frontier: Frontier | None = getattr(self.crawler, _FRONTIER_ATTR, None)
        if frontier is None:
            return  # not on the shared scheduler (SCHEDULER overridden): Scrapy's usual rule
        status = frontier.status()
        now = time.monotonic()
        if not status.quiet:
            self.quiet_since = None
            self.stats.inc_value("ifp/redis/idle_waits")
            raise DontCloseSpider("other workers of the group are still busy")
        if self.quiet_since is None:
            self.quiet_since = now
        if now - self.quiet_since < self.idle_seconds:
            raise DontCloseSpider("waiting for the frontier to stay empty")
        logger.info("Frontier empty for %.0f s and no worker busy: stopping", self.idle_seconds)


# The add-on lives in ifpcrawl.addons (importing this module costs scrapy-redis); this name
# stays importable for configurations that spell its old path.
from ifpcrawl.addons import RedisFrontierAddon  # noqa: E402

__all__ = ["RedisFrontierAddon"]
