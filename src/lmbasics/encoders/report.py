"""The markdown report of a comparison: the claims table first, then each axis's numbers.

Everything in it is computed from the results dictionaries (verdicts by
:mod:`lmbasics.encoders.verdicts`); axes that failed or were not run are listed with the reason.
Each trained axis is followed by its tuning table (every setting's validation score, the
choice, how the reported runs stopped) and its validation curves; an axis run at a second
width (``<axis>-4x``) gets its own section and a table of both sizes side by side.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lmbasics.encoders.verdicts import all_claims, claim_variants


def _pm(s: dict[str, Any], scale: float = 100.0, digits: int = 1) -> str:
    return f"{scale * s['mean']:.{digits}f} ± {scale * s['std']:.{digits}f}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return [
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
        *("| " + " | ".join(r) + " |" for r in rows),
        "",
    ]


def _counts(data: dict[str, Any]) -> str:
    """``source; key n, key n`` from a results' data block."""
    counts = ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in data.items() if k != "source")
    return f"{data['source']}; {counts}"


def _params(result: dict[str, Any], family: str) -> str:
    return f"{result['encoders'][family]['body_parameters']:,}"


def _ci(s: dict[str, Any], digits: int = 1) -> str:
    """``mean ± 95 % half-width`` in points (older results without intervals: ± the seeds' spread)."""
    return f"{100 * s['mean']:.{digits}f} ± {100 * s.get('ci95', s['std']):.{digits}f}"


def _agreement(result: dict[str, Any]) -> list[str]:
    data = result["data"]
    families = result["families"]
    first = next(iter(families.values()))
    balance = ""
    if data.get("test_per_bin"):
        balance = (
            f" The held-out set takes {data['test_per_bin']} examples from each distance bin (at most "
            'half of a bin; the rest stay for training); accuracy "overall" and "> 13" weight '
            "each bin by its share of all the parsed examples (a stratified estimate of accuracy on "
            "the corpus's own mix of distances)."
        )
    lines = [
        "## Long range: subject-verb agreement",
        "",
        f"Data: {data['source']}; {data['train']:,} training, {data.get('validation', 0):,} validation, "
        f"{data['test']:,} held-out examples ({first['test']['long']['count']:,} with subject and verb "
        f"more than 13 apart); out of distribution: {data['linzen']:,} Linzen test examples"
        + (f", {data['gulordava']} Gulordava sentences" if data.get("gulordava") else "")
        + f"; vocabulary {data['vocabulary']:,}.{balance} Intervals are 95 % (binomial error of the "
        "examples plus the spread of the seeds).",
        "",
    ]
    bins = list(first["test"]["by_distance"])
    rows = []
    for family, r in families.items():
        by = r["test"]["by_distance"]
        rows.append(
            [
                family,
                _params(result, family),
                _ci(r["test"]["accuracy"]),
                _ci(r["test"]["long"]),
                *(_ci(by[b], digits=0) for b in bins),
            ]
        )
    lines += _table(
        [
            "family",
            "body params",
            "accuracy %",
            "distance > 13",
            *(f"{b} (n={first['test']['by_distance'][b]['count']})" for b in bins),
        ],
        rows,
    )
    checks = [("linzen", "Linzen 2016"), ("gulordava_original", "Gulordava original")]
    checks.append(("gulordava_generated", "Gulordava nonce"))
    present = [(key, name) for key, name in checks if first.get(key)]
    if present:
        lines += ["Out of distribution, accuracy (%):", ""]
        header = [f"{name} (n={first[key]['accuracy'].get('count', '?')})" for key, name in present]
        lines += _table(
            ["family", *header],
            [[f, *(_ci(r[key]["accuracy"]) for key, _ in present)] for f, r in families.items()],
        )
    attractor_rows = []
    for split in ("test", "linzen"):
        for family, r in families.items():
            if r.get(split):
                by = r[split]["by_attractors"]
                attractor_rows.append(
                    [
                        split,
                        family,
                        _ci(r[split]["accuracy"]),
                        *(f"{k}: {_ci(v, digits=0)} (n={v['count']})" for k, v in by.items()),
                    ]
                )
    if attractor_rows:
        lines += ["Accuracy (%) by number of attractors:", ""]
        width = max(len(r) for r in attractor_rows)
        lines += _table(
            ["set", "family", "overall", *([""] * (width - 3))],
            [r + [""] * (width - len(r)) for r in attractor_rows],
        )
    return lines


