"""``python -m lmbasics`` runs the CLI."""

from lmbasics.cli import run

run()
