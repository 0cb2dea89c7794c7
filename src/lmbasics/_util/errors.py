"""The one error type lmbasics raises for bad input.

The CLI prints ``lmbasics: error: <message>`` and exits non-zero for it; library users can catch
it. It subclasses ``ValueError`` so code written against gensim (which raises ``ValueError`` or
``KeyError``) keeps working.
"""


class LmbasicsError(ValueError):
    """Bad input or an impossible request, with a message meant for a person."""


class UnknownWordError(LmbasicsError, KeyError):
    """A queried word is not in the vocabulary (also a ``KeyError``, as in gensim)."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else ""
