"""The markdown report of a comparison: the claims table first, then each axis's numbers.

Everything in it is computed from the results dictionaries (verdicts by
:mod:`lmbasics.encoders.verdicts`); axes that failed or were not run are listed with the reason.
"""

from __future__ import annotations

from typing import Any

from lmbasics.encoders.verdicts import all_claims


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


def _agreement(result: dict[str, Any]) -> list[str]:
    data = result["data"]
    lines = [
        "## Long range: subject-verb agreement",
        "",
        f"Data: {data['source']}; {data['train']} training, {data['test']} held-out, "
        f"{data['linzen']} Linzen test examples; vocabulary {data['vocabulary']}.",
        "",
    ]
    families = result["families"]
    bins = list(next(iter(families.values()))["test"]["by_distance"])
    rows = []
    for family, r in families.items():
        by = r["test"]["by_distance"]
        rows.append(
            [
                family,
                _params(result, family),
                _pm(r["test"]["accuracy"]),
                _pm(r["test"]["long"]),
                *(_pm(by[b], digits=0) for b in bins),
            ]
        )
    lines += _table(
        [
            "family",
            "body params",
            "accuracy %",
            "distance > 13",
            *(f"{b} (n={next(iter(families.values()))['test']['by_distance'][b]['count']})" for b in bins),
        ],
        rows,
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
                        _pm(r[split]["accuracy"]),
                        *(f"{k}: {_pm(v, digits=0)} (n={v['count']})" for k, v in by.items()),
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
        f"{', '.join(meta['families'])}; data {meta['data']}.",
        "",
        "## The seed's claims",
        "",
    ]
    lines += _table(
        ["claim", "verdict", "numbers"],
        [[c["claim"], f"**{c['verdict']}**", c["evidence"]] for c in all_claims(results)],
    )
    if errors:
        lines += ["## Missing", ""]
        lines += [f"- `{axis}`: {message}" for axis, message in errors.items()] + [""]
    for axis, section in SECTIONS.items():
        if results.get(axis):
            lines += section(results[axis])
            lines += [f"![{axis}]({axis}.png)", ""]
    return "\n".join(lines)
