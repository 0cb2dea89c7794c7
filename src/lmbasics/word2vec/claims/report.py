"""The word2vec claims report: ``docs/word2vec.md`` with its PNGs and ``results.json``.

Every number and verdict is computed from the experiments' records (``experiments.run_all``)
through ``scaling.py`` and ``verdicts.py``; nothing is written by hand. The per-run records stay
in the cache (they keep one outcome per question); ``results.json`` beside the plots keeps the
summaries the report shows.

It does not do: run experiments, judge claims.
"""

from __future__ import annotations

import json
import math
import os
import platform
from pathlib import Path
from typing import Any

from lmbasics._util.atomic import atomic_write_text
from lmbasics._util.verdicts import NOT_MEASURED
from lmbasics.word2vec.claims import plots, runs, verdicts
from lmbasics.word2vec.claims.analysis import run_accuracy
from lmbasics.word2vec.claims.scaling import scaling_table

HEADER = "# word2vec: the seed's claims, measured"


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _tokens(n: float) -> str:
    return f"{n / 1e6:.2f}M" if n >= 1e5 else f"{n:,.0f}"


def _timing(results: dict[str, Any]) -> dict[str, Any]:
    """Training time summed over the records used, and the span their files were written in."""
    cache = results["inputs"].cache
    records = {runs.RunSpec(**r["spec"]).key: (r["spec"], r["total_seconds"],
                                                r.get("cpu_seconds", math.nan))
               for r in results["grid"]["records"]}
    for item in (results["equal_time"] or {}).get("architectures", {}).values():
        ns = item["ns"]
        records[runs.RunSpec(**ns["spec"]).key] = (ns["spec"], ns["total_seconds"],
                                                   ns["cpu_seconds"])
    times = [p.stat().st_mtime for p in
             (runs.record_path(cache, runs.RunSpec(**spec)) for spec, *_ in records.values())
             if p.exists()]
    return {"runs": len(records), "training_seconds": sum(t for _, t, _ in records.values()),
            "cpu_seconds": sum(c for *_, c in records.values()),
            "span_seconds": (max(times) - min(times)) if times else 0.0}


def figures(results: dict[str, Any], scaling: dict[str, Any], out: Path) -> dict[str, str]:
    """Draw every figure the results allow; ``{name: file name}``."""
    drawn: dict[str, str] = {}
    if (out / "onehot.png").exists() and results["vectors"]:
        drawn["onehot"] = "onehot.png"
    if scaling["sizes"]:
        drawn["w3-accuracy"] = plots.plot_scaling(scaling, out, "accuracy", "tokens").name
        drawn["w3-ws353"] = plots.plot_scaling(scaling, out, "ws353", "tokens").name
        drawn["w3-time"] = plots.plot_scaling(scaling, out, "accuracy", "seconds").name
    if scaling["differences"]:
        drawn["w3-difference"] = plots.plot_difference(scaling, out).name
    if results["vectors"] and "random" in results["vectors"]:
        sections = [s for s, _ in runs.read_questions(results["inputs"].test)]
        drawn["w2-sections"] = plots.plot_sections(results["vectors"], sections, out).name
    if results["equal_time"]:
        drawn["w5-buckets"] = plots.plot_buckets(results["equal_time"], out).name
    if results["costs"]:
        from lmbasics.word2vec.claims.costs import plot_costs

        for i, path in enumerate(plot_costs(results["costs"]["measured"], out)):
            drawn[f"costs-{i}"] = Path(path).name
    return drawn


def _compact(results: dict[str, Any], scaling: dict[str, Any], rows: list, meta: dict) -> dict:
    vectors = results["vectors"]
    if vectors:
        sections = [s for s, _ in runs.read_questions(results["inputs"].test)]
        vectors = {
            "size": vectors["size"], "ws353": vectors["ws353"],
            "onehot_distinct": vectors["onehot_distinct"],
            "sections": {name: plots.section_accuracy(item["test"], sections) for name, item in
                         [*vectors["models"].items(), ("random", vectors.get("random"))] if item},
            "king": {m: v["king"] for m, v in vectors["models"].items()}
            | {"random": (vectors.get("random") or {}).get("king")},
        }
    return {"claims": rows, "meta": meta, "w3": scaling, "w1_w2": vectors,
            "w5_quality": results["equal_time"], "costs": results["costs"]}


