"""Each supported entry of docs/gensim.md behaves as gensim 4's, tested against gensim itself.

Queries run on the same vectors in both libraries (ours loaded into a gensim KeyedVectors or
gensim Word2Vec); vocabulary building runs on the same corpus. Unsupported names raise with the
alternative named.
"""

from __future__ import annotations

import bz2
import dataclasses
import gzip
import io

import gensim.models
import numpy as np
import pytest
from gensim.models.word2vec import LineSentence as GensimLineSentence
from gensim.models.word2vec import PathLineSentences as GensimPathLineSentences

from lmbasics._util.errors import LmbasicsError
from lmbasics.word2vec import KeyedVectors, LineSentence, PathLineSentences, Word2Vec, Word2VecConfig
from lmbasics.word2vec.huffman import build_huffman_tree
from lmbasics.word2vec.sampling import build_alias_table, noise_distribution
from tests.word2vec.helpers import topic_corpus, zipf_corpus

SMALL = dict(vector_size=12, min_count=1, workers=1, epochs=1, seed=3)


@pytest.fixture(scope="module")
def trained():
    return Word2Vec(topic_corpus(sentences=400), vector_size=16, window=3, min_count=1, sg=0,
                    negative=5, workers=1, epochs=3, seed=1)


@pytest.fixture(scope="module")
def pair(trained):
    """Our trained vectors and the same vectors in a gensim KeyedVectors."""
    ours = trained.wv
    theirs = gensim.models.KeyedVectors(ours.vector_size)
    theirs.add_vectors(list(ours.index_to_key), ours.vectors.copy())
    return ours, theirs


def _vocab(wv):
    return {key: int(wv.get_vecattr(key, "count")) for key in wv.index_to_key}


# ---------------------------------------------------------------------- Word2Vec settings
def test_every_setting_is_an_attribute_that_writes_through():
    model = Word2Vec(**SMALL)
    for field in dataclasses.fields(Word2VecConfig):
        assert field.name in vars(Word2Vec)  # a descriptor: no setting can be a plain attribute
        if field.name != "alpha":  # alpha reads as the resolved rate (None -> 0.05 for CBOW)
            assert getattr(model, field.name) == getattr(model.config, field.name)
    assert model.alpha == model.config.resolved_alpha
    model.window, model.alpha, model.epochs = 2, 0.01, 7
    assert (model.config.window, model.config.alpha, model.config.epochs) == (2, 0.01, 7)
    assert "window" not in model.__dict__


@pytest.mark.parametrize("setting", [
    dict(window=2), dict(sg=1), dict(alpha=0.01), dict(min_alpha=0.001), dict(negative=2),
    dict(sample=1e-2), dict(ns_exponent=0.5), dict(epochs=2), dict(cbow_mean=0), dict(seed=9),
    dict(compute_loss=False), dict(shared_negatives=False, sg=1),
], ids=lambda s: "-".join(s))
def test_a_setting_assigned_after_build_vocab_takes_effect(setting):
    corpus = zipf_corpus(sentences=80)
    assigned = Word2Vec(**SMALL)
    assigned.build_vocab(corpus)
    for name, value in setting.items():
        setattr(assigned, name, value)
    if "seed" in setting:  # the initial vectors were drawn by build_vocab: redraw them
        assigned.init_weights()
    assigned.train(corpus)
    built = Word2Vec(corpus, **{**SMALL, **setting})
    np.testing.assert_array_equal(assigned.wv.vectors, built.wv.vectors)
    assert assigned.loss_history == built.loss_history


def test_settings_are_validated_and_computed_values_are_read_only():
    model = Word2Vec(zipf_corpus(sentences=40), **SMALL)
    for name, value in [("window", 0), ("window", "3"), ("alpha", -1.0), ("vector_size", True)]:
        with pytest.raises(LmbasicsError, match=name):
            setattr(model, name, value)
    both = Word2Vec(zipf_corpus(sentences=40), hs=1, **SMALL)
    for target, name, value in [(model, "vector_size", 20), (model, "hs", 1), (both, "negative", 0)]:
        with pytest.raises(LmbasicsError, match="build a new model"):
            setattr(target, name, value)
    both.negative = 3  # still on: the output matrix keeps its shape
    for name in ("corpus_count", "corpus_total_words", "config", "effective_min_count",
                 "raw_vocab", "train_count", "total_train_time"):
        with pytest.raises(AttributeError, match="read-only"):
            setattr(model, name, 1)
    assert model.config.window == SMALL.get("window", 5)


