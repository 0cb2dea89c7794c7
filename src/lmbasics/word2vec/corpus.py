"""Streaming corpus readers: plain text, gzip, directories, text8-style long lines, iterables.

A corpus is a re-iterable of sentences, each a list of ``str`` tokens. Files hold one sentence
(or document) per line, tokens separated by whitespace (``str.split()``, as gensim's
``LineSentence``). Lines longer than ``max_sentence_length`` tokens (10,000, gensim's limit) are
cut into pieces, so a text8-style file that is one 100 MB line streams in 10,000-token sentences
without ever holding the line in memory: files are read in 1 MiB blocks and cut only at ASCII
whitespace, which never splits a UTF-8 character.

Gzip, bzip2 and xz are detected by their magic bytes, not the file name. Invalid UTF-8 is
replaced with U+FFFD; the number of affected lines is counted (``stats.invalid_utf8_lines``) and
reported once by the caller. A file that looks binary (NUL bytes in its first block) is rejected.

This reader is the reference: counting and encoding a :class:`LineSentence` goes through its
compiled twin (:mod:`.scan`) instead, which takes its bytes from :func:`file_blocks` too.

Not here: vocabulary counting and integer encoding (:mod:`lmbasics.word2vec.vocab`).
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import lzma
import os
import queue
import threading
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from lmbasics._util.errors import LmbasicsError

MAX_SENTENCE_LENGTH = 10_000  # gensim's MAX_WORDS_IN_BATCH / LineSentence limit
_BLOCK_BYTES = 1 << 20
_WHITESPACE = b" \t\r\x0b\x0c"


@dataclass
class ReadStats:
    """What a pass over a corpus saw (filled in while iterating)."""

    files: int = 0
    lines: int = 0
    invalid_utf8_lines: int = 0


def corpus_files(path: str | os.PathLike[str]) -> list[Path]:
    """The files a corpus path stands for: the file itself, or a directory's files, sorted."""
    root = Path(path)
    if not root.exists():
        raise LmbasicsError(f"corpus not found: {root}")
    if root.is_dir():
        files = sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith("."))
        if not files:
            raise LmbasicsError(f"corpus directory {root} contains no files")
        return files
    if not os.access(root, os.R_OK):
        raise LmbasicsError(f"corpus not readable: {root}")
    return [root]


def _open_binary(path: Path) -> IO[bytes]:
    with open(path, "rb") as probe:
        magic = probe.read(6)
    if magic[:2] == b"\x1f\x8b":
        return gzip.open(path, "rb")  # type: ignore[return-value]
    if magic[:3] == b"BZh":
        return bz2.open(path, "rb")  # type: ignore[return-value]
    if magic == b"\xfd7zXZ\x00":
        return lzma.open(path, "rb")  # type: ignore[return-value]
    return open(path, "rb")


def _decode(raw: bytes, stats: ReadStats) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        stats.invalid_utf8_lines += 1
        return raw.decode("utf-8", errors="replace")


def _read_blocks(handle: IO[bytes], path: Path) -> Iterator[bytes]:
    """Blocks of the file; a compressed one is decompressed by a helper thread a few blocks ahead.

    zlib and friends release the GIL, so decompression overlaps the tokenising that the consumer
    does. Closing the generator stops and joins the thread. A plain file is read in the calling
    thread (the kernel's sequential read-ahead overlaps the disk): a helper thread's blocks would
    be allocated in its own glibc arena, whose pages stay resident for the rest of the process
    (``malloc_trim`` does not shrink another thread's arena), 7 MB of peak RSS on enwiki-17M.
    """
    if not isinstance(handle, (gzip.GzipFile, bz2.BZ2File, lzma.LZMAFile)):
        with contextlib.suppress(AttributeError, OSError):  # a hint only
            os.posix_fadvise(handle.fileno(), 0, 0, os.POSIX_FADV_SEQUENTIAL)
        while True:
            try:
                block = handle.read(_BLOCK_BYTES)
            except OSError as error:
                raise LmbasicsError(f"{path}: cannot read ({error})") from None
            yield block
            if not block:
                return
    blocks: queue.Queue = queue.Queue(maxsize=4)
    stop = threading.Event()

    def put(item: object) -> None:
        while not stop.is_set():
            with contextlib.suppress(queue.Full):
                blocks.put(item, timeout=0.05)
                return

    def reader() -> None:
        try:
            while not stop.is_set():
                block = handle.read(_BLOCK_BYTES)
                put(block)
                if not block:
                    return
        except (OSError, EOFError, zlib.error, lzma.LZMAError) as error:
            kind = {gzip.GzipFile: "gzip", bz2.BZ2File: "bzip2", lzma.LZMAFile: "xz"}.get(
                type(handle), "compressed")
            put(LmbasicsError(f"{path}: corrupt or truncated {kind} data ({error})"))
        except BaseException as error:  # surface anything else in the consumer
            put(error)

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    try:
        while True:
            block = blocks.get()
            if isinstance(block, BaseException):
                raise block
            yield block
            if not block:
                return
    finally:
        stop.set()
        thread.join()


