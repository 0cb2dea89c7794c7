"""lmbasics: the foundations of language models, runnable and measured.

Three wings that do not import each other:

- :mod:`lmbasics.word2vec`: word2vec (CBOW / Skip-gram x negative sampling / hierarchical
  softmax / full softmax), gensim-compatible ``Word2Vec`` and ``KeyedVectors``.
- :mod:`lmbasics.encoders`: CNN, RNN and Transformer feature extractors compared (PyTorch).
- :mod:`lmbasics.activations`: activation functions, derivatives, gradient-flow experiments.

Public names are imported lazily so that ``import lmbasics`` stays fast and does not pull in
PyTorch for word2vec users.
"""

from lmbasics._util.lazy import lazy_exports

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
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
