"""lmbasics tests: every directory is a package, so file names may repeat across wings and
``from tests.<wing>.<module> import ...`` works under ``pytest`` and ``python -m pytest`` alike."""
