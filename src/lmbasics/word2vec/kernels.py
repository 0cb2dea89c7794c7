"""The training kernels: the only numba module (compiled, ``nogil``, no objects, no logging).

word2vec (Mikolov et al. 2013a, b) as word2vec.c trains it, chunk by chunk:

- ``train_sg_chunk``: Skip-gram. For every kept word ``w`` at position ``i`` and every context
  word ``c`` within a reduced window (``window - b``, ``b ~ U{0..window-1}``), the input vector
  ``syn0[c]`` predicts ``w`` (word2vec.c's order of roles; gensim's too).
- ``train_cbow_chunk``: CBOW. The mean (``cbow_mean=1``) or sum of the context vectors predicts
  ``w``; the hidden-layer gradient is added to every context vector undivided for the mean (as
  word2vec.c and gensim do) and divided by the context size for the sum (as gensim does).

Each prediction uses one or more output layers, chosen per call by flags (never per word):

- negative sampling: logistic loss on ``syn1neg[w]`` (label 1) and ``negative`` draws from the
  noise distribution (label 0; a draw equal to ``w`` is skipped, as in word2vec.c);
- hierarchical softmax: logistic loss on the inner nodes ``syn1[points[w, d]]`` of ``w``'s
  Huffman path with label ``1 - codes[w, d]``;
- full softmax (the textbook network, ``W = syn0`` and ``W' = output.T``): cross-entropy over
  all V words, O(V·N) per prediction.

Negative sampling and hierarchical softmax are both the binary-logistic step
:func:`_logistic_step`, written once. The loss is exact (``-log σ``, computed stably), not
gensim's table approximation, and is computed for every prediction (``exact_loss``) or for a
fixed pseudo-random sample of them (:func:`_measured`), chosen by hashing the prediction's place
in the chunk, so that the training generator's stream, and with it the trained vectors, is the
same whichever predictions are measured.

Randomness: a xorshift64* generator whose state is a local seeded per chunk by the caller, so a
chunk's updates do not depend on which thread ran it. Draw order per sentence: one subsampling
draw per in-vocabulary token whose keep probability is below 1; then per kept position one
window draw followed by the negative draws: once per position (CBOW, and Skip-gram with shared
negatives) or once per (position, context) pair just before its prediction.
:mod:`.reference` replays exactly this.

Threads share the matrices without locks (Hogwild, as word2vec.c and gensim do), except the rows
every thread writes all the time: the Huffman inner nodes near the root (every path passes
through them) and the output rows of the most frequent words (drawn as noise by every
prediction). Each thread works on copies of those, kept in its own rows at the end of ``syn1``
(:func:`_cache_range`) and of ``output`` (:func:`_load_hot`), and adds their
change back per chunk. One worker trains bit for bit as without the copies.

Arguments: the two kernels take the five named tuples of :mod:`.training` (its
:func:`~.training.kernel_inputs` builds them and knows where each thread's copy rows are):
``weights`` (``syn0``, ``syn1``, ``output``), ``tables`` (from the vocabulary), ``chunk`` (one
job), ``settings`` (scalars) and ``state`` (one thread's buffers, copy rows and counters). They
unpack the tuples into locals before any loop and hand the helpers below only arrays and
scalars: an array taken out of a tuple inside the hot loop is a new reference that numba counts
(atomically) on every use.

Arrays (``T`` = tokens in the chunk, ``S`` = sentences, ``N`` = vector size, ``L`` = longest
Huffman code): ``syn0``: float[V, N] input vectors; ``syn1``: float[V-1, N] inner-node vectors
(HS); ``output``: float[V, N] output word vectors (negative sampling or softmax);
``tokens``: int32[T] word ids, ``-1`` = out of vocabulary; ``sentence_ends``: int64[S] end
offsets into ``tokens``; ``keep_probability``: float32[V]; ``codes``: uint8[V, L];
``points``: int32[V, L]; ``code_lengths``: int32[V]; ``alias_probability``: float64[V];
``alias_index``: int32[V]; work buffers ``kept``: int32[>= T], ``neu1``: float[1, N],
``neu1e``: float[N], ``noise``: int64[negative], ``scores``: float64[V] (softmax only);
with hierarchical softmax ``syn1`` has ``2 * node_capacity`` rows per worker after its V-1 inner
nodes (``node_capacity`` 0: no copies), this worker's from ``node_base``, and ``node_slot``:
int32[V-1] (all ``-1`` between chunks),
``node_ids``: int32[node_capacity] (:func:`_cache_range`); with negative sampling ``output`` has
``2 * hot`` rows per worker after its V rows (``hot`` 0: no copies), this worker's from
``hot_base`` (:func:`_load_hot`); ``stats``: float64[5] receives ``[loss sum, sum of squared
losses, measured predictions, predictions, kept words]`` (:data:`STATS`).
The caller validates every index: numba checks no bounds.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numba.extending import overload

from lmbasics._util.numba_start import start_numba

start_numba()  # in the command's process: numba without scipy.linalg

_XORSHIFT_MULTIPLIER = np.uint64(0x2545F4914F6CDD1D)  # Vigna, "An experimental exploration..."
_U12, _U25, _U27, _U32, _U11 = (np.uint64(s) for s in (12, 25, 27, 32, 11))
_LOW32 = np.uint64(0xFFFFFFFF)
_TWO_POW_M32 = 1.0 / 4294967296.0
_TWO_POW_M53 = 1.0 / 9007199254740992.0
# Both kernels copy the inner nodes nearest the root (the highest ids) once per chunk and update
# the deeper nodes in place: a fixed range needs no per-prediction check, beyond ~2,048 nodes the
# copies cost more than the contention they remove, and copying each Skip-gram centre word's whole
# path cost more in copies of deep nodes than it saved (docs/benchmarks.md).
HOT_NODES = 2048
STATS = ("loss_sum", "loss_squares", "measured", "predictions", "kept_words")  # ``stats``' entries
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)  # splitmix64's increment and finaliser (Steele et al.)
_MIX1, _MIX2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
_U30, _U31 = np.uint64(30), np.uint64(31)


def cast_like(value, array):  # pragma: no cover - replaced by the overload in compiled code
    """``value`` converted to ``array``'s dtype (keeps float32 loops in float32)."""
    return array.dtype.type(value)


