"""Shared helpers: atomic file writes, the error type the CLI turns into one line, seeding."""

from lmbasics._util.atomic import atomic_path, atomic_write_bytes, atomic_write_text
from lmbasics._util.errors import LmbasicsError

__all__ = ["LmbasicsError", "atomic_path", "atomic_write_bytes", "atomic_write_text"]
