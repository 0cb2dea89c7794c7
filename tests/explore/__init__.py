"""Tests for lmbasics.explore."""