def _claims_table(rows: list[dict[str, str]]) -> list[str]:
    lines = ["| claim | the seed says | operational reading | verdict | numbers |",
             "|---|---|---|---|---|"]
    for row in rows:
        lines.append(f"| {row['claim']} | {_cell(row['seed'])} | {_cell(row['reading'])} | "
                     f"**{row['verdict']}** | {_cell(row['evidence'])} |")
    return lines


def _setup(results: dict[str, Any], meta: dict[str, Any], scaling: dict[str, Any]) -> list[str]:
    plan = results["plan"]
    grid = plan.grid
    sizes = ", ".join(f"{s['size']} ({_tokens(next(iter(s['models'].values()))['corpus_tokens'])}"
                      f" tokens, {next(iter(s['models'].values()))['vocabulary']:,} words)"
                      for s in scaling["sizes"])
    timing = meta["timing"]
    return [
        "## Setup", "",
        f"- Data: `{meta['data']}`: the corpus is one token stream ({' then '.join(runs.STREAM)}),"
        " each size a prefix of the next; WordSim-353; `questions-words.txt` split once "
        f"(every {runs.DEV_EVERY}th question of a section is dev, the rest test).",
        f"- Sizes measured: {sizes or 'none yet'}. Planned: "
        + ", ".join(f"{s} ({grid.seeds.get(s, 1)} seed(s))" for s, _ in grid.sizes) + ".",
        "- Models: " + ", ".join(f"`{m}` ({', '.join(f'{k}={v}' for k, v in s.items())})"
                                  for m, s in runs.MODELS.items())
        + "; shared: " + ", ".join(f"{k}={v}" for k, v in runs.COMMON.items())
        + f", epochs={grid.epochs}, workers={grid.workers} (threads).",
        f"- Learning rate: each model's word2vec.c default ({runs.DEFAULT_ALPHA}) times "
        f"{', '.join(f'{m:g}' for m in grid.multipliers)}, chosen on dev accuracy (seed 0) at "
        f"{', '.join(grid.tuned)}; larger sizes keep the largest tuned size's choice.",
        f"- Operational readings: small corpora = {', '.join(plan.small)}; large = "
        f"{', '.join(plan.large)}; frequent question/pair = every word ranked below "
        f"{plan.frequent_below:,}; rare = a word ranked {plan.rare_from:,} or beyond; "
        f"bootstrap {plan.resamples} resamples.",
        f"- Machine: {meta['platform']}, {meta['cpus']} CPUs visible, Python {meta['python']}.",
        f"- Measured time: {timing['runs']} training runs, {timing['training_seconds'] / 60:.1f}"
        f" min of training wall time (vocabulary + epochs, summed over records; "
        f"{timing['cpu_seconds'] / 60:.1f} CPU min); their records were written over "
        f"{timing['span_seconds'] / 60:.1f} min of wall time (includes evaluation). Wall "
        "times stretch with any other load on the machine, CPU times far less.",
    ]


def _figure(drawn: dict[str, str], name: str, out: Path, report: Path, caption: str) -> list[str]:
    if name not in drawn:
        return []
    relative = os.path.relpath(out / drawn[name], report.parent)
    return ["", f"![{caption}]({relative})", "", f"*{caption}*"]


