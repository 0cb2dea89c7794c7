"""Vocabulary + encoding speed: lmbasics' compiled scanner against gensim's ``build_vocab``.

    python benchmarks/word2vec_vocab_speed.py --corpus PATH [--corpus PATH.gz] [--rounds 3]

First checks the result: the compiled scanner and the Python reader it replaced (its slow twin)
give the same words, counts and encoded ids on the corpus, and the kept vocabulary
(``min_count`` 5) equals gensim's, word for word and count for count (gensim orders words of
equal count differently; lmbasics keeps them in first-occurrence order, as word2vec.c). Then times, each in a
fresh process, interleaved round by round so machine drift cancels:

- ``gensim``: ``Word2Vec(vector_size=100, min_count=5).build_vocab(corpus_file=PATH)`` (a
  ``.gz`` through ``build_vocab(LineSentence(PATH))``, as gensim's ``corpus_file`` reads only
  plain text);
- ``scan``: lmbasics' vocabulary + int32 encoding (``scan_corpus`` + ``finalize_vocab``);
- ``build_vocab``: the whole ``lmbasics.Word2Vec(...).build_vocab(corpus_file=PATH)`` (also
  builds the tables and initialises the weights, as gensim's does);
- ``python`` (with ``--python``): the Python reader + scan, as before the compiled scanner.

Reports the median seconds of the timed call, the ratio to gensim and the peak RSS of each
process, and the machine's CPU count and load (ratios from a busy machine are rough).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

MIN_COUNT = 5


def _timed(lib: str, corpus: str) -> dict:
    """One run in this (fresh) process."""
    if lib == "gensim":
        from gensim.models import Word2Vec as GensimWord2Vec
        from gensim.models.word2vec import LineSentence as GensimLineSentence

        model = GensimWord2Vec(vector_size=100, min_count=MIN_COUNT, workers=2)
        start = time.perf_counter()
        if corpus.endswith(".gz"):
            model.build_vocab(GensimLineSentence(corpus))
        else:
            model.build_vocab(corpus_file=corpus)
        seconds = time.perf_counter() - start
        words = len(model.wv)
    elif lib == "build_vocab":
        from lmbasics.word2vec import Word2Vec

        model = Word2Vec(vector_size=100, min_count=MIN_COUNT, workers=2, progress=False)
        start = time.perf_counter()
        model.build_vocab(corpus_file=corpus)
        seconds = time.perf_counter() - start
        words = len(model.wv)
    else:
        from lmbasics.word2vec.corpus import LineSentence
        from lmbasics.word2vec.vocab import finalize_vocab, scan_corpus

        reader = LineSentence(corpus)
        source = reader if lib == "scan" else (sentence for sentence in reader)
        start = time.perf_counter()
        words, counts, encoded = scan_corpus(source)
        keys, _ = finalize_vocab(words, counts, encoded, MIN_COUNT)
        seconds = time.perf_counter() - start
        encoded.close()
        words = len(keys)
    return {"lib": lib, "corpus": corpus, "seconds": seconds, "words": words, "peak_rss_mb": _peak_rss_mb()}


def _peak_rss_mb() -> float:
    """This process's peak RSS (``VmHWM``: unlike ``ru_maxrss`` it does not start from the
    parent's RSS at fork)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _run(lib: str, corpus: str) -> dict:
    command = [sys.executable, __file__, "--child", lib, "--corpus", corpus]
    started = time.perf_counter()
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    result = json.loads(output.strip().splitlines()[-1])
    result["process_seconds"] = time.perf_counter() - started
    print(json.dumps(result), file=sys.stderr)
    return result


def check(corpus: str) -> str | None:
    """Why the scanner's result is wrong on ``corpus``, or ``None`` (compared with its Python
    twin and with gensim's vocabulary)."""
    import numpy as np
    from gensim.models import Word2Vec as GensimWord2Vec
    from gensim.models.word2vec import LineSentence as GensimLineSentence

    from lmbasics.word2vec.corpus import LineSentence
    from lmbasics.word2vec.vocab import finalize_vocab, scan_corpus

    fast_words, fast_counts, fast = scan_corpus(LineSentence(corpus))
    slow_words, slow_counts, slow = scan_corpus(sentence for sentence in LineSentence(corpus))
    try:
        if fast_words != slow_words or fast_counts.tolist() != slow_counts.tolist():
            return "words or counts differ from the Python reader's"
        if (fast.total_words, fast.num_sentences) != (slow.total_words, slow.num_sentences):
            return "token or sentence totals differ from the Python reader's"
        if not np.array_equal(fast.sentence_ends(), slow.sentence_ends()):
            return "sentence ends differ from the Python reader's"
        for start in range(0, fast.total_words, 1 << 22):
            stop = min(start + (1 << 22), fast.total_words)
            if not np.array_equal(fast.read_tokens(start, stop), slow.read_tokens(start, stop)):
                return f"encoded ids differ from the Python reader's in tokens {start}:{stop}"
        keys, counts = finalize_vocab(fast_words, fast_counts, fast, MIN_COUNT)
    finally:
        fast.close()
        slow.close()
    model = GensimWord2Vec(vector_size=100, min_count=MIN_COUNT)
    model.build_vocab(GensimLineSentence(corpus))
    gensim_counts = {key: model.wv.get_vecattr(key, "count") for key in model.wv.index_to_key}
    if dict(zip(keys, counts.tolist())) != gensim_counts:  # gensim orders ties differently
        return "the kept vocabulary differs from gensim's"
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", action="append", required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--python", action="store_true", help="also time the Python reader")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_timed(args.child, args.corpus[0])))
        return 0
    for corpus in args.corpus:
        problem = check(corpus)
        print(f"{corpus}: scanner vs Python reader vs gensim: {problem or 'identical'}")
        if problem:
            return 1
    libs = ["gensim", "scan", "build_vocab"] + (["python"] if args.python else [])
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start")
    for corpus in args.corpus:
        runs: dict[str, list[dict]] = {lib: [] for lib in libs}
        for _ in range(args.rounds):
            for lib in libs:
                runs[lib].append(_run(lib, corpus))
        gensim = statistics.median(r["seconds"] for r in runs["gensim"])
        print(f"\n{corpus} ({args.rounds} rounds, interleaved; median seconds of the timed call)")
        print(f"{'':12} {'seconds':>8} {'/ gensim':>9} {'process s':>10} {'peak RSS MB':>12}")
        for lib, results in runs.items():
            seconds = statistics.median(r["seconds"] for r in results)
            process = statistics.median(r["process_seconds"] for r in results)
            rss = statistics.median(r["peak_rss_mb"] for r in results)
            print(f"{lib:12} {seconds:8.2f} {seconds / gensim:9.2f} {process:10.2f} {rss:12.0f}")
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
