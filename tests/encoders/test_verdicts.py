"""Verdicts are computed from numbers: each rule on made-up results."""

from __future__ import annotations

from lmbasics.encoders import verdicts as v


def s(mean: float, std: float = 0.0, n: int = 3) -> dict:
    return {"mean": mean, "std": std, "n": n, "values": [mean] * n}


def test_rules() -> None:
    assert v.clearly_better(s(0.80, 0.01), s(0.70, 0.01), 0.02) == v.CONFIRMED
    assert v.clearly_better(s(0.70, 0.01), s(0.70, 0.01), 0.02) == v.REFUTED
    assert v.clearly_better(s(0.75, 0.05), s(0.70, 0.05), 0.02) == v.INCONCLUSIVE
    assert v.slightly_better(s(0.72, 0.005), s(0.70, 0.005)) == v.CONFIRMED
    assert v.slightly_better(s(0.68, 0.005), s(0.70, 0.005)) == v.REFUTED
    assert v.close(s(0.70, 0.002), s(0.705, 0.002), 0.02) == v.CONFIRMED
    assert v.close(s(0.70, 0.002), s(0.80, 0.002), 0.02) == v.REFUTED
    assert v.far_faster(3.0) == v.CONFIRMED and v.far_faster(1.0) == v.REFUTED
    assert v.far_faster(1.5) == v.INCONCLUSIVE
    assert v.all_parts([v.CONFIRMED, v.REFUTED]) == v.REFUTED
    assert v.all_parts([v.CONFIRMED, v.INCONCLUSIVE]) == v.INCONCLUSIVE


def semantic(cnn: float, lstm: float, transformer: float) -> dict:
    return {
        "majority_baseline": {"wic": 0.5, "sst2": 0.5},
        "data": {"wic_test": 100_000, "sst2_test": 100_000},
        "families": {
            f: {"mean": s(x, 0.001)} for f, x in (("cnn", cnn), ("lstm", lstm), ("transformer", transformer))
        },
    }


def test_semantic_claims_follow_the_numbers() -> None:
    first, second = v.semantic_claims(semantic(0.70, 0.70, 0.80))
    assert (first["verdict"], second["verdict"]) == (v.CONFIRMED, v.CONFIRMED)
    first, second = v.semantic_claims(semantic(0.80, 0.70, 0.75))
    assert (first["verdict"], second["verdict"]) == (v.REFUTED, v.REFUTED)
    # a family at chance cannot be called better than anything
    first, second = v.semantic_claims(semantic(0.70, 0.50, 0.50))
    assert (first["verdict"], second["verdict"]) == (v.INCONCLUSIVE, v.INCONCLUSIVE)
    assert "did not learn" in first["evidence"]


def translation(cnn: float, lstm: float, transformer: float) -> dict:
    return {
        "families": {
            f: {"bleu": s(x, 0.1)} for f, x in (("cnn", cnn), ("lstm", lstm), ("transformer", transformer))
        }
    }


def test_a_claim_needs_every_family_it_names_to_have_learned() -> None:
    best, slightly = v.translation_claims(translation(25.0, 20.0, 30.0))
    assert (best["verdict"], slightly["verdict"]) == (v.CONFIRMED, v.CONFIRMED)
    # the CNN far above an LSTM that did not learn: "slightly above" is not tested by that
    best, slightly = v.translation_claims(translation(25.0, 2.0, 30.0))
    assert (best["verdict"], slightly["verdict"]) == (v.INCONCLUSIVE, v.INCONCLUSIVE)
    assert "did not learn (not above 5 BLEU): lstm" in slightly["evidence"]


def test_missing_axes_are_not_measured() -> None:
    rows = v.all_claims({})
    assert len(rows) == 8
    assert {row["verdict"] for row in rows} == {v.NOT_MEASURED}


def test_speed_claim_uses_the_longest_length() -> None:
    def rows(rate16: float, rate64: float) -> dict:
        return {"16": {"train_tokens_per_s": rate16}, "64": {"train_tokens_per_s": rate64}}

    results = {
        "device": "cpu",
        "threads": 1,
        "families": {"cnn": rows(100, 400), "lstm": rows(100, 100), "transformer": rows(100, 300)},
    }
    (row,) = v.speed_claims(results)
    assert row["verdict"] == v.CONFIRMED
    assert "T=64" in row["evidence"]


def test_the_rnn_can_be_the_gru_and_variants_judge_it_too() -> None:
    results = {"translation": translation(31.0, 35.0, 32.0)}
    results["translation"]["families"]["gru"] = {"bleu": s(31.0, 0.1)}
    best, _ = v.translation_claims(results["translation"])
    assert best["verdict"] == v.REFUTED and "lstm" in best["evidence"]
    best, _ = v.translation_claims(results["translation"], "gru")
    assert best["verdict"] == v.CONFIRMED and "gru" in best["evidence"]
    variants = v.claim_variants(results)
    assert list(variants) == ["with the GRU as the RNN"]
    assert variants["with the GRU as the RNN"][5]["verdict"] == v.CONFIRMED
    # an RNN that did not run is not measured
    assert v.translation_claims(translation(31.0, 35.0, 32.0), "gru")[0]["verdict"] == v.NOT_MEASURED


def test_a_second_width_is_judged_on_its_own_runs() -> None:
    results = {"semantic": semantic(0.70, 0.70, 0.80), "semantic-4x": semantic(0.80, 0.70, 0.75)}
    (name, rows), *rest = v.claim_variants(results).items()
    assert name == "at 4x body parameters" and not rest
    assert [r["claim"][:2] for r in rows] == ["1a", "1b", "2a", "2b", "2c"]
    assert [r["verdict"] for r in rows[:2]] == [v.REFUTED, v.REFUTED]
    assert v.semantic_claims(results["semantic"])[0]["verdict"] == v.CONFIRMED
