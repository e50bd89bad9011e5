"""Deterministic fault injection for the replica (``--faults SPEC``).

SPEC is comma-separated ``name=value`` pairs:

* ``rate=R``: total fault probability per attempt, spread evenly over all kinds;
* ``<kind>=R``: probability of one kind (kinds below), added to the above;
* ``seed=S``: fault seed (default 0); ``stall_seconds=N`` (default 30);
  ``trickle_seconds=N``: how long a trickled body takes (default 1.2);
  ``max_attempts=N``: how many first attempts of a URL may fail (default 2).

Kinds: ``500``/``502``/``503`` (error status), ``429`` (with ``Retry-After: 1``),
``stall`` (hold the connection silently for ``stall_seconds``, then close), ``reset``
(headers and part of the body, then a TCP reset), ``truncate`` (a Content-Length larger
than the body sent, then close), ``trickle`` (the body in small slow chunks, complete),
``loop`` (302 to the URL itself), ``errorpage`` (200 with WordPress's "Error
establishing a database connection" page, or an empty 200 body).

Whether attempt *n* of a request target is faulty is a pure function of
(seed, target, n), so runs repeat exactly and a retry of the same URL succeeds after
at most ``max_attempts`` faulty attempts. robots.txt is never faulty.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field

KINDS: tuple[str, ...] = (
    "500",
    "502",
    "503",
    "429",
    "stall",
    "reset",
    "truncate",
    "trickle",
    "loop",
    "errorpage",
)


@dataclass
class FaultSpec:
    rates: dict[str, float] = field(default_factory=dict)
    seed: int = 0
    stall_seconds: float = 30.0
    trickle_seconds: float = 1.2
    max_attempts: int = 2

    @property
    def total_rate(self) -> float:
        return sum(self.rates.values())


def parse_faults(spec: str) -> FaultSpec:
    """Parse a ``--faults`` SPEC; raises ValueError with the offending item."""
    result = FaultSpec()
    for item in filter(None, (part.strip() for part in spec.split(","))):
        name, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"fault spec item {item!r} is not name=value")
        name = name.strip()
        try:
            number = float(value)
        except ValueError:
            raise ValueError(f"fault spec item {item!r}: {value!r} is not a number") from None
        if name == "seed":
            result.seed = int(number)
        elif name == "stall_seconds":
            result.stall_seconds = number
        elif name == "trickle_seconds":
            result.trickle_seconds = number
        elif name == "max_attempts":
            result.max_attempts = max(1, int(number))
        elif name == "rate":
            for kind in KINDS:
                result.rates[kind] = result.rates.get(kind, 0.0) + number / len(KINDS)
        elif name in KINDS:
            result.rates[name] = result.rates.get(name, 0.0) + number
        else:
            raise ValueError(f"unknown fault kind {name!r}; kinds: {', '.join(KINDS)}")
        if number < 0:
            raise ValueError(f"fault spec item {item!r} is negative")
    if result.total_rate > 1.0:
        raise ValueError(f"fault rates add up to {result.total_rate:.3f} > 1")
    return result


def unit_hash(*parts: object) -> float:
    """A uniform number in [0, 1) from the parts (stable across runs and machines)."""
    digest = hashlib.sha256(":".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


class FaultPlan:
    """Decides, counts and reports faults; one instance per server."""

    def __init__(self, spec: FaultSpec) -> None:
        self.spec = spec
        self.attempts: Counter[str] = Counter()
        self.served: Counter[str] = Counter()

    def decide(self, target: str) -> str | None:
        """Count one attempt of ``target`` and return the fault kind to serve, if any."""
        self.attempts[target] += 1
        attempt = self.attempts[target]
        if attempt > self.spec.max_attempts or not self.spec.rates:
            return None
        pick = unit_hash(self.spec.seed, target, attempt)
        for kind in KINDS:
            rate = self.spec.rates.get(kind, 0.0)
            if pick < rate:
                self.served[kind] += 1
                return kind
            pick -= rate
        return None

    def variant(self, target: str, salt: str) -> float:
        """A stable per-target number for choices inside a fault (e.g. empty vs error page)."""
        return unit_hash(self.spec.seed, target, salt)

    def stats(self) -> dict[str, object]:
        return {
            "faults": {kind: self.served[kind] for kind in KINDS if self.served[kind]},
            "faults_total": sum(self.served.values()),
            "spec": {
                "rates": self.spec.rates,
                "seed": self.spec.seed,
                "stall_seconds": self.spec.stall_seconds,
                "trickle_seconds": self.spec.trickle_seconds,
                "max_attempts": self.spec.max_attempts,
            },
        }
