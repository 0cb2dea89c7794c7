"""word2vec quality: lmbasics against gensim 4.4, same settings, same run.

    python benchmarks/word2vec_quality.py --corpus ../shared/data/corpus/enwiki-17M.txt.gz

For each of sg+ns, cbow+ns, sg+hs, cbow+hs: train 5 epochs with 2 threads in a fresh process
per library (dim 100, window 5, negative 5, sample 1e-4, min_count 5, alpha 0.025 / 0.05), then
report analogy accuracy on questions-words.txt (restrict_vocab 30000), WordSim-353 Spearman,
5-epoch training speed and peak RSS, and the differences to gensim.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from word2vec_speed import run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", default="../shared/data/corpus/enwiki-17M.txt.gz")
    parser.add_argument("--evaluation", default="../shared/data/word-eval")
    parser.add_argument("--modes", default="sg-ns,cbow-ns,sg-hs,cbow-hs")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--shared-negatives", default="1", help="comma list, e.g. 1,0")
    parser.add_argument("--json", help="also write all runs here")
    args = parser.parse_args()
    runs = []
    print("| mode | library | analogy acc. | WS-353 Spearman | words/s (5 epochs) | peak RSS MB |")
    print("|---|---|---|---|---|---|")
    for mode in args.modes.split(","):
        variants = [("lmbasics", int(s)) for s in args.shared_negatives.split(",")]
        if not mode.endswith("-ns") or not mode.startswith("sg"):
            variants = [("lmbasics", 0)]
        results = []
        for lib, shared in [*variants, ("gensim", 0)]:
            result = run(lib, mode, args.corpus, args.threads, args.epochs, shared,
                         evaluate=args.evaluation)
            results.append(result)
            runs.append(result)
        base = results[-1]
        for result in results:
            name = result["lib"] + (" (shared negatives)" if result.get("shared_negatives")
                                    and mode == "sg-ns" else "")
            delta = "" if result is base else (
                f" ({100 * (result['analogy_accuracy'] - base['analogy_accuracy']):+.1f})")
            sdelta = "" if result is base else (
                f" ({result['wordsim_spearman'] - base['wordsim_spearman']:+.3f})")
            print(f"| {mode} | {name} | {100 * result['analogy_accuracy']:.1f}{delta} | "
                  f"{result['wordsim_spearman']:.3f}{sdelta} | "
                  f"{result['words_per_second']:,.0f} | {result['peak_rss_mb']:.0f} |", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(runs, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
