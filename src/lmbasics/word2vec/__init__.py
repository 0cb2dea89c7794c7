"""word2vec: from one-hot words to distributed vectors (Mikolov et al. 2013).

The file names follow the algorithm: :mod:`.corpus` streams sentences, :mod:`.vocab` counts and
encodes them, :mod:`.huffman` and :mod:`.sampling` build the output layers' tables,
:mod:`.kernels` trains (numba), :mod:`.reference` is the NumPy oracle, :mod:`.model` drives it
all, :mod:`.keyedvectors` holds and queries the result, :mod:`.io` reads and writes it and
:mod:`.evaluate` measures it.
"""

from lmbasics.word2vec.callbacks import CallbackAny2Vec
from lmbasics.word2vec.config import Word2VecConfig
from lmbasics.word2vec.corpus import LineSentence, PathLineSentences
from lmbasics.word2vec.keyedvectors import KeyedVectors
from lmbasics.word2vec.model import Word2Vec

__all__ = [
    "CallbackAny2Vec", "KeyedVectors", "LineSentence", "PathLineSentences", "Word2Vec",
    "Word2VecConfig",
]