def file_blocks(path: Path) -> Iterator[bytes]:
    """The (decompressed) bytes of one corpus file in blocks of about 1 MiB, none empty.

    Raises :class:`LmbasicsError` for a file that looks binary (NUL bytes in its first 64 KiB)
    or corrupt compressed data. Both readers, :func:`iter_file_sentences` and the compiled scanner
    (:mod:`.scan`), take their bytes from here.
    """
    first = True
    with _open_binary(path) as handle, contextlib.closing(_read_blocks(handle, path)) as blocks:
        for block in blocks:
            if first:
                if b"\x00" in block[:65536]:
                    raise LmbasicsError(f"{path}: looks like a binary file, not text (NUL bytes)")
                first = False
            if not block:
                return
            yield block


def _iter_pieces(blocks: Iterable[bytes]) -> Iterator[tuple[bytes, bool]]:
    """Yield ``(bytes, ends_line)``; a line longer than a block comes in whitespace-cut pieces."""
    pending = b""
    cut_line = False  # pieces of the current line were yielded already
    for block in blocks:
        data = pending + block
        lines = data.split(b"\n")
        pending = lines.pop()
        for line in lines:
            yield line, True
            cut_line = False
        if len(pending) > _BLOCK_BYTES:  # a very long line: emit up to its last whitespace
            cut = max(pending.rfind(ch, 0, len(pending)) for ch in (b" ", b"\t"))
            if cut > 0:
                yield pending[:cut], False
                pending = pending[cut + 1 :]
                cut_line = True
    if pending or cut_line:
        yield pending, True


def iter_file_sentences(
    path: Path,
    stats: ReadStats | None = None,
    max_sentence_length: int = MAX_SENTENCE_LENGTH,
    limit: int | None = None,
) -> Iterator[list[str]]:
    """Sentences of one file: one per line, cut every ``max_sentence_length`` tokens; only the
    first ``limit`` lines if given.

    The slow, obviously-correct reader: :mod:`.scan` is its compiled twin, tested against it.
    """
    stats = stats if stats is not None else ReadStats()
    stats.files += 1
    current: list[str] = []
    lines = 0
    if limit is not None and limit <= 0:
        return
    line_invalid = False  # a line cut into pieces is counted once
    with contextlib.closing(_iter_pieces(file_blocks(path))) as pieces:
        for piece, ends_line in pieces:
            try:
                text = piece.decode("utf-8")
            except UnicodeDecodeError:
                text, line_invalid = piece.decode("utf-8", errors="replace"), True
            tokens = text.split()
            if current:
                tokens = current + tokens
                current = []
            while len(tokens) >= max_sentence_length and (
                ends_line or len(tokens) > max_sentence_length
            ):
                yield tokens[:max_sentence_length]
                tokens = tokens[max_sentence_length:]
            if ends_line:
                stats.lines += 1
                lines += 1
                stats.invalid_utf8_lines += line_invalid
                line_invalid = False
                if tokens:
                    yield tokens
                if limit is not None and lines >= limit:
                    return
            else:
                current = tokens
    if current:
        yield current


def compiled_source(sentences: object) -> LineSentence | None:
    """``sentences`` if the compiled scanner (:mod:`.scan`) can read it instead of iterating it:
    a :class:`LineSentence` whose iteration is :func:`iter_file_sentences` over its files."""
    if (
        isinstance(sentences, LineSentence)
        and type(sentences).__iter__ is LineSentence.__iter__
        and sentences.limit is None
        and isinstance(getattr(sentences, "files", None), list)
        and sentences.files  # an open file given as source is read line by line
    ):
        return sentences
    return None