@overload(cast_like)
def _cast_like_overload(value, array):
    dtype = array.dtype

    def implementation(value, array):
        return dtype(value)

    return implementation


@njit(nogil=True, error_model="numpy", cache=True)
def rng_next(state):
    """xorshift64*: returns ``(new_state, 64 random bits)``; ``state`` is a nonzero uint64."""
    state ^= state >> _U12
    state ^= state << _U25
    state ^= state >> _U27
    return state, state * _XORSHIFT_MULTIPLIER


@njit(nogil=True, error_model="numpy", cache=True)
def rng_uniform(bits):
    """A float64 in [0, 1) from the top 53 bits."""
    return float(bits >> _U11) * _TWO_POW_M53


@njit(nogil=True, error_model="numpy", cache=True)
def rng_below(bits, n):
    """An integer in [0, n) from the top 32 bits (Lemire's multiply-shift, n < 2**31)."""
    return np.int64(((bits >> _U32) * np.uint64(n)) >> _U32)


@njit(nogil=True, error_model="numpy", cache=True)
def alias_draw(bits, alias_probability, alias_index):
    """One draw from Walker's alias table: bucket from the top 32 bits, coin from the low 32."""
    bucket = rng_below(bits, alias_probability.shape[0])
    coin = float(bits & _LOW32) * _TWO_POW_M32
    fallback = np.int64(alias_index[bucket])  # loaded unconditionally: a select, not a branch
    return bucket if coin < alias_probability[bucket] else fallback