def _w1_w2(results: dict[str, Any], drawn: dict, out: Path, report: Path) -> list[str]:
    vectors = results["vectors"]
    lines = ["", "## W1, W2: one-hot, trained and random vectors", ""]
    if not vectors:
        return [*lines, "Not measured: no saved vectors at "
                f"{results['plan'].vectors_size} (the seed-0 runs at the chosen rate)."]
    lines += [f"Vectors of the seed-0 runs at {vectors['size']} tokens (chosen learning rate); "
              "random vectors = the model's own starting point (uniform in "
              f"±1/{runs.COMMON['vector_size']}, seed 0, same vocabulary). WS-353 Spearman over "
              "the pairs in the vocabulary, 95% bootstrap CI:",
              "", "| vectors | Spearman [95% CI] | pairs |", "|---|---|---|"]
    for name, item in vectors["ws353"].items():
        ci = item["interval"]
        rho = "undefined" if math.isnan(item["rho"]) else f"{item['rho']:.3f}"
        lines.append(f"| {name} | {rho} " + (f"[{ci[0]:.3f}, {ci[1]:.3f}]" if ci else "")
                     + f" | {item['pairs']} |")
    distinct = vectors["onehot_distinct"]
    lines += ["", f"One-hot: the {distinct['pairs']} pairs of distinct words all have cosine "
              f"{distinct['max_abs_cosine']:g} (largest |cosine|); only identical-word pairs "
              "(e.g. tiger/tiger) score 1, which is all the one-hot Spearman above measures.", ""]
    for model, item in vectors["models"].items():
        right, asked = run_accuracy(item["test"])
        king = ", ".join(f"{w} ({s:.2f})" for w, s in item["king"] or [])
        lines.append(f"- `{model}`: test analogy accuracy {right}/{asked}; king − man + woman → "
                     f"{king or 'n/a (a word is missing)'}")
    right, asked = run_accuracy(vectors["random"]["test"])
    king = ", ".join(w for w, _ in vectors["random"]["king"] or [])
    lines.append(f"- random vectors: {right}/{asked}; king − man + woman → {king or 'n/a'}")
    lines += _figure(drawn, "onehot", out, report, "one-hot vs trained cosine similarities")
    lines += _figure(drawn, "w2-sections", out, report,
                     "test analogy accuracy by section, trained vs random vectors")
    return lines


def _w3(scaling: dict[str, Any], drawn: dict, out: Path, report: Path) -> list[str]:
    lines = ["", "## W3: CBOW and Skip-gram against corpus size", ""]
    if not scaling["sizes"]:
        return [*lines, "Not measured: no finished size."]
    lines += ["Test analogy accuracy over the questions asked (mean ± std over seeds), coverage "
              "= asked / test questions, WS-353 Spearman over the pairs covered, training "
              "seconds (wall, mean) and CPU seconds of scan + training (mean):", "",
              "| size | model | lr | seeds | accuracy % | coverage | WS-353 | pairs | train s | "
              "CPU s |", "|---|---|---|---|---|---|---|---|---|---|"]
    for size in scaling["sizes"]:
        for model, s in size["models"].items():
            a, w = s["accuracy"], s["ws353"]
            lines.append(
                f"| {size['size']} | {model} | {s['alpha']:g} | {len(s['seeds'])} | "
                f"{100 * a['mean']:.1f} ± {100 * a['std']:.1f} | {100 * s['coverage']:.0f}% | "
                f"{w['mean']:.3f} ± {w['std']:.3f} | {s['pairs']} | "
                f"{s['train_seconds']['mean']:.1f} | {s['cpu_seconds']['mean']:.1f} |")
    lines += ["", "SG − CBOW (d ± se; se = seeds' spread, floored by the test set's error) and "
              "the crossover (where d turns positive for good, log-interpolated):", ""]
    for loss, metrics in scaling["differences"].items():
        for metric, rows in metrics.items():
            scale = 100 if metric == "accuracy" else 1
            cross = scaling["crossover"][loss][metric]
            where = (f"crossover at {_tokens(cross['tokens'])} tokens" if cross["tokens"]
                     else f"no crossover ({cross['status']})")
            boot = cross.get("bootstrap")
            if boot:
                where += (f"; bootstrap over seeds and questions: {100 * boot['share_crossing']:.0f}%"
                          " of resamples cross" + (
                              f", 95% interval {_tokens(boot['interval'][0])}–"
                              f"{_tokens(boot['interval'][1])}" if boot["interval"] else ""))
            unresolved = ", ".join(cross["unresolved_sizes"]) or "none"
            lines.append(f"- {loss}, {metric}: " + ", ".join(
                f"{r['size']} {scale * r['d']:+.{2 if scale > 1 else 3}f} ± "
                f"{scale * r['se']:.{2 if scale > 1 else 3}f}" for r in rows)
                + f"; {where}; |d| < 2 se at: {unresolved}")
    for name, caption in (("w3-accuracy", "test analogy accuracy against corpus tokens"),
                          ("w3-ws353", "WS-353 Spearman against corpus tokens"),
                          ("w3-time", "test analogy accuracy against training seconds"),
                          ("w3-difference", "SG − CBOW accuracy, ± 2 se")):
        lines += _figure(drawn, name, out, report, caption)
    lines += ["", "### Learning-rate tuning (dev split, seed 0)", "",
              "| size | model | lr tried: dev accuracy | chosen |", "|---|---|---|---|"]
    for size, models in scaling["tuning"].items():
        for model, choice in models.items():
            tried = ", ".join(f"{r['alpha']:g}: {100 * r['dev_accuracy']:.1f}% of {r['dev_asked']}"
                              for r in choice["tuning"])
            alphas = [r["alpha"] for r in choice["tuning"]]
            edge = " (edge of the grid)" if len(alphas) > 1 and choice["alpha"] in (
                min(alphas), max(alphas)) else ""
            lines.append(f"| {size} | {model} | {tried} | {choice['alpha']:g}{edge} |")
    edges = sum(" (edge of the grid)" in line for line in lines)
    if edges:
        lines += ["", f"{edges} choices lie at an edge of the grid: a rate beyond it might have "
                  "scored higher on dev, so those models may be slightly under-tuned (the grid "
                  "and its budget are the same for every model)."]
    return lines


