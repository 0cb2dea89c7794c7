"""Parameter matching: families within 10 % of the Transformer's body; counts are exact."""

from __future__ import annotations

import pytest

from lmbasics._util.errors import LmbasicsError
from lmbasics.encoders import body_parameters, build_encoder, config_for, match_parameters
from lmbasics.encoders.budgets import BUDGETS
from lmbasics.encoders.tasks.common import family_configs


@pytest.mark.parametrize("family", ["cnn", "lstm", "gru", "transformer"])
def test_meta_count_equals_the_real_module(family: str) -> None:
    config = config_for(family, vocab_size=30, embedding_dim=8, hidden_size=12, num_layers=2)
    encoder = build_encoder(config)
    assert body_parameters(config) == encoder.num_parameters(include_embedding=False)


@pytest.mark.parametrize("budget", list(BUDGETS))
@pytest.mark.parametrize("causal", [False, True])
def test_every_budget_matches_within_ten_percent(budget: str, causal: bool) -> None:
    configs = family_configs(BUDGETS[budget], ["cnn", "lstm", "gru", "transformer"], 5000, causal)
    target = body_parameters(configs["transformer"])
    for family, config in configs.items():
        assert abs(body_parameters(config) - target) <= 0.10 * target, family
        assert config.embedding_dim == configs["transformer"].embedding_dim
        assert config.num_layers == configs["transformer"].num_layers
    assert configs["lstm"].bidirectional is not causal


def test_impossible_match_is_a_clear_error() -> None:
    reference = config_for("transformer", hidden_size=2, num_heads=1, num_layers=1, embedding_dim=2)
    lstm = config_for("lstm", hidden_size=2, num_layers=8, embedding_dim=2)
    with pytest.raises(LmbasicsError, match="cannot match"):
        match_parameters({"transformer": reference, "lstm": lstm}, tolerance=0.001)


@pytest.mark.parametrize("budget", ["tiny", "small"])
@pytest.mark.parametrize("families", [("lstm", "cnn"), ("gru",), ("cnn", "transformer")])
def test_any_subset_of_families_gets_the_full_comparisons_seq2seq_sizes(budget, families):
    """Translation's encoder-decoders are matched to the Transformer's whole model even in a
    run without it (``--families lstm,cnn``): the same configs as in the run of all four."""
    from lmbasics.encoders.tasks.translation import seq2seq_configs, seq2seq_parameters

    everyone = ("cnn", "lstm", "gru", "transformer")
    full = seq2seq_configs(BUDGETS[budget], everyone, 5764, 7524, 100)
    part = seq2seq_configs(BUDGETS[budget], families, 5764, 7524, 100)
    target = seq2seq_parameters(full[0]["transformer"], full[1]["transformer"])
    for family in families:
        assert part[0][family].to_dict() == full[0][family].to_dict(), family
        assert part[1][family].to_dict() == full[1][family].to_dict(), family
        assert abs(seq2seq_parameters(part[0][family], part[1][family]) - target) <= 0.10 * target
