"""One benchmark run in a fresh process: build the vocabulary, train, optionally evaluate.

Called by ``word2vec_speed.py`` and ``word2vec_quality.py`` so that every run starts cold and
its peak RSS is its own. Prints one JSON object. Not a user-facing tool.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

MODES = {
    "sg-ns": dict(sg=1, hs=0, negative=5),
    "cbow-ns": dict(sg=0, hs=0, negative=5),
    "sg-hs": dict(sg=1, hs=1, negative=0),
    "cbow-hs": dict(sg=0, hs=1, negative=0),
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lib", choices=("lmbasics", "gensim"), required=True)
    parser.add_argument("--mode", choices=sorted(MODES), required=True)
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--shared-negatives", type=int, default=1)
    parser.add_argument("--evaluate", help="directory with questions-words.txt, wordsim353.tsv")
    args = parser.parse_args()
    settings = dict(vector_size=100, window=5, min_count=5, sample=1e-4, workers=args.threads,
                    epochs=args.epochs, seed=1, **MODES[args.mode])
    settings["alpha"] = 0.025 if settings["sg"] else 0.05  # word2vec.c's, for both libraries
    result = {"lib": args.lib, "mode": args.mode, "threads": args.threads, "epochs": args.epochs}
    if args.lib == "lmbasics":
        from lmbasics.word2vec import Word2Vec

        model = Word2Vec(progress=False, compute_loss=False,
                         shared_negatives=bool(args.shared_negatives), **settings)
        result["shared_negatives"] = bool(args.shared_negatives)
        started = time.perf_counter()
        model.build_vocab(corpus_file=args.corpus)
        result["vocab_seconds"] = time.perf_counter() - started
        started = time.perf_counter()
        model.train()
        result["train_seconds"] = time.perf_counter() - started
        raw_words, kv = model.corpus_total_words, model.wv
    else:
        import logging

        from gensim.models import Word2Vec as GensimWord2Vec
        from gensim.models.word2vec import LineSentence

        logging.disable(logging.WARNING)
        corpus = LineSentence(args.corpus)
        model = GensimWord2Vec(**settings)
        started = time.perf_counter()
        model.build_vocab(corpus)
        result["vocab_seconds"] = time.perf_counter() - started
        started = time.perf_counter()
        model.train(corpus, total_examples=model.corpus_count, epochs=args.epochs)
        result["train_seconds"] = time.perf_counter() - started
        raw_words, kv = model.corpus_total_words, model.wv
    result["raw_words"] = raw_words
    result["words_per_second"] = raw_words * args.epochs / result["train_seconds"]
    result["vocabulary"] = len(kv.index_to_key)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if args.evaluate:
        data = Path(args.evaluate)
        accuracy, _ = kv.evaluate_word_analogies(str(data / "questions-words.txt"),
                                                 restrict_vocab=30000)
        _, spearman, _ = kv.evaluate_word_pairs(str(data / "wordsim353.tsv"))
        result["analogy_accuracy"] = float(accuracy)
        result["wordsim_spearman"] = float(spearman.statistic)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