@njit(nogil=True, error_model="numpy", cache=True, inline="always")
def _measured(seed, prediction, exact_loss, loss_threshold):
    """Whether the loss of the chunk's ``prediction``-th prediction is computed: always with
    ``exact_loss``, else when a hash of ``(seed, prediction)`` falls below ``loss_threshold``
    (a fraction of 2**64; 0: never).

    A hash (splitmix64's finaliser) rather than a draw from the chunk's generator, so the
    training draws, and the trained vectors, do not depend on which predictions are measured;
    and a fixed function of the chunk's seed, so a seeded run measures the same predictions.
    """
    if exact_loss:
        return True
    x = seed + (np.uint64(prediction) + np.uint64(1)) * _GOLDEN
    x = (x ^ (x >> _U30)) * _MIX1
    x = (x ^ (x >> _U27)) * _MIX2
    x ^= x >> _U31
    return x < loss_threshold


@njit(nogil=True, error_model="numpy", cache=True, inline="always")
def _softplus(x):
    """log(1 + exp(x)) without overflow."""
    if x > 0.0:
        return x + math.log1p(math.exp(-x))
    return math.log1p(math.exp(x))


@njit(nogil=True, fastmath=True, error_model="numpy", cache=True, inline="always")
def _dot(hidden, h, output, row, grad):
    """``hidden[h] · output[row]`` in the matrices' precision (``grad`` only gives the type)."""
    f = cast_like(0.0, grad)
    for i in range(grad.shape[0]):
        f += hidden[h, i] * output[row, i]
    return f


@njit(nogil=True, fastmath=True, error_model="numpy", cache=True, inline="always")
def _logistic_update(hidden, h, output, row, f, label, alpha, grad, compute_loss):
    """The update of one binary-logistic step given its score ``f = hidden[h]·output[row]``.

    ``output[row]`` moves by ``g·hidden[h]`` and ``grad`` (the step for the hidden vector)
    by ``g·output[row]``, with ``g = (label - σ(f))·alpha``; returns ``-log σ(±f)``.
    """
    x = min(max(f, cast_like(-30.0, grad)), cast_like(30.0, grad))
    one = cast_like(1.0, grad)
    g = (cast_like(label, grad) - one / (one + math.exp(-x))) * cast_like(alpha, grad)
    for i in range(grad.shape[0]):
        grad[i] += g * output[row, i]
        output[row, i] += g * hidden[h, i]
    if not compute_loss:
        return 0.0
    return _softplus(-float(f)) if label > 0.5 else _softplus(float(f))


@njit(nogil=True, fastmath=True, error_model="numpy", cache=True, inline="always")
def _logistic_step(hidden, h, output, row, label, alpha, grad, compute_loss):
    """One binary-logistic update; returns its loss ``-log σ(±hidden[h]·output[row])``.

    ``hidden[h]``: the float[N] hidden vector (read only); ``output[row]``: the output vector,
    updated in place; ``label``: 1.0 or 0.0; ``grad``: float[N] accumulates the step for the
    hidden vector. Rows are indexed, not sliced: a slice is a new array object whose reference
    count threads would update atomically on every call.
    """
    f = _dot(hidden, h, output, row, grad)
    return _logistic_update(hidden, h, output, row, f, label, alpha, grad, compute_loss)


@njit(nogil=True, fastmath=True, error_model="numpy", cache=True)
def _softmax_step(hidden, h, output, target, alpha, grad, scores, compute_loss):
    """Full-softmax update over all rows of ``output``; returns ``-log p(target | hidden[h])``."""
    top = -np.inf
    for v in range(output.shape[0]):
        s = cast_like(0.0, grad)
        for i in range(grad.shape[0]):
            s += hidden[h, i] * output[v, i]
        scores[v] = s
        top = max(top, scores[v])
    total = 0.0
    for v in range(output.shape[0]):
        total += math.exp(scores[v] - top)
    log_total = math.log(total)
    for v in range(output.shape[0]):
        p = math.exp(scores[v] - top - log_total)
        g = cast_like(((1.0 if v == target else 0.0) - p) * alpha, grad)
        for i in range(grad.shape[0]):
            grad[i] += g * output[v, i]
            output[v, i] += g * hidden[h, i]
    if not compute_loss:
        return 0.0
    return -(scores[target] - top - log_total)