def _training_costs(scaling: dict[str, Any]) -> list[str]:
    """NS against HS in whole training at the largest size: the W3 runs' CPU seconds."""
    if not scaling["sizes"]:
        return []
    size, models = scaling["sizes"][-1]["size"], scaling["sizes"][-1]["models"]
    rows = []
    for arch in ("sg", "cbow"):
        ns, hs = models.get(f"{arch}-ns"), models.get(f"{arch}-hs")
        if ns and hs:
            rows.append(f"{arch}: NS {ns['cpu_seconds']['mean']:.0f} vs HS "
                        f"{hs['cpu_seconds']['mean']:.0f} CPU s")
    if not rows:
        return []
    return ["", f"For comparison, whole training at {size} (the W3 runs, scan + {size} tokens x "
            "epochs, 2 threads): " + "; ".join(rows) + ". Training differs from the kernel loop "
            "above: Skip-gram's NS draws one noise set per centre word and shares it across the "
            "window, and subsampling removes most frequent-word predictions. The verdict is "
            "the declared per-prediction rule; this line is context."]


def _w4_w5(results: dict[str, Any], scaling: dict[str, Any], drawn: dict, out: Path,
           report: Path) -> list[str]:
    lines = ["", "## W4, W5: the cost of one prediction", ""]
    costs = results["costs"]
    if not costs:
        lines.append("Not measured: the kernel costs were not run (`costs.measure_costs`).")
    else:
        lines += ["Seconds per prediction measured in the kernels (`costs.py`):", "",
                  "| V | " + " | ".join(costs["seconds_per_prediction"]) + " |",
                  "|---|" + "---|" * len(costs["seconds_per_prediction"])]
        for i, v in enumerate(costs["vocab_sizes"]):
            cells = [("—" if s[i] is None else f"{s[i] * 1e9:,.0f} ns")
                     for s in costs["seconds_per_prediction"].values()]
            lines.append(f"| {v:,} | " + " | ".join(cells) + " |")
        lines += ["", "| bucket | token share | HS code length | HS ns/prediction | "
                  "NS ns/prediction |", "|---|---|---|---|---|"]
        for b in costs["buckets"]:
            lines.append(f"| {b['label']} | {100 * b['token_share']:.1f}% | "
                         f"{b['hs_code_length']:.1f} | {b['hs_seconds'] * 1e9:.0f} | "
                         f"{b['ns_seconds'] * 1e9:.0f} |")
        if "all" in costs:
            mixed = costs["all"]
            lines += [f"| all words, targets drawn by frequency (measured directly, not a bucket "
                      f"sum) | 100% | | {mixed['hs_seconds'] * 1e9:.0f} ± "
                      f"{mixed['hs_seconds_se'] * 1e9:.0f} | {mixed['ns_seconds'] * 1e9:.0f} ± "
                      f"{mixed['ns_seconds_se'] * 1e9:.0f} |", "",
                      "W5's rule weighs each bucket's time by its token share, as declared; the "
                      "last row measures the same mixture in one loop, where the frequent words' "
                      "paths no longer have the cache to themselves."]
        for name in sorted(n for n in drawn if n.startswith("costs-")):
            lines += _figure(drawn, name, out, report, f"kernel costs ({drawn[name]})")
        lines += _training_costs(scaling)
    equal = results["equal_time"]
    lines += ["", "### W5, quality: HS and NS at equal training time", ""]
    if not equal:
        return [*lines, "Not measured: the HS/NS seed-0 runs at the vectors size are not there."]
    lines += [f"{equal['size']} tokens; frequent = every word ranked below "
              f"{equal['frequent_below']:,}, rare = a word ranked {equal['rare_from']:,} or "
              "beyond (declared before the runs).", "",
              "| run | epochs | train s | frequent: accuracy ± se (asked) | rare: accuracy ± se "
              "(asked) | frequent: WS-353 [95% CI] (pairs) | rare: WS-353 [95% CI] (pairs) |",
              "|---|---|---|---|---|---|---|"]
    for item in equal["architectures"].values():
        for loss in ("hs", "ns"):
            r = item[loss]
            cells = [f"{100 * r[b]['accuracy']:.1f}% ± {100 * r[b]['se']:.1f} ({r[b]['asked']})"
                     if r[b]["asked"] else "—" for b in ("frequent", "rare")]
            cells += [f"{r[b]['ws353']:.3f}" + (f" [{r[b]['interval'][0]:.2f}, "
                      f"{r[b]['interval'][1]:.2f}]" if r[b]["interval"] else "")
                      + f" ({r[b]['pairs']})" for b in ("frequent", "rare")]
            lines.append(f"| `{r['key']}` | {r['epochs']} | {r['train_seconds']:.0f} | "
                         + " | ".join(cells) + " |")
    return lines + _figure(drawn, "w5-buckets", out, report,
                           "HS vs NS at equal training time, frequent and rare questions")


