"""Tests for lmbasics.word2vec."""
