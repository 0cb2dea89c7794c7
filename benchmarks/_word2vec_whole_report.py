"""Medians, ratios and the markdown tables of the whole-process word2vec benchmark.

Numbers in, table out: ``summarise`` turns the runs of ``_word2vec_whole.py`` into medians per
(epochs, input, threads, mode, tool) and lmbasics' speed-up over each peer; ``markdown`` prints
them, with the machine, ready for docs/benchmarks.md.
"""

from __future__ import annotations

import statistics

# tool -> column of the table; gensim reads a .gz through LineSentence instead of corpus_file
LABELS = {"lmbasics": "`lmbasics train`", "gensim": "gensim `corpus_file`", "word2vec.c": "word2vec.c",
          "pword2vec": "pWord2Vec", "fasttext": "fastText"}


def summarise(runs: list[dict]) -> list[dict]:
    """Medians per (epochs, input, threads, mode, tool), and lmbasics' ratios to every peer.

    ``speedup`` is the peer's median wall seconds over lmbasics': above 1, lmbasics is faster.
    """
    groups: dict[tuple, dict[str, list[dict]]] = {}
    for run in runs:
        key = (run["epochs"], run["input"], run["threads"], run["mode"])
        groups.setdefault(key, {}).setdefault(run["tool"], []).append(run)
    summary = []
    for (epochs, kind, threads, mode), by_tool in groups.items():
        tools = {}
        for tool, tool_runs in by_tool.items():
            tools[tool] = {
                "runs": len(tool_runs),
                "median_seconds": round(statistics.median(r["wall_seconds"] for r in tool_runs), 2),
                "median_cpu_seconds": round(statistics.median(r["cpu_seconds"] for r in tool_runs), 2),
                "median_peak_rss_mb": round(statistics.median(r["peak_rss_mb"] for r in tool_runs), 1),
                "max_peak_rss_mb": max(r["peak_rss_mb"] for r in tool_runs),
            }
            for measure in ("analogy_accuracy", "wordsim_spearman"):
                scores = [r[measure] for r in tool_runs if r.get(measure) is not None]
                if scores:
                    tools[tool][measure] = statistics.median(scores)
        row = {"epochs": epochs, "input": kind, "threads": threads, "mode": mode, "tools": tools}
        ours = tools.get("lmbasics")
        peers = {t: v for t, v in tools.items() if t != "lmbasics"}
        if ours and peers:
            row["speedup"] = {t: round(v["median_seconds"] / ours["median_seconds"], 3)
                              for t, v in peers.items()}
            fastest = min(peers, key=lambda t: peers[t]["median_seconds"])
            row["fastest_peer"] = fastest
            row["speedup_vs_fastest_peer"] = row["speedup"][fastest]
        if ours and "gensim" in tools:
            row["rss_vs_gensim"] = round(ours["median_peak_rss_mb"]
                                         / tools["gensim"]["median_peak_rss_mb"], 3)
        summary.append(row)
    return summary


def _label(tool: str, kind: str) -> str:
    return "gensim `LineSentence`" if tool == "gensim" and kind == "gz" else LABELS[tool]


def markdown(summary: list[dict], machine: dict, rounds: int) -> str:
    """Tables ready for docs/benchmarks.md: one per (epochs, input, threads)."""
    v = machine["versions"]
    lines = [
        f"Machine: {machine['cpu_model']} ({', '.join(machine['cpu_simd']) or 'no AVX'}), "
        f"{machine['usable_cpus']} of {machine['logical_cpus']} CPUs usable, "
        f"{machine['memory_gib']} GiB; {machine['os']}; Python {machine['python']}; "
        f"{v['lmbasics']}, gensim {v['gensim']}, numpy {v['numpy']}, numba {v['numba']}, "
        f"fasttext-wheel {v['fasttext-wheel']}; {v['gcc']}. Peak RSS from {machine['peak_rss_from']}. "
        f"Run {machine['date_utc']}, "
        f"load average {machine['load_average_at_start'][0]:.2f} at start, "
        f"{machine.get('load_average_at_end', [float('nan')])[0]:.2f} at end.",
    ]
    blocks: dict[tuple, list[dict]] = {}
    for row in summary:
        blocks.setdefault((row["epochs"], row["input"], row["threads"]), []).append(row)
    for (epochs, kind, threads), rows in blocks.items():
        tools = [t for t in LABELS if any(t in r["tools"] for r in rows)]
        form = "plain text" if kind == "text" else "gzip"
        lines += ["", f"**{epochs} epoch{'s' * (epochs > 1)}, {form}, {threads} thread"
                  f"{'s' * (threads > 1)}**: whole-process wall seconds / peak RSS MB, median of "
                  f"{rounds} round{'s' * (rounds > 1)}; speed-ups are the peer's seconds over "
                  "lmbasics'.", ""]
        header = ["mode", *(_label(t, kind) for t in tools), "vs gensim", "vs fastest peer",
                  "RSS vs gensim"]
        lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        for row in rows:
            fastest = min(row["tools"], key=lambda t: row["tools"][t]["median_seconds"])
            cells = [row["mode"]]
            for tool in tools:
                cell = row["tools"].get(tool)
                if cell is None:
                    cells.append("–")
                    continue
                seconds = f"{cell['median_seconds']:.1f}"
                cells.append(f"{f'**{seconds}**' if tool == fastest else seconds} / "
                             f"{cell['median_peak_rss_mb']:.0f}")
            speedup = row.get("speedup", {})
            cells.append(f"{speedup['gensim']:.2f}x" if "gensim" in speedup else "–")
            cells.append(f"{row['speedup_vs_fastest_peer']:.2f}x ({_label(row['fastest_peer'], kind)})"
                         if "fastest_peer" in row else "–")
            cells.append(f"{row['rss_vs_gensim']:.2f}x" if "rss_vs_gensim" in row else "–")
            lines.append("| " + " | ".join(cells) + " |")
        if any("analogy_accuracy" in cell for r in rows for cell in r["tools"].values()):
            lines += ["", "Analogy accuracy % (questions-words, restrict_vocab 30000) / WordSim-353 "
                      "Spearman of the same runs:", "",
                      "| mode | " + " | ".join(_label(t, kind) for t in tools) + " |",
                      "|" + "---|" * (len(tools) + 1)]
            for row in rows:
                cells = [row["mode"]]
                for tool in tools:
                    cell = row["tools"].get(tool)
                    if cell is None:
                        cells.append("–")
                        continue
                    analogy = cell.get("analogy_accuracy")
                    spearman = cell.get("wordsim_spearman")
                    cells.append(f"{'–' if analogy is None else f'{100 * analogy:.1f}'} / "
                                 f"{'–' if spearman is None else f'{spearman:.3f}'}")
                lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
