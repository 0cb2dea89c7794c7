"""Tests for lmbasics.encoders."""
