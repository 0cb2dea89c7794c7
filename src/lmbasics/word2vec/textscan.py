"""The compiled scanner for word2vec text rows: each word's bytes and its numbers as floats.

A text vector file is mostly decimals (dim of them per word), and Python's ``float`` or NumPy's
string conversion cost an interpreter round trip per number; this scanner reads the common
case in one pass over the bytes (speed in ``docs/benchmarks.md``).

A row it takes is ``word␠x␠x…x`` then spaces, carriage returns and a newline (or the end of the
file), the word being any bytes but space and newline and each ``x`` a decimal
``[+-]digits[.digits][(e|E)[+-]digits]``. A decimal of at most 18 digits (leading zeros
included) forming an integer ``m <= 2**53``, with a power of ten ``e`` in ``[-22, 22]``, is
exactly ``m * 10**e`` or ``m / 10**-e`` of two exact doubles, so one IEEE operation rounds it
correctly: it is the double that ``strtod`` (and so Python and NumPy) returns (Clinger 1990,
"How to read floating point numbers accurately"). That covers what gensim, word2vec.c and
fastText write. Any other row (more digits, ``nan``, a tab, too few numbers, an error) stops
the scan at the row's start: the caller (:mod:`.io`) parses it with NumPy's general
conversion, which also words the error, and goes on.

Apart from :mod:`.kernels` (the training kernels) so that reading vectors never loads those.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from lmbasics._util.numba_start import start_numba

start_numba()  # in the command's process: numba without scipy.linalg

# 10**0 .. 10**22: every one is an exact double (5**22 < 2**53)
_POWERS_OF_TEN = np.array([10.0**k for k in range(23)])
_EXACT_MANTISSA = 2**53
_SPACE, _NEWLINE, _RETURN = 32, 10, 13


@njit(nogil=True, cache=True)
def parse_decimal(data: np.ndarray, pos: int) -> tuple[float, int, bool]:
    """Parse the decimal at ``data[pos:]`` (uint8).

    Returns ``(value, position after it, exact)``; ``exact`` is False when the bytes are not a
    decimal of the grammar above or its value is outside the exact range (the caller must then
    use a general parser; ``value`` is meaningless).
    """
    size = len(data)
    negative = False
    if pos < size and (data[pos] == 45 or data[pos] == 43):  # '-' or '+'
        negative = data[pos] == 45
        pos += 1
    mantissa = 0  # all digits, leading zeros included: over 18 of them may overflow (rejected)
    digits = 0
    exponent = 0
    while pos < size:
        digit = np.int64(data[pos]) - 48
        if digit < 0 or digit > 9:
            break
        mantissa = mantissa * 10 + digit
        digits += 1
        pos += 1
    if pos < size and data[pos] == 46:  # '.'
        pos += 1
        while pos < size:
            digit = np.int64(data[pos]) - 48
            if digit < 0 or digit > 9:
                break
            mantissa = mantissa * 10 + digit
            digits += 1
            exponent -= 1
            pos += 1
    if digits == 0:
        return 0.0, pos, False
    if pos < size and (data[pos] == 101 or data[pos] == 69):  # 'e' or 'E'
        pos += 1
        exponent_negative = False
        if pos < size and (data[pos] == 45 or data[pos] == 43):
            exponent_negative = data[pos] == 45
            pos += 1
        written = 0
        exponent_digits = 0
        while pos < size:
            digit = np.int64(data[pos]) - 48
            if digit < 0 or digit > 9:
                break
            if written < 100_000:  # far outside the exact range already; stop growing
                written = written * 10 + digit
            exponent_digits += 1
            pos += 1
        if exponent_digits == 0:
            return 0.0, pos, False
        exponent += -written if exponent_negative else written
    if digits > 18 or mantissa > _EXACT_MANTISSA:  # 10**18 < 2**63: no overflow below 19
        return 0.0, pos, False
    if mantissa == 0:
        value = 0.0
    elif 0 <= exponent <= 22:
        value = mantissa * _POWERS_OF_TEN[exponent]
    elif -22 <= exponent < 0:
        value = mantissa / _POWERS_OF_TEN[-exponent]
    else:
        return 0.0, pos, False
    return (-value if negative else value), pos, True


@njit(nogil=True, cache=True)
def scan_rows(
    data: np.ndarray,
    pos: int,
    row: int,
    out: np.ndarray,
    word_start: np.ndarray,
    word_end: np.ndarray,
) -> tuple[int, int]:
    """Parse rows ``row, row + 1, …`` of ``out`` from ``data[pos:]`` until one is not plain.

    ``data``: uint8[n], the file; ``out``: float32 or float64[rows, dim], the vectors;
    ``word_start``, ``word_end``: int64[rows], each word's byte range in ``data``.
    Returns ``(row, pos)``: the first row not parsed (``rows`` when all were) and where it starts
    (after the last row: where the file goes on).
    """
    size = len(data)
    rows, dim = out.shape
    while row < rows:
        start = pos
        while pos < size and data[pos] != _SPACE and data[pos] != _NEWLINE:
            pos += 1
        if pos >= size or data[pos] != _SPACE:
            return row, start
        word_start[row] = start
        word_end[row] = pos
        for column in range(dim):
            pos += 1  # the single space before each number
            value, pos, exact = parse_decimal(data, pos)
            if not exact:
                return row, start
            out[row, column] = value
            if column < dim - 1 and (pos >= size or data[pos] != _SPACE):
                return row, start
        # what rstrip(b"\r\n").rstrip(b" ") removes: spaces, then carriage returns
        while pos < size and data[pos] == _SPACE:
            pos += 1
        while pos < size and data[pos] == _RETURN:
            pos += 1
        if pos < size:
            if data[pos] != _NEWLINE:
                return row, start
            pos += 1
        row += 1
    return row, pos