@njit(nogil=True, error_model="numpy", cache=True, inline="always")
def _copy_row(matrix, row, copy, original):
    """Copy ``matrix[row]`` to the working row ``copy`` and, for :func:`_merge_row`, to
    ``original``."""
    for q in range(matrix.shape[1]):
        matrix[copy, q] = matrix[row, q]
        matrix[original, q] = matrix[row, q]


@njit(nogil=True, error_model="numpy", cache=True, inline="always")
def _merge_row(matrix, row, copy, original):
    """Add the working copy's change (``copy - original``) to ``matrix[row]``.

    Where no other thread wrote ``matrix[row]`` since it was copied, the copy is stored as is,
    so one thread reproduces plain sequential updates exactly (``x + (y - x)`` can round).
    """
    for q in range(matrix.shape[1]):
        current = matrix[row, q]
        if current == matrix[original, q]:
            matrix[row, q] = matrix[copy, q]
        else:
            matrix[row, q] = current + (matrix[copy, q] - matrix[original, q])


@njit(nogil=True, error_model="numpy", cache=True)
def _cache_range(syn1, first, stop, node_slot, node_ids, node_base, capacity):
    """Give the inner nodes ``first .. stop-1`` (at most ``capacity``) copies in the thread's
    empty cache; returns the number cached.

    Every path passes through the nodes near the root, so with Hogwild threads updating
    ``syn1`` in place, every prediction writes cache lines the other thread is reading and two
    threads trained slower than one. Instead each thread owns ``2 * capacity`` rows at the end
    of ``syn1``, from ``node_base``: the working copies of the cached nodes
    (``node_slot[node]`` is the copy's place, ``-1`` if none; ``node_ids`` the reverse), then
    their values when copied. :func:`_flush_nodes` adds each copy's change back. Within a thread
    this is the same sequential SGD, bit for bit; another thread's updates of a node reach this
    one at the next flush instead of at once. Caching a node only changes a row index, so the
    hot loop touches no extra arrays (separate cache arrays chosen by branches cost numba
    reference counting inside the loop: docs/benchmarks.md, second session).
    """
    used = 0
    for node in range(first, min(stop, first + capacity)):
        node_slot[node] = used
        node_ids[used] = node
        _copy_row(syn1, node, node_base + used, node_base + capacity + used)
        used += 1
    return used


@njit(nogil=True, error_model="numpy", cache=True)
def _cache_hot_nodes(syn1, node_slot, node_ids, node_base, capacity):
    """Copy the :data:`HOT_NODES` inner nodes nearest the root (the highest ids; at most
    ``capacity``) into the thread's empty cache (:func:`_cache_range`); returns the number
    cached."""
    hot_from = max(node_slot.shape[0] - min(HOT_NODES, capacity), 0)
    return _cache_range(syn1, hot_from, node_slot.shape[0], node_slot, node_ids, node_base,
                        capacity)


@njit(nogil=True, error_model="numpy", cache=True)
def _flush_nodes(syn1, node_slot, node_ids, node_base, capacity, used):
    """Add the change of each cached node to ``syn1[node]`` (:func:`_merge_row`) and empty the
    cache; returns 0."""
    for slot in range(used):
        node = node_ids[slot]
        _merge_row(syn1, node, node_base + slot, node_base + capacity + slot)
        node_slot[node] = -1
    return 0


@njit(nogil=True, error_model="numpy", cache=True)
def _check_node_cache(syn1, codes, hs, node_slot, node_ids, node_base, capacity):
    """Raise ``ValueError`` unless the node cache fits (numba checks no bounds); ``capacity``
    0: no cache."""
    if hs and capacity != 0 and (
        capacity < codes.shape[1] or node_ids.shape[0] < capacity or node_base < 0
        or node_base + 2 * capacity > syn1.shape[0] or node_slot.shape[0] > node_base
        or node_slot.shape[0] < 1
    ):
        raise ValueError("inner-node cache does not fit syn1: see training.copy_layout")


