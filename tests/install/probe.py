"""Run ``lmbasics`` in this process with some packages made unimportable; report what it loaded.

``python probe.py BLOCKED -- ARGS...``: BLOCKED is a comma-separated list of top-level packages
to hide (as if their extra were not installed, "" for none). Prints one JSON line on stdout's
last line: the exit code, which of the heavy packages ended up in ``sys.modules`` and whether
``scipy.linalg`` did.
"""

from __future__ import annotations

import importlib.abc
import json
import sys

HEAVY = ("torch", "matplotlib", "sklearn", "fastapi", "uvicorn", "starlette", "numba", "numpy",
         "scipy", "snownlp", "jieba", "spacy", "sacrebleu", "pandas", "ray")


class _Hide(importlib.abc.MetaPathFinder):
    def __init__(self, packages: set[str]) -> None:
        self.packages = packages

    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in self.packages:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


def main() -> None:
    blocked, _, argv = sys.argv[1], sys.argv[2], sys.argv[3:]
    hidden = {name for name in blocked.split(",") if name}
    sys.meta_path.insert(0, _Hide(hidden))
    from lmbasics._util.numba_start import this_process_is_the_command
    from lmbasics.cli import main as lmbasics_main

    this_process_is_the_command()  # as the `lmbasics` entry point does
    code = lmbasics_main(argv)
    loaded = sorted({name.partition(".")[0] for name in sys.modules} & set(HEAVY))
    sys.stdout.flush()
    linalg = "scipy.linalg" in sys.modules  # what numba's start skips in the command (0.3 s)
    print("\n" + json.dumps({"code": code, "loaded": loaded, "scipy_linalg": linalg}))


if __name__ == "__main__":
    main()
