"""Seeing the vector space: 2-D maps, one-hot vs distributed vectors, a local web explorer.

``plot_map`` and ``plot_onehot`` write PNGs; ``project`` gives 2-D coordinates (PCA or t-SNE);
``get_tokenizer`` segments raw text (``"jieba"`` for Chinese). The web explorer lives in
:mod:`lmbasics.explore.server` (``create_app``), which needs the ``web`` extra (FastAPI,
uvicorn) and is therefore not imported here. The CLI verbs are ``plot``, ``onehot`` and
``serve`` (:mod:`lmbasics.explore.cli`).
"""

from lmbasics._util.tokenizers import get_tokenizer, tokenize_lines
from lmbasics.explore.plots import OnehotMemory, plot_map, plot_onehot
from lmbasics.explore.projection import Projection, pca_2d, project, tsne_2d

__all__ = [
    "OnehotMemory",
    "Projection",
    "get_tokenizer",
    "pca_2d",
    "plot_map",
    "plot_onehot",
    "project",
    "tokenize_lines",
    "tsne_2d",
]