def test_gensim_settings_with_one_implemented_value():
    model = Word2Vec(sorted_vocab=1, shrink_windows=True, null_word=0, max_vocab_size=None, **SMALL)
    assert (model.sorted_vocab, model.shrink_windows, model.null_word) == (1, True, 0)
    model.shrink_windows = True
    for name, value, alternative in [("shrink_windows", False, "reduced window"),
                                     ("max_vocab_size", 1000, "max_final_vocab"),
                                     ("null_word", 1, "padding"), ("sorted_vocab", 0, "sorted")]:
        with pytest.raises(LmbasicsError, match=alternative):
            Word2Vec(**{name: value}, **SMALL)
        with pytest.raises(LmbasicsError, match=alternative):
            setattr(model, name, value)


@pytest.mark.parametrize("name, alternative", [
    ("running_training_loss", "loss_history"), ("cum_table", "alias"), ("score", "loss_history"),
    ("scan_vocab", "build_vocab"), ("reset_from", "build_vocab"),
])
def test_unsupported_model_names_raise_naming_the_alternative(name, alternative):
    with pytest.raises(AttributeError, match=alternative):
        getattr(Word2Vec(**SMALL), name)


# ---------------------------------------------------------------------- vocabulary
def _gensim_model(**settings):
    settings = {**dict(vector_size=12, min_count=1, workers=1, seed=3), **settings}
    return gensim.models.Word2Vec(**settings)


def test_corpus_count_and_total_words_equal_gensim():
    corpus = zipf_corpus(sentences=90, length=7)
    ours, theirs = Word2Vec(**SMALL), _gensim_model()
    ours.build_vocab(corpus)
    theirs.build_vocab(corpus)
    assert (ours.corpus_count, ours.corpus_total_words) == (theirs.corpus_count,
                                                             theirs.corpus_total_words)


@pytest.mark.parametrize("settings", [dict(min_count=3), dict(min_count=1, max_final_vocab=15)])
def test_build_vocab_keeps_gensims_words_and_counts(settings):
    corpus = zipf_corpus(sentences=120)
    ours, theirs = Word2Vec(**{**SMALL, **settings}), _gensim_model(**settings)
    ours.build_vocab(corpus, keep_raw_vocab=True)
    theirs.build_vocab(corpus, keep_raw_vocab=True)
    assert _vocab(ours.wv) == _vocab(theirs.wv)
    assert ours.effective_min_count == theirs.effective_min_count
    assert ours.raw_vocab == dict(theirs.raw_vocab)
    counts = [ours.wv.get_vecattr(key, "count") for key in ours.wv.index_to_key]
    assert counts == sorted(counts, reverse=True)


def test_trim_rule_as_gensim():
    def rule(word, count, min_count):
        return 2 if word.endswith("7") else (1 if word == "w0" else 0)  # keep / discard / default

    corpus = zipf_corpus(sentences=60)
    ours, theirs = Word2Vec(**{**SMALL, "min_count": 4}), _gensim_model(min_count=4)
    ours.build_vocab(corpus, trim_rule=rule)
    theirs.build_vocab(corpus, trim_rule=rule)
    assert _vocab(ours.wv) == _vocab(theirs.wv)
    built = Word2Vec(corpus, trim_rule=rule, **{**SMALL, "min_count": 4})
    assert _vocab(built.wv) == _vocab(ours.wv)


def test_build_vocab_from_freq_as_gensim():
    freq = {"apple": 9, "pear": 4, "fig": 1, "kiwi": 6, "plum": 2}
    ours, theirs = Word2Vec(**{**SMALL, "min_count": 2}), _gensim_model(min_count=2)
    ours.build_vocab_from_freq(freq, corpus_count=11)
    theirs.build_vocab_from_freq(freq, corpus_count=11)
    assert ours.wv.index_to_key == theirs.wv.index_to_key
    assert _vocab(ours.wv) == _vocab(theirs.wv) and ours.corpus_count == theirs.corpus_count == 11
    sentences = [["apple", "kiwi", "pear"], ["kiwi", "apple", "plum"]] * 5
    ours.train(sentences)
    assert ours.corpus_count == 11 and ours.loss_history
    with pytest.raises(LmbasicsError, match="counts"):
        Word2Vec(**SMALL).build_vocab_from_freq({"a": -1})


