"""Intrinsic evaluation of word vectors: analogies (3CosAdd) and word-pair similarity.

Same semantics and numbers as gensim 4's ``KeyedVectors.evaluate_word_analogies`` and
``evaluate_word_pairs`` (which follow word2vec.c's ``compute-accuracy``): only the first
``restrict_vocab`` keys are considered; with ``case_insensitive`` words are upper-cased and the
first (most frequent) case variant of a key stands for all; questions with unknown words are
skipped (or counted wrong with ``dummy4unknown``). The analogy search is batched as one matrix
product per block of questions instead of gensim's one ``most_similar`` call per question, so it
is faster but picks the same answers.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import stats

from lmbasics._util.errors import LmbasicsError

if TYPE_CHECKING:
    from lmbasics.word2vec.keyedvectors import KeyedVectors

_BLOCK = 1024  # questions scored per matrix product


def _ok_vocab(kv: KeyedVectors, restrict_vocab: int, case_insensitive: bool) -> dict[str, int]:
    keys = kv.index_to_key[:restrict_vocab]
    if case_insensitive:  # reversed: the most frequent variant wins, as in gensim
        return {key.upper(): kv.key_to_index[key] for key in reversed(keys)}
    return {key: kv.key_to_index[key] for key in reversed(keys)}


def _read_lines(path: str | os.PathLike[str], encoding: str = "utf8") -> list[str]:
    try:
        with open(path, encoding=encoding, errors="strict") as handle:
            return handle.read().splitlines()
    except UnicodeDecodeError as error:
        raise LmbasicsError(f"{path}: not valid {encoding} text ({error.reason})") from None


def evaluate_word_analogies(
    kv: KeyedVectors,
    analogies: str | os.PathLike[str],
    restrict_vocab: int = 300000,
    case_insensitive: bool = True,
    dummy4unknown: bool = False,
) -> tuple[float, list[dict[str, Any]]]:
    """Return ``(accuracy, sections)``; each section has ``section``, ``correct``, ``incorrect``.

    The last section is ``Total accuracy``. Accuracy is correct / (correct + incorrect) over the
    questions that were evaluated (0.0 when none were).
    """
    ok_vocab = _ok_vocab(kv, restrict_vocab, case_insensitive)
    sections: list[dict[str, Any]] = []
    questions: list[tuple[int, tuple[str, str, str, str]]] = []  # (section index, words)
    for line_no, raw in enumerate(_read_lines(analogies)):
        if raw.startswith(": "):
            sections.append({"section": raw.lstrip(": ").strip(), "correct": [], "incorrect": []})
            continue
        if not sections:
            raise LmbasicsError(f"{analogies}: missing ': section' header before line {line_no + 1}")
        words = raw.split()
        if len(words) != 4:
            continue  # gensim skips malformed lines
        if case_insensitive:
            words = [w.upper() for w in words]
        quad = (words[0], words[1], words[2], words[3])
        if any(w not in ok_vocab for w in quad):
            if dummy4unknown:
                sections[-1]["incorrect"].append(quad)
            continue
        questions.append((len(sections) - 1, quad))

    if questions:
        unit = kv.get_normed_vectors()[:restrict_vocab]
        kv.fill_norms()
        norms = kv.norms[:restrict_vocab]
        vectors = kv.vectors[:restrict_vocab]
        keys = kv.index_to_key
        for start in range(0, len(questions), _BLOCK):
            block = questions[start : start + _BLOCK]
            index = np.array([[ok_vocab[w] for w in quad[:3]] for _, quad in block])
            means = unit[index[:, 1]] + unit[index[:, 2]] - unit[index[:, 0]]
            means /= 3.0
            lengths = np.linalg.norm(means, axis=1, keepdims=True)
            means = means / np.where(lengths > 0, lengths, 1)
            with np.errstate(invalid="ignore", divide="ignore"):
                scores = (vectors @ means.T) / norms[:, None]  # (restrict_vocab, block)
            scores = np.nan_to_num(scores, nan=-np.inf)
            top = min(8, scores.shape[0])
            candidates = np.argpartition(-scores, top - 1, axis=0)[:top].T  # (block, 8)
            for row, ((section, quad), inputs) in enumerate(zip(block, index)):
                order = candidates[row][np.argsort(-scores[candidates[row], row], kind="stable")]
                ranked = [i for i in order if i not in set(inputs.tolist())][:5]
                ignore = set(quad[:3])
                predicted = None
                for i in ranked:
                    predicted = keys[i].upper() if case_insensitive else keys[i]
                    if predicted in ok_vocab and predicted not in ignore:
                        break
                outcome = "correct" if predicted == quad[3] else "incorrect"
                sections[section][outcome].append(quad)

    total = {
        "section": "Total accuracy",
        "correct": [q for s in sections for q in s["correct"]],
        "incorrect": [q for s in sections for q in s["incorrect"]],
    }
    sections.append(total)
    evaluated = len(total["correct"]) + len(total["incorrect"])
    accuracy = len(total["correct"]) / evaluated if evaluated else 0.0
    return accuracy, sections


def evaluate_word_pairs(
    kv: KeyedVectors,
    pairs: str | os.PathLike[str],
    delimiter: str = "\t",
    encoding: str = "utf8",
    restrict_vocab: int = 300000,
    case_insensitive: bool = True,
    dummy4unknown: bool = False,
) -> tuple[Any, Any, float]:
    """Return scipy's ``(pearsonr, spearmanr, oov_percent)`` for the model's cosine similarities.

    Lines starting with ``#`` are comments; each other line is ``word1<delim>word2<delim>score``.
    """
    ok_vocab = _ok_vocab(kv, restrict_vocab, case_insensitive)
    gold: list[float] = []
    model: list[float] = []
    oov = 0
    for line in _read_lines(pairs, encoding):
        if not line or line.startswith("#"):
            continue
        parts = line.split(delimiter)
        if len(parts) != 3:
            continue
        a, b, score = parts
        if case_insensitive:
            a, b = a.upper(), b.upper()
        try:
            value = float(score)
        except ValueError:
            continue
        if a not in ok_vocab or b not in ok_vocab:
            oov += 1
            if dummy4unknown:
                gold.append(value)
                model.append(0.0)
            continue
        va, vb = kv.vectors[ok_vocab[a]], kv.vectors[ok_vocab[b]]
        gold.append(value)
        model.append(float(np.dot(va / np.linalg.norm(va), vb / np.linalg.norm(vb))))
    if len(gold) < 2:
        raise LmbasicsError(
            f"{pairs}: fewer than 2 usable word pairs (wrong format or all words unknown)"
        )
    spearman = stats.spearmanr(gold, model)
    pearson = stats.pearsonr(gold, model)
    oov_ratio = 100.0 * oov / (len(gold) if dummy4unknown else len(gold) + oov)
    return pearson, spearman, oov_ratio