def _semantic(result: dict[str, Any]) -> list[str]:
    base = result["majority_baseline"]
    lines = [
        "## Semantic features: WiC and SST-2",
        "",
        f"Data: {_counts(result['data'])}; majority baseline WiC {100 * base['wic']:.1f}, "
        f"SST-2 {100 * base['sst2']:.1f}.",
        "",
    ]
    rows = [
        [f, _params(result, f), _pm(r["wic"]), _pm(r["sst2"]), _pm(r["mean"])]
        for f, r in result["families"].items()
    ]
    return lines + _table(["family", "body params", "WiC %", "SST-2 %", "mean %"], rows)


def _translation(result: dict[str, Any]) -> list[str]:
    lines = ["## Whole task: translation", "", f"Data: {_counts(result['data'])}.", ""]
    rows = []
    for f, r in result["families"].items():
        e = result["encoders"][f]
        rows.append(
            [
                f,
                f"{e['encoder_body_parameters']:,}",
                f"{e['seq2seq_parameters_without_embeddings_and_output']:,}",
                _pm(r["bleu"], 1.0, 2),
                (r["examples"] or [""])[0],
            ]
        )
    return lines + _table(
        [
            "family",
            "encoder body params",
            "seq2seq params (no embeddings/output)",
            "BLEU",
            "first test output",
        ],
        rows,
    )


def _speed(result: dict[str, Any]) -> list[str]:
    lines = [
        "## Parallel efficiency",
        "",
        f"{result['device']}, {result['threads']} thread(s). Memory: "
        + (
            "peak allocated."
            if result["device"].startswith("cuda")
            else "bytes saved for backward (activations)."
        ),
        "",
    ]
    rows = []
    for f, by_length in result["families"].items():
        for length, r in by_length.items():
            rows.append(
                [
                    f,
                    _params(result, f),
                    length,
                    str(r["batch"]),
                    f"{r['train_tokens_per_s']:,.0f}",
                    f"{r['inference_tokens_per_s']:,.0f}",
                    f"{r['memory_bytes'] / 2**20:,.1f}",
                    str(r["sequential_steps_per_layer"]),
                ]
            )
    return (
        lines
        + _table(
            [
                "family",
                "body params",
                "T",
                "batch",
                "train tok/s",
                "inference tok/s",
                "memory MiB",
                "sequential steps/layer",
            ],
            rows,
        )
        + _by_processes(result)
    )


def _by_processes(result: dict[str, Any]) -> list[str]:
    """Training tokens/s by process count (data-parallel runs under torchrun only)."""
    measured = {
        (f, length): r["train_tokens_per_s_by_processes"]
        for f, by_length in result["families"].items()
        for length, r in by_length.items()
        if "train_tokens_per_s_by_processes" in r
    }
    if not measured:
        return []
    counts = sorted({k for by_count in measured.values() for k in by_count}, key=int)
    rows = [
        [f, length, *(f"{by_count[k]:,.0f}" if by_count.get(k) else "-" for k in counts)]
        for (f, length), by_count in measured.items()
    ]
    return [
        f"Data-parallel training (DistributedDataParallel over the first k of {result['processes']} "
        "processes, the same global batch split k ways): tokens/s by process count.",
        "",
        *_table(["family", "T", *(f"k={k}" for k in counts)], rows),
    ]


