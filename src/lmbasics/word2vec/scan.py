"""The compiled corpus scanner: a text file's words counted and encoded to int32 ids in one pass.

What :class:`~lmbasics.word2vec.corpus.LineSentence` and :func:`~lmbasics.word2vec.vocab.scan_corpus`
do in Python (decode each line, ``str.split()`` it, look every token up in a dict), done by numba
on the raw bytes, block by block: a token is a run of bytes between whitespace, hashed (FNV-1a)
into an open-addressing table whose words live in a byte arena; each token's provisional id (the
order in which distinct byte strings first appear) and each sentence's end are written to
buffers the caller appends to the encoded corpus. Only the distinct words are ever decoded to
``str``, once, at the end. The result is exactly the Python path's (tested against it):

- tokens are separated by exactly the characters ``str.split()`` splits on (``str.isspace``:
  ASCII ``\\t \\n \\v \\f \\r \\x1c-\\x1f`` and space, and U+0085, U+00A0, U+1680, U+2000-U+200A,
  U+2028, U+2029, U+202F, U+205F, U+3000 as UTF-8), recognised in the bytes; only ``\\n`` ends a
  line. A valid UTF-8 character is never part of an invalid sequence before it (a lead byte
  always starts a new one), so finding them in the bytes agrees with decoding first.
- a line is cut into sentences of ``max_sentence_length`` tokens, as gensim's ``LineSentence``.
- a new word is checked for valid UTF-8 as strictly as Python's decoder; a line holding an
  invalid word is counted. Invalid words are decoded with U+FFFD replacement, so two byte
  strings may become the same word: :meth:`Scanner.words` merges them.

Not here: opening files and gzip (:mod:`.corpus`), ``min_count`` and the final frequency order
(:mod:`.vocab`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np
from numba import njit

from lmbasics._util.errors import LmbasicsError
from lmbasics._util.numba_start import start_numba

start_numba()  # in the command's process: numba without scipy.linalg

# byte classes
_WORD, _SPACE, _NEWLINE, _LEAD = 0, 1, 2, 3  # _LEAD: may start a multi-byte whitespace character;
# _SPACE and _NEWLINE adjacent: one range test finds both
# kernel status
DONE, MORE, GROW = 0, 1, 2  # block done / the block ends inside a word (carry it) / table full
# state: one int64 array carried across blocks and files
(_WORDS, _ARENA, _SENTENCE, _LINE_INVALID, _LINE_OPEN, _LINES, _INVALID_LINES, _IDS, _ENDS,
 _TOTAL, _ANY_INVALID, _MAX_SENTENCE, _STATE_SIZE) = range(13)

_FNV_OFFSET = np.uint64(0xCBF29CE484222325)  # FNV-1a 64-bit (Fowler, Noll, Vo)
_FNV_PRIME = np.uint64(0x100000001B3)


# The characters str.split() splits on (str.isspace; Unicode 14 in Python 3.11): written out,
# because finding them among all 0x110000 code points costs 0.2 s at every import. A test checks
# them against the running Python.
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


def _byte_tables() -> tuple[np.ndarray, np.ndarray]:
    """Byte classes, and the whitespace bitmap over the BMP (multi-byte characters only)."""
    classes = np.full(256, _WORD, np.uint8)
    bitmap = np.zeros(0x10000, np.uint8)
    for character in WHITESPACE:
        code = ord(character)
        if code < 0x80:
            classes[code] = _SPACE
        else:  # every one is in the BMP, 2 or 3 bytes long (_multibyte relies on it)
            bitmap[code] = 1
            classes[character.encode()[0]] = _LEAD
    classes[ord("\n")] = _NEWLINE
    return classes, bitmap


CLASSES, SPACE_BITMAP = _byte_tables()


@njit(nogil=True, cache=True, inline="always")
def _multibyte(lead, second, third, available):
    """``(width, code point)`` of a possible multi-byte whitespace character starting with the
    ``_LEAD`` byte ``lead`` (then ``second``, ``third``; ``available`` bytes are left in the
    block), width 0 if it is none. One cut off by the block's end counts as none: the word it
    then seems part of runs to the end of the block, so it is carried to the next one anyway.
    Scalars only: arrays passed to a helper cost numba two reference-count calls each."""
    width = 2 if lead < 0xE0 else 3  # every multi-byte whitespace character is in the BMP
    if available < width:
        return 0, 0
    if second & 0xC0 != 0x80 or (width == 3 and third & 0xC0 != 0x80):
        return 0, 0
    if width == 2:
        return 2, ((lead & 0x1F) << 6) | (second & 0x3F)
    return 3, ((lead & 0x0F) << 12) | ((second & 0x3F) << 6) | (third & 0x3F)


@njit(nogil=True, cache=True)
def valid_utf8(data, start, stop):
    """Whether ``data[start:stop]`` is UTF-8 that Python's strict decoder accepts (no overlong
    forms, no surrogates, nothing above U+10FFFF)."""
    i = start
    while i < stop:
        byte = data[i]
        if byte < 0x80:
            i += 1
            continue
        if 0xC2 <= byte <= 0xDF:
            width, low, high = 2, 0x80, 0xBF
        elif 0xE0 <= byte <= 0xEF:
            width = 3
            low = 0xA0 if byte == 0xE0 else 0x80
            high = 0x9F if byte == 0xED else 0xBF
        elif 0xF0 <= byte <= 0xF4:
            width = 4
            low = 0x90 if byte == 0xF0 else 0x80
            high = 0x8F if byte == 0xF4 else 0xBF
        else:
            return False
        if i + width > stop or not low <= data[i + 1] <= high:
            return False
        for k in range(2, width):
            if data[i + k] & 0xC0 != 0x80:
                return False
        i += width
    return True


@njit(nogil=True, cache=True)
def end_line(state, ends):
    """A line ended (``\\n`` or the end of a file): close its sentence, count it."""
    if state[_SENTENCE] > 0:
        ends[state[_ENDS]] = state[_TOTAL]
        state[_ENDS] += 1
        state[_SENTENCE] = 0
    if state[_LINE_INVALID]:
        state[_INVALID_LINES] += 1
    state[_LINE_INVALID] = 0
    state[_LINE_OPEN] = 0
    state[_LINES] += 1


@njit(nogil=True, cache=True)
def scan_block(data, start, stop, final, tables, table, state, ids, ends):
    """Count and encode the words of ``data[start:stop]``; returns ``(position, status)``.

    ``data``: uint8 bytes of one file, from a line start or a word boundary; ``tables``:
    ``(classes uint8[256], bitmap uint8[65536])`` (:data:`CLASSES`, :data:`SPACE_BITMAP`);
    ``table``: ``(entries int64[C, 4], offsets int64[W], arena uint8[A])``: ``C`` a power of
    two, ``W = C / 2`` words at most; an entry is ``(hash, first 8 bytes, meta, count)`` with
    ``meta = id << 32 | length << 1 | invalid UTF-8`` (``-1``: empty), so that finding and
    counting a word of up to 8 bytes touches one cache line; word ``id``'s bytes are at
    ``arena[offsets[id]:]``, each word followed by ``\\n``. ``state``: int64[_STATE_SIZE];
    ``ids``: int32 provisional ids out, ``ends``: int64 sentence ends out (corpus offsets),
    filled from ``state[_IDS]`` / ``state[_ENDS]``.
    Stops early (``GROW``) before a new word that does not fit the table or arena, or when
    ``ids`` / ``ends`` could overflow; ``MORE`` when ``final`` is false and the block ends
    inside a word, which the caller carries to the next block. ``position`` is where to resume.
    Per byte and per word nothing is called that takes an array: numba would add two atomic
    reference-count calls per array to every call, several times the cost of the work.
    """
    classes, bitmap = tables
    entries, offsets, arena = table
    mask = len(entries) - 1
    max_sentence = state[_MAX_SENTENCE]
    i = start
    while i < stop:
        if data[i] == 10:  # "\\n"
            end_line(state, ends)
            i += 1
            continue
        state[_LINE_OPEN] = 1
        kind = classes[data[i]]
        if kind != _WORD:  # whitespace, unless a _LEAD byte starts no whitespace character
            width = 1
            if kind == _LEAD:
                second = data[i + 1] if i + 1 < stop else 0
                third = data[i + 2] if i + 2 < stop else 0
                width, code = _multibyte(np.int64(data[i]), np.int64(second), np.int64(third),
                                         stop - i)
                if bitmap[code] == 0:
                    width = 0
            if width > 0:
                i += width
                continue
        word_start = i
        hash_, packed = _FNV_OFFSET, np.uint64(0)
        while i < stop:  # the word's bytes (the same whitespace test, inlined)
            kind = classes[data[i]]
            if kind != _WORD:
                if kind != _LEAD:
                    break
                second = data[i + 1] if i + 1 < stop else 0
                third = data[i + 2] if i + 2 < stop else 0
                width, code = _multibyte(np.int64(data[i]), np.int64(second), np.int64(third),
                                         stop - i)
                if width > 0 and bitmap[code] != 0:
                    break
            byte = np.uint64(data[i])
            hash_ = (hash_ ^ byte) * _FNV_PRIME
            if i - word_start < 8:
                packed |= byte << np.uint64(8 * (i - word_start))
            i += 1
        if i == stop and not final:
            return word_start, MORE
        if state[_IDS] >= len(ids) or state[_ENDS] >= len(ends):
            return word_start, GROW
        length = i - word_start
        key, first = np.int64(hash_), np.int64(packed)
        slot = key & mask  # linear probing from the hash's slot
        meta = entries[slot, 2]
        while meta >= 0:
            if entries[slot, 0] == key and entries[slot, 1] == first and \
                    (meta >> 1) & 0x7FFFFFFF == length:
                if length <= 8:
                    break
                offset = offsets[meta >> 32]
                k = 8
                while k < length and arena[offset + k] == data[word_start + k]:
                    k += 1
                if k == length:
                    break
            slot = (slot + 1) & mask
            meta = entries[slot, 2]
        if meta < 0:  # a new word: append it to the arena, check its UTF-8 once
            word, offset = state[_WORDS], state[_ARENA]
            if word >= len(offsets) or offset + length + 1 > len(arena) or length > 0x7FFFFFFF:
                return word_start, GROW
            for k in range(length):
                arena[offset + k] = data[word_start + k]
            arena[offset + length] = 10  # "\\n": the separator Scanner.words splits on
            offsets[word] = offset
            invalid = 0 if valid_utf8(data, word_start, i) else 1
            meta = (word << 32) | (length << 1) | invalid
            entries[slot, 0], entries[slot, 1], entries[slot, 2] = key, first, meta
            state[_ANY_INVALID] |= invalid
            state[_WORDS] += 1
            state[_ARENA] += length + 1
        entries[slot, 3] += 1
        state[_LINE_INVALID] |= meta & 1
        ids[state[_IDS]] = meta >> 32
        state[_IDS] += 1
        state[_TOTAL] += 1
        state[_SENTENCE] += 1
        if state[_SENTENCE] == max_sentence:
            ends[state[_ENDS]] = state[_TOTAL]
            state[_ENDS] += 1
            state[_SENTENCE] = 0
    return stop, DONE


@njit(nogil=True, cache=True)
def _rehash(entries, bigger):
    """Move every entry of ``entries`` into the empty table ``bigger`` (int64[2C, 4])."""
    mask = len(bigger) - 1
    for old in range(len(entries)):
        if entries[old, 2] >= 0:
            slot = entries[old, 0] & mask
            while bigger[slot, 2] >= 0:
                slot = (slot + 1) & mask
            bigger[slot] = entries[old]


def _grown(array: np.ndarray, size: int) -> np.ndarray:
    bigger = np.zeros(size, array.dtype)
    bigger[: len(array)] = array
    return bigger


def _empty_entries(capacity: int) -> np.ndarray:
    entries = np.zeros((capacity, 4), np.int64)
    entries[:, 2] = -1
    return entries


class Scanner:
    """The table and state of one scan (see :func:`scan_block`), grown as words arrive.

    >>> scanner = Scanner(max_sentence_length=10_000)
    >>> [(ids.tolist(), ends.tolist()) for ids, ends in scanner.scan_file([b"a b a", b"\\nb c"])]
    [([0, 1], []), ([0, 1], [3]), ([2], []), ([], [5])]
    >>> scanner.words()[:2]
    (['a', 'b', 'c'], array([2, 2, 1]))
    """

    def __init__(self, max_sentence_length: int, capacity: int = 1 << 16) -> None:
        if max_sentence_length < 1:
            raise LmbasicsError(f"max_sentence_length must be >= 1, got {max_sentence_length}")
        self.state = np.zeros(_STATE_SIZE, np.int64)
        self.state[_MAX_SENTENCE] = max_sentence_length
        self.table = (_empty_entries(capacity), np.zeros(capacity // 2, np.int64),
                      np.zeros(4 * capacity, np.uint8))
        self.ids = np.zeros(0, np.int32)
        self.ends = np.zeros(0, np.int64)

    def feed(self, data: np.ndarray, final: bool) -> tuple[np.ndarray, np.ndarray, int]:
        """Scan ``data`` (uint8); returns ``(ids, sentence ends, consumed bytes)``.

        Without ``final`` the words up to the last whitespace are scanned and the rest
        (``data[consumed:]``) must be passed again at the start of the next block. The returned
        arrays are views into buffers reused by the next call.
        """
        bound = len(data) // 2 + 2  # a word and its separator take two bytes at least
        if len(self.ids) < bound:
            self.ids = np.zeros(bound, np.int32)
            self.ends = np.zeros(bound, np.int64)
        self.state[_IDS] = self.state[_ENDS] = 0
        position, status = 0, GROW
        while status == GROW:
            position, status = scan_block(data, position, len(data), final,
                                          (CLASSES, SPACE_BITMAP), self.table, self.state,
                                          self.ids, self.ends)
            if status == GROW:
                self._grow()
        return self.ids[: self.state[_IDS]], self.ends[: self.state[_ENDS]], position

    def end_file(self) -> np.ndarray:
        """Close the file's last line (one without a final ``\\n``); returns its sentence end
        (none, or one: a sentence never runs on into the next file)."""
        ends = np.zeros(1, np.int64)
        self.state[_ENDS] = 0
        if self.state[_LINE_OPEN]:
            end_line(self.state, ends)
        return ends[: self.state[_ENDS]]

    def scan_file(self, blocks: Iterable[bytes]) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """``(ids, sentence ends)`` per block of one file's bytes (see :meth:`feed`).

        The bytes after a block's last whitespace wait for the next block. A word longer than a
        block waits until twice as much has arrived before it is scanned again, so even a file
        with no whitespace costs linear time.
        """
        pending: list[bytes] = []
        pending_bytes, wait_for = 0, 0
        for block in blocks:
            pending.append(block)
            pending_bytes += len(block)
            if pending_bytes < wait_for:
                continue
            data = b"".join(pending)
            ids, ends, used = self.feed(np.frombuffer(data, np.uint8), final=False)
            yield ids, ends
            rest = data[used:]
            pending, pending_bytes, wait_for = [rest], len(rest), 2 * len(rest)
        ids, ends, _ = self.feed(np.frombuffer(b"".join(pending), np.uint8), final=True)
        yield ids, ends
        yield ids[:0], self.end_file()

    def _grow(self) -> None:
        entries, offsets, arena = self.table
        if self.state[_IDS] >= len(self.ids) or self.state[_ENDS] >= len(self.ends):
            raise AssertionError("scan buffers sized too small")  # cannot happen: see feed()
        if int(self.state[_WORDS]) >= len(offsets):  # the table is half full: double it
            if len(entries) >= 1 << 31:
                raise LmbasicsError("the corpus has more than 2**30 distinct words")
            bigger = _empty_entries(2 * len(entries))
            _rehash(entries, bigger)
            entries, offsets = bigger, _grown(offsets, len(bigger) // 2)
        else:  # the arena is full (doubled until even a very long word fits)
            if len(arena) >= 1 << 33:
                raise LmbasicsError("a word in the corpus is longer than 2 GiB")
            arena = _grown(arena, 2 * len(arena))
        self.table = (entries, offsets, arena)

    @property
    def total_words(self) -> int:
        return int(self.state[_TOTAL])

    @property
    def lines(self) -> int:
        return int(self.state[_LINES])

    @property
    def invalid_utf8_lines(self) -> int:
        return int(self.state[_INVALID_LINES])

    def words(self) -> tuple[list[str], np.ndarray, np.ndarray | None]:
        """``(words, counts, remap)``: the distinct words in first-occurrence order, decoded in
        one call, and their counts. ``remap`` is ``None``, or (when invalid UTF-8 made two byte
        strings the same word) the int32 array taking provisional ids to the merged words'.
        Ends the scan: the table is freed before the words are made (peak memory)."""
        words_seen = int(self.state[_WORDS])
        entries, _, arena = self.table
        self.table, self.ids, self.ends = None, None, None
        used = entries[entries[:, 2] >= 0]
        del entries
        counts = np.zeros(words_seen, np.int64)
        counts[used[:, 2] >> 32] = used[:, 3]
        del used
        text = arena[: self.state[_ARENA]].tobytes()
        del arena
        text = text.decode("utf-8", errors="replace")
        words = text.split("\n")[:-1] if words_seen else []
        if not self.state[_ANY_INVALID]:
            return words, counts, None
        index: dict[str, int] = {}
        remap = np.fromiter((index.setdefault(word, len(index)) for word in words), np.int32,
                            len(words))
        if len(index) == len(words):
            return words, counts, None
        merged = np.zeros(len(index), np.int64)
        np.add.at(merged, remap, counts)
        return list(index), merged, remap
