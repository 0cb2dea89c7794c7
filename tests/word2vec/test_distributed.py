"""word2vec on a local Ray cluster (2 CPUs): counting, training in rounds, a worker that dies.

One cluster for the module (starting Ray takes seconds); each run starts its own workers.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

import lmbasics
from lmbasics._util.errors import LmbasicsError
from lmbasics.cli import main
from lmbasics.word2vec import Word2Vec, shards
from tests.word2vec.test_shards import write_shards

ray = pytest.importorskip("ray")
distributed = pytest.importorskip("lmbasics.word2vec.distributed")

SETTINGS = dict(vector_size=12, min_count=2, workers=1, epochs=2, seed=7, sg=1, batch_words=400,
                progress=False)


@pytest.fixture(scope="module")
def cluster():
    # the workers import this lmbasics, whatever directory Ray starts them in
    source = str(Path(lmbasics.__file__).resolve().parents[1])
    path = os.pathsep.join(filter(None, [source, os.environ.get("PYTHONPATH")]))
    ray.init(num_cpus=2, include_dashboard=False, object_store_memory=80 * 2**20,
             log_to_driver=False, runtime_env={"env_vars": {"PYTHONPATH": path}})
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return write_shards(tmp_path_factory.mktemp("shards") / "corpus", pieces=3, sentences=300)


def _weights(model):
    return [model.wv.vectors, model.syn1neg]


def test_counting_on_the_cluster_is_counting_in_one_process(cluster, corpus):
    """One task per shard, merged: the same words, counts, order and totals as one scan."""
    single = Word2Vec(min_count=3, progress=False)
    single.build_vocab(corpus_file=corpus[0].parent, keep_raw_vocab=True)
    model = Word2Vec(min_count=3, progress=False, cluster="auto")
    model.build_vocab(corpus_file=str(corpus[0].parent / "part*.txt"), keep_raw_vocab=True)
    assert model.wv.index_to_key == single.wv.index_to_key
    assert np.array_equal(model.wv.counts, single.wv.counts)
    assert list(model.raw_vocab.items()) == list(single.raw_vocab.items())  # first-seen order
    assert (model.corpus_total_words, model.corpus_count) == (
        single.corpus_total_words, single.corpus_count)
    assert np.array_equal(model.wv.vectors, single.wv.vectors)  # the same initial weights


def test_one_worker_is_one_process_bit_for_bit(cluster, corpus):
    """Rounds, seeds and the cluster's learning rates reproduce a single-threaded run."""
    single = Word2Vec(corpus_file=corpus[0], **SETTINGS)
    config = distributed.ClusterConfig(sync_words=1500)
    model = Word2Vec(corpus_file=corpus[0], cluster=config, **SETTINGS)
    assert model.training_stats["synchronisations"] > 2 * SETTINGS["epochs"]
    for ours, theirs in zip(_weights(model), _weights(single)):
        assert np.array_equal(ours, theirs)
    assert model.loss_history == single.loss_history


def test_a_worker_that_dies_is_restarted_and_changes_nothing(cluster, corpus, tmp_path, capsys):
    """Two workers, trained once from the CLI and once with a worker's process exiting in the
    second epoch (after a job, before it returns its round). Ray restarts it and it
    trains the round again from the last synchronised weights: every shard is trained once per
    epoch and the numbers are those of the run where nothing failed."""
    output = tmp_path / "vectors.txt"
    code = main(["train", *map(str, corpus), "-o", str(output), "--ray", "auto",
                 "--workers-per-node", "2", "--threads", "1", "--dim", "12", "--epochs", "2",
                 "--min-count", "2", "--seed", "7", "--sync-words", "2000",
                 "--save-model", str(tmp_path / "model.npz")])
    assert code == 0, capsys.readouterr().err
    resolved = json.loads(Path(str(output) + ".json").read_text())
    assert resolved["cluster"]["cluster_workers"] == 2 and resolved["cluster"]["restarts"] == 0
    assert resolved["cluster"]["sync_bytes"] > 0 and resolved["cluster"]["synchronisations"] >= 8
    clean = Word2Vec.load(tmp_path / "model.npz")
    assert clean.cluster is None and len(clean.wv) == resolved["vocabulary"]

    config = distributed.ClusterConfig(workers_per_node=2, sync_words=2000)
    failed = Word2Vec(cluster=config, vector_size=12, min_count=2, epochs=2, seed=7, sg=1,
                      workers=1, progress=False)
    failed.build_vocab(corpus_file=corpus)
    files = distributed.training_shards(failed, None, None)
    # a job a shard (3,600 words); the worker with two shards dies after its third job
    two = next(worker for worker, mine in enumerate(
        shards.assign_shards([path.stat().st_size for path in files], 2)) if len(mine) == 2)
    distributed.train(failed, files, failed.config, failed.alpha, failed.min_alpha, [],
                      fail_after={two: 3})
    assert failed.training_stats["restarts"] == 1
    assert failed.training_stats["raw_words"] == failed.corpus_total_words * 2
    for ours, theirs in zip(_weights(failed), _weights(clean)):
        assert np.array_equal(ours, theirs)
    assert failed.loss_history == clean.loss_history


def test_bad_cluster_settings_are_one_clear_error(cluster, corpus):
    with pytest.raises(LmbasicsError, match="sync_words"):
        Word2Vec(cluster=distributed.ClusterConfig(sync_words=0))
    model = Word2Vec(cluster="auto", **SETTINGS)
    with pytest.raises(LmbasicsError, match="corpus files"):
        model.build_vocab([["a", "b"]])
    model.workers = 3  # 3 threads a worker on a 2-CPU cluster
    model.build_vocab(corpus_file=corpus[0])
    with pytest.raises(LmbasicsError, match="fewer than workers_per_node x workers"):
        model.train()


def test_a_shard_gone_before_training_is_one_clear_error(cluster, corpus, tmp_path):
    shard = tmp_path / "shard.txt"
    shutil.copy(corpus[0], shard)
    model = Word2Vec(cluster="auto", **SETTINGS)
    model.build_vocab(corpus_file=shard)
    shard.unlink()
    with pytest.raises(LmbasicsError, match=r"could not start: corpus not found: .*shard\.txt"):
        model.train()


def test_default_synchronisation_interval():
    """Eight rounds an epoch, capped at a million words a worker."""
    assert distributed.default_sync_words(8_000_000, 2) == 500_000
    assert distributed.default_sync_words(170_000_000, 2) == 1_000_000
    assert distributed.default_sync_words(5, 4) == 1
