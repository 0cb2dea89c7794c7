"""The shared helpers in ``lmbasics._util``: argument types and the stopwatch."""

from __future__ import annotations

import argparse
from types import SimpleNamespace

import pytest

from lmbasics._util import arguments, timing


@pytest.mark.parametrize(("text", "value"), [("1", 1), ("42", 42), (" 7 ", 7)])
def test_positive_int_accepts(text: str, value: int) -> None:
    assert arguments.positive_int(text) == value


@pytest.mark.parametrize(
    ("text", "message"),
    [("0", "must be > 0, got 0"), ("-3", "must be > 0, got -3"), ("1.5", "expected an integer"),
     ("x", "expected an integer, got 'x'")],
)
def test_positive_int_rejects(text: str, message: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match=message):
        arguments.positive_int(text)


@pytest.mark.parametrize(("text", "value"), [("0.01", 0.01), ("3", 3.0), ("1e-9", 1e-9)])
def test_positive_float_accepts(text: str, value: float) -> None:
    assert arguments.positive_float(text) == value


@pytest.mark.parametrize("text", ["0", "-0.5", "nan", "inf", "-inf", "abc"])
def test_positive_float_rejects(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        arguments.positive_float(text)


def test_median_seconds_warms_up_then_takes_the_median(monkeypatch) -> None:
    # a fake clock: call i of work() takes durations[i] seconds; the warm-up is not timed
    durations = iter([100.0, 5.0, 1.0, 3.0, 2.0])
    clock = {"t": 0.0}
    events: list[str] = []

    def work() -> None:
        events.append("work")
        clock["t"] += next(durations)

    monkeypatch.setattr(timing, "time", SimpleNamespace(perf_counter=lambda: clock["t"]))
    assert timing.median_seconds(work, 4) == 2.5  # median of 5, 1, 3, 2
    assert events == ["work"] * 5

    durations = iter([9.0, 4.0, 6.0, 1.0])
    events.clear()
    assert timing.median_seconds(work, 3, synchronize=lambda: events.append("sync")) == 4.0
    assert events == ["work"] + ["sync", "work", "sync"] * 3


def test_verdict_words_and_how_parts_add_up() -> None:
    from lmbasics._util import verdicts as v

    assert len(set(v.VERDICTS)) == 5
    assert (v.holds(True), v.holds(False)) == (v.CONFIRMED, v.REFUTED)
    assert [v.from_sign(s) for s in (1, 0, -1)] == [v.CONFIRMED, v.INCONCLUSIVE, v.REFUTED]
    # a claim of several parts needs them all
    assert v.all_parts([v.CONFIRMED, v.CONFIRMED]) == v.CONFIRMED
    assert v.all_parts([v.CONFIRMED, v.REFUTED, v.INCONCLUSIVE]) == v.REFUTED
    assert v.all_parts([v.CONFIRMED, v.INCONCLUSIVE]) == v.INCONCLUSIVE
    assert v.all_parts([v.CONFIRMED, v.NOT_MEASURED]) == v.NOT_MEASURED
    assert v.all_parts([]) == v.NOT_MEASURED
    # a claim tested in several settings can hold in some
    assert v.each_setting([v.CONFIRMED, v.CONFIRMED]) == v.CONFIRMED
    assert v.each_setting([v.CONFIRMED, v.REFUTED]) == v.PARTLY
    assert v.each_setting([v.INCONCLUSIVE, v.CONFIRMED]) == v.PARTLY
    assert v.each_setting([v.INCONCLUSIVE, v.REFUTED]) == v.REFUTED
    assert v.each_setting([v.INCONCLUSIVE]) == v.INCONCLUSIVE
    assert v.each_setting([v.CONFIRMED, v.NOT_MEASURED]) == v.NOT_MEASURED
    assert v.each_setting(iter([v.CONFIRMED])) == v.CONFIRMED