@njit(nogil=True, error_model="numpy", cache=True)
def _load_hot(output, hot, hot_base):
    """Copy the output rows of words ``0 .. hot-1`` (the most frequent: ids are sorted by count)
    to this thread's rows ``hot_base ..`` and, for :func:`_flush_hot`, again after those.

    Every prediction draws its noise words from ``count^0.75``, so the same few hundred output
    rows are written by every thread all the time (the most frequent words are a third of the
    draws on enwiki-17M: docs/benchmarks.md). Each thread updates its own copies of them for a chunk and adds
    the change back at the chunk's end: the same sequential SGD within the thread, bit for bit.
    """
    for w in range(hot):
        _copy_row(output, w, hot_base + w, hot_base + hot + w)


@njit(nogil=True, error_model="numpy", cache=True)
def _flush_hot(output, hot, hot_base):
    """Add the change of each copied row back to ``output[w]`` (:func:`_merge_row`)."""
    for w in range(hot):
        _merge_row(output, w, hot_base + w, hot_base + hot + w)


@njit(nogil=True, error_model="numpy", cache=True)
def _check_hot(output, alias_probability, negative, hot, hot_base):
    """Raise ``ValueError`` unless the hot output rows fit (numba checks no bounds)."""
    vocab_size = alias_probability.shape[0]
    if negative > 0 and hot != 0 and (hot < 0 or hot > vocab_size or hot_base < vocab_size
                                      or hot_base + 2 * hot > output.shape[0]):
        raise ValueError("hot output rows do not fit the output matrix: see "
                         "training.copy_layout")


@njit(nogil=True, error_model="numpy", cache=True, inline="always")
def _out_row(word, hot, hot_base):
    """The output row this thread uses for ``word``: its copy if ``word`` is hot."""
    return word if word >= hot else hot_base + word


@njit(nogil=True, error_model="numpy", cache=True, inline="always")
def _draw_noise(word, negative, alias_probability, alias_index, noise, state, hot, hot_base):
    """Draw ``negative`` noise words, skipping draws equal to ``word`` (as word2vec.c does), and
    put their output rows (:func:`_out_row`) in ``noise``; returns ``(count kept, state)``."""
    count = 0
    for _ in range(negative):
        state, bits = rng_next(state)
        candidate = alias_draw(bits, alias_probability, alias_index)
        if candidate != word:
            noise[count] = _out_row(candidate, hot, hot_base)
            count += 1
    return count, state


@njit(nogil=True, error_model="numpy", cache=True, inline="always")
def _path_rows(word, points, code_lengths, node_slot, node_base, path):
    """Fill ``path`` with the rows of ``syn1`` that hold ``word``'s inner nodes, root first: the
    thread's copy ``node_base + node_slot[node]`` where :func:`_cache_range` made one, else the
    node's own row; returns the path's length. Valid until the cache is next flushed."""
    length = code_lengths[word]
    for d in range(length):
        node = points[word, d]
        slot = node_slot[node]
        path[d] = node if slot < 0 else node_base + slot
    return length


@njit(nogil=True, fastmath=True, error_model="numpy", cache=True, inline="always")
def _predict_hs(hidden, h, word, syn1, codes, path, length, alpha, grad, dots, measure):
    """Hierarchical softmax for "``hidden[h]`` predicts ``word``" over the ``length`` rows of its
    path (:func:`_path_rows`); ``dots``: float[>= the longest code] scratch. Returns the loss
    (0 unless ``measure``).

    A path's inner nodes are distinct rows and the steps leave ``hidden[h]`` alone, so all the
    path's scores are computed before any update, as :func:`_predict_ns` does: the same
    arithmetic as node after node (the same bits), but independent dot products the CPU
    overlaps.
    """
    loss = 0.0
    for d in range(length):
        dots[d] = _dot(hidden, h, syn1, path[d], grad)
    for d in range(length):
        loss += _logistic_update(hidden, h, syn1, path[d], dots[d], 1.0 - codes[word, d], alpha,
                                 grad, measure)
    return loss