def _rebuilt(command: str, rerun: str) -> str:
    """How this copy was made when it is not by ``rerun`` itself (``--report-only``)."""
    return " (this copy rebuilt from the cached records with `--report-only`)" if (
        command != rerun) else ""


def write_report(results: dict[str, Any], out: Path, report: Path, command: str,
                 rerun: str) -> list[dict[str, str]]:
    """Draw the figures, write ``results.json`` into ``out`` and the markdown to ``report``;
    return the claims rows."""
    out.mkdir(parents=True, exist_ok=True)
    scaling = scaling_table(results["grid"], [g for *_, g in runs.read_pairs(
        results["inputs"].pairs)], results["plan"].resamples)
    results = {**results, "scaling": scaling}
    rows = verdicts.claims(results)
    meta = {"command": command, "data": str(results["inputs"].data),
            "platform": f"{platform.system()} {platform.machine()}", "cpus": os.cpu_count(),
            "python": platform.python_version(), "timing": _timing(results)}
    drawn = figures(results, scaling, out)
    atomic_write_text(out / "results.json",
                      json.dumps(_compact(results, scaling, rows, meta), indent=1))
    lines = [HEADER, "", f"Produced by `{rerun}`{_rebuilt(command, rerun)}. Every number and "
             "verdict below is computed "
             f"from the run records (`{os.path.relpath(out / 'results.json', report.parent)}` "
             "keeps the summaries). Rules, declared before the runs: "
             "`src/lmbasics/word2vec/claims/verdicts.py`.", ""]
    lines += _claims_table(rows)
    lines += ["", "Verdict words: *confirmed* / *refuted* by the declared rule, *partly "
              "confirmed* when a claim holds in some of its settings, *inconclusive* when the "
              "noise cannot tell, *not measured* when the experiment is not there.", ""]
    lines += _setup(results, meta, scaling)
    lines += _w1_w2(results, drawn, out, report)
    lines += _w3(scaling, drawn, out, report)
    lines += _w4_w5(results, scaling, drawn, out, report)
    missing = [r["claim"] for r in rows if r["verdict"] == NOT_MEASURED]
    lines += ["", "## Rerun", "", "```sh", rerun, "```", "",
              "Finished runs are kept under the cache and never redone; `--report-only` "
              "rebuilds this report from them without training or timing anything.", "",
              "## Not measured", "",
              ("Claims without their experiment in this run: " + ", ".join(missing) + "."
               if missing else "Every claim's experiment ran.")
              + " Not measured at all: full softmax's quality (only its cost), other corpora "
              "or languages, vector sizes and windows other than gensim's defaults, "
              "run-to-run timing noise beyond the kernels' own repeats.", ""]
    atomic_write_text(report, "\n".join(lines))
    return rows
