"""word2vec: from one-hot words to distributed vectors (Mikolov et al. 2013).

The file names follow the algorithm: :mod:`.corpus` streams sentences, :mod:`.vocab` counts and
encodes them, :mod:`.huffman` and :mod:`.sampling` build the output layers' tables,
:mod:`.kernels` trains (numba), :mod:`.reference` is the NumPy oracle, :mod:`.model` drives it
all, :mod:`.keyedvectors` holds and queries the result, :mod:`.io` reads and writes it and
:mod:`.evaluate` measures it. Beside them, :mod:`.shards` and :mod:`.distributed` train on
a Ray cluster.

The public names are imported on first use (PEP 562): ``import lmbasics.word2vec`` (and the
CLI's ``--help``) loads neither numba nor the kernels until a name is used.
"""

from lmbasics._util.lazy import lazy_exports

_EXPORTS = {
    "CallbackAny2Vec": "lmbasics.word2vec.callbacks",
    "ClusterConfig": "lmbasics.word2vec.distributed",  # imports Ray when used
    "KeyedVectors": "lmbasics.word2vec.keyedvectors",
    "LineSentence": "lmbasics.word2vec.corpus",
    "PathLineSentences": "lmbasics.word2vec.corpus",
    "Word2Vec": "lmbasics.word2vec.model",
    "Word2VecConfig": "lmbasics.word2vec.config",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