@njit(nogil=True, fastmath=True, error_model="numpy", cache=True, inline="always")
def _predict_ns(hidden, h, output, target_row, noise, noise_count, alpha, grad, dots, measure):
    """Negative sampling for "``hidden[h]`` predicts" the word whose output row is
    ``target_row`` (:func:`_out_row`); ``noise[:noise_count]`` are the output rows of the noise
    words already drawn; ``dots``: float[>= negative + 1] scratch. Returns the loss (0 unless
    ``measure``).

    The target and distinct noise words are distinct output rows and the steps leave
    ``hidden[h]`` alone, so all scores can be computed before any update: the same arithmetic
    as step after step, but independent dot products the CPU overlaps (repeated noise words
    take the step-by-step path).
    """
    loss = 0.0
    distinct = True
    for k in range(noise_count):
        for other in range(k):
            if noise[k] == noise[other]:
                distinct = False
    if distinct:
        dots[0] = _dot(hidden, h, output, target_row, grad)
        for k in range(noise_count):
            dots[k + 1] = _dot(hidden, h, output, noise[k], grad)
        loss += _logistic_update(hidden, h, output, target_row, dots[0], 1.0, alpha, grad,
                                 measure)
        for k in range(noise_count):
            loss += _logistic_update(hidden, h, output, noise[k], dots[k + 1], 0.0, alpha, grad,
                                     measure)
    else:
        loss += _logistic_step(hidden, h, output, target_row, 1.0, alpha, grad, measure)
        for k in range(noise_count):
            loss += _logistic_step(hidden, h, output, noise[k], 0.0, alpha, grad, measure)
    return loss


@njit(nogil=True, error_model="numpy", cache=True)
def _subsample(tokens, start, end, keep_probability, kept, state):
    """Copy the kept in-vocabulary words of ``tokens[start:end]`` to ``kept``; return count."""
    n = 0
    for p in range(start, end):
        word = tokens[p]
        if word < 0:
            continue
        keep = keep_probability[word]
        if keep < 1.0:
            state, bits = rng_next(state)
            if rng_uniform(bits) >= keep:
                continue
        kept[n] = word
        n += 1
    return n, state


@njit(nogil=True, error_model="numpy", cache=True)
def _check_chunk(chunk, state):
    """Raise ``ValueError`` unless the chunk fits the thread's buffers (numba checks no
    bounds)."""
    if state.kept.shape[0] < chunk.tokens.shape[0] or state.stats.shape[0] < len(STATS):
        raise ValueError("chunk longer than the thread's buffers: see training.kernel_inputs")


@njit(nogil=True, error_model="numpy", cache=True, inline="always")
def _count(stats, loss_sum, loss_squares, measured, predictions, kept_words):
    """Add a chunk's counts to ``stats`` (:data:`STATS`)."""
    stats[0] += loss_sum
    stats[1] += loss_squares
    stats[2] += measured
    stats[3] += predictions
    stats[4] += kept_words


