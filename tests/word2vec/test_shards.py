"""Data-parallel training without a cluster: shard files, merged counts, rounds, combining."""

from __future__ import annotations

import numpy as np
import pytest

from lmbasics._util.errors import LmbasicsError
from lmbasics.word2vec import Word2Vec, shards, training
from lmbasics.word2vec.corpus import LineSentence
from lmbasics.word2vec.vocab import scan_corpus
from tests.word2vec.helpers import zipf_corpus


def write_shards(root, pieces=3, sentences=150, vocab=60, seed=0):
    """``pieces`` files of Zipf sentences (each a different draw) under ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    paths = []
    for piece in range(pieces):
        corpus = zipf_corpus(sentences=sentences, vocab=vocab, seed=seed + piece)
        path = root / f"part{piece}.txt"
        path.write_text("\n".join(" ".join(sentence) for sentence in corpus) + "\n")
        paths.append(path)
    return paths


def test_shard_files_from_directories_globs_and_lists(tmp_path):
    paths = write_shards(tmp_path / "corpus")
    assert shards.shard_files(tmp_path / "corpus") == paths
    assert shards.shard_files(str(tmp_path / "corpus" / "part*.txt")) == paths
    assert shards.shard_files([paths[2], paths[0]]) == [paths[2], paths[0]]  # the order given
    with pytest.raises(LmbasicsError, match="no corpus file matches"):
        shards.shard_files(str(tmp_path / "corpus" / "*.gz"))
    with pytest.raises(LmbasicsError, match="twice"):
        shards.shard_files([paths[0], paths[0]])
    with pytest.raises(LmbasicsError, match="not found"):
        shards.shard_files(tmp_path / "missing.txt")


def test_merged_shard_counts_equal_one_pass_over_the_concatenation(tmp_path):
    paths = write_shards(tmp_path / "corpus", pieces=4, vocab=80)
    words, counts, corpus = scan_corpus(LineSentence(tmp_path / "corpus"))
    corpus.close()
    counted = [shards.count_shard(path) for path in paths]
    merged_words, merged_counts = shards.merge_counts(counted)
    assert merged_words == words  # first-seen order of the concatenation
    assert np.array_equal(merged_counts, counts)
    assert sum(shard.total_words for shard in counted) == int(counts.sum())


def test_shards_go_to_the_least_loaded_worker():
    # largest first: 9 -> A, 5 -> B, 4 -> B, 3 -> A (a tie goes to the first), 1 -> B
    assert shards.assign_shards([5, 9, 1, 4, 3], 2) == [[1, 4], [0, 2, 3]]
    assert shards.assign_shards([3, 3], 3)[2] == []  # more workers than shards: one idles


def _plans(sizes, job=10):
    """Chunk plans of shards of ``sizes`` tokens in jobs of ``job`` tokens (a sentence each)."""
    plans = []
    for size in sizes:
        starts = list(range(0, size, job))
        plans.append([(s, min(s + job, size), i, i + 1) for i, s in enumerate(starts)])
    return plans


def test_rounds_train_every_job_once_with_its_global_index_and_cluster_position():
    plans = _plans([100, 40, 70])
    assignment = [[0], [1, 2]]
    rounds = shards.plan_rounds(plans, assignment, sync_words=30, epoch=2)
    assert len(rounds) == 4  # ceil(110 / 30): the larger worker's words set the count
    seen = [index for round_ in rounds for parts in round_.parts for part in parts
            for index, _ in part.jobs]
    assert sorted(seen) == list(range(sum(len(plan) for plan in plans)))
    offsets = [0, 10, 14]
    for round_ in rounds:
        for worker, parts in enumerate(round_.parts):
            before = 0
            for part in parts:
                assert part.shard in assignment[worker] and part.before == before
                for index, (start, stop, _, _) in part.jobs:
                    assert plans[part.shard][index - offsets[part.shard]][:2] == (start, stop)
                    before += stop - start
            assert before == round_.words[worker]
    # the cluster's position: epoch 2 starts after two epochs of 210 words, rounds follow on
    assert [round_.base for round_ in rounds] == list(
        np.cumsum([420] + [sum(round_.words) for round_ in rounds[:-1]]))
    assert sum(sum(round_.words) for round_ in rounds) == 210


def test_round_rate_is_the_cluster_schedule():
    """A worker's own share of a round stands for the whole round's progress; with the whole
    round its own (one worker) it is LearningRate exactly."""
    whole = training.LearningRate(0.025, 0.0001, 1000, 200)
    mine = shards.RoundRate(0.025, 0.0001, 1000, base=250, origin=50, cluster=100, own=100)
    assert [mine.at(p) for p in (50, 77, 150)] == [whole.at(p) for p in (50, 77, 150)]
    half = shards.RoundRate(0.025, 0.0001, 1000, base=250, origin=50, cluster=200, own=100)
    assert half.at(100) == pytest.approx(whole.at(150))  # 50 own words = 100 of the cluster's
    assert half.at(150) == pytest.approx(training.LearningRate(0.025, 0.0001, 1000).at(450))


@pytest.mark.parametrize("how", shards.COMBINE)
def test_combine_against_its_formula(how):
    rng = np.random.default_rng(0)
    last = rng.standard_normal((5000, 3)).astype(np.float32)  # more than one block of rows
    copies = [last + rng.standard_normal(last.shape).astype(np.float32) * 0.1 for _ in range(3)]
    expected = (last.astype(np.float64) + sum(c.astype(np.float64) - last for c in copies)
                if how == "sum" else np.mean([c.astype(np.float64) for c in copies], axis=0))
    combined = last.copy()
    shards.combine(combined, copies, how)
    np.testing.assert_allclose(combined, expected, rtol=0, atol=1e-5)
    one = last.copy()
    shards.combine(one, copies[:1], how)
    assert np.array_equal(one, copies[0])  # one worker: its copy, bit for bit
    with pytest.raises(LmbasicsError, match="combine must be"):
        shards.combine(one, copies, "max")


def test_one_shard_trainer_in_rounds_is_one_process_bit_for_bit(tmp_path):
    """The rounds' jobs, seeds and learning rates are a single process's: one worker trained
    round by round, its copy combined each time, ends on the same numbers."""
    (path,) = write_shards(tmp_path / "corpus", pieces=1, sentences=400)
    settings = dict(vector_size=12, min_count=2, workers=1, epochs=2, seed=4, sg=1, batch_words=500,
                    progress=False)
    single = Word2Vec(corpus_file=path, **settings)
    model = Word2Vec(**settings)
    model.build_vocab(corpus_file=path)
    tables = training.Tables(model.keep_probability, model.codes, model.points,
                             model.code_lengths, model.alias_probability, model.alias_index)
    worker = shards.ShardTrainer(model.config.to_dict(), tables, model.wv.index_to_key, {0: path})
    try:
        (total, _, plan), = worker.describe().values()
        matrices = (model.wv.vectors, model.syn1, model.syn1neg)
        rate = training.LearningRate(model.alpha, model.min_alpha, total * 2)
        for epoch in range(2):
            for round_ in shards.plan_rounds([plan], [[0]], sync_words=1500, epoch=epoch):
                result = worker.train_round(tuple(m.copy() for m in matrices), epoch,
                                            round_.parts[0], rate, round_.base,
                                            round_.words[0], round_.words[0], total)
                for matrix, copy in zip(matrices, result.weights):
                    shards.combine(matrix, [copy])
    finally:
        worker.close()
    assert len(plan) > 3
    assert np.array_equal(model.wv.vectors, single.wv.vectors)
    assert np.array_equal(model.syn1neg, single.syn1neg)
