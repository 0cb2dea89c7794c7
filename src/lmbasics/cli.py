"""The ``lmbasics`` command: a thin shell of verbs over the library.

Each wing (word2vec, explore, encoders, activations) owns a ``cli`` module with a
``register(subparsers)`` function that adds its verbs; a verb's handler takes the parsed
arguments and returns an exit code. This module knows each verb's module by name and imports
only the one being run (``--help`` and ``--version`` import none), and turns errors into one
line on stderr and a non-zero exit: bad input, or a verb whose optional extra is not
installed, never prints a traceback (set ``LMBASICS_DEBUG=1`` to see one).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from lmbasics import __version__
from lmbasics._util.errors import LmbasicsError

# verb -> (module that registers it, one-line help, the extra its handler needs or None).
# The parser imports only the module of the verb being run, so `lmbasics --help` and
# `--version` import no wing and a verb never loads a wing it does not use. The help lines
# here are what `lmbasics --help` lists; each module's own parser carries the full help.
VERBS: dict[str, tuple[str, str, str | None]] = {
    "train": ("lmbasics.word2vec.cli", "train word vectors on a corpus", None),
    "similar": ("lmbasics.word2vec.cli", "nearest neighbours of a word", None),
    "analogy": ("lmbasics.word2vec.cli", "A is to B as C is to ?", None),
    "evaluate": ("lmbasics.word2vec.cli", "analogy accuracy and word-pair Spearman", None),
    "demo": ("lmbasics.word2vec.cli", "train on the embedded corpus and show results", "demo"),
    "download": ("lmbasics.word2vec.cli", "download a named corpus into the cache", None),
    "plot": ("lmbasics.explore.cli",
             "2-D map of word vectors (PCA or t-SNE), with analogy arrows", "explore"),
    "onehot": ("lmbasics.explore.cli",
               "one-hot vs trained vectors: similarity matrices and memory", "explore"),
    "serve": ("lmbasics.explore.cli",
              "local web explorer: neighbours, analogies, similarity, 2-D map", "web"),
    "encoders": ("lmbasics.encoders.cli", "CNN / RNN / Transformer feature extractors compared",
                 "encoders"),
    "activations": ("lmbasics.activations.cli", "activation functions, gradient flow, experiments",
                    "activations"),
    "word2vec": ("lmbasics.word2vec.claims.cli", "the seed's word2vec claims, measured (report)",
                 "explore"),
}

# What each extra installs, by import name (tests check this against pyproject.toml). For a
# missing package the message names the verb's own extra if that brings it, else the first
# extra here that does.
EXTRAS: dict[str, frozenset[str]] = {
    "torch": frozenset({"torch"}),
    "demo": frozenset({"snownlp"}),
    "explore": frozenset({"matplotlib", "sklearn", "jieba"}),
    "web": frozenset({"fastapi", "uvicorn"}),
    "translation": frozenset({"sacrebleu"}),
    "agreement": frozenset({"spacy", "en_core_web_sm"}),
    "encoders": frozenset({"torch", "matplotlib", "sacrebleu"}),
    "activations": frozenset({"torch", "matplotlib", "sklearn"}),
    "ray": frozenset({"ray"}),
}

EXIT_USAGE = 2
EXIT_ERROR = 1
EXIT_INTERNAL = 70


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error in one line instead of usage + error."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


class MissingExtra(LmbasicsError):
    """A verb's optional dependency is not installed."""


def _verb_of(argv: Sequence[str]) -> str | None:
    """The verb ``argv`` asks for: its first word that is not an option."""
    return next((word for word in argv if not word.startswith("-")), None)


def _missing_extra(verb: str, error: ModuleNotFoundError) -> MissingExtra:
    package = (error.name or "").partition(".")[0]
    extra = VERBS[verb][2]
    if extra is None or package not in EXTRAS[extra]:
        extra = next((name for name, packages in EXTRAS.items() if package in packages), None)
    install = f"pip install 'lmbasics[{extra}]'" if extra else f"pip install {package}"
    return MissingExtra(f"'{verb}' needs {package or 'a package'}, which is not installed: {install}")


def build_parser(verb: str | None = None) -> argparse.ArgumentParser:
    """The ``lmbasics`` parser; only ``verb``'s module is imported (none for ``None``)."""
    parser = _Parser(
        prog="lmbasics",
        description="Foundations of language models: word2vec, feature extractors, activations.",
    )
    parser.add_argument("--version", action="version", version=f"lmbasics {__version__}")
    subparsers = parser.add_subparsers(dest="verb", metavar="VERB", parser_class=_Parser)
    subparsers.required = True
    if verb in VERBS:
        importlib.import_module(VERBS[verb][0]).register(subparsers)
    for name, (_, help_line, _) in VERBS.items():
        if name not in subparsers.choices:  # listed in --help; its module is not loaded
            subparsers.add_parser(name, help=help_line, add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI with ``argv`` (default: ``sys.argv[1:]``); return the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    verb = _verb_of(argv)
    try:
        try:
            args = build_parser(verb).parse_args(argv)
            return int(args.handler(args) or 0)
        except ModuleNotFoundError as error:
            if verb not in VERBS or not error.name or error.name.startswith("lmbasics"):
                raise
            raise _missing_extra(verb, error) from error
    except SystemExit as exit_:  # --help, --version and usage errors
        return int(exit_.code or 0)
    except LmbasicsError as error:
        print(f"lmbasics: error: {error}", file=sys.stderr)
        return EXIT_ERROR
    except FileNotFoundError as error:
        print(f"lmbasics: error: no such file: {error.filename}", file=sys.stderr)
        return EXIT_ERROR
    except IsADirectoryError as error:
        print(f"lmbasics: error: is a directory: {error.filename}", file=sys.stderr)
        return EXIT_ERROR
    except PermissionError as error:
        print(f"lmbasics: error: permission denied: {error.filename}", file=sys.stderr)
        return EXIT_ERROR
    except OSError as error:
        print(f"lmbasics: error: {error.strerror or error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("lmbasics: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # a bug: still one line, unless asked for the traceback
        if os.environ.get("LMBASICS_DEBUG"):
            raise
        print(
            f"lmbasics: internal error: {type(error).__name__}: {error} "
            "(set LMBASICS_DEBUG=1 for the traceback)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


def run() -> None:
    """The ``lmbasics`` command's entry point: this process is the command, nothing else."""
    from lmbasics._util.numba_start import this_process_is_the_command

    this_process_is_the_command()
    sys.exit(main())


if __name__ == "__main__":
    run()
