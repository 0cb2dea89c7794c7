"""Each claim's verdict is computed from numbers: every rule on made-up results, each branch."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lmbasics._util.verdicts import (
    CONFIRMED,
    INCONCLUSIVE,
    NOT_MEASURED,
    PARTLY,
    REFUTED,
    VERDICTS,
)
from lmbasics.activations import verdicts as v

DEPTHS = [3, 6]
CONFIG = {"depths": DEPTHS, "init": "he", "explode_init_scale": 2.0, "rnn_gain": 1.5,
          "remedy_depth": 6}


def runs(*accuracies: float) -> list[dict]:
    """Training runs with these test accuracies (NaN: the run diverged)."""
    return [{"test_accuracy": a, "diverged": math.isnan(a), "grad_norm": [1.0, 2.0]}
            for a in accuracies]


GOOD, CHANCE, BETTER = runs(0.90, 0.91, 0.92), runs(0.10, 0.11, 0.09), runs(0.95, 0.96, 0.97)


def test_compare_needs_the_gap_beyond_the_noise() -> None:
    assert v.compare(np.array([0.9, 0.91, 0.92]), np.array([0.5, 0.52, 0.51])) == 1
    assert v.compare(np.array([0.5, 0.9, 0.1]), np.array([0.52, 0.1, 0.8])) == 0
    assert v.compare(np.array([0.1, 0.1, 0.1]), np.array([0.5, 0.5, 0.5])) == -1
    assert v.compare(np.array([0.505]), np.array([0.5])) == 0  # under MIN_GAP


def test_measured_peak_ignores_runs_never_measured_after_step_0() -> None:
    measured = {"trace": {"step": [0, 10]}, "peak_dead": 0.4}
    early = {"trace": {"step": [0]}, "peak_dead": 0.0}
    assert v.measured_peak([measured, early], "peak_dead") == 0.4
    assert math.isnan(v.measured_peak([early], "peak_dead"))


def test_the_derivative_bound_holds() -> None:
    assert v.derivative_bound()["verdict"] == CONFIRMED


def vanishing(ratios: dict[str, dict[str, list[float]]], names=("sigmoid", "relu")) -> dict:
    """``ratios``: init -> the ratio at each depth, the same for every activation."""
    return {
        "ratio_at_init": {init: {n: {str(d): [r] for d, r in zip(DEPTHS, values)} for n in names}
                          for init, values in ratios.items()},
        "runs": {n: {str(d): GOOD for d in DEPTHS} for n in names},
    }


@pytest.mark.parametrize(
    ("ratios", "verdict"),
    [
        ({"default": [1e-2, 1e-5], "he": [1e-3, 1e-6]}, CONFIRMED),  # below 1e-2, falling
        ({"default": [1e-2, 1e-5], "he": [1.0, 2.0]}, PARTLY),  # under one init only
        ({"default": [0.5, 0.2], "he": [1e-3, 1e-1]}, REFUTED),  # too large; rising
    ],
)
def test_vanishing_with_depth(ratios, verdict) -> None:
    assert v.vanishing_with_depth(vanishing(ratios), DEPTHS, "sigmoid")["verdict"] == verdict
    assert v.vanishing_with_depth(vanishing(ratios), DEPTHS, "tanh")["verdict"] == NOT_MEASURED


@pytest.mark.parametrize(
    ("he_ratio", "verdict"),
    [({"relu": 0.5, "elu": 2.0}, CONFIRMED), ({"relu": 0.5, "elu": 1e-3}, PARTLY),
     ({"relu": 50.0, "elu": 1e-3}, REFUTED)],
)
def test_relu_family_flows(he_ratio, verdict) -> None:
    results = {"ratio_at_init": {"he": {n: {"6": [r]} for n, r in he_ratio.items()},
                                 "default": {n: {"6": [1e-9]} for n in he_ratio}},
               "runs": {n: {} for n in he_ratio}}
    row = v.relu_family_flows(results, "he", "6")
    assert row["verdict"] == verdict and "under default init they vanish too" in row["measured"]
    assert v.relu_family_flows({"runs": {"sigmoid": {}}}, "he", "6")["verdict"] == NOT_MEASURED


@pytest.mark.parametrize(
    ("relu", "verdict"),
    [((GOOD, GOOD), CONFIRMED), ((GOOD, CHANCE), PARTLY), ((CHANCE, CHANCE), INCONCLUSIVE),
     ((runs(0.01, 0.02, 0.01), runs(0.01, 0.02, 0.01)), REFUTED)],
)
def test_relu_trains_where_sigmoid_fails(relu, verdict) -> None:
    results = {"runs": {"sigmoid": {str(d): CHANCE for d in DEPTHS},
                        "relu": {str(d): r for d, r in zip(DEPTHS, relu)}}}
    assert v.relu_trains_where_sigmoid_fails(results, DEPTHS)["verdict"] == verdict
    assert v.relu_trains_where_sigmoid_fails({"runs": {}}, DEPTHS)["verdict"] == NOT_MEASURED


def test_a_diverged_run_counts_at_chance() -> None:
    results = {"runs": {"sigmoid": {str(d): CHANCE for d in DEPTHS},
                        "relu": {str(d): runs(math.nan, math.nan, math.nan) for d in DEPTHS}}}
    assert v.relu_trains_where_sigmoid_fails(results, DEPTHS)["verdict"] == INCONCLUSIVE


@pytest.mark.parametrize(
    ("rnn_end", "mlp_deepest", "verdict"),
    [(1e-4, 1e4, CONFIRMED), (1e-4, 10.0, PARTLY), (1.0, 1e4, PARTLY), (1.0, 10.0, REFUTED)],
)
def test_products_explode(rnn_end, mlp_deepest, verdict) -> None:
    results = {"through_time": {"1.0": [[1.0, 1.0]], "4.0": [[1.0, rnn_end]]},
               "mlp_ratio_at_init": {"3": [5.0], "6": [mlp_deepest]}}
    assert v.products_explode(results, CONFIG)["verdict"] == verdict


@pytest.mark.parametrize(
    ("clipped", "verdict"), [(GOOD, CONFIRMED), (CHANCE, INCONCLUSIVE), (runs(0, 0, 0), REFUTED)]
)
def test_clipping_restores_training(clipped, verdict) -> None:
    results = {"training": {"no clipping": CHANCE, "clip 1": clipped}}
    row = v.clipping_restores_training(results, CONFIG)
    assert row["verdict"] == verdict and "0 diverged" in row["measured"]


@pytest.mark.parametrize(
    ("tanh", "verdict"), [(GOOD, CONFIRMED), (CHANCE, PARTLY)]
)
def test_remedy_rescues(tanh, verdict) -> None:
    def remedy(fixed):
        return {"plain": {"runs": CHANCE, "ratio_at_init": [1e-9]},
                "residual": {"runs": fixed, "ratio_at_init": [0.5]},
                "batchnorm": {"runs": runs(0.0, 0.0, 0.0), "ratio_at_init": [0.5]}}

    results = {"sigmoid": remedy(GOOD), "tanh": remedy(tanh)}
    assert v.remedy_rescues(results, CONFIG, "residual")["verdict"] == verdict
    assert v.remedy_rescues(results, CONFIG, "batchnorm")["verdict"] == REFUTED
    assert v.remedy_rescues({}, CONFIG, "residual")["verdict"] == NOT_MEASURED


def dead_runs(peak: float, diverged: bool = False) -> list[dict]:
    return [{"trace": {"step": [0, 10]}, "peak_dead": peak, "peak_inactive": peak / 2,
             "final_dead": peak, "test_accuracy": 0.9, "diverged": diverged}]


@pytest.mark.parametrize(
    ("relu_high", "leaky_high", "verdict"),
    [(0.4, 0.0, CONFIRMED), (0.4, 0.2, PARTLY), (0.01, 0.0, REFUTED)],
)
def test_relu_units_die(relu_high, leaky_high, verdict) -> None:
    results = {"relu": {"0.01": dead_runs(0.01), "1.0": dead_runs(relu_high)},
               "leaky_relu": {"0.01": dead_runs(0.0), "1.0": dead_runs(leaky_high)}}
    assert v.relu_units_die(results)["verdict"] == verdict
    assert v.relu_units_die({"elu": {}})["verdict"] == NOT_MEASURED


def smooth(gelu_digits, gelu_sst2=None) -> dict:
    results = {"digits": {"relu": GOOD, "gelu": gelu_digits}}
    if gelu_sst2 is not None:
        results["sst2"] = {"relu": GOOD, "gelu": gelu_sst2}
    return results


@pytest.mark.parametrize(
    ("results", "verdict"),
    [(smooth(BETTER, BETTER), CONFIRMED), (smooth(GOOD, BETTER), PARTLY),
     (smooth(GOOD), INCONCLUSIVE), (smooth(CHANCE, GOOD), REFUTED)],
)
def test_beats_relu(results, verdict) -> None:
    assert v.beats_relu(results, "gelu")["verdict"] == verdict
    assert v.beats_relu(results, "swish")["verdict"] == NOT_MEASURED


def means(at_init: float, trained: float | None) -> list[dict]:
    return [{"mean_at_init": [at_init, -at_init], "test_accuracy": 0.9, "diverged": False,
             "mean_trained": None if trained is None else [trained]}]


@pytest.mark.parametrize(
    ("elu", "verdict"),
    [(means(0.1, 0.2), CONFIRMED), (means(0.1, 2.0), PARTLY), (means(0.9, None), REFUTED)],
)
def test_elu_centres_activations(elu, verdict) -> None:
    results = {"digits": {"relu": means(0.5, 1.0), "elu": elu}}
    assert v.elu_centres_activations(results)["verdict"] == verdict
    assert v.elu_centres_activations({"digits": {"relu": GOOD}})["verdict"] == NOT_MEASURED


def gelu(error: float, torch_exact: float, numpy_exact: float) -> dict:
    seconds = {"torch exact (erf)": torch_exact, "torch tanh": 1.0,
               "numpy exact (erf)": numpy_exact, "numpy tanh": 1.0}
    return {"max_abs_error": error, "at_x": 2.7, "grid": [-10, 10, 5],
            "max_abs_derivative_error": error, "seconds": seconds, "elements": 10, "threads": 1}


def test_gelu_approximation() -> None:
    assert v.gelu_approximation_accurate(gelu(4e-4, 1, 1))["verdict"] == CONFIRMED
    assert v.gelu_approximation_accurate(gelu(4e-3, 1, 1))["verdict"] == REFUTED
    assert v.gelu_approximation_faster(gelu(0, 2.0, 3.0))["verdict"] == CONFIRMED
    assert v.gelu_approximation_faster(gelu(0, 0.5, 3.0))["verdict"] == PARTLY
    assert v.gelu_approximation_faster(gelu(0, 1.0, 1.05))["verdict"] == REFUTED


def test_claims_are_the_seeds_fifteen_in_order() -> None:
    results = {
        "vanishing": vanishing({"he": [1e-3, 1e-6]}),
        "exploding": {"through_time": {"4.0": [[1.0, 1e-4]]},
                      "mlp_ratio_at_init": {"3": [5.0], "6": [1e4]},
                      "training": {"no clipping": CHANCE, "clip 1": GOOD}},
        "remedies": {},
        "dead": {"relu": {"0.01": dead_runs(0.01), "1.0": dead_runs(0.4)}},
        "smooth": smooth(BETTER),
        "gelu": gelu(4e-4, 2.0, 3.0),
    }
    rows = v.claims(results, CONFIG)
    assert [row["experiment"] for row in rows] == list("111112233455566")
    assert all(row["verdict"] in VERDICTS for row in rows)
    assert rows[2]["verdict"] == NOT_MEASURED  # no tanh runs
