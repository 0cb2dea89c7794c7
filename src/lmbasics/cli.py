"""The ``lmbasics`` command: a thin shell of verbs over the library.

Each wing (word2vec, explore, encoders, activations) owns a ``cli`` module with a
``register(subparsers)`` function that adds its verbs; a verb's handler takes the parsed
arguments and returns an exit code. This module only builds the parser and turns errors into
one line on stderr and a non-zero exit: bad input never prints a traceback (set
``LMBASICS_DEBUG=1`` to see one).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from lmbasics import __version__
from lmbasics._util.errors import LmbasicsError

# Modules that contribute verbs, in the order their verbs appear in --help.
_WINGS = (
    "lmbasics.word2vec.cli",
    "lmbasics.explore.cli",
    "lmbasics.encoders.cli",
    "lmbasics.activations.cli",
)

EXIT_USAGE = 2
EXIT_ERROR = 1
EXIT_INTERNAL = 70


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error in one line instead of usage + error."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="lmbasics",
        description="Foundations of language models: word2vec, feature extractors, activations.",
    )
    parser.add_argument("--version", action="version", version=f"lmbasics {__version__}")
    subparsers = parser.add_subparsers(dest="verb", metavar="VERB", parser_class=_Parser)
    subparsers.required = True
    for name in _WINGS:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI with ``argv`` (default: ``sys.argv[1:]``); return the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # --help, --version and usage errors
        return int(exit_.code or 0)
    try:
        return int(args.handler(args) or 0)
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


if __name__ == "__main__":
    sys.exit(main())
