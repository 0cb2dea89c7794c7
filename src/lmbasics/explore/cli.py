"""The explore wing's verbs: ``plot`` (2-D map), ``onehot`` (one-hot vs dense), ``serve`` (web).

Each handler loads the vectors once with :meth:`KeyedVectors.load` (native ``.npz`` or
word2vec text/binary, sniffed), calls the library, prints what it wrote and returns 0. Bad
input raises :class:`LmbasicsError`, which :mod:`lmbasics.cli` prints as one line.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from lmbasics._util.arguments import positive_int
from lmbasics._util.errors import LmbasicsError
from lmbasics._util.tokenizers import TOKENIZERS
from lmbasics.explore.projection import METHODS
from lmbasics.word2vec.keyedvectors import KeyedVectors

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def load_vectors(path: str) -> KeyedVectors:
    """Vectors from ``path``, with one-line errors for a missing, empty or unreadable file."""
    file = Path(path)
    if not file.exists():
        raise LmbasicsError(f"vector file not found: {path}")
    if file.is_dir():
        raise LmbasicsError(f"vector file is a directory: {path}")
    try:
        kv = KeyedVectors.load(file)  # its LmbasicsErrors already name the file and the line
    except LmbasicsError:
        raise
    except (ValueError, EOFError, UnicodeDecodeError, OSError) as error:
        raise LmbasicsError(f"cannot read vectors from {path}: {error}") from error
    if len(kv) == 0:
        raise LmbasicsError(f"no vectors in {path}")
    return kv


def _split_words(text: str) -> list[str]:
    return [word.strip() for word in text.split(",") if word.strip()]


def _arrow_pairs(text: str | None) -> list[tuple[str, str]]:
    pairs = []
    for item in _split_words(text or ""):
        parts = [part.strip() for part in item.split(":")]
        if len(parts) != 2 or not all(parts):
            raise LmbasicsError(f"--arrows takes pairs like king:queen,man:woman; got {item!r}")
        pairs.append((parts[0], parts[1]))
    return pairs


def _port(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be in 0..65535, got {value}")
    return value


def run_plot(args: argparse.Namespace) -> int:
    from lmbasics.explore.plots import plot_map

    kv = load_vectors(args.vectors)
    if args.words is not None:
        words = _split_words(args.words)
        if not words:
            raise LmbasicsError("--words is empty: give at least 2 comma-separated words")
    else:
        words = kv.index_to_key[: args.top]
    projection = plot_map(
        kv, words, args.output, method=args.method, arrows=_arrow_pairs(args.arrows),
        seed=args.seed, source=Path(args.vectors).name,
    )
    print(f"wrote {args.output}: {len(projection.points)} words, {projection.describe()}")
    return 0


def run_onehot(args: argparse.Namespace) -> int:
    from lmbasics.explore.plots import plot_onehot

    kv = load_vectors(args.vectors)
    memory = plot_onehot(kv, args.words, args.output, source=Path(args.vectors).name)
    for line in memory.lines():
        print(line)
    print(f"wrote {args.output}")
    return 0


def run_serve(args: argparse.Namespace) -> int:
    try:
        from lmbasics.explore.server import bind_socket, create_app, make_server
    except ImportError as error:
        raise LmbasicsError(
            f"serve needs the web extras ({error.name} is missing): pip install 'lmbasics[web]'"
        ) from error
    from lmbasics._util.tokenizers import get_tokenizer

    tokenizer = get_tokenizer(args.tokenizer) if args.tokenizer else None
    sock = bind_socket(args.host, args.port)  # fail on a busy port before a long load
    try:
        kv = load_vectors(args.vectors)
        app = create_app(kv, tokenizer, source=Path(args.vectors).name,
                         tokenizer_name=args.tokenizer)
        server = make_server(app)
        host, port = sock.getsockname()[:2]
        shown = f"[{host}]" if ":" in host else host
        print(f"serving {len(kv):,} words from {args.vectors} at http://{shown}:{port}/ "
              "(Ctrl+C to stop)", flush=True)
        if args.host not in LOCAL_HOSTS:
            print(f"note: listening on {args.host}, not only this machine", file=sys.stderr)
        server.run(sockets=[sock])
    finally:
        sock.close()
    return 0


def register(subparsers: Any) -> None:
    """Add ``plot``, ``onehot`` and ``serve`` to the ``lmbasics`` command."""
    plot = subparsers.add_parser(
        "plot", help="2-D map of word vectors (PCA or t-SNE), with analogy arrows",
        description="Project words to 2-D and write a labelled PNG map.",
    )
    plot.add_argument("vectors", help="vector file (.npz, word2vec text or binary)")
    plot.add_argument("-o", "--output", required=True, help="PNG to write")
    chosen = plot.add_mutually_exclusive_group()
    chosen.add_argument("--words", help="comma-separated words to plot")
    chosen.add_argument("--top", type=positive_int, default=50,
                        help="plot the N most frequent words (default: 50)")
    plot.add_argument("--method", choices=METHODS, default="pca", help="projection (default: pca)")
    plot.add_argument("--arrows", help="analogy arrows a:b,c:d (e.g. king:queen,man:woman)")
    plot.add_argument("--seed", type=int, default=0, help="t-SNE seed (default: 0)")
    plot.set_defaults(handler=run_plot)

    onehot = subparsers.add_parser(
        "onehot", help="one-hot vs trained vectors: similarity matrices and memory",
        description="Write the cosine-similarity matrices of the words' one-hot and trained "
        "vectors side by side, and print the memory each representation needs.",
    )
    onehot.add_argument("vectors", help="vector file (.npz, word2vec text or binary)")
    onehot.add_argument("words", nargs="+", help="two or more words")
    onehot.add_argument("-o", "--output", default="onehot.png", help="PNG (default: onehot.png)")
    onehot.set_defaults(handler=run_onehot)

    serve = subparsers.add_parser(
        "serve", help="local web explorer: neighbours, analogies, similarity, 2-D map",
        description="Serve a web page and JSON API for the vectors (offline, no CDN).",
    )
    serve.add_argument("vectors", help="vector file (.npz, word2vec text or binary)")
    serve.add_argument("--host", default="127.0.0.1", help="address (default: 127.0.0.1)")
    serve.add_argument("--port", type=_port, default=8000, help="port (default: 8000; 0: any)")
    serve.add_argument("--tokenizer", choices=TOKENIZERS, default=None,
                       help="segment queries that are not words (jieba: raw Chinese)")
    serve.set_defaults(handler=run_serve)
