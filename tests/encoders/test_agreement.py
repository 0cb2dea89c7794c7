"""The agreement task: what the encoder may read, how examples are labelled and binned."""

from __future__ import annotations

import dataclasses
import itertools
import math

import pytest
import torch

from lmbasics._util.errors import LmbasicsError
from lmbasics.encoders.budgets import BUDGETS
from lmbasics.encoders.data import Vocabulary, pad
from lmbasics.encoders.tasks.agreement import (
    DISTANCE_BINS,
    LONG_DISTANCE,
    balanced_split,
    breakdown,
    distance_bin,
    interval95,
    prefix_before_verb,
)
from lmbasics.encoders.tasks.agreement_data import (
    AgreementExample,
    _verb_number,
    build_gulordava_test,
    build_linzen_test,
    read_examples,
    synthetic_agreement,
)
from lmbasics.encoders.tasks.common import SequenceClassifier, family_configs, predict

SENTENCES = [
    ["the", "keys", "to", "the", "old", "cabinet", "are", "on", "the", "table"],
    ["the", "author", "of", "the", "books", "is", "here", "today"],
]
VERBS = [6, 5]


@pytest.mark.parametrize("family", ["cnn", "lstm", "transformer"])
def test_agreement_encoder_never_sees_the_verb_or_what_follows(family: str) -> None:
    vocabulary = Vocabulary.build([*SENTENCES, ["is", "are", "were", "banana"]])
    config = family_configs(BUDGETS["tiny"], [family], len(vocabulary), causal=True)[family]
    torch.manual_seed(0)
    from lmbasics.encoders import build_encoder

    model = SequenceClassifier(build_encoder(config), 2, "last").eval()
    changed = [s[:v] + ["banana"] * (len(s) - v) for s, v in zip(SENTENCES, VERBS)]
    rows = [vocabulary.encode(prefix_before_verb(s, v)) for s, v in zip(SENTENCES, VERBS)]
    rows_changed = [vocabulary.encode(prefix_before_verb(s, v)) for s, v in zip(changed, VERBS)]
    assert rows == rows_changed
    assert all(len(r) == v for r, v in zip(rows, VERBS))  # the verb itself is cut off
    with torch.no_grad():
        torch.testing.assert_close(model(*pad(rows)), model(*pad(rows_changed)))
    assert len(predict(model, rows)) == 2


def test_synthetic_examples_are_consistent() -> None:
    examples = synthetic_agreement(300, seed=5)
    assert examples == synthetic_agreement(300, seed=5)  # seeded
    for example in examples:
        subject_at = len(example.prefix) - example.distance
        subject = example.prefix[subject_at]
        assert example.label == int(subject.endswith("s"))
        between = example.prefix[subject_at + 1 :]
        other = [
            w for w in between if w.startswith("n") and w != "near" and w.endswith("s") != bool(example.label)
        ]
        assert example.attractors == len(other)
    assert {e.label for e in examples} == {0, 1}
    assert max(e.distance for e in examples) > 13


def test_distance_bins_and_breakdown() -> None:
    assert [distance_bin(d) for d in (1, 2, 3, 12, 13, 14, 16, 17, 20, 21, 40, -1)] == [
        "1-2",
        "1-2",
        "3-4",
        "11-13",
        "11-13",
        "14-16",
        "14-16",
        "17-20",
        "17-20",
        "21+",
        "21+",
        None,
    ]
    examples = [AgreementExample(["x"], 0, d, a) for d, a in ((1, 0), (14, 2), (20, 7), (-1, 1))]
    result = breakdown(examples, [True, False, True, True])
    assert result["accuracy"] == 0.75 and result["count"] == 4
    assert result["by_distance"]["14-16"] == {"accuracy": 0.0, "count": 1}
    assert result["by_attractors"]["4"] == {"accuracy": 1.0, "count": 1}  # 4 = 4 or more
    assert result["long"] == {"accuracy": 0.5, "count": 2}


def test_every_bin_is_wholly_short_or_wholly_long() -> None:
    for low, high in DISTANCE_BINS:
        assert high <= LONG_DISTANCE or low > LONG_DISTANCE
    for (_, high), (low, _) in itertools.pairwise(DISTANCE_BINS):
        assert low == high + 1  # no gaps, no overlaps


def test_weighted_breakdown_is_the_stratified_estimate() -> None:
    # three bins; the corpus holds them 70 / 20 / 10 %, the test set 4 of each
    examples = [AgreementExample(["x"], 0, d, 0) for d in [1] * 4 + [14] * 4 + [30] * 4]
    hits = [True] * 4 + [True, True, False, False] + [False] * 4
    weights = {"1-2": 0.7, "14-16": 0.2, "21+": 0.1}
    result = breakdown(examples, hits, weights)
    assert result["accuracy"] == pytest.approx(0.7 * 1.0 + 0.2 * 0.5 + 0.1 * 0.0)
    assert result["long"]["accuracy"] == pytest.approx((0.2 * 0.5 + 0.1 * 0.0) / 0.3)
    assert result["long"]["count"] == 8
    pooled = breakdown(examples, hits)
    assert pooled["accuracy"] == pytest.approx(6 / 12) and pooled["long"]["accuracy"] == pytest.approx(2 / 8)