def _tuning(result: dict[str, Any], label: str) -> list[str]:
    """A table per task: the grid's validation scores per family, the choice, the stops."""
    lines: list[str] = []
    for task, block in result.get("tuning", {}).items():
        percent = "accuracy" in block["metric"]
        grid = [f"lr {g['learning_rate']:g}, warm-up {g['warmup_steps']}" for g in block["grid"]]
        rows = []
        for family, tuned in block["families"].items():
            scores = [f"{100 * v:.1f}" if percent else f"{v:.3f}" for v in tuned["scores"]]
            chosen = block["grid"].index(tuned["chosen"])
            scores[chosen] = f"**{scores[chosen]}**"
            stops = [f"{r['stopped']} at {r['tokens']:,}" for r in tuned["runs"]]
            best = sum(r["best_tokens"] for r in tuned["runs"]) / max(len(tuned["runs"]), 1)
            rows.append([family, *scores, "; ".join(stops), f"{best:,.0f}"])
        lines += [
            f"Tuning, {task}: {block['metric']}{' (%)' if percent else ''} of seed 0 at each setting "
            "(the chosen one in bold; its seeds are the reported runs), on "
            f"{_validation_count(result, task):,} validation examples carved from the training data.",
            "",
            *_table(["family", *grid, "reported runs stopped (tokens)", "mean tokens at best"], rows),
            *_edge_choices(block),
        ]
    if lines:
        lines += [f"![{label} validation curves]({label}-curves.png)", ""]
    return lines


def _edge_choices(block: dict[str, Any]) -> list[str]:
    """A line naming the families whose chosen learning rate is the grid's lowest or highest:
    a choice at an edge says the best rate may lie outside the grid (none: no line)."""
    rates = [g["learning_rate"] for g in block["grid"]]
    if len(set(rates)) < 2:
        return []
    edges = {min(rates): "lowest", max(rates): "highest"}
    flagged = [
        f"{family} ({edges[tuned['chosen']['learning_rate']]})"
        for family, tuned in block["families"].items()
        if tuned["chosen"]["learning_rate"] in edges
    ]
    if not flagged:
        return [""]
    return [
        "",
        f"Chosen at the grid's edge, so a rate outside the grid might do better: {', '.join(flagged)}.",
        "",
    ]


def _validation_count(result: dict[str, Any], task: str) -> int:
    data = result["data"]
    return data.get(f"{task}_validation", data.get("validation", 0))


def _labels(results: dict[str, Any], axis: str) -> list[str]:
    """``axis`` and its other widths (``axis-4x``) that have results, narrowest first."""
    wider = [k for k in results if k.startswith(f"{axis}-") and k[len(axis) + 1 : -1].isdigit()]
    return [k for k in [axis, *sorted(wider, key=lambda k: int(k[len(axis) + 1 : -1]))] if results.get(k)]


# the headline score of an axis run at several widths: (label, statistic of a family's result)
SIZED = {
    "agreement": ("held-out accuracy %", lambda r: r["test"]["accuracy"]),
    "semantic": ("mean of WiC, SST-2 %", lambda r: r["mean"]),
}


def _sizes(results: dict[str, Any]) -> list[str]:
    """Each family's body parameters and headline score at every width run, side by side."""
    lines: list[str] = []
    for axis, (name, score) in SIZED.items():
        labels = _labels(results, axis)
        if len(labels) < 2:
            continue
        families = list(results[labels[0]]["families"])
        header = ["family"]
        for label in labels:
            width = results[label].get("width", 1)
            header += [f"{width}x: body params", f"{width}x: {name}"]
        rows = [
            [
                f,
                *(
                    c
                    for label in labels
                    for c in (_params(results[label], f), _pm(score(results[label]["families"][f])))
                ),
            ]
            for f in families
            if all(f in results[label]["families"] for label in labels)
        ]
        lines += [f"### {axis}", "", *_table(header, rows)]
    if lines:
        lines = [
            "## Two sizes",
            "",
            "Does the ranking move with scale? The same budget at each width.",
            "",
            *lines,
        ]
    return lines


