"""W3's table: each model at each corpus size, and SG − CBOW per loss as the corpus grows.

From ``runs.run_grid``'s result (the chosen learning rate per size and model, and every record)
it keeps, per size and model, the runs at the chosen rate (one per seed) and summarises them:
test analogy accuracy over the questions asked (mean ± std over seeds) and the coverage
(asked / all test questions), WordSim-353 Spearman over the pairs covered, training seconds.
Then per loss (``ns``, ``hs``) and metric: SG − CBOW at each size with its standard error
(:func:`~lmbasics.word2vec.claims.analysis.difference`), the crossover and its bootstrap.

It does not do: train, judge, draw.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lmbasics.word2vec.claims.analysis import (
    binomial_floor,
    bootstrap_crossover,
    crossover,
    difference,
    outcome_array,
    run_accuracy,
    run_spearman,
    spearman_floor,
    stat,
)

LOSSES = {"ns": ("sg-ns", "cbow-ns"), "hs": ("sg-hs", "cbow-hs")}  # loss -> (SG, CBOW)


def chosen_runs(grid_result: dict[str, Any]) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """``{size: {model: [record per seed]}}`` at each model's chosen learning rate."""
    out: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for size, models in grid_result["choices"].items():
        for model, choice in models.items():
            runs = [r for r in grid_result["records"]
                    if r["spec"]["size"] == size and r["spec"]["model"] == model
                    and r["spec"]["alpha"] == choice["alpha"]]
            if runs:
                out.setdefault(size, {})[model] = sorted(runs, key=lambda r: r["spec"]["seed"])
    return out


def summarise_model(runs: list[dict[str, Any]], gold: list[float]) -> dict[str, Any]:
    accuracies, asked, rhos, covered = [], [], [], []
    for record in runs:
        right, n = run_accuracy(record["test"])
        accuracies.append(right / n if n else float("nan"))
        asked.append(n)
        rho, pairs = run_spearman(record["pairs"], gold)
        rhos.append(rho)
        covered.append(pairs)
    total = len(runs[0]["test"])
    return {
        "alpha": runs[0]["spec"]["alpha"], "seeds": [r["spec"]["seed"] for r in runs],
        "accuracy": stat(accuracies), "asked": int(min(asked)), "total": total,
        "coverage": min(asked) / total if total else 0.0,
        "ws353": stat(rhos), "pairs": int(min(covered)), "pairs_total": len(gold),
        "train_seconds": stat([r["train_seconds"] for r in runs]),
        # CPU seconds of scan + training (records from before the field have none: NaN)
        "cpu_seconds": stat([r.get("cpu_seconds", float("nan")) for r in runs]),
        "vocabulary": runs[0]["vocabulary"], "corpus_tokens": runs[0]["corpus_tokens"],
    }


def _common_matrix(runs_a: list[dict], runs_b: list[dict]) -> tuple[np.ndarray, np.ndarray]:
    """Both models' (seeds, questions) 0/1 matrices over the questions every run asked."""
    a = np.stack([outcome_array(r["test"]) for r in runs_a])
    b = np.stack([outcome_array(r["test"]) for r in runs_b])
    mask = (a >= 0).all(axis=0) & (b >= 0).all(axis=0)
    return a[:, mask], b[:, mask]


def _difference_row(size: str, sg: dict[str, Any], cbow: dict[str, Any], metric: str) -> dict:
    if metric == "accuracy":
        floor = binomial_floor((sg["accuracy"]["mean"] + cbow["accuracy"]["mean"]) / 2,
                               min(sg["asked"], cbow["asked"]))
    else:
        floor = spearman_floor((sg["ws353"]["mean"] + cbow["ws353"]["mean"]) / 2,
                               min(sg["pairs"], cbow["pairs"]))
    row = difference(sg[metric], cbow[metric], floor)
    return {"size": size, "tokens": sg["corpus_tokens"], **row}


def scaling_table(grid_result: dict[str, Any], gold: list[float], resamples: int = 1000
                  ) -> dict[str, Any]:
    """The W3 summary: ``sizes`` (per size, per model), ``differences`` and ``crossover`` (per
    loss and metric) and the ``tuning`` tables."""
    runs = chosen_runs(grid_result)
    sizes = [{"size": size, "models": {m: summarise_model(r, gold) for m, r in models.items()}}
             for size, models in runs.items()]
    differences: dict[str, dict[str, list]] = {}
    crossovers: dict[str, dict[str, Any]] = {}
    for loss, (sg, cbow) in LOSSES.items():
        both = [s for s in sizes if sg in s["models"] and cbow in s["models"]]
        if not both:
            continue
        differences[loss], crossovers[loss] = {}, {}
        for metric in ("accuracy", "ws353"):
            rows = [_difference_row(s["size"], s["models"][sg], s["models"][cbow], metric)
                    for s in both]
            differences[loss][metric] = rows
            tokens, d = [r["tokens"] for r in rows], [r["d"] for r in rows]
            found = crossover(tokens, d) if not any(np.isnan(d)) else {
                "status": "undefined (a size without a score)", "tokens": None}
            found["unresolved_sizes"] = [r["size"] for r in rows if abs(r["d"]) < 2 * r["se"]]
            if metric == "accuracy":
                matrices = [_common_matrix(runs[s["size"]][sg], runs[s["size"]][cbow])
                            for s in both]
                found["bootstrap"] = bootstrap_crossover(
                    tokens, [m[0] for m in matrices], [m[1] for m in matrices], resamples)
            crossovers[loss][metric] = found
    tuning = {size: {model: choice for model, choice in models.items() if choice["tuned_at"] == size}
              for size, models in grid_result["choices"].items()}
    return {"sizes": sizes, "differences": differences, "crossover": crossovers,
            "tuning": {size: table for size, table in tuning.items() if table}}
