"""Tests for lmbasics.activations (a package so file names may repeat across wings)."""