@njit(nogil=True, fastmath=True, error_model="numpy", cache=True)
def train_sg_chunk(weights, tables, chunk, settings, state):
    """Skip-gram over one chunk of sentences; see the module docstring for the arguments.

    ``settings.shared_negatives``: draw one set of noise words per centre word and use it for
    all of its context words (Ji et al. 2016, pWord2Vec) instead of a fresh set per (centre,
    context) pair. The output rows then stay in cache across the window; updates remain
    sequential SGD.
    """
    syn0, syn1, output = weights.syn0, weights.syn1, weights.output
    keep_probability, codes, points = tables.keep_probability, tables.codes, tables.points
    code_lengths = tables.code_lengths
    alias_probability, alias_index = tables.alias_probability, tables.alias_index
    tokens, sentence_ends = chunk.tokens, chunk.sentence_ends
    alpha_start, alpha_end, seed = chunk.alpha_start, chunk.alpha_end, chunk.seed
    hs, negative, softmax, window = settings.hs, settings.negative, settings.softmax, settings.window
    shared_negatives = settings.shared_negatives
    exact_loss, loss_threshold = settings.exact_loss, settings.loss_threshold
    kept, neu1e, noise, scores = state.kept, state.neu1e, state.noise, state.scores
    node_slot, node_ids, node_base = state.node_slot, state.node_ids, state.node_base
    node_capacity, hot, hot_base = state.node_capacity, state.hot, state.hot_base
    _check_chunk(chunk, state)
    _check_node_cache(syn1, codes, hs, node_slot, node_ids, node_base, node_capacity)
    _check_hot(output, alias_probability, negative, hot, hot_base)
    hot = hot if negative > 0 else 0
    _load_hot(output, hot, hot_base)
    cached = 0  # inner nodes in the thread's cache
    rng = np.uint64(seed)
    dots = np.empty(max(codes.shape[1], negative + 1), syn0.dtype)  # scores of one prediction
    path = np.empty(codes.shape[1], np.int64)  # rows of one word's Huffman path
    length = 0
    total = max(tokens.shape[0], 1)
    loss_sum, loss_squares, measured, predictions, kept_words = 0.0, 0.0, 0, 0, 0
    if hs and node_capacity > 0:  # copies of the nodes nearest the root for the whole chunk
        cached = _cache_hot_nodes(syn1, node_slot, node_ids, node_base, node_capacity)
    start = 0
    for s in range(sentence_ends.shape[0]):
        end = sentence_ends[s]
        alpha = alpha_start + (alpha_end - alpha_start) * (start / total)
        n, rng = _subsample(tokens, start, end, keep_probability, kept, rng)
        kept_words += n
        for i in range(n):
            rng, bits = rng_next(rng)
            reach = window - rng_below(bits, window)
            word = kept[i]
            target_row = _out_row(word, hot, hot_base)
            if hs:
                length = _path_rows(word, points, code_lengths, node_slot, node_base, path)
            noise_count = 0
            if negative > 0 and shared_negatives:
                noise_count, rng = _draw_noise(word, negative, alias_probability, alias_index,
                                               noise, rng, hot, hot_base)
            for j in range(max(0, i - reach), min(n, i + reach + 1)):
                if j == i:
                    continue
                if negative > 0 and not shared_negatives:
                    noise_count, rng = _draw_noise(word, negative, alias_probability,
                                                   alias_index, noise, rng, hot, hot_base)
                context = kept[j]
                for q in range(neu1e.shape[0]):
                    neu1e[q] = 0.0
                measure = _measured(seed, predictions, exact_loss, loss_threshold)
                loss = 0.0
                if hs:
                    loss += _predict_hs(syn0, context, word, syn1, codes, path, length, alpha,
                                        neu1e, dots, measure)
                if negative > 0:
                    loss += _predict_ns(syn0, context, output, target_row, noise, noise_count,
                                        alpha, neu1e, dots, measure)
                if softmax:
                    loss += _softmax_step(syn0, context, output, word, alpha, neu1e, scores,
                                          measure)
                for q in range(neu1e.shape[0]):
                    syn0[context, q] += neu1e[q]
                if measure:
                    loss_sum += loss
                    loss_squares += loss * loss
                    measured += 1
                predictions += 1
        start = end
    _flush_nodes(syn1, node_slot, node_ids, node_base, node_capacity, cached)
    _flush_hot(output, hot, hot_base)
    _count(state.stats, loss_sum, loss_squares, measured, predictions, kept_words)


