"""The Python peers of the whole-process benchmark, each as its user would write it, in one process.

    python benchmarks/_word2vec_peer.py gensim CORPUS -o vectors.bin --mode sg-ns --epochs 1 --threads 2
    python benchmarks/_word2vec_peer.py fasttext CORPUS -o vectors.bin --mode cbow-hs --epochs 1 --threads 2
    python benchmarks/_word2vec_peer.py evaluate vectors.bin --analogies questions-words.txt

``gensim`` trains with its fastest path, ``corpus_file=`` (plain text only), and reads a ``.gz``
with ``LineSentence``; ``fasttext`` calls ``fasttext.train_unsupervised`` (the fasttext-wheel
package ships no command-line binary) without subwords. Both save the vectors in word2vec's
binary format, as ``lmbasics train --binary`` and word2vec.c ``-binary 1`` do. ``evaluate``
scores any tool's vectors the same way, untimed. Called by ``word2vec_speed.py --whole-process``;
not a user-facing tool.
"""

from __future__ import annotations

import argparse
import json
import sys

# mode -> (skip-gram?, hierarchical softmax?)
MODES = {"sg-ns": (1, 0), "cbow-ns": (0, 0), "sg-hs": (1, 1), "cbow-hs": (0, 1)}


def train_gensim(args: argparse.Namespace) -> None:
    from gensim.models import Word2Vec
    from gensim.models.word2vec import LineSentence

    sg, hs = MODES[args.mode]
    settings = dict(vector_size=args.dim, window=args.window, min_count=args.min_count,
                    sample=args.sample, sg=sg, hs=hs, negative=0 if hs else args.negative,
                    alpha=args.alpha, epochs=args.epochs, workers=args.threads)
    if args.corpus.endswith(".gz"):  # corpus_file reads plain text only
        model = Word2Vec(sentences=LineSentence(args.corpus), **settings)
    else:
        model = Word2Vec(corpus_file=args.corpus, **settings)
    model.wv.save_word2vec_format(args.output, binary=True)


def train_fasttext(args: argparse.Namespace) -> None:
    import fasttext

    sg, hs = MODES[args.mode]
    model = fasttext.train_unsupervised(
        args.corpus, model="skipgram" if sg else "cbow", dim=args.dim, ws=args.window,
        neg=args.negative, loss="hs" if hs else "ns", t=args.sample, minCount=args.min_count,
        epoch=args.epochs, thread=args.threads, minn=0, maxn=0, lr=args.alpha, verbose=0)
    words = model.get_words(on_unicode_error="replace")
    matrix = model.get_input_matrix()  # no subwords: row i is word i's vector
    with open(args.output, "wb") as out:
        out.write(f"{len(words)} {matrix.shape[1]}\n".encode())
        for word, row in zip(words, matrix.astype("<f4")):
            out.write(word.encode() + b" " + row.tobytes() + b"\n")


def evaluate(args: argparse.Namespace) -> None:
    """Print the analogy accuracy (restrict_vocab 30000) and pair Spearman as one JSON object.

    lmbasics' ``evaluate_word_analogies`` gives gensim's numbers on the same vectors (tested in
    tests/word2vec/test_keyedvectors.py) and batches the search, minutes faster per run than
    gensim's own; every tool's vectors are scored by the same code. null where no question is in
    the vocabulary.
    """
    from lmbasics._util.errors import LmbasicsError
    from lmbasics.word2vec.keyedvectors import KeyedVectors

    vectors = KeyedVectors.load(args.vectors)
    accuracy, sections = vectors.evaluate_word_analogies(args.analogies, restrict_vocab=30000)
    answered = len(sections[-1]["correct"]) + len(sections[-1]["incorrect"])  # the total
    result = {"analogy_accuracy": float(accuracy) if answered else None, "analogy_questions": answered}
    if args.pairs:
        try:
            _, spearman, _ = vectors.evaluate_word_pairs(args.pairs)
            result["wordsim_spearman"] = float(spearman.statistic)
        except LmbasicsError:  # fewer than 2 pairs in the vocabulary
            result["wordsim_spearman"] = None
    print(json.dumps(result))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    verbs = parser.add_subparsers(dest="verb", required=True)
    for name, handler in (("gensim", train_gensim), ("fasttext", train_fasttext)):
        train = verbs.add_parser(name)
        train.add_argument("corpus")
        train.add_argument("-o", "--output", required=True)
        train.add_argument("--mode", choices=sorted(MODES), required=True)
        train.add_argument("--dim", type=int, default=100)
        train.add_argument("--window", type=int, default=5)
        train.add_argument("--negative", type=int, default=5)
        train.add_argument("--sample", type=float, default=1e-4)
        train.add_argument("--min-count", type=int, default=5)
        train.add_argument("--alpha", type=float, required=True)
        train.add_argument("--epochs", type=int, default=1)
        train.add_argument("--threads", type=int, default=2)
        train.set_defaults(handler=handler)
    score = verbs.add_parser("evaluate")
    score.add_argument("vectors", help="word2vec binary format")
    score.add_argument("--analogies", required=True, help="questions-words.txt")
    score.add_argument("--pairs", help="wordsim353.tsv")
    score.set_defaults(handler=evaluate)
    args = parser.parse_args()
    args.handler(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