@pytest.mark.parametrize("mode", [dict(negative=5), dict(hs=1, negative=0)], ids=["ns", "hs"])
def test_build_vocab_update_grows_like_gensim_and_keeps_old_vectors(mode):
    first = zipf_corpus(sentences=100, vocab=30, seed=1)
    second = [[*s, f"new{i % 9}", f"new{i * 4 % 9}"]
              for i, s in enumerate(zipf_corpus(sentences=60, vocab=50, seed=2))]
    ours = Word2Vec(first, **{**SMALL, "min_count": 2, **mode})
    theirs = _gensim_model(min_count=2, **mode)
    theirs.build_vocab(first)
    old_keys, old_vectors = list(ours.wv.index_to_key), ours.wv.vectors.copy()
    old_output = (ours.syn1 if mode.get("hs") else ours.syn1neg).copy()
    ours.build_vocab(second, update=True)
    theirs.build_vocab(second, update=True)
    assert _vocab(ours.wv) == _vocab(theirs.wv)
    new_keys = ours.wv.index_to_key[len(old_keys):]
    assert ours.wv.index_to_key[: len(old_keys)] == old_keys
    assert new_keys == theirs.wv.index_to_key[len(old_keys):]  # first-seen order, as gensim
    np.testing.assert_array_equal(ours.wv.vectors[: len(old_keys)], old_vectors)
    output = ours.syn1 if mode.get("hs") else ours.syn1neg
    np.testing.assert_array_equal(output[: len(old_output)], old_output)
    assert len(output) == (len(ours.wv) - 1 if mode.get("hs") else len(ours.wv))
    assert ours.corpus_count == theirs.corpus_count == len(second)
    counts = ours.wv.counts
    if mode.get("hs"):  # the tree is rebuilt over all words: same optimal cost as gensim's
        cost = int(np.sum(counts * ours.code_lengths))
        gensim_lengths = [len(theirs.wv.get_vecattr(k, "code")) for k in ours.wv.index_to_key]
        assert cost == int(np.sum(counts * np.array(gensim_lengths)))
        order = np.argsort(-counts, kind="stable")
        np.testing.assert_array_equal(ours.codes[order], build_huffman_tree(counts[order]).codes)
    else:
        table = build_alias_table(noise_distribution(counts, 0.75))
        np.testing.assert_array_equal(ours.alias_probability, table.probability)
    before = ours.wv.vectors.copy()
    ours.train(second, total_examples=ours.corpus_count, epochs=ours.epochs)
    assert not np.array_equal(ours.wv.vectors[len(old_keys):], before[len(old_keys):])
    with pytest.raises(LmbasicsError, match="without update"):
        Word2Vec(**SMALL).build_vocab(first, update=True)


# ---------------------------------------------------------------------- training
def test_train_sets_epochs_and_learning_rates_as_gensim():
    corpus = zipf_corpus(sentences=50)
    ours, theirs = Word2Vec(**SMALL), _gensim_model()
    for model in (ours, theirs):
        model.build_vocab(corpus)
        model.train(corpus, total_examples=model.corpus_count, epochs=2, start_alpha=0.03,
                    end_alpha=0.002)
    assert (ours.epochs, ours.alpha, ours.min_alpha) == (theirs.epochs, theirs.alpha,
                                                         theirs.min_alpha)
    assert ours.train_count == theirs.train_count == 1
    with pytest.raises(LmbasicsError, match="unknown train argument"):
        ours.train(corpus, total_sentences=3)