def test_balanced_split_takes_the_same_number_from_every_bin() -> None:
    distances = [1] * 500 + [5] * 300 + [15] * 40 + [25] * 9 + [-1] * 3
    examples = [AgreementExample([str(i)], i % 2, d, 0) for i, d in enumerate(distances)]
    test, train, weights = balanced_split(examples, per_bin=30, seed=0)
    assert sorted(test + train) == list(range(len(examples)))  # a partition
    counts = {}
    for i in test:
        counts[distance_bin(examples[i].distance)] = counts.get(distance_bin(examples[i].distance), 0) + 1
    assert counts == {"1-2": 30, "5-6": 30, "14-16": 20, "21+": 4}  # at most half of a small bin
    assert weights == pytest.approx({"1-2": 500 / 849, "5-6": 300 / 849, "14-16": 40 / 849, "21+": 9 / 849})
    assert list(weights) == ["1-2", "5-6", "14-16", "21+"]
    assert balanced_split(examples, per_bin=30, seed=0) == (test, train, weights)  # seeded
    assert balanced_split(examples, per_bin=30, seed=1)[0] != test


def test_interval_adds_binomial_and_seed_spread() -> None:
    assert interval95(0.8, 0.0, 1, 400) == pytest.approx(1.959964 * 0.02)
    assert interval95(0.8, 0.03, 3, 400) == pytest.approx(1.959964 * math.sqrt(0.0004 + 0.0009 / 3))
    assert interval95(0.8, 0.03, 1, 400) == interval95(0.8, 0.0, 1, 400)  # one seed: no spread
    assert math.isnan(interval95(0.8, 0.0, 3, 0))


def test_gulordava_reader(tmp_path) -> None:
    columns = "pattern constr_id sent_id correct_number form class type prefix n_attr punct freq"
    header = "\t".join([*columns.split(), "len_context", "len_prefix", "sent"])
    sentence = '"The keys to the cabinet are "" here "" . <eos>"'
    keys = ["P", "1", "0", "plur", "are", "correct", "original", "The Keys to the cabinet", "1", "False", "9"]
    wrong = [*keys[:4], "is", "wrong", *keys[6:]]
    dog = ["P", "1", "3", "sing", "runs", "correct", "generated", "A dog", "0", "False", "9"]
    rows = [
        "\t".join([*keys, "4", "5", sentence]),
        "\t".join([*wrong, "4", "5", sentence]),
        "\t".join([*dog, "1", "2", "A dog runs . <eos>"]),
    ]
    (tmp_path / "generated.tab").write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    assert build_gulordava_test(tmp_path, tmp_path / "g.jsonl") == 2  # correct-verb rows only
    first, second = read_examples(tmp_path / "g.jsonl")
    assert first == AgreementExample(["the", "keys", "to", "the", "cabinet"], 1, 4, 1, "original")
    assert second == AgreementExample(["a", "dog"], 0, 1, 0, "generated")
    (tmp_path / "generated.tab").write_text(header + "\nP\t1\t0\tdual\tx\tcorrect\to\ta\t0\tF\t1\t1\t1\ts\n")
    with pytest.raises(LmbasicsError, match="Gulordava"):
        build_gulordava_test(tmp_path, tmp_path / "g.jsonl")
    with pytest.raises(LmbasicsError, match="no such Gulordava"):
        build_gulordava_test(tmp_path / "missing", tmp_path / "g.jsonl")


def test_verb_number_from_the_two_forms() -> None:
    cases = {
        ("is", "are"): 0,
        ("are", "is"): 1,
        ("has", "have"): 0,
        ("were", "was"): 1,
        ("runs", "run"): 0,
        ("run", "runs"): 1,
        ("passes", "pass"): 0,
        ("pass", "passes"): 1,
    }
    assert {pair: _verb_number(*pair) for pair in cases} == cases


def test_linzen_reader_without_parser(tmp_path) -> None:
    (tmp_path / "subj_agr_filtered.text").write_text(
        "the dogs near the house bark loudly . <eos>\nthe cat is here . <eos>\n", encoding="utf-8"
    )
    (tmp_path / "subj_agr_filtered.gold").write_text("5\tbark\tbarks\t1\n2\tis\tare\t0\n", encoding="utf-8")
    assert build_linzen_test(tmp_path, tmp_path / "out.jsonl", parse=False) == 2
    first, second = read_examples(tmp_path / "out.jsonl")
    assert first == AgreementExample(["the", "dogs", "near", "the", "house"], 1, -1, 1)
    assert second.prefix == ["the", "cat"] and second.label == 0


def test_examples_from_a_parsed_doc() -> None:
    spacy = pytest.importorskip("spacy")
    from spacy.tokens import Doc

    from lmbasics.encoders.tasks.agreement_data import examples_from_doc

    words = ["the", "keys", "to", "the", "cabinet", "are", "here"]
    doc = Doc(
        spacy.blank("en").vocab,
        words=words,
        tags=["DT", "NNS", "IN", "DT", "NN", "VBP", "RB"],
        deps=["det", "nsubj", "prep", "det", "pobj", "ROOT", "advmod"],
        heads=[1, 5, 1, 4, 2, 5, 5],
    )
    (example,) = examples_from_doc(doc, max_prefix=50)
    assert example == AgreementExample(words[:5], 1, 4, 1)
    # an auxiliary takes its head verb's subject
    words = ["the", "town", "is", "designed"]
    doc = Doc(
        spacy.blank("en").vocab,
        words=words,
        tags=["DT", "NN", "VBZ", "VBN"],
        deps=["det", "nsubjpass", "auxpass", "ROOT"],
        heads=[1, 3, 3, 3],
    )
    (example,) = examples_from_doc(doc, max_prefix=50)
    assert example == AgreementExample(["the", "town"], 0, 1, 0)
    # a prefix cap that would cut the subject off drops the example
    assert list(examples_from_doc(doc, max_prefix=0)) == []


def test_budget_replace_keeps_fields() -> None:
    budget = dataclasses.replace(BUDGETS["tiny"], seeds=1)
    assert budget.agreement_train == BUDGETS["tiny"].agreement_train
