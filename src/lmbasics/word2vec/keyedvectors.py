"""KeyedVectors: trained word vectors and the queries people run on them.

Follows gensim 4's ``KeyedVectors`` (names, arguments, return types and numbers), so code written
for gensim works by changing the import. Querying is cosine similarity over unit-normalised
float32 vectors, as in gensim and word2vec.c's ``distance``/``word-analogy`` tools.

Not here: training (see :mod:`lmbasics.word2vec.model`), file formats (:mod:`.io`), the
evaluation loops (:mod:`.evaluate`, reached through the methods below).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from lmbasics._util.errors import LmbasicsError, UnknownWordError
from lmbasics.word2vec.io import read_vectors, read_word2vec, write_word2vec
from lmbasics.word2vec.npz import write_native_vectors


def _as_list(words: Any) -> list:
    """gensim accepts a single key (or vector) where a list is expected."""
    if words is None:
        return []
    if isinstance(words, (str, np.ndarray)):
        return [words]
    return list(words)


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(vector)
    return vector / norm if norm > 0 else vector


# gensim names KeyedVectors does not have, with the reason and what to use instead
_NOT_SUPPORTED = {
    "vocab": "gensim 4 removed it too: use key_to_index, or get_vecattr(key, 'count')",
    "index2word": "gensim 4 removed it too: use index_to_key",
    "index2entity": "gensim 4 removed it too: use index_to_key",
    "vectors_norm": "gensim 4 removed it too: use get_normed_vectors()",
    "wmdistance": "Word Mover's Distance needs an optimal-transport solver (gensim uses POT)",
    "similarity_unseen_docs": "it is a Doc2Vec method (gensim raises NotImplementedError)",
    "allocate_vecattrs": "the one per-key attribute, count, is always allocated",
    "intersect_word2vec_format": "load the file with load_word2vec_format and copy the rows "
                                 "you want: kv[word] = other[word]",
    "log_accuracy": "evaluate_word_analogies returns the per-section numbers",
    "log_evaluate_word_pairs": "evaluate_word_pairs returns the numbers",
    "add_lifecycle_event": "there is no lifecycle log",
    "lifecycle_events": "there is no lifecycle log",
    "mapfile_path": "vectors are loaded into memory, not memory-mapped",
    "next_index": "keys are appended; there are no pre-allocated slots",
}


class KeyedVectors:
    """A vocabulary (``index_to_key``, ``key_to_index``) and one vector per key (``vectors``).

    Keys are ordered as given; for trained models that is by descending corpus frequency, which
    ``restrict_vocab`` arguments rely on.

    >>> kv = KeyedVectors(3)
    >>> kv.add_vectors(["a", "b"], np.eye(2, 3, dtype=np.float32))
    >>> kv.similarity("a", "b")
    0.0
    """

    def __init__(self, vector_size: int, count: int = 0, dtype: Any = np.float32) -> None:
        if int(vector_size) <= 0:
            raise LmbasicsError(f"vector_size must be positive, got {vector_size}")
        self.vector_size = int(vector_size)
        self.index_to_key: list[str] = []
        self.key_to_index: dict[str, int] = {}
        self.vectors = np.zeros((0, self.vector_size), dtype=dtype)
        self.counts = np.zeros(0, dtype=np.int64)  # corpus frequency per key (0 = unknown)
        self.norms: np.ndarray | None = None
        del count  # gensim's preallocated rows: here the vectors grow as keys are added

    # ------------------------------------------------------------------ building
    def _append(self, keys: Sequence[str], weights: np.ndarray, counts: Any = None) -> None:
        """Append new ``keys`` with their vectors (len(keys) x vector_size); duplicates raise."""
        weights = np.asarray(weights, dtype=self.vectors.dtype)
        if weights.ndim != 2 or weights.shape != (len(keys), self.vector_size):
            raise LmbasicsError(
                f"expected weights of shape ({len(keys)}, {self.vector_size}), got {weights.shape}"
            )
        for key in keys:
            if key in self.key_to_index:
                raise LmbasicsError(f"duplicate key {key!r}")
            self.key_to_index[key] = len(self.index_to_key)
            self.index_to_key.append(key)
        if len(self.key_to_index) != len(self.index_to_key):
            raise LmbasicsError("duplicate keys in the input")
        self.vectors = np.concatenate([self.vectors, weights]) if len(self.vectors) else weights
        new_counts = np.zeros(len(keys), np.int64) if counts is None else np.asarray(counts)
        self.counts = np.concatenate([self.counts, new_counts.astype(np.int64)])
        self.norms = None

    def add_vectors(
        self,
        keys: Any,
        weights: Any,
        extras: dict[str, Any] | None = None,
        replace: bool = False,
    ) -> None:
        """Add keys with their vectors, as gensim: keys already present are left alone unless
        ``replace=True``; ``extras={"count": [...]}`` sets their counts (the one attribute kept)."""
        if isinstance(keys, (str, int, np.integer)):
            keys, weights = [keys], np.asarray(weights).reshape(1, -1)
        keys, weights = list(keys), np.asarray(weights, dtype=self.vectors.dtype)
        unknown = sorted(set(extras or {}) - {"count"})
        if unknown:
            raise LmbasicsError(f"unknown vector attribute(s) {unknown} (only 'count' is stored)")
        counts = None if not extras else np.asarray(extras["count"], np.int64)
        if weights.ndim != 2 or len(weights) != len(keys) or (
                counts is not None and len(counts) != len(keys)):
            raise LmbasicsError(f"expected {len(keys)} weights and counts, got {weights.shape}")
        present = np.array([key in self.key_to_index for key in keys], dtype=bool)
        fresh = np.flatnonzero(~present)
        self._append([keys[i] for i in fresh], weights[fresh],
                     None if counts is None else counts[fresh])
        if replace and present.any():
            rows = [self.key_to_index[keys[i]] for i in np.flatnonzero(present)]
            self.vectors[rows] = weights[present]
            if counts is not None:
                self.counts[rows] = counts[present]
            self.norms = None

    def add_vector(self, key: str, vector: np.ndarray) -> int:
        """Add one key (left alone if present, as gensim); returns its index."""
        self.add_vectors([key], np.asarray(vector).reshape(1, -1))
        return self.key_to_index[key]

    def __setitem__(self, keys: Any, weights: Any) -> None:
        """``kv["word"] = vector``: add, or replace the vector of a key already present."""
        if not isinstance(keys, list):
            keys, weights = [keys], np.asarray(weights).reshape(1, -1)
        self.add_vectors(keys, weights, replace=True)

    @classmethod
    def from_arrays(
        cls, keys: Sequence[str], vectors: np.ndarray, counts: np.ndarray | None = None
    ) -> KeyedVectors:
        """Vectors for ``keys`` in this order (duplicate keys raise)."""
        vectors = np.asarray(vectors)
        kv = cls(vectors.shape[1], dtype=vectors.dtype)
        kv._append(list(keys), vectors, counts)
        return kv

    def vectors_for_all(
        self, keys: Iterable[str], allow_inference: bool = True, copy_vecattrs: bool = False
    ) -> KeyedVectors:
        """A new KeyedVectors of the given keys that are present (in order, deduplicated);
        ``allow_inference`` matters only for FastText models in gensim."""
        chosen = [key for key in dict.fromkeys(keys) if key in self.key_to_index]
        rows = [self.key_to_index[key] for key in chosen]
        kv = type(self)(self.vector_size, dtype=self.vectors.dtype)
        kv._append(chosen, self.vectors[rows], self.counts[rows] if copy_vecattrs else None)
        return kv

    def sort_by_descending_frequency(self) -> None:
        """Reorder keys by descending count (ties: later key first, as gensim's lexsort)."""
        if not len(self):
            return
        order = np.lexsort((-np.arange(len(self)), -self.counts))
        self.index_to_key = [self.index_to_key[i] for i in order]
        self.key_to_index = {key: i for i, key in enumerate(self.index_to_key)}
        self.vectors, self.counts, self.norms = self.vectors[order], self.counts[order], None

    def resize_vectors(self, seed: int = 0) -> None:
        """Give keys appended to ``index_to_key`` by hand random vectors (gensim's formula)."""
        rows = len(self.index_to_key)
        if rows == len(self.vectors):
            return
        if rows < len(self.vectors):
            raise LmbasicsError("resize_vectors cannot drop rows: index_to_key is shorter than vectors")
        grown = np.random.default_rng(seed=seed).random((rows, self.vector_size), dtype=self.vectors.dtype)
        grown *= 2.0
        grown -= 1.0
        grown /= self.vector_size
        grown[: len(self.vectors)] = self.vectors
        self.vectors, self.norms = grown, None
        self.counts = np.concatenate([self.counts, np.zeros(rows - len(self.counts), np.int64)])
        self.key_to_index = {key: i for i, key in enumerate(self.index_to_key)}

    def unit_normalize_all(self) -> None:
        """Scale every vector to unit length, in place (the original lengths are lost)."""
        self.fill_norms()
        assert self.norms is not None
        self.vectors /= np.where(self.norms > 0, self.norms, 1.0)[:, None].astype(self.vectors.dtype)
        self.norms = np.ones(len(self.vectors))

    def init_sims(self, replace: bool = False) -> None:
        """Obsolete in gensim 4 (norms are cached on demand); ``replace=True`` normalises."""
        self.fill_norms()
        if replace:
            self.unit_normalize_all()

    @property
    def expandos(self) -> dict[str, np.ndarray]:
        """gensim's per-key attribute arrays; lmbasics keeps one, ``count``."""
        return {"count": self.counts}

    # ------------------------------------------------------------------ lookup
    def __len__(self) -> int:
        return len(self.index_to_key)

    def __contains__(self, key: object) -> bool:
        return self.has_index_for(key)

    def has_index_for(self, key: object) -> bool:
        return self.get_index(key, -1) >= 0  # type: ignore[arg-type]

    def get_index(self, key: str | int, default: int | None = None) -> int:
        """The row of ``key``; an int within range is its own index (gensim)."""
        index = self.key_to_index.get(key)  # type: ignore[arg-type]
        if index is not None:
            return index
        if isinstance(key, (int, np.integer)) and not isinstance(key, bool) and 0 <= key < len(self):
            return int(key)
        if default is not None:
            return default
        raise UnknownWordError(f"word {key!r} not in vocabulary")

    def get_vecattr(self, key: str, attr: str) -> int:
        if attr != "count":
            raise LmbasicsError(f"unknown vector attribute {attr!r} (only 'count' is stored)")
        return int(self.counts[self.get_index(key)])

    def set_vecattr(self, key: str, attr: str, val: int) -> None:
        if attr != "count":
            raise LmbasicsError(f"unknown vector attribute {attr!r} (only 'count' is stored)")
        self.counts[self.get_index(key)] = int(val)

    def fill_norms(self, force: bool = False) -> None:
        """Cache the L2 norm of every vector (gensim name)."""
        if self.norms is None or force or len(self.norms) != len(self.vectors):
            self.norms = np.linalg.norm(self.vectors, axis=1)

    def get_vector(self, key: str, norm: bool = False) -> np.ndarray:
        index = self.get_index(key)
        if not norm:
            return self.vectors[index]
        self.fill_norms()
        assert self.norms is not None
        return self.vectors[index] / self.norms[index]

    word_vec = get_vector

    def get_normed_vectors(self) -> np.ndarray:
        self.fill_norms()
        assert self.norms is not None
        safe = np.where(self.norms > 0, self.norms, 1.0).astype(self.vectors.dtype)
        return self.vectors / safe[:, None]

    def __getitem__(self, key_or_keys: str | int | Iterable[str]) -> np.ndarray:
        if isinstance(key_or_keys, (str, int, np.integer)):
            return self.get_vector(key_or_keys)
        return np.vstack([self.get_vector(key) for key in key_or_keys])

    def get_mean_vector(
        self,
        keys: Sequence[Any],
        weights: Sequence[float] | np.ndarray | None = None,
        pre_normalize: bool = True,
        post_normalize: bool = False,
        ignore_missing: bool = True,
    ) -> np.ndarray:
        """Weighted mean of the keys' (unit) vectors; keys may also be raw vectors."""
        if len(keys) == 0:
            raise LmbasicsError("cannot compute a mean with no input words")
        weights = np.ones(len(keys)) if weights is None else np.asarray(weights, dtype=float)
        mean = np.zeros(self.vector_size, self.vectors.dtype)
        total = 0.0
        for weight, key in zip(weights, keys):
            if isinstance(key, np.ndarray):
                vector = key
            elif key in self.key_to_index:
                vector = self.get_vector(key, norm=pre_normalize)
            elif not ignore_missing:
                raise UnknownWordError(f"word {key!r} not in vocabulary")
            else:
                continue
            mean += (weight * vector).astype(mean.dtype)
            total += abs(weight)
        if total > 0:
            mean = mean / total
        return _unit(mean).astype(self.vectors.dtype) if post_normalize else mean

    # ------------------------------------------------------------------ similarity
    def _check_topn(self, topn: int | None) -> None:
        if topn is not None and (not isinstance(topn, (int, np.integer)) or isinstance(topn, bool)):
            raise LmbasicsError(f"topn must be an integer or None, got {topn!r}")

    def _ranked(
        self, scores: np.ndarray, topn: int, exclude: set[int], offset: int = 0
    ) -> list[tuple[str, float]]:
        count = min(len(scores), topn + len(exclude))
        if count <= 0:
            return []
        partial = count < len(scores)
        best = np.argpartition(-scores, count - 1)[:count] if partial else np.arange(len(scores))
        best = best[np.argsort(-scores[best], kind="stable")]
        result = [
            (self.index_to_key[i + offset], float(scores[i]))
            for i in best
            if (i + offset) not in exclude
        ]
        return result[:topn]

    def most_similar(
        self,
        positive: Any = None,
        negative: Any = None,
        topn: int | None = 10,
        clip_start: int = 0,
        clip_end: int | None = None,
        restrict_vocab: int | None = None,
        indexer: Any = None,
    ) -> list[tuple[str, float]] | np.ndarray:
        """Keys closest by cosine to the mean of unit ``positive`` minus unit ``negative`` vectors.

        With ``positive=[b, c], negative=[a]`` this is the 3CosAdd analogy "a is to b as c is to ?".
        Input keys are never returned. ``topn=None`` returns all similarities as an array.
        """
        if indexer is not None:
            raise LmbasicsError("indexer= (approximate search) is not supported: the search is exact")
        self._check_topn(topn)
        if isinstance(topn, (int, np.integer)) and topn < 1:
            return []
        positive, negative = _as_list(positive), _as_list(negative)
        items = positive + negative
        if not items:
            raise LmbasicsError("most_similar needs at least one positive or negative word")
        keys, weights = [], []
        for position, item in enumerate(items):
            sign = 1.0 if position < len(positive) else -1.0
            if isinstance(item, tuple):
                keys.append(item[0])
                weights.append(float(item[1]))
            else:
                keys.append(item)
                weights.append(sign)
        mean = self.get_mean_vector(keys, weights, post_normalize=True, ignore_missing=False)
        exclude = {self.key_to_index[k] for k in keys if isinstance(k, str)}
        self.fill_norms()
        assert self.norms is not None
        clip_end = clip_end or len(self.vectors)
        if restrict_vocab:
            clip_start, clip_end = 0, int(restrict_vocab)
        with np.errstate(invalid="ignore", divide="ignore"):
            scores = self.vectors[clip_start:clip_end] @ mean / self.norms[clip_start:clip_end]
        scores = np.nan_to_num(scores, nan=-np.inf)
        if topn is None:
            return scores
        return self._ranked(scores, int(topn), exclude, offset=clip_start)

    def similar_by_vector(
        self, vector: np.ndarray, topn: int | None = 10, restrict_vocab: int | None = None
    ) -> list[tuple[str, float]] | np.ndarray:
        vector = np.asarray(vector, dtype=self.vectors.dtype)
        if vector.shape != (self.vector_size,):
            raise LmbasicsError(f"vector must have shape ({self.vector_size},), got {vector.shape}")
        return self.most_similar(positive=[vector], topn=topn, restrict_vocab=restrict_vocab)

    def similar_by_key(
        self, key: str, topn: int | None = 10, restrict_vocab: int | None = None
    ) -> list[tuple[str, float]] | np.ndarray:
        return self.most_similar(positive=[key], topn=topn, restrict_vocab=restrict_vocab)

    similar_by_word = similar_by_key

    def most_similar_cosmul(
        self,
        positive: Any = None,
        negative: Any = None,
        topn: int | None = 10,
        restrict_vocab: int | None = None,
    ) -> list[tuple[str, float]] | np.ndarray:
        """3CosMul (Levy & Goldberg 2014, eq. 4): prod((1+cos)/2 of positives) / prod(negatives)."""
        self._check_topn(topn)
        if isinstance(topn, (int, np.integer)) and topn < 1:
            return []
        positive, negative = _as_list(positive), _as_list(negative)
        if not positive:
            raise LmbasicsError("most_similar_cosmul needs at least one positive word")
        exclude = {self.key_to_index[w] for w in positive + negative if isinstance(w, str)}
        unit = self.get_normed_vectors()
        if restrict_vocab:
            unit = unit[: int(restrict_vocab)]

        def as_unit(word: Any) -> np.ndarray:
            return self.get_vector(word, norm=True) if isinstance(word, str) else _unit(word)

        pos = [((1 + unit @ as_unit(w)) / 2) for w in positive]
        neg = [((1 + unit @ as_unit(w)) / 2) for w in negative]
        scores = np.prod(pos, axis=0) / (np.prod(neg, axis=0) + 1e-6)
        if topn is None:
            return scores
        return self._ranked(scores, int(topn), exclude)

    def similarity(self, w1: str, w2: str) -> float:
        """Cosine similarity of two keys."""
        return float(np.dot(_unit(self[w1]), _unit(self[w2])))

    def n_similarity(self, ws1: Sequence[str], ws2: Sequence[str]) -> float:
        """Cosine similarity of the means of two sets of keys."""
        if not len(ws1) or not len(ws2):
            raise LmbasicsError("n_similarity needs at least one word on each side")
        mean1 = np.mean([self[w] for w in ws1], axis=0)
        mean2 = np.mean([self[w] for w in ws2], axis=0)
        return float(np.dot(_unit(mean1), _unit(mean2)))

    def distance(self, w1: str, w2: str) -> float:
        return 1.0 - self.similarity(w1, w2)

    def doesnt_match(self, words: Sequence[str]) -> str:
        """The word furthest from the mean of the others' unit vectors (unknown words ignored)."""
        known = [w for w in words if w in self.key_to_index]
        if not known:
            raise LmbasicsError("doesnt_match: none of the words is in the vocabulary")
        unit = np.vstack([self.get_vector(w, norm=True) for w in known])
        mean = _unit(unit.mean(axis=0))
        return known[int(np.argmin(unit @ mean))]

    def rank(self, key1: str, key2: str) -> int:
        """Rank of key2 among key1's neighbours (1 = nearest)."""
        return len(self.closer_than(key1, key2)) + 1

    def closer_than(self, key1: str, key2: str) -> list[str]:
        scores = self.most_similar(positive=[key1], topn=None)
        assert isinstance(scores, np.ndarray)
        i1, i2 = self.get_index(key1), self.get_index(key2)
        closer = np.flatnonzero(scores > scores[i2])
        return [self.index_to_key[i] for i in closer if i != i1]

    @staticmethod
    def cosine_similarities(vector_1: np.ndarray, vectors_all: np.ndarray) -> np.ndarray:
        """Cosine similarity of one vector to each row of ``vectors_all``."""
        norm = np.linalg.norm(vector_1)
        return (vectors_all @ vector_1) / (norm * np.linalg.norm(vectors_all, axis=1))

    def distances(self, word_or_vector: Any, other_words: Sequence[str] = ()) -> np.ndarray:
        """``1 - cosine`` from a key (or vector) to ``other_words``, or to every key if empty."""
        if isinstance(word_or_vector, (str, int, np.integer)):
            vector = self.get_vector(word_or_vector)
        else:
            vector = np.asarray(word_or_vector)
        if not other_words:
            others = self.vectors
        else:
            others = self.vectors[[self.get_index(word) for word in other_words]]
        return 1 - self.cosine_similarities(vector, others)

    def most_similar_to_given(self, key1: str, keys_list: Sequence[str]) -> str:
        """The key of ``keys_list`` most similar to ``key1``."""
        return keys_list[int(np.argmax([self.similarity(key1, key) for key in keys_list]))]

    def relative_cosine_similarity(self, wa: str, wb: str, topn: int = 10) -> float:
        """similarity(wa, wb) over the sum of wa's ``topn`` similarities (Leeuwenberg et al. 2016)."""
        sims = self.similar_by_key(wa, topn)
        if not sims:
            raise LmbasicsError("cannot compute a relative cosine similarity without similar words")
        return float(self.similarity(wa, wb)) / sum(sim for _, sim in sims)

    def words_closer_than(self, word1: str, word2: str) -> list[str]:
        return self.closer_than(word1, word2)

    def rank_by_centrality(self, words: Sequence[str], use_norm: bool = True) -> list[tuple[Any, str]]:
        """``(cosine to the mean, word)`` for the known words, most central first."""
        used = [word for word in words if word in self]
        if not used:
            raise LmbasicsError("rank_by_centrality: none of the words is in the vocabulary")
        vectors = np.vstack([self.get_vector(word, norm=use_norm) for word in used])
        vectors = vectors.astype(np.float32)
        mean = self.get_mean_vector(list(vectors), post_normalize=True)
        return sorted(zip(vectors @ mean, used), reverse=True)

    # ------------------------------------------------------------------ evaluation
    def evaluate_word_analogies(
        self,
        analogies: str | os.PathLike[str],
        restrict_vocab: int = 300000,
        case_insensitive: bool = True,
        dummy4unknown: bool = False,
        similarity_function: str = "most_similar",
    ) -> tuple[float, list[dict[str, Any]]]:
        """Accuracy on an analogy file (``questions-words.txt`` format), as gensim computes it."""
        if similarity_function != "most_similar":
            raise LmbasicsError(f"similarity_function={similarity_function!r} is not supported: "
                                "analogies are answered with most_similar (3CosAdd)")
        from lmbasics.word2vec.evaluate import evaluate_word_analogies

        return evaluate_word_analogies(
            self, analogies, restrict_vocab, case_insensitive, dummy4unknown
        )

    def evaluate_word_pairs(
        self,
        pairs: str | os.PathLike[str],
        delimiter: str = "\t",
        encoding: str = "utf8",
        restrict_vocab: int = 300000,
        case_insensitive: bool = True,
        dummy4unknown: bool = False,
    ) -> tuple[Any, Any, float]:
        """Pearson, Spearman and OOV % against human similarity scores, as gensim computes them."""
        from lmbasics.word2vec.evaluate import evaluate_word_pairs

        return evaluate_word_pairs(
            self, pairs, delimiter, encoding, restrict_vocab, case_insensitive, dummy4unknown
        )

    # ------------------------------------------------------------------ files
    def save_word2vec_format(
        self, fname: str | os.PathLike[str], binary: bool = False, write_header: bool = True
    ) -> None:
        """Write word2vec.c's text or binary format (atomically)."""
        write_word2vec(fname, self.index_to_key, self.vectors, binary, write_header)

    @classmethod
    def load_word2vec_format(
        cls,
        fname: str | os.PathLike[str],
        binary: bool = False,
        limit: int | None = None,
        unicode_errors: str = "strict",
        datatype: Any = np.float32,
    ) -> KeyedVectors:
        """Read word2vec.c's text or binary format (plain or gzipped), validating it."""
        keys, vectors = read_word2vec(fname, binary, limit, unicode_errors, datatype)
        return cls.from_arrays(keys, vectors)

    def save(self, fname: str | os.PathLike[str]) -> None:
        """Native format: one ``.npz`` (arrays + JSON vocabulary), no pickle."""
        write_native_vectors(fname, self.index_to_key, self.vectors, self.counts)

    @classmethod
    def load(cls, fname: str | os.PathLike[str]) -> KeyedVectors:
        """Load vectors saved by :meth:`save`, :meth:`save_word2vec_format` or ``Word2Vec.save``.

        The format is sniffed; from a model file only the input vectors are read.
        """
        keys, vectors, counts = read_vectors(fname)
        return cls.from_arrays(keys, vectors, counts)

    def __getattr__(self, name: str) -> Any:
        if name in _NOT_SUPPORTED:
            raise AttributeError(f"KeyedVectors.{name} is not supported: {_NOT_SUPPORTED[name]}")
        raise AttributeError(f"'KeyedVectors' object has no attribute {name!r}")

    def __repr__(self) -> str:
        return f"KeyedVectors<vector_size={self.vector_size}, {len(self)} keys>"
