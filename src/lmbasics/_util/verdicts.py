"""The words a report's verdict may use, and how the verdicts of a claim's parts add up.

Both reports (``encoders/verdicts.py``, ``activations/verdicts.py``) judge the seed's claims
with these words and nothing else:

- *confirmed*: the numbers show what the claim says, by the report's stated rule;
- *partly confirmed*: some of the settings a claim is tested in show it, others do not;
- *refuted*: the numbers show the opposite (or show the effect absent);
- *inconclusive*: the seeds cannot tell (the difference is inside the noise);
- *not measured*: the experiment behind the claim was not run.

A claim *of several parts* ("A beats B and C") needs every part: :func:`all_parts`. A claim
*tested in several settings* ("gradients vanish", under each initialisation) can hold in some of
them: :func:`each_setting`.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "CONFIRMED",
    "INCONCLUSIVE",
    "NOT_MEASURED",
    "PARTLY",
    "REFUTED",
    "VERDICTS",
    "all_parts",
    "each_setting",
    "from_sign",
    "holds",
]

CONFIRMED = "confirmed"
PARTLY = "partly confirmed"
REFUTED = "refuted"
INCONCLUSIVE = "inconclusive"
NOT_MEASURED = "not measured"
VERDICTS = (CONFIRMED, PARTLY, REFUTED, INCONCLUSIVE, NOT_MEASURED)


def holds(ok: bool) -> str:
    """A direct measurement with no seed noise: confirmed if ``ok``, else refuted."""
    return CONFIRMED if ok else REFUTED


def from_sign(sign: int) -> str:
    """A comparison's outcome: +1 as claimed, -1 the opposite, 0 the seeds cannot tell."""
    return CONFIRMED if sign > 0 else REFUTED if sign < 0 else INCONCLUSIVE


def all_parts(parts: Iterable[str]) -> str:
    """Every part needed: not measured if any part is (or there are none), refuted if any part
    is, confirmed if all are, else inconclusive."""
    parts = list(parts)
    if not parts or NOT_MEASURED in parts:
        return NOT_MEASURED
    if REFUTED in parts:
        return REFUTED
    return CONFIRMED if all(p == CONFIRMED for p in parts) else INCONCLUSIVE


def each_setting(settings: Iterable[str]) -> str:
    """A claim tested in several settings: confirmed if it holds in all, partly confirmed if in
    some; in none, as :func:`all_parts` (refuted if one refutes it, else inconclusive)."""
    settings = list(settings)
    confirmed = sum(s == CONFIRMED for s in settings)
    if settings and NOT_MEASURED not in settings and 0 < confirmed < len(settings):
        return PARTLY
    return all_parts(settings)
