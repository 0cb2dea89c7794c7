"""Tokenizers that turn raw text into words: whitespace splitting, or jieba for Chinese.

Chinese is written without spaces between words, so word vectors are trained on segmented text
("我 爱 北京"). Text that is already segmented only needs splitting on whitespace; raw text can
be segmented on the way in with jieba (Sun Junyi, https://github.com/fxsjy/jieba), an optional
dependency (``pip install 'lmbasics[explore]'``), in its default (accurate) mode.

Used by `lmbasics train --tokenizer` and `lmbasics serve --tokenizer`. Not here: any other
language's segmenter.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator

from lmbasics._util.errors import LmbasicsError

Tokenizer = Callable[[str], list[str]]
TOKENIZERS = ("whitespace", "jieba")


def whitespace_tokenizer(text: str) -> list[str]:
    """Split pre-segmented text on runs of whitespace."""
    return text.split()


def jieba_tokenizer() -> Tokenizer:
    """jieba's accurate-mode segmenter, dropping whitespace tokens (and jieba's start-up log)."""
    try:
        import jieba
    except ImportError as error:
        raise LmbasicsError(
            "--tokenizer jieba needs the jieba package: pip install 'lmbasics[explore]'"
        ) from error
    jieba.setLogLevel(logging.WARNING)  # it announces building its dictionary at INFO level

    def segment(text: str) -> list[str]:
        return [token for token in jieba.lcut(text) if token.strip()]

    return segment


def get_tokenizer(name: str) -> Tokenizer:
    """The tokenizer called ``name`` (one of :data:`TOKENIZERS`)."""
    if name == "whitespace":
        return whitespace_tokenizer
    if name == "jieba":
        return jieba_tokenizer()
    raise LmbasicsError(f"unknown tokenizer {name!r} (choose from {', '.join(TOKENIZERS)})")


def tokenize_lines(lines: Iterable[str], tokenizer: Tokenizer) -> Iterator[list[str]]:
    """Token lists for the non-empty lines of ``lines`` — sentences for ``Word2Vec``."""
    for line in lines:
        tokens = tokenizer(line)
        if tokens:
            yield tokens
