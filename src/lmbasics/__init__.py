"""lmbasics: the foundations of language models, runnable and measured.

Three wings that do not import each other:

- :mod:`lmbasics.word2vec`: word2vec (CBOW / Skip-gram x negative sampling / hierarchical
  softmax / full softmax), gensim-compatible ``Word2Vec`` and ``KeyedVectors``.
- :mod:`lmbasics.encoders`: CNN, RNN and Transformer feature extractors compared (PyTorch).
- :mod:`lmbasics.activations`: activation functions, derivatives, gradient-flow experiments.

Public names are imported lazily so that ``import lmbasics`` stays fast and does not pull in
PyTorch for word2vec users.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS = {
    "Word2Vec": "lmbasics.word2vec.model",
    "Word2VecConfig": "lmbasics.word2vec.config",
    "KeyedVectors": "lmbasics.word2vec.keyedvectors",
    "LineSentence": "lmbasics.word2vec.corpus",
    "PathLineSentences": "lmbasics.word2vec.corpus",
    "CallbackAny2Vec": "lmbasics.word2vec.callbacks",
    "LmbasicsError": "lmbasics._util.errors",
}

__all__ = ["__version__", *sorted(_EXPORTS)]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'lmbasics' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