def _cost(results: dict[str, Any]) -> list[str]:
    """What every axis's runs took, from their records: the suite's cost across sittings."""
    rows, hours = [], lambda seconds: f"{seconds / 3600:.2f}"
    total = {"runs": 0, "training_seconds": 0.0, "timed_runs": 0, "run_seconds": 0.0}
    for label, result in results.items():
        cost = result.get("cost")
        if not cost or not cost["runs"]:
            continue
        for key in total:
            total[key] += cost[key]
        rows.append(_cost_row(label, cost, hours))
    if not rows:
        return []
    if len(rows) > 1:
        rows.append(_cost_row("**all**", total, hours))
    return [
        "## What the runs cost",
        "",
        "Sums over every run behind this report (tuning runs and seeds, trained now or read back "
        "from an earlier call), each on its own PyTorch thread(s); runs trained side by side in "
        "several processes share the wall clock, so the suite's wall time is about the sum "
        "divided by the processes that ran at once.",
        "",
        *_table(["axis", "runs", "training hours", "whole-run hours (runs timed)"], rows),
    ]


def _cost_row(label: str, cost: dict[str, Any], hours: Callable[[float], str]) -> list[str]:
    timed = (
        f"{hours(cost['run_seconds'])} ({cost['timed_runs']} of {cost['runs']})"
        if cost["timed_runs"]
        else "not recorded"
    )
    return [label, str(cost["runs"]), hours(cost["training_seconds"]), timed]


SECTIONS = {
    "agreement": _agreement,
    "semantic": _semantic,
    "translation": _translation,
    "speed": _speed,
}


def render(results: dict[str, Any], errors: dict[str, str], meta: dict[str, Any]) -> str:
    """The whole report as markdown."""
    lines = [
        f"# Encoder comparison, budget `{meta['budget']}`",
        "",
        f"Command: `{meta['command']}`  ",
        f"Wall time: {meta['wall_seconds']:.0f} s; "
        f"{meta['threads']} PyTorch thread(s)"
        + (f" in each of {meta['processes']} processes" if meta.get("processes", 1) > 1 else "")
        + f"; seeds {meta['seeds']}; families "
        f"{', '.join(meta['families'])}; data {meta['data']}"
        + (
            f"; runs trained {meta['runs']['trained']}, reused {meta['runs']['reused']}"
            if "runs" in meta
            else ""
        )
        + ".",
        "",
        "## The seed's claims",
        "",
    ]
    variants = claim_variants(results)
    judged = {name: {c["claim"]: c["verdict"] for c in rows} for name, rows in variants.items()}
    lines += _table(
        ["claim", "verdict", "numbers", *variants],
        [
            [
                c["claim"],
                f"**{c['verdict']}**",
                c["evidence"],
                *(j.get(c["claim"], "") for j in judged.values()),
            ]
            for c in all_claims(results)
        ],
    )
    if variants:
        lines[-1:-1] = [
            "",
            "The verdict column is judged with the LSTM as the RNN (the GRU where the LSTM did not "
            "run) at the budget's own width; each other column applies the same rules as its heading "
            'says (a wider size judges agreement and semantic only; their numbers are under "Two sizes").',
        ]
    if errors:
        lines += ["## Missing", ""]
        lines += [f"- `{axis}`: {message}" for axis, message in errors.items()] + [""]
    for axis, section in SECTIONS.items():
        for label in _labels(results, axis):
            part = section(results[label])
            width = results[label].get("width", 1)
            if width != 1:
                part[0] += f" ({width}x body parameters)"
            lines += [*part, f"![{label}]({label}.png)", "", *_tuning(results[label], label)]
    return "\n".join(lines + _sizes(results) + _cost(results))
