"""Seeing the vector space: 2-D maps, one-hot vs distributed vectors, a local web explorer.

``plot_map`` and ``plot_onehot`` write PNGs; ``project`` gives 2-D coordinates (PCA or t-SNE);
``get_tokenizer`` segments raw text (``"jieba"`` for Chinese). The web explorer lives in
:mod:`lmbasics.explore.server` (``create_app``), which needs the ``web`` extra (FastAPI,
uvicorn) and is therefore not imported here. The CLI verbs are ``plot``, ``onehot`` and
``serve`` (:mod:`lmbasics.explore.cli`).
"""

from lmbasics._util.lazy import lazy_exports

_EXPORTS = {
    "OnehotMemory": "lmbasics.explore.plots",
    "Projection": "lmbasics.explore.projection",
    "get_tokenizer": "lmbasics._util.tokenizers",
    "pca_2d": "lmbasics.explore.projection",
    "plot_map": "lmbasics.explore.plots",
    "plot_onehot": "lmbasics.explore.plots",
    "project": "lmbasics.explore.projection",
    "tokenize_lines": "lmbasics._util.tokenizers",
    "tsne_2d": "lmbasics.explore.projection",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