def test_callbacks_are_called_as_gensim_calls_them():
    class Recorder:
        def __init__(self):
            self.calls = []

        def __getattr__(self, name):
            if name.startswith("on_"):
                return lambda model: self.calls.append((name, len(model.wv)))
            raise AttributeError(name)

    corpus = zipf_corpus(sentences=40)
    ours, theirs = Recorder(), Recorder()
    Word2Vec(corpus, callbacks=[ours], **{**SMALL, "epochs": 2})
    gensim.models.Word2Vec(corpus, callbacks=[theirs], vector_size=12, min_count=1, workers=1,
                           epochs=2)
    assert ours.calls == theirs.calls


def test_estimate_memory_as_gensim():
    ours, theirs = Word2Vec(**SMALL), _gensim_model()
    for model in (ours, theirs):
        model.build_vocab(zipf_corpus(sentences=40))
    report, expected = ours.estimate_memory(), theirs.estimate_memory()
    assert report["vectors"] == expected["vectors"] and report["syn1neg"] == expected["syn1neg"]


def test_init_weights_restarts_from_the_seeded_start():
    corpus = zipf_corpus(sentences=40)
    model = Word2Vec(corpus, **SMALL)
    fresh = Word2Vec(**SMALL)
    fresh.build_vocab(corpus)
    model.init_weights()
    np.testing.assert_array_equal(model.wv.vectors, fresh.wv.vectors)
    assert not model.syn1neg.any()


# ---------------------------------------------------------------------- predict_output_word
def test_predict_output_word_equals_gensim_on_the_same_weights(trained):
    theirs = _gensim_model(vector_size=16, negative=5, cbow_mean=1)
    theirs.build_vocab_from_freq(dict(zip(trained.wv.index_to_key, trained.wv.counts.tolist())))
    theirs.wv.index_to_key = list(trained.wv.index_to_key)  # gensim orders ties the other way
    theirs.wv.key_to_index = dict(trained.wv.key_to_index)
    theirs.wv.vectors[:] = trained.wv.vectors
    theirs.syn1neg[:] = trained.syn1neg
    context = ["t0w1", "t0w2", "unknown", "t0w5"]
    ours_top = trained.predict_output_word(context, topn=6)
    theirs_top = theirs.predict_output_word(context, topn=6)
    assert [w for w, _ in ours_top] == [w for w, _ in theirs_top]
    np.testing.assert_allclose([p for _, p in ours_top], [p for _, p in theirs_top], rtol=1e-4)
    assert trained.predict_output_word(["unknown"]) is None


@pytest.mark.parametrize("mode", [dict(hs=1, negative=0), dict(softmax=1, negative=0)],
                         ids=["hs", "softmax"])
def test_predict_output_word_is_the_networks_distribution(mode):
    model = Word2Vec(topic_corpus(sentences=200), **{**SMALL, "epochs": 2, **mode})
    context = ["t1w1", "t1w3"]
    probabilities = dict(model.predict_output_word(context, topn=len(model.wv)))
    assert sum(probabilities.values()) == pytest.approx(1.0, abs=1e-6)
    hidden = model.wv[context].mean(axis=0).astype(np.float64)
    for word in ("t1w2", "t2w2"):  # slow twin: the product of sigmoids / the softmax term
        index = model.wv.get_index(word)
        if mode.get("hs"):
            expected = 1.0
            for d in range(model.code_lengths[index]):
                x = float(model.syn1[model.points[index, d]] @ hidden)
                expected *= 1 / (1 + np.exp(-x)) if model.codes[index, d] == 0 else 1 / (1 + np.exp(x))
        else:
            scores = model.syn1neg.astype(np.float64) @ hidden
            expected = np.exp(scores[index]) / np.exp(scores).sum()
        assert probabilities[word] == pytest.approx(expected, rel=1e-6)


