"""word2vec speed: lmbasics against its peers, two ways.

Whole process (what a user waits for), ``--whole-process``:

    python benchmarks/word2vec_speed.py --whole-process --corpus ../shared/data/corpus/enwiki-17M.txt.gz \
        --json docs/benchmarks/word2vec_whole_process.json

runs ``lmbasics train`` exactly as a user types it and each peer's own command (gensim
``corpus_file``, word2vec.c, pWord2Vec, fastText; see ``_word2vec_whole.py``) one after the
other on the same file, for ``--rounds`` rounds, and reports median wall seconds, peak RSS, the
ratios to every peer and to the fastest, and the machine, as JSON and as a markdown table.
Peers that are not installed are skipped with a line saying why.

Training only (the library, not the command), the default:

    python benchmarks/word2vec_speed.py --corpus ../shared/data/corpus/enwiki-17M.txt.gz

First checks every kernel against the NumPy reference (a fast wrong kernel is not a result),
then for each mode and thread count trains 1 epoch with each library in a fresh process,
alternating libraries so machine drift cancels, and reports training words/s (raw corpus
words, as gensim counts them), the ratio to gensim, vocabulary time and peak RSS. Settings:
dim 100, window 5, negative 5, sample 1e-4, min_count 5, alpha 0.025 (Skip-gram) / 0.05 (CBOW).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def run(lib: str, mode: str, corpus: str, threads: int, epochs: int = 1, shared: int = 1,
        evaluate: str | None = None) -> dict:
    command = [sys.executable, str(HERE / "_word2vec_run.py"), "--lib", lib, "--mode", mode,
               "--corpus", corpus, "--threads", str(threads), "--epochs", str(epochs),
               "--shared-negatives", str(shared)]
    if evaluate:
        command += ["--evaluate", evaluate]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    result = json.loads(output.strip().splitlines()[-1])
    print(json.dumps(result), file=sys.stderr)
    return result


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", default="../shared/data/corpus/enwiki-17M.txt.gz")
    parser.add_argument("--modes", default="sg-ns,cbow-ns,sg-hs,cbow-hs")
    parser.add_argument("--threads", help="comma list (default: 2,1 training only; 2 whole process)")
    parser.add_argument("--json", help="also write all runs here")
    only = parser.add_argument_group("training only")
    only.add_argument("--repeats", type=int, default=2, help="A B pairs per configuration")
    only.add_argument("--shared-negatives", type=int, default=1)
    whole = parser.add_argument_group("whole process")
    whole.add_argument("--whole-process", action="store_true",
                       help="time each tool's whole command instead of training alone")
    whole.add_argument("--rounds", type=int, default=3, help="every tool once per round")
    whole.add_argument("--epochs", default="1,5", help="comma list")
    whole.add_argument("--inputs", default="text,gz",
                       help="text, gz or both: the corpus as given and converted (gz: lmbasics, gensim)")
    whole.add_argument("--tools", default="lmbasics,gensim,word2vec.c,pword2vec,fasttext")
    whole.add_argument("--lmbasics", default="lmbasics", help="the command a user types")
    whole.add_argument("--peers-dir", default="~/.cache/lmbasics-peers",
                       help="word2vec.c and pWord2Vec binaries (built here if missing)")
    whole.add_argument("--peers-source", default=str(HERE.parent.parent / "shared" / "peers"),
                       help="folder with build.sh for the C peers")
    whole.add_argument("--workdir", help="scratch folder for converted corpora and vectors "
                                         "(default: a temporary folder, removed at the end)")
    whole.add_argument("--evaluate", metavar="DIR",
                       help="score every run's vectors on DIR/questions-words.txt (and wordsim353.tsv)")
    whole.add_argument("--no-kernel-check", action="store_true",
                       help="skip the kernel check against the NumPy reference (structure tests only)")
    return parser


def main() -> int:
    args = _parser().parse_args()
    if args.whole_process:
        from _word2vec_whole import run_whole

        return run_whole(args)
    args.threads = args.threads or "2,1"

    from _word2vec_whole import check_kernels_in_child  # keeps this process, every run's parent, small

    if not check_kernels_in_child():
        return 1
    runs = []
    rows = []
    for threads in [int(t) for t in args.threads.split(",")]:
        for mode in args.modes.split(","):
            pair = {"lmbasics": [], "gensim": []}
            for _ in range(args.repeats):
                for lib in ("lmbasics", "gensim"):
                    result = run(lib, mode, args.corpus, threads, shared=args.shared_negatives)
                    pair[lib].append(result)
                    runs.append(result)
            ours = statistics.median(r["words_per_second"] for r in pair["lmbasics"])
            theirs = statistics.median(r["words_per_second"] for r in pair["gensim"])
            rows.append((mode, threads, ours, theirs,
                         statistics.median(r["vocab_seconds"] for r in pair["lmbasics"]),
                         statistics.median(r["vocab_seconds"] for r in pair["gensim"]),
                         max(r["peak_rss_mb"] for r in pair["lmbasics"]),
                         max(r["peak_rss_mb"] for r in pair["gensim"])))
    print("\nTraining only (the library's build_vocab + train in a fresh process, not the command):")
    print("\n| mode | threads | lmbasics words/s | gensim words/s | ratio | vocab s (lmb / gensim)"
          " | peak RSS MB (lmb / gensim) |")
    print("|---|---|---|---|---|---|---|")
    for mode, threads, ours, theirs, vo, vt, ro, rt in rows:
        print(f"| {mode} | {threads} | {ours:,.0f} | {theirs:,.0f} | {ours / theirs:.2f}x | "
              f"{vo:.1f} / {vt:.1f} | {ro:.0f} / {rt:.0f} |")
    by_key = {(m, t): o for m, t, o, *_ in rows}
    for mode in args.modes.split(","):
        if (mode, 1) in by_key and (mode, 2) in by_key:
            print(f"{mode}: 1 -> 2 threads x{by_key[(mode, 2)] / by_key[(mode, 1)]:.2f}")
    if args.json:
        Path(args.json).write_text(json.dumps(runs, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
