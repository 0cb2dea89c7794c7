"""Shared pytest fixtures: paths to ../shared/data for the data tests, headless plotting."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path:
    """``$LMBASICS_SHARED_DATA`` or ``../shared/data`` beside the project root."""
    return Path(os.environ.get("LMBASICS_SHARED_DATA", PROJECT_ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = shared_data_dir()
    if not path.is_dir():
        pytest.skip(f"shared data not found at {path}")
    return path