# ---------------------------------------------------------------------- KeyedVectors
def test_distances_and_cosine_similarities_equal_gensim(pair):
    ours, theirs = pair
    np.testing.assert_allclose(ours.distances("t0w1", ["t0w2", "t3w4"]),
                               theirs.distances("t0w1", ["t0w2", "t3w4"]), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours.distances(ours["t2w2"]), theirs.distances(theirs["t2w2"]),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(KeyedVectors.cosine_similarities(ours["t0w0"], ours.vectors),
                               theirs.cosine_similarities(theirs["t0w0"], theirs.vectors), rtol=1e-5)
    with pytest.raises(KeyError):
        ours.distances("t0w1", ["nope"])


def test_small_queries_equal_gensim(pair):
    ours, theirs = pair
    keys = ["t1w1", "t0w3", "t2w2"]
    assert ours.most_similar_to_given("t0w1", keys) == theirs.most_similar_to_given("t0w1", keys)
    assert ours.relative_cosine_similarity("t0w1", "t0w2", topn=5) == pytest.approx(
        theirs.relative_cosine_similarity("t0w1", "t0w2", topn=5), rel=1e-5)
    with pytest.warns(DeprecationWarning):  # gensim 4 deprecates the alias
        expected = theirs.words_closer_than("t0w1", "t2w2")
    assert ours.words_closer_than("t0w1", "t2w2") == expected
    assert ours.closer_than("t0w1", "t2w2") == theirs.closer_than("t0w1", "t2w2")
    assert ours.rank("t0w1", "t2w2") == theirs.rank("t0w1", "t2w2")
    words = ["t0w1", "t0w2", "t0w3", "t3w1", "missing"]
    ranked, expected = ours.rank_by_centrality(words), theirs.rank_by_centrality(words)
    assert [w for _, w in ranked] == [w for _, w in expected]
    np.testing.assert_allclose([d for d, _ in ranked], [d for d, _ in expected], rtol=1e-5)
    np.testing.assert_allclose(ours.get_mean_vector(["t0w1", "t1w2"], weights=[1, 3]),
                               theirs.get_mean_vector(["t0w1", "t1w2"], weights=[1, 3]), rtol=1e-5)
    ours_similar = ours.similar_by_word("t0w1", topn=3)
    theirs_similar = theirs.similar_by_word("t0w1", topn=3)
    assert [word for word, _ in ours_similar] == [word for word, _ in theirs_similar]
    np.testing.assert_allclose([score for _, score in ours_similar],
                               [score for _, score in theirs_similar], rtol=1e-6)


def test_integer_keys_are_indices_as_in_gensim(pair):
    ours, theirs = pair
    assert ours.get_index(3) == theirs.get_index(3) == 3
    np.testing.assert_array_equal(ours[3], theirs[3])
    assert (3 in ours, len(ours) in ours) == (3 in theirs, len(theirs) in theirs)
    with pytest.raises(KeyError):
        ours.get_index(len(ours))


def _editable_pair():
    words = ["a", "b", "c", "d"]
    vectors = np.random.default_rng(4).standard_normal((4, 5)).astype(np.float32)
    theirs = gensim.models.KeyedVectors(5)
    theirs.add_vectors(words, vectors)
    return KeyedVectors.from_arrays(words, vectors), theirs


def test_adding_and_replacing_vectors_as_gensim():
    ours, theirs = _editable_pair()
    new = np.ones((2, 5), np.float32)
    for kv in (ours, theirs):
        kv.add_vectors(["b", "e"], new)  # "b" present: left alone without replace
        kv["c"] = np.full(5, 2.0, np.float32)
        kv[["d", "f"]] = np.full((2, 5), 3.0, np.float32)
    assert ours.index_to_key == theirs.index_to_key
    np.testing.assert_array_equal(ours.vectors, theirs.vectors)
    with pytest.warns(UserWarning):  # gensim warns about growing one by one
        expected = theirs.add_vector("g", np.zeros(5, np.float32))
    assert ours.add_vector("g", np.zeros(5, np.float32)) == expected
    ours.set_vecattr("a", "count", 42)
    theirs.set_vecattr("a", "count", 42)
    assert ours.get_vecattr("a", "count") == theirs.get_vecattr("a", "count") == 42


def test_reordering_and_resizing_as_gensim():
    ours, theirs = _editable_pair()
    for kv in (ours, theirs):
        for key, count in zip("abcd", [3, 7, 3, 1]):
            kv.set_vecattr(key, "count", count)
    ours.sort_by_descending_frequency()
    theirs.sort_by_descending_frequency()
    assert ours.index_to_key == theirs.index_to_key  # ties: the later key first, as gensim
    np.testing.assert_array_equal(ours.vectors, theirs.vectors)
    subset_ours, subset_theirs = (kv.vectors_for_all(["c", "zz", "a", "c"], copy_vecattrs=True)
                                  for kv in (ours, theirs))
    assert subset_ours.index_to_key == subset_theirs.index_to_key
    np.testing.assert_array_equal(subset_ours.vectors, subset_theirs.vectors)
    assert _vocab(subset_ours) == _vocab(subset_theirs)
    for kv in (ours, theirs):
        kv.index_to_key.append("extra")
        kv.resize_vectors(seed=5)
    np.testing.assert_array_equal(ours.vectors, theirs.vectors)
    for kv in (ours, theirs):
        kv.unit_normalize_all()
    np.testing.assert_allclose(ours.vectors, theirs.vectors, rtol=1e-6)


@pytest.mark.parametrize("name, alternative", [
    ("vocab", "key_to_index"), ("index2word", "index_to_key"), ("vectors_norm", "get_normed"),
    ("wmdistance", "optimal-transport"), ("intersect_word2vec_format", "load_word2vec_format"),
])
def test_unsupported_keyedvectors_names_raise_naming_the_alternative(pair, name, alternative):
    with pytest.raises(AttributeError, match=alternative):
        getattr(pair[0], name)


def test_query_arguments_gensim_has_and_we_do_not(pair, tmp_path):
    with pytest.raises(LmbasicsError, match="exact"):
        pair[0].most_similar("t0w1", indexer=object())
    with pytest.raises(LmbasicsError, match="most_similar"):
        pair[0].evaluate_word_analogies(tmp_path / "x.txt", similarity_function="most_similar_cosmul")


# ---------------------------------------------------------------------- corpus readers
LINES = ["the cat sat", "", "on the   mat today", "x " * 25, "é ü ß"]


@pytest.mark.parametrize("compress", [None, "gz", "bz2"])
@pytest.mark.parametrize("options", [dict(), dict(limit=3), dict(max_sentence_length=4)])
def test_line_sentence_reads_as_gensim(tmp_path, compress, options):
    data = ("\n".join(LINES) + "\n").encode()
    path = tmp_path / f"corpus.txt{'.' + compress if compress else ''}"
    path.write_bytes({None: data, "gz": gzip.compress(data) if compress == "gz" else b"",
                      "bz2": bz2.compress(data)}[compress])
    assert list(LineSentence(path, **options)) == list(GensimLineSentence(str(path), **options))
    for handle in (io.BytesIO(data), io.StringIO(data.decode())):
        assert list(LineSentence(handle, **options)) == list(GensimLineSentence(handle, **options))


def test_path_line_sentences_reads_as_gensim(tmp_path):
    for name in ("b.txt", "a.txt", "c.txt"):
        (tmp_path / name).write_text("\n".join(f"{name} line {i}" for i in range(5)) + "\n")
    for options in (dict(), dict(limit=2), dict(max_sentence_length=2)):
        ours = list(PathLineSentences(tmp_path, **options))
        assert ours == list(GensimPathLineSentences(str(tmp_path), **options))
    assert PathLineSentences(tmp_path).input_files == GensimPathLineSentences(str(tmp_path)).input_files
    with pytest.raises(LmbasicsError, match="limit"):
        LineSentence(tmp_path, limit=-1)


def test_replaced_arrays_that_no_longer_fit_are_refused_before_the_kernels(tmp_path):
    corpus = zipf_corpus(sentences=40)
    model = Word2Vec(corpus, **SMALL)
    model.syn1neg = model.syn1neg[:-1]  # a row short: the kernel would read past its end
    with pytest.raises(LmbasicsError, match="build_vocab again"):
        model.train(corpus)
    model = Word2Vec(corpus, **SMALL)
    model.wv = KeyedVectors.from_arrays(["a"], np.zeros((1, 12), np.float32))
    with pytest.raises(LmbasicsError, match="no longer match"):
        model.train(corpus)


def test_corpus_count_survives_save_and_load(tmp_path):
    model = Word2Vec(zipf_corpus(sentences=33), **SMALL)
    model.save(tmp_path / "m.npz")
    assert Word2Vec.load(tmp_path / "m.npz").corpus_count == 33
