"""word2vec on a local Ray cluster against one process: words/s, analogy accuracy, the cost of
a synchronisation, and from it the throughput model of docs/scaling.md.

    PYTHONPATH=src python benchmarks/word2vec_ray.py \\
        --corpus ../shared/data/corpus/enwiki-17M.txt.gz \\
        --analogies ../shared/data/word-eval/questions-words.txt --doc docs/scaling.md

The corpus is split into ``--shards`` files in a temporary directory (outside the repository).
One process with one thread trains on those files; then a local Ray cluster
(``ray.init(num_cpus=2)``) trains on the same files with 2 workers x 1 thread, the same settings
and epochs. Before anything is compared, the cluster's vocabulary is checked against the single
process's (the same words, counts and order). Reported: training words/s of each and their
ratio, analogy accuracy (questions-words.txt, restrict_vocab 30000) and its difference, the
bytes and seconds of a synchronisation (and its parts), and the model of throughput against
nodes and bandwidth built from them (a PNG). ``--doc`` rewrites the measured section of
docs/scaling.md (between its ``<!-- results -->`` markers) from this run.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from lmbasics._util.atomic import atomic_write_text  # noqa: E402
from lmbasics._util.figures import new_figure, save_png  # noqa: E402
from lmbasics.word2vec import Word2Vec  # noqa: E402

SETTINGS = dict(vector_size=100, window=5, min_count=5, sample=1e-3, sg=1, negative=5, seed=1,
                workers=1)  # lmbasics train's defaults (Skip-gram, negative sampling), 1 thread
TARGET_SPEEDUP, TARGET_ACCURACY_POINTS = 1.7, 1.0  # issue 16's bar for 2 workers x 1 thread
GBIT = 1e9 / 8  # bytes/s
BANDWIDTHS_GBIT = (1, 10, 100)
NODE_THREADS = 16  # the modelled node: 16 cores
MODEL_SYNC_WORDS = 1_000_000  # the modelled nodes' round (a large corpus's default)
BUSY_LOAD = 1.5  # a load average above this before the run: other work shares the 2 cores


def split_corpus(path: Path, shards: int, directory: Path) -> list[Path]:
    """``shards`` files of the corpus's lines (documents, in enwiki), dealt one at a time, so
    each shard has a similar size and mix of the corpus; uncompressed."""
    with open(path, "rb") as probe:
        opener = gzip.open if probe.read(2) == b"\x1f\x8b" else open
    paths = [directory / f"shard{index:02d}.txt" for index in range(shards)]
    with contextlib.ExitStack() as stack:
        outputs = [stack.enter_context(open(p, "wb")) for p in paths]
        with opener(path, "rb") as handle:
            for number, line in enumerate(handle):
                outputs[number % shards].write(line)
    if min(p.stat().st_size for p in paths) == 0:
        raise SystemExit(f"{path} has fewer lines than --shards {shards}")
    return paths


def accuracy(model: Word2Vec, analogies: Path) -> float:
    score, _ = model.wv.evaluate_word_analogies(analogies, restrict_vocab=30000)
    return float(score)


def run_single(directory: Path, epochs: int) -> tuple[Word2Vec, dict]:
    started = time.perf_counter()
    model = Word2Vec(epochs=epochs, progress=False, **SETTINGS)
    model.build_vocab(corpus_file=directory)
    model.train()
    return model, {"wall_seconds": time.perf_counter() - started, **model.training_stats}


def run_cluster(directory: Path, epochs: int, workers: int, sync_words: int,
                combine: str) -> tuple[Word2Vec, dict]:
    from lmbasics.word2vec.distributed import ClusterConfig

    cluster = ClusterConfig(workers_per_node=workers, sync_words=sync_words, combine=combine)
    started = time.perf_counter()
    model = Word2Vec(epochs=epochs, progress=False, cluster=cluster, **SETTINGS)
    model.build_vocab(corpus_file=directory)
    counted = time.perf_counter() - started
    model.train()
    return model, {"wall_seconds": time.perf_counter() - started, "vocab_seconds": counted,
                   **model.training_stats}


def check_vocabulary(single: Word2Vec, cluster: Word2Vec) -> None:
    """The reference check before any number is compared: counting on the cluster is counting
    in one process."""
    if (single.wv.index_to_key != cluster.wv.index_to_key
            or not np.array_equal(single.wv.counts, cluster.wv.counts)
            or single.corpus_total_words != cluster.corpus_total_words):
        raise SystemExit("the cluster's vocabulary differs from the single process's")


def sync_costs(stats: dict, single: dict) -> dict:
    """A synchronisation's measured parts, per copy of the weights where they grow with copies,
    and a thread's speed (the single process's: one thread with a core to itself)."""
    workers = stats["cluster_workers"]
    other = stats["sync_seconds"] - (stats["sync_put_seconds"] + stats["sync_combine_seconds"]
                                     + stats["sync_load_seconds"])
    return {
        "copy_bytes": stats["sync_bytes"] / (2 * workers),
        "put_seconds": stats["sync_put_seconds"],  # the weights into the object store, once
        "load_seconds": stats["sync_load_seconds"],  # a worker copies them in (in parallel)
        "combine_seconds_per_copy": stats["sync_combine_seconds"] / workers,
        # returning a copy (serialised into the object store) and scheduling, per copy
        "other_seconds_per_copy": max(other, 0.0) / workers,
        "thread_words_per_second": single["words_per_second"],
        "worker_thread_words_per_second": (stats["raw_words"] / workers
                                           / stats["worker_train_seconds"]),
    }


def model_throughput(costs: dict, nodes: np.ndarray, bandwidth: float, sync_words: int,
                     workers_per_node: int = 1, threads: int = NODE_THREADS) -> np.ndarray:
    """Words/s of ``nodes`` nodes, each with ``workers_per_node`` workers of ``threads`` threads,
    on a network of ``bandwidth`` bytes/s (docs/scaling.md): a round trains ``sync_words`` per
    worker, then every copy passes through the driver's node (in: one per remote worker, out:
    one per remote node, full duplex) and is combined there one after another."""
    copies = nodes * workers_per_node
    compute = sync_words / (threads * costs["thread_words_per_second"])
    local = costs["put_seconds"] + costs["load_seconds"] + copies * (
        costs["combine_seconds_per_copy"] + costs["other_seconds_per_copy"])
    network = (nodes - 1) * workers_per_node * costs["copy_bytes"] / bandwidth
    return copies * sync_words / (compute + local + network)


def half_efficiency_nodes(costs: dict, bandwidth: float, sync_words: int) -> int:
    """The most nodes (of one worker with NODE_THREADS threads) still at >= 50% efficiency."""
    nodes = np.arange(1, 4097)
    ideal = nodes * NODE_THREADS * costs["thread_words_per_second"]
    ok = model_throughput(costs, nodes, bandwidth, sync_words) >= 0.5 * ideal
    return int(nodes[ok].max()) if ok.any() else 0


def plot(costs: dict, sync_words: int, path: Path) -> None:
    nodes = np.unique(np.geomspace(1, 256, 40).astype(int))
    figure = new_figure((6.4, 4.2), dpi=120)
    axes = figure.add_subplot()
    ideal = nodes * NODE_THREADS * costs["thread_words_per_second"]
    axes.plot(nodes, ideal, color="0.6", linestyle=":", label="no synchronisation cost")
    for gbit in BANDWIDTHS_GBIT:
        axes.plot(nodes, model_throughput(costs, nodes, gbit * GBIT, sync_words),
                  label=f"{gbit} Gbit/s, 1 worker x {NODE_THREADS} threads a node")
    # the same words a node between synchronisations, in 16 copies instead of one
    axes.plot(nodes, model_throughput(costs, nodes, 10 * GBIT, sync_words // NODE_THREADS,
                                      NODE_THREADS, 1),
              linestyle="--",
              label=f"10 Gbit/s, {NODE_THREADS} workers x 1 thread a node (same words a round)")
    axes.plot(nodes, model_throughput(costs, nodes, 10 * GBIT, 10 * sync_words), linestyle="-.",
              label=f"10 Gbit/s, 1 x {NODE_THREADS}, sync every {10 * sync_words:,} words")
    axes.set(xscale="log", yscale="log", xlabel="nodes", ylabel="words/s (model)",
             title=f"word2vec on Ray: modelled throughput (sync every {sync_words:,} words)")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=7)
    save_png(figure, path)


def report(results: dict) -> str:
    """The measured section of docs/scaling.md (markdown)."""
    single, cluster, costs = results["single"], results["cluster"], results["costs"]
    speedup = cluster["words_per_second"] / single["words_per_second"]
    points = 100 * (cluster["accuracy"] - single["accuracy"])
    verdict = lambda ok: "met" if ok else "not met"  # noqa: E731
    busy = results["load_before"][0] > BUSY_LOAD
    lines = [
        f"Run: `{results['command']}` on {results['machine']} ({results['date']}; "
        f"load average before: {results['load_before']}).",
        *([f"**The machine was busy (load above {BUSY_LOAD}): the words/s below are not a "
           "measurement.**"] if busy else []),
        "",
        "| run | training words/s | training s | wall s (incl. vocabulary) | analogy acc. |",
        "|---|---|---|---|---|",
        f"| 1 process x 1 thread | {single['words_per_second']:,.0f} | {single['seconds']:.1f} | "
        f"{single['wall_seconds']:.1f} | {100 * single['accuracy']:.2f} |",
        f"| Ray, {cluster['cluster_workers']} workers x 1 thread | "
        f"{cluster['words_per_second']:,.0f} | {cluster['seconds']:.1f} | "
        f"{cluster['wall_seconds']:.1f} | {100 * cluster['accuracy']:.2f} |",
        "",
        f"- speed-up {speedup:.2f}x (target >= {TARGET_SPEEDUP}x: {verdict(speedup >= TARGET_SPEEDUP)}); "
        f"accuracy {points:+.2f} points (target within {TARGET_ACCURACY_POINTS:g}: "
        f"{verdict(abs(points) <= TARGET_ACCURACY_POINTS)}).",
        f"- {cluster['synchronisations']} synchronisations (every {cluster['sync_words']:,} words "
        f"a worker, combined by their {results['combine']}) of {cluster['sync_bytes'] / 1e6:.1f} MB "
        f"each ({costs['copy_bytes'] / 1e6:.1f} MB a copy, a copy to and from each worker), "
        f"{cluster['sync_seconds']:.3f} s each: putting the weights "
        f"{costs['put_seconds']:.3f} s, a worker loading them {costs['load_seconds']:.3f} s, "
        f"combining {costs['combine_seconds_per_copy']:.3f} s a copy, returning and scheduling "
        f"{costs['other_seconds_per_copy']:.3f} s a copy; a worker's thread trained "
        f"{costs['worker_thread_words_per_second']:,.0f} words/s (the single process's "
        f"{costs['thread_words_per_second']:,.0f}: the model's `r`).",
        "- Nodes still at >= 50% efficiency in the model (1 worker x "
        f"{NODE_THREADS} threads a node, sync every {MODEL_SYNC_WORDS:,} words): "
        + ", ".join(f"{gbit} Gbit/s: {n}" for gbit, n in results["half_efficiency_nodes"].items())
        + ".",
    ]
    return "\n".join(lines)


def render(doc: Path, text: str) -> None:
    source = doc.read_text()
    start, end = "<!-- results -->", "<!-- /results -->"
    if start not in source or end not in source:
        raise SystemExit(f"{doc} has no {start} ... {end} section")
    head, rest = source.split(start, 1)
    atomic_write_text(doc, head + start + "\n" + text + "\n" + end + rest.split(end, 1)[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default="../shared/data/corpus/enwiki-17M.txt.gz")
    parser.add_argument("--analogies", type=Path,
                        default="../shared/data/word-eval/questions-words.txt")
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2, help="Ray workers (1 thread each)")
    parser.add_argument("--sync-words", type=int, default=None,
                        help="default: ClusterConfig's (an eighth of a worker's epoch, <= 1M)")
    parser.add_argument("--combine", choices=("sum", "mean"), default="sum")
    parser.add_argument("--out", type=Path, default=ROOT / "docs/scaling")
    parser.add_argument("--doc", type=Path, help="rewrite this file's results section")
    args = parser.parse_args()
    for path in (args.corpus, args.analogies):
        if not path.is_file():
            raise SystemExit(f"not found: {path}")
    import ray

    load_before = os.getloadavg()
    directory = Path(tempfile.mkdtemp(prefix="lmbasics-shards-"))
    try:
        split_corpus(args.corpus, args.shards, directory)
        single, single_stats = run_single(directory, args.epochs)
        print(f"single: {single_stats['words_per_second']:,.0f} words/s", flush=True)
        source = str(ROOT / "src")  # the workers import this checkout's lmbasics
        ray.init(num_cpus=args.workers, include_dashboard=False, log_to_driver=False,
                 runtime_env={"env_vars": {"PYTHONPATH": os.pathsep.join(
                     filter(None, [source, os.environ.get("PYTHONPATH")]))}})
        cluster, cluster_stats = run_cluster(directory, args.epochs, args.workers,
                                             args.sync_words, args.combine)
        ray.shutdown()
        check_vocabulary(single, cluster)
        single_stats["accuracy"] = accuracy(single, args.analogies)
        cluster_stats["accuracy"] = accuracy(cluster, args.analogies)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    costs = sync_costs(cluster_stats, single_stats)
    results = {
        "command": " ".join(["python", *sys.argv]), "corpus": str(args.corpus),
        "shards": args.shards, "epochs": args.epochs,
        "sync_words": cluster_stats["sync_words"],
        "combine": args.combine, "settings": SETTINGS,
        "machine": f"{platform.node()}, {os.cpu_count()} CPUs",
        "date": time.strftime("%Y-%m-%d %H:%M"), "load_before": [round(x, 2) for x in load_before],
        "single": single_stats, "cluster": cluster_stats, "costs": costs,
        "half_efficiency_nodes": {gbit: half_efficiency_nodes(costs, gbit * GBIT, MODEL_SYNC_WORDS)
                                  for gbit in BANDWIDTHS_GBIT},
    }
    args.out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(args.out / "results.json", json.dumps(results, indent=1, default=str))
    plot(costs, MODEL_SYNC_WORDS, args.out / "throughput.png")
    text = report(results)
    print(text)
    if args.doc:
        render(args.doc, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
