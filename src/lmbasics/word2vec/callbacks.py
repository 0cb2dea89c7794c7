"""CallbackAny2Vec: gensim 4's training-callback base class, so ``callbacks=[...]`` code ports.

:meth:`Word2Vec.train <lmbasics.word2vec.model.Word2Vec.train>` calls each callback's
``on_train_begin``, ``on_epoch_begin``, ``on_epoch_end`` and ``on_train_end`` with the model, as
gensim 4 does; an object with only some of these methods works too. Not here: gensim 3's
``on_batch_begin`` / ``on_batch_end``, which gensim 4 no longer calls either.
"""

from __future__ import annotations

from typing import Any


class CallbackAny2Vec:
    """Subclass and override the events you need; each receives the model being trained."""

    def on_epoch_begin(self, model: Any) -> None:
        """Called at the start of each epoch."""

    def on_epoch_end(self, model: Any) -> None:
        """Called at the end of each epoch (``model.loss_history[-1]`` is its loss)."""

    def on_train_begin(self, model: Any) -> None:
        """Called at the start of :meth:`train`."""

    def on_train_end(self, model: Any) -> None:
        """Called at the end of :meth:`train`."""
