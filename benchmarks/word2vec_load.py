"""Reading vector files: lmbasics against gensim in the same run, interleaved (A B A B).

    python benchmarks/word2vec_load.py --words 71000 --dim 100 --rounds 3

Writes random vectors under made-up words (seeded) as word2vec text and binary files, first
checks that lmbasics reads exactly what gensim reads (same words, same float32 bits) and that
both give the same ten neighbours, then, for each file and round, runs in a fresh process
each library's ``load_word2vec_format`` followed by one ``most_similar`` (what
``lmbasics similar vectors.bin king`` does), and ``lmbasics similar`` itself. Reports medians
of the whole process and of the load + query inside it, and the ratio to gensim.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

LIBRARY_RUN = """
import time
started = time.perf_counter()
from {module} import KeyedVectors
imported = time.perf_counter()
kv = KeyedVectors.load_word2vec_format({path!r}, binary={binary})
neighbours = kv.most_similar({word!r}, topn=10)
print(imported - started, time.perf_counter() - imported, neighbours[0][0])
"""
MODULES = {"lmbasics": "lmbasics.word2vec.keyedvectors", "gensim": "gensim.models"}


def write_files(folder: Path, words: int, dim: int) -> dict[str, Path]:
    from lmbasics.word2vec.keyedvectors import KeyedVectors

    rng = np.random.default_rng(0)
    keys = ["king"] + [f"w{i}" for i in range(1, words)]
    kv = KeyedVectors.from_arrays(keys, (rng.standard_normal((words, dim)) * 0.3).astype(np.float32))
    files = {"binary": folder / f"v{words}x{dim}.bin", "text": folder / f"v{words}x{dim}.txt"}
    for kind, path in files.items():
        if not path.exists():
            kv.save_word2vec_format(path, binary=kind == "binary")
    return files


def check(files: dict[str, Path]) -> None:
    """lmbasics reads gensim's bits and finds gensim's neighbours, or nothing is timed."""
    from gensim.models import KeyedVectors as GensimKeyedVectors

    from lmbasics.word2vec.keyedvectors import KeyedVectors

    for kind, path in files.items():
        ours = KeyedVectors.load_word2vec_format(path, binary=kind == "binary")
        theirs = GensimKeyedVectors.load_word2vec_format(str(path), binary=kind == "binary")
        assert ours.index_to_key == list(theirs.index_to_key), kind
        assert np.array_equal(ours.vectors.view(np.uint32), theirs.vectors.view(np.uint32)), kind
        assert [w for w, _ in ours.most_similar("king")] == [w for w, _ in theirs.most_similar("king")]
        print(f"{kind}: same words, float32 bits and neighbours as gensim")


def timed(command: list[str]) -> tuple[float, str]:
    started = time.perf_counter()
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return time.perf_counter() - started, output


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--words", type=int, default=71_000)
    parser.add_argument("--dim", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--folder", default=os.path.join(tempfile.gettempdir(), "lmbasics-load"))
    parser.add_argument("--formats", default="binary,text")
    args = parser.parse_args()
    folder = Path(args.folder)
    folder.mkdir(parents=True, exist_ok=True)
    files = write_files(folder, args.words, args.dim)
    files = {kind: files[kind] for kind in args.formats.split(",")}
    check(files)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}; python {platform.python_version()}")
    results: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for _ in range(args.rounds):
        for kind, path in files.items():
            for library, module in MODULES.items():
                code = LIBRARY_RUN.format(module=module, path=str(path), binary=kind == "binary",
                                          word="king")
                wall, output = timed([sys.executable, "-c", code])
                _, inside, _ = output.split()
                results.setdefault((kind, library), []).append((wall, float(inside)))
            wall, _ = timed([sys.executable, "-m", "lmbasics", "similar", str(path), "king"])
            results.setdefault((kind, "lmbasics similar (CLI)"), []).append((wall, float("nan")))
    print(f"{args.words:,} words x {args.dim}, median of {args.rounds} fresh processes each")
    print(f"{'file':8} {'library':24} {'whole process s':>16} {'load + query s':>15} {'vs gensim':>10}")
    for (kind, library), runs in results.items():
        whole = statistics.median(r[0] for r in runs)
        inside = statistics.median(r[1] for r in runs)
        gensim = statistics.median(r[1] for r in results[(kind, "gensim")])
        ratio = f"{gensim / inside:.1f}x" if library == "lmbasics" else ""
        print(f"{kind:8} {library:24} {whole:16.2f} {inside:15.3f} {ratio:>10}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