@njit(nogil=True, fastmath=True, error_model="numpy", cache=True)
def train_cbow_chunk(weights, tables, chunk, settings, state):
    """CBOW over one chunk of sentences; see the module docstring for the arguments.

    ``settings.cbow_mean``: the hidden layer is the mean of the context vectors (else their
    sum, whose gradient is divided by the context size as gensim does).
    """
    syn0, syn1, output = weights.syn0, weights.syn1, weights.output
    keep_probability, codes, points = tables.keep_probability, tables.codes, tables.points
    code_lengths = tables.code_lengths
    alias_probability, alias_index = tables.alias_probability, tables.alias_index
    tokens, sentence_ends = chunk.tokens, chunk.sentence_ends
    alpha_start, alpha_end, seed = chunk.alpha_start, chunk.alpha_end, chunk.seed
    hs, negative, softmax, window = settings.hs, settings.negative, settings.softmax, settings.window
    cbow_mean = settings.cbow_mean
    exact_loss, loss_threshold = settings.exact_loss, settings.loss_threshold
    kept, neu1, neu1e = state.kept, state.neu1, state.neu1e
    noise, scores = state.noise, state.scores
    node_slot, node_ids, node_base = state.node_slot, state.node_ids, state.node_base
    node_capacity, hot, hot_base = state.node_capacity, state.hot, state.hot_base
    _check_chunk(chunk, state)
    _check_node_cache(syn1, codes, hs, node_slot, node_ids, node_base, node_capacity)
    _check_hot(output, alias_probability, negative, hot, hot_base)
    hot = hot if negative > 0 else 0
    _load_hot(output, hot, hot_base)
    cached = 0  # inner nodes in the thread's cache
    rng = np.uint64(seed)
    dots = np.empty(max(codes.shape[1], negative + 1), syn0.dtype)  # scores of one prediction
    path = np.empty(codes.shape[1], np.int64)  # rows of one word's Huffman path
    length = 0
    total = max(tokens.shape[0], 1)
    loss_sum, loss_squares, measured, predictions, kept_words = 0.0, 0.0, 0, 0, 0
    size = syn0.shape[1]
    if hs and node_capacity > 0:  # copies of the nodes nearest the root for the whole chunk
        cached = _cache_hot_nodes(syn1, node_slot, node_ids, node_base, node_capacity)
    start = 0
    for s in range(sentence_ends.shape[0]):
        end = sentence_ends[s]
        alpha = alpha_start + (alpha_end - alpha_start) * (start / total)
        n, rng = _subsample(tokens, start, end, keep_probability, kept, rng)
        kept_words += n
        for i in range(n):
            rng, bits = rng_next(rng)
            reach = window - rng_below(bits, window)
            low, high = max(0, i - reach), min(n, i + reach + 1)
            count = high - low - 1
            if count == 0:
                continue
            for q in range(size):
                neu1[0, q] = 0.0
            for j in range(low, high):
                if j != i:
                    context = kept[j]
                    for q in range(size):
                        neu1[0, q] += syn0[context, q]
            if cbow_mean:
                inverse = cast_like(1.0 / count, neu1e)
                for q in range(size):
                    neu1[0, q] *= inverse
            for q in range(size):
                neu1e[q] = 0.0
            word = kept[i]
            noise_count = 0
            if negative > 0:
                noise_count, rng = _draw_noise(word, negative, alias_probability, alias_index,
                                               noise, rng, hot, hot_base)
            measure = _measured(seed, predictions, exact_loss, loss_threshold)
            loss = 0.0
            if hs:
                length = _path_rows(word, points, code_lengths, node_slot, node_base, path)
                loss += _predict_hs(neu1, 0, word, syn1, codes, path, length, alpha, neu1e, dots,
                                    measure)
            if negative > 0:
                loss += _predict_ns(neu1, 0, output, _out_row(word, hot, hot_base), noise,
                                    noise_count, alpha, neu1e, dots, measure)
            if softmax:
                loss += _softmax_step(neu1, 0, output, word, alpha, neu1e, scores, measure)
            if not cbow_mean:  # gensim divides the error over the summed window vectors
                inverse = cast_like(1.0 / count, neu1e)
                for q in range(size):
                    neu1e[q] *= inverse
            for j in range(low, high):
                if j != i:
                    context = kept[j]
                    for q in range(size):
                        syn0[context, q] += neu1e[q]
            if measure:
                loss_sum += loss
                loss_squares += loss * loss
                measured += 1
            predictions += 1
        start = end
    _flush_nodes(syn1, node_slot, node_ids, node_base, node_capacity, cached)
    _flush_hot(output, hot, hot_base)
    _count(state.stats, loss_sum, loss_squares, measured, predictions, kept_words)
