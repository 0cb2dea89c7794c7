"""KeyedVectors queries and evaluation give gensim's answers on the same vectors."""

from __future__ import annotations

import numpy as np
import pytest
from gensim.models import KeyedVectors as GensimKeyedVectors

from lmbasics._util.errors import LmbasicsError, UnknownWordError
from lmbasics.word2vec import KeyedVectors

rng = np.random.default_rng(0)
WORDS = [f"w{i}" for i in range(300)] + ["W1", "Paris", "paris"]
VECTORS = rng.standard_normal((len(WORDS), 20)).astype(np.float32)


@pytest.fixture(scope="module")
def pair():
    ours = KeyedVectors.from_arrays(WORDS, VECTORS)
    theirs = GensimKeyedVectors(20)
    theirs.add_vectors(WORDS, VECTORS)
    return ours, theirs


def _same_ranking(a, b):
    assert [w for w, _ in a] == [w for w, _ in b]
    np.testing.assert_allclose([s for _, s in a], [s for _, s in b], rtol=1e-5, atol=1e-6)


def test_lookup_basics(pair):
    ours, _ = pair
    assert len(ours) == len(WORDS) and "w3" in ours and "nope" not in ours
    assert ours.key_to_index["w3"] == 3 and ours.index_to_key[3] == "w3"
    np.testing.assert_array_equal(ours["w3"], VECTORS[3])
    assert ours[["w1", "w2"]].shape == (2, 20)
    with pytest.raises(UnknownWordError, match="nope"):
        ours["nope"]
    with pytest.raises(KeyError):  # gensim users catch KeyError
        ours.most_similar("nope")


def test_queries_equal_gensim(pair):
    ours, theirs = pair
    _same_ranking(ours.most_similar("w5", topn=10), theirs.most_similar("w5", topn=10))
    _same_ranking(ours.most_similar(positive=["w1", "w2"], negative=["w3"], topn=7),
                  theirs.most_similar(positive=["w1", "w2"], negative=["w3"], topn=7))
    _same_ranking(ours.most_similar("w5", topn=5, restrict_vocab=100),
                  theirs.most_similar("w5", topn=5, restrict_vocab=100))
    _same_ranking(ours.most_similar_cosmul(positive=["w1", "w2"], negative=["w3"]),
                  theirs.most_similar_cosmul(positive=["w1", "w2"], negative=["w3"]))
    _same_ranking(ours.similar_by_vector(VECTORS[7], topn=4),
                  theirs.similar_by_vector(VECTORS[7], topn=4))
    assert ours.similarity("w1", "w2") == pytest.approx(theirs.similarity("w1", "w2"), abs=1e-6)
    assert ours.n_similarity(["w1", "w4"], ["w2"]) == pytest.approx(
        theirs.n_similarity(["w1", "w4"], ["w2"]), abs=1e-6)
    words = ["w1", "w2", "w3", "w4", "w200"]
    assert ours.doesnt_match(words) == theirs.doesnt_match(words)
    np.testing.assert_allclose(ours.most_similar("w9", topn=None),
                               theirs.most_similar("w9", topn=None), rtol=1e-5, atol=1e-6)
    assert ours.most_similar("w1", topn=0) == []
    assert len(ours.most_similar("w1", topn=10**9)) == len(WORDS) - 1


def test_query_errors(pair):
    ours, _ = pair
    with pytest.raises(LmbasicsError):
        ours.most_similar()
    with pytest.raises(LmbasicsError):
        ours.most_similar("w1", topn="ten")
    with pytest.raises(LmbasicsError):
        ours.doesnt_match(["zz", "yy"])


def _write_analogies(path, ours):
    lines = [": first-section"]
    rng_q = np.random.default_rng(1)
    for _ in range(150):
        a, b, c, d = rng_q.choice(300, 4, replace=False)
        lines.append(f"w{a} w{b} w{c} w{d}")
    # make some answerable exactly: d = the model's own top answer
    for _ in range(60):
        a, b, c = rng_q.choice(300, 3, replace=False)
        best = ours.most_similar(positive=[f"w{b}", f"w{c}"], negative=[f"w{a}"], topn=1)[0][0]
        lines.append(f"w{a} w{b} w{c} {best}")
    lines += [": second", "W1 w2 w3 w4", "paris w1 w2 w3", "w1 w2 unknown w3", "malformed line"]
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize("restrict_vocab", [300000, 150])
@pytest.mark.parametrize("case_insensitive", [True, False])
def test_evaluate_word_analogies_equals_gensim(pair, tmp_path, restrict_vocab, case_insensitive):
    ours, theirs = pair
    path = tmp_path / "questions.txt"
    _write_analogies(path, ours)
    score, sections = ours.evaluate_word_analogies(path, restrict_vocab, case_insensitive)
    g_score, g_sections = theirs.evaluate_word_analogies(str(path), restrict_vocab,
                                                         case_insensitive)
    assert score == pytest.approx(g_score)
    assert [(s["section"], s["correct"], s["incorrect"]) for s in sections] == [
        (s["section"], s["correct"], s["incorrect"]) for s in g_sections]
    assert score > 0.2


def test_evaluate_word_pairs_equals_gensim(pair, tmp_path):
    ours, theirs = pair
    path = tmp_path / "pairs.tsv"
    rows = ["# comment", "# another"]
    rng_p = np.random.default_rng(2)
    for _ in range(80):
        a, b = rng_p.choice(300, 2, replace=False)
        rows.append(f"w{a}\tw{b}\t{rng_p.uniform(0, 10):.2f}")
    rows += ["w1\tunknown\t5.0", "PARIS\tw1\t3.0"]
    path.write_text("\n".join(rows) + "\n")
    pearson, spearman, oov = ours.evaluate_word_pairs(path)
    g_pearson, g_spearman, g_oov = theirs.evaluate_word_pairs(str(path))
    assert spearman.statistic == pytest.approx(g_spearman.statistic, abs=1e-9)
    assert pearson.statistic == pytest.approx(g_pearson.statistic, abs=1e-6)
    assert oov == pytest.approx(g_oov)


def test_evaluation_file_errors(pair, tmp_path):
    ours, _ = pair
    bad = tmp_path / "q.txt"
    bad.write_text("w1 w2 w3 w4\n")
    with pytest.raises(LmbasicsError, match="header"):
        ours.evaluate_word_analogies(bad)
    empty = tmp_path / "p.tsv"
    empty.write_text("# nothing\n")
    with pytest.raises(LmbasicsError, match="fewer than 2"):
        ours.evaluate_word_pairs(empty)