class LineSentence:
    """A corpus on disk (file, compressed file or directory) or an open file, re-iterable like
    gensim's: one sentence per line, ``limit`` = read only the first ``limit`` lines.

    >>> for sentence in LineSentence("corpus.txt.gz"):  # doctest: +SKIP
    ...     print(sentence[:5])
    """

    def __init__(
        self,
        source: str | os.PathLike[str] | IO,
        max_sentence_length: int = MAX_SENTENCE_LENGTH,
        limit: int | None = None,
    ) -> None:
        if isinstance(max_sentence_length, bool) or not isinstance(max_sentence_length, int) or (
                max_sentence_length < 1):
            raise LmbasicsError(f"max_sentence_length must be >= 1, got {max_sentence_length!r}")
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
            raise LmbasicsError(f"limit must be None or >= 0, got {limit!r}")
        if hasattr(source, "read"):
            if not hasattr(source, "seek"):
                raise LmbasicsError("an open file given as source must support seek(0)")
            self.source, self.files = source, []
        else:
            self.source = Path(source)
            self.files = corpus_files(self.source)
        self.max_sentence_length = max_sentence_length
        self.limit = limit
        self.stats = ReadStats()

    def __iter__(self) -> Iterator[list[str]]:
        self.stats = ReadStats()
        if not self.files:
            yield from self._iter_open_file()
            return
        left = self.limit
        for path in self.files:
            before = self.stats.lines
            yield from iter_file_sentences(path, self.stats, self.max_sentence_length, left)
            if left is not None:
                left -= self.stats.lines - before
                if left <= 0:
                    return

    def _iter_open_file(self) -> Iterator[list[str]]:
        """gensim's way with an open file: rewind, then read it line by line."""
        self.source.seek(0)  # type: ignore[union-attr]
        self.stats.files = 1
        for number, line in enumerate(self.source):  # type: ignore[union-attr]
            if self.limit is not None and number >= self.limit:
                return
            self.stats.lines += 1
            text = _decode(line, self.stats) if isinstance(line, bytes) else line
            tokens = text.split()
            for start in range(0, len(tokens), self.max_sentence_length):
                yield tokens[start : start + self.max_sentence_length]


class PathLineSentences(LineSentence):
    """gensim's reader for a directory of corpus files (or one file), read in sorted order;
    ``limit`` = the first ``limit`` lines *of each file*, as gensim's."""

    def __init__(
        self,
        source: str | os.PathLike[str],
        max_sentence_length: int = MAX_SENTENCE_LENGTH,
        limit: int | None = None,
    ) -> None:
        if hasattr(source, "read"):
            raise LmbasicsError("PathLineSentences reads a path; for an open file use LineSentence")
        super().__init__(source, max_sentence_length, limit)
        self.input_files = [str(path) for path in self.files]  # gensim's attribute

    def __iter__(self) -> Iterator[list[str]]:
        self.stats = ReadStats()
        for path in self.files:
            yield from iter_file_sentences(path, self.stats, self.max_sentence_length, self.limit)


def check_sentences(corpus: Iterable[list[str]]) -> Iterable[list[str]]:
    """Reject corpora gensim users commonly pass by mistake (a bare string, an iterator)."""
    if isinstance(corpus, (str, bytes, os.PathLike)):
        raise LmbasicsError(
            "sentences must be an iterable of token lists; for a file use corpus_file=PATH"
        )
    if iter(corpus) is corpus:
        raise LmbasicsError(
            "sentences is a one-shot iterator; pass a list or a re-iterable (e.g. LineSentence), "
            "since training reads the corpus more than once"
        )
    return corpus


def iter_checked(corpus: Iterable[list[str]]) -> Iterator[list[str]]:
    """Iterate a Python corpus, checking each sentence is a list of strings."""
    for number, sentence in enumerate(corpus):
        if isinstance(sentence, str):
            raise LmbasicsError(
                f"sentence {number} is a string, expected a list of tokens (did you forget .split()?)"
            )
        tokens = list(sentence)
        if tokens and not isinstance(tokens[0], str):
            raise LmbasicsError(f"sentence {number} contains {type(tokens[0]).__name__}, not str")
        for start in range(0, max(len(tokens), 1), MAX_SENTENCE_LENGTH):
            yield tokens[start : start + MAX_SENTENCE_LENGTH]


class TokenizedText:
    """Raw text files (not pre-segmented) turned into sentences by ``tokenizer`` line by line.

    For Chinese, ``lmbasics._util.tokenizers.get_tokenizer("jieba")`` segments words on the way
    in. Lines are decoded like :class:`LineSentence` (gzip, invalid UTF-8 replaced and counted).
    """

    def __init__(self, source: str | os.PathLike[str], tokenizer) -> None:
        self.files = corpus_files(source)
        self.tokenizer = tokenizer
        self.stats = ReadStats()

    def __iter__(self) -> Iterator[list[str]]:
        self.stats = ReadStats()
        for path in self.files:
            self.stats.files += 1
            with _open_binary(path) as handle:
                for raw in handle:
                    self.stats.lines += 1
                    tokens = self.tokenizer(_decode(raw, self.stats))
                    for start in range(0, len(tokens), MAX_SENTENCE_LENGTH):
                        yield tokens[start : start + MAX_SENTENCE_LENGTH]
