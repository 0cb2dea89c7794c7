"""An everyday gensim 4 script runs step by step with gensim and with lmbasics, unchanged.

The script is written once against gensim's names; each run gets its classes from one library
(``from gensim.models import ...`` or ``from lmbasics import ...``). Every step must work in
both, and where a step's answer is an invariant of the API (types, sizes, membership, counts)
both libraries must give the same.
"""

from __future__ import annotations

import numbers

import gensim.models
import gensim.models.callbacks
import pytest

import lmbasics
from tests.word2vec.helpers import topic_corpus


def _libraries():
    return {
        "gensim": dict(Word2Vec=gensim.models.Word2Vec, KeyedVectors=gensim.models.KeyedVectors,
                       LineSentence=gensim.models.word2vec.LineSentence,
                       PathLineSentences=gensim.models.word2vec.PathLineSentences,
                       CallbackAny2Vec=gensim.models.callbacks.CallbackAny2Vec),
        "lmbasics": dict(Word2Vec=lmbasics.Word2Vec, KeyedVectors=lmbasics.KeyedVectors,
                         LineSentence=lmbasics.LineSentence,
                         PathLineSentences=lmbasics.PathLineSentences,
                         CallbackAny2Vec=lmbasics.CallbackAny2Vec),
    }


def _is_real(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def everyday_script(lib: dict, tmp_path) -> dict:
    """A gensim 4 user's script; returns what each step produced (by step name)."""
    Word2Vec, KeyedVectors, LineSentence = lib["Word2Vec"], lib["KeyedVectors"], lib["LineSentence"]
    out: dict = {}
    texts = topic_corpus(sentences=600, seed=2)
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(" ".join(sentence) for sentence in texts) + "\n")

    class EpochLogger(lib["CallbackAny2Vec"]):
        def __init__(self):
            self.events = []

        def on_train_begin(self, model):
            self.events.append("train_begin")

        def on_epoch_begin(self, model):
            self.events.append("epoch_begin")

        def on_epoch_end(self, model):
            self.events.append("epoch_end")

        def on_train_end(self, model):
            self.events.append("train_end")

    model = Word2Vec(vector_size=16, window=3, min_count=2, workers=1, seed=1, sg=1)
    model.build_vocab(texts)
    out["corpus_count"] = model.corpus_count
    out["corpus_total_words"] = model.corpus_total_words
    logger = EpochLogger()
    model.train(texts, total_examples=model.corpus_count, epochs=3, callbacks=[logger])
    out["callbacks"] = logger.events
    out["epochs_after_train"] = model.epochs
    model.train(texts, total_examples=model.corpus_count, epochs=model.epochs,
                start_alpha=model.alpha, end_alpha=model.min_alpha)
    model.window = 4
    out["window"] = model.window
    model.alpha = 0.02
    out["alpha"] = model.alpha
    wv = model.wv
    out["len"] = len(wv)
    out["in"] = ("t0w1" in wv, "nope" in wv)
    out["vector_shape"] = wv["t0w1"].shape
    out["vectors_shape"] = wv.vectors.shape
    out["index_to_key_set"] = sorted(wv.index_to_key)
    out["key_to_index_consistent"] = all(wv.key_to_index[k] == i for i, k in enumerate(wv.index_to_key))
    out["count"] = wv.get_vecattr("t0w1", "count")
    similar = wv.most_similar("t0w1", topn=5)
    out["most_similar"] = (len(similar), type(similar[0][0]), type(similar[0][1]))
    out["analogy"] = len(wv.most_similar(positive=["t0w1", "t1w2"], negative=["t2w3"], topn=3))
    out["cosmul"] = len(wv.most_similar_cosmul(positive=["t0w1", "t1w2"], negative=["t2w3"], topn=3))
    out["similarity"] = _is_real(wv.similarity("t0w1", "t0w2"))
    out["n_similarity"] = _is_real(wv.n_similarity(["t0w1", "t0w2"], ["t1w1"]))
    odd = ["t0w1", "t0w2", "t0w3", "t1w1"]
    out["doesnt_match"] = wv.doesnt_match(odd) in odd
    out["distance"] = _is_real(wv.distance("t0w1", "t1w1"))
    out["distances"] = wv.distances("t0w1", ["t0w2", "t1w1"]).shape
    out["similar_by_vector"] = len(wv.similar_by_vector(wv["t0w1"], topn=4))
    out["rank"] = type(wv.rank("t0w1", "t0w2"))
    out["predict"] = len(model.predict_output_word(["t0w1", "t0w2"], topn=4))
    with pytest.raises(KeyError):
        wv["not-a-word"]
    out["keyerror"] = True
    model.save(str(tmp_path / "w2v.model"))
    loaded = Word2Vec.load(str(tmp_path / "w2v.model"))
    out["load_same_vectors"] = bool((loaded.wv["t0w1"] == wv["t0w1"]).all())
    loaded.train(texts, total_examples=loaded.corpus_count, epochs=1)
    out["continue_training"] = True
    wv.save_word2vec_format(str(tmp_path / "vectors.txt"))
    text_kv = KeyedVectors.load_word2vec_format(str(tmp_path / "vectors.txt"))
    out["word2vec_format"] = sorted(text_kv.index_to_key) == sorted(wv.index_to_key)
    wv.save(str(tmp_path / "vectors.kv"))
    out["kv_load"] = len(KeyedVectors.load(str(tmp_path / "vectors.kv")))
    out["line_sentence"] = sum(1 for _ in LineSentence(str(path)))
    out["line_sentence_limit"] = sum(1 for _ in LineSentence(str(path), limit=10))
    out["path_line_sentences"] = sum(1 for _ in lib["PathLineSentences"](str(tmp_path / "corpus.txt")))
    from_file = Word2Vec(corpus_file=str(path), vector_size=8, min_count=2, workers=1, epochs=1)
    out["corpus_file"] = len(from_file.wv)
    grown = Word2Vec(texts[:300], vector_size=8, min_count=2, workers=1, epochs=1)
    before = len(grown.wv)
    more = [[f"new{i % 7}", "t0w1", f"new{(i + 1) % 7}"] for i in range(40)]
    grown.build_vocab(more, update=True)
    grown.train(more, total_examples=grown.corpus_count, epochs=grown.epochs)
    out["update_vocab"] = len(grown.wv) - before
    trimmed = Word2Vec(texts, vector_size=8, min_count=1, workers=1, epochs=1,
                       trim_rule=lambda word, count, min_count: 1 if word.startswith("t3") else 0)
    out["trim_rule"] = sorted(trimmed.wv.index_to_key) == sorted(
        w for w in {t for s in texts for t in s} if not w.startswith("t3"))
    freq = Word2Vec(vector_size=8, min_count=1, workers=1)
    freq.build_vocab_from_freq({"a": 5, "b": 3, "c": 1}, corpus_count=2)
    out["build_vocab_from_freq"] = (sorted(freq.wv.index_to_key), freq.corpus_count)
    return out


def test_the_everyday_gensim_script_runs_the_same_with_lmbasics(tmp_path):
    results = {}
    for name, lib in _libraries().items():
        (tmp_path / name).mkdir()
        results[name] = everyday_script(lib, tmp_path / name)
    theirs, ours = results["gensim"], results["lmbasics"]
    assert list(ours) == list(theirs)  # every step ran in both
    differing = {step: (theirs[step], ours[step]) for step in theirs if theirs[step] != ours[step]}
    assert not differing
