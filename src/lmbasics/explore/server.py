"""A local web explorer for word vectors: a JSON API and the static page in ``static/``.

Like TensorFlow's Embedding Projector, but local and offline: neighbours, analogies
(a : b :: c : ?), the similarity of two words, and a 2-D map the page draws on a canvas. The
vectors are loaded once, before the server starts; every query runs against that one
:class:`KeyedVectors`. The server binds 127.0.0.1 unless told otherwise.

API (JSON in, JSON out; errors are ``{"error": "<one line>"}`` with a 4xx status):

- ``GET  /api/info``                                  vocabulary size, dimensions, limits
- ``POST /api/neighbours`` ``{"word", "topn"}``         nearest words by cosine
- ``POST /api/analogy``    ``{"a", "b", "c", "topn"}``  3CosAdd: b - a + c
- ``POST /api/similarity`` ``{"word1", "word2"}``       cosine similarity
- ``GET  /api/map?words=N&method=pca|tsne``           the N most frequent words in 2-D

Unknown words get 404; empty input, malformed JSON, out-of-range ``topn`` and wrong types get
400 or 422. With a tokenizer (``jieba``), a query that is not a word is segmented and its words'
mean vector is used ("北京大学" -> 北京 + 大学).

Not here: TLS, authentication or multiple users' state — this is a local tool.
"""

from __future__ import annotations

import errno
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException

from lmbasics._util.errors import LmbasicsError, UnknownWordError
from lmbasics.explore.projection import project
from lmbasics.word2vec.keyedvectors import KeyedVectors

STATIC = Path(__file__).with_name("static")
MAX_TOPN = 100  # a page of neighbours; larger asks are a client bug, answered with 422
MAX_WORD_CHARS = 200
MAX_MAP_WORDS = 5000  # PCA is instant at this size; t-SNE takes tens of seconds
DEFAULT_MAP_WORDS = 300
MAP_CACHE = 8  # projections kept (a few sizes and both methods); the oldest is dropped first

Word = Annotated[str, Field(min_length=1, max_length=MAX_WORD_CHARS)]
TopN = Annotated[int, Field(strict=True, ge=1, le=MAX_TOPN)]


class _Query(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NeighboursQuery(_Query):
    word: Word
    topn: TopN = 10


class AnalogyQuery(_Query):
    a: Word
    b: Word
    c: Word
    topn: TopN = 10


class SimilarityQuery(_Query):
    word1: Word
    word2: Word


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _describe_validation(error: RequestValidationError) -> tuple[int, str]:
    """One line (and a status) for pydantic's list of errors: the first one is enough."""
    errors = error.errors()
    if not errors:
        return 422, "invalid request"
    first = errors[0]
    if first.get("type") == "json_invalid":
        return 400, "the request body is not valid JSON"
    where = ".".join(str(part) for part in first.get("loc", ()) if part not in ("body", "query"))
    if not where:  # the body as a whole: absent, or JSON that is not an object
        return 400, "the request body must be a JSON object (Content-Type: application/json)"
    return 422, f"{where}: {first.get('msg', 'invalid value')}"


class Explorer:
    """Queries on one set of vectors, in the shapes the API returns."""

    def __init__(self, kv: KeyedVectors, tokenizer: Callable[[str], list[str]] | None = None):
        self.kv = kv
        self.tokenizer = tokenizer
        kv.fill_norms()  # once, up front: the cache is then only read by request threads
        self._maps: dict[tuple[int, str], dict[str, Any]] = {}
        self._lock = threading.Lock()

    def words(self, text: str) -> list[str]:
        """The vocabulary words ``text`` stands for: itself, or its segments with a tokenizer."""
        text = text.strip()
        if not text:
            raise LmbasicsError("empty word")
        if text in self.kv:
            return [text]
        if self.tokenizer is not None:
            tokens = [token for token in self.tokenizer(text) if token.strip()]
            unknown = [token for token in tokens if token not in self.kv]
            if tokens and not unknown:
                return tokens
        raise UnknownWordError(f"{text!r} is not in the vocabulary")

    @staticmethod
    def _rows(pairs: Any) -> list[dict[str, Any]]:
        return [{"word": word, "similarity": round(float(score), 6)} for word, score in pairs]

    def neighbours(self, query: NeighboursQuery) -> dict[str, Any]:
        words = self.words(query.word)
        found = self.kv.most_similar(positive=words, topn=query.topn)
        return {"query": words, "neighbours": self._rows(found)}

    def analogy(self, query: AnalogyQuery) -> dict[str, Any]:
        a, b, c = self.words(query.a), self.words(query.b), self.words(query.c)
        found = self.kv.most_similar(positive=b + c, negative=a, topn=query.topn)
        return {"query": {"a": a, "b": b, "c": c}, "answers": self._rows(found)}

    def similarity(self, query: SimilarityQuery) -> dict[str, Any]:
        first, second = self.words(query.word1), self.words(query.word2)
        value = self.kv.n_similarity(first, second)
        return {"word1": first, "word2": second, "similarity": round(value, 6)}

    def map(self, count: int, method: str) -> dict[str, Any]:
        """The ``count`` most frequent words projected to 2-D (cached per count and method)."""
        count = min(count, len(self.kv))
        if count < 3:
            raise LmbasicsError("the map needs a vocabulary of at least 3 words")
        with self._lock:  # one projection at a time; repeated requests hit the cache
            key = (count, method)
            if key not in self._maps:
                if len(self._maps) >= MAP_CACHE:
                    del self._maps[next(iter(self._maps))]
                words = self.kv.index_to_key[:count]
                projection = project(self.kv.vectors[:count], method=method)
                self._maps[key] = {
                    "method": method,
                    "description": projection.describe(),
                    "words": words,
                    "points": [[round(float(x), 5), round(float(y), 5)] for x, y in
                               projection.points],
                }
            return self._maps[key]


def create_app(
    kv: KeyedVectors,
    tokenizer: Callable[[str], list[str]] | None = None,
    source: str = "vectors",
    tokenizer_name: str | None = None,
) -> FastAPI:
    """The FastAPI application serving ``kv``: the page at ``/`` and the API under ``/api``."""
    explorer = Explorer(kv, tokenizer)
    app = FastAPI(title="lmbasics explorer", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.explorer = explorer

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, error: RequestValidationError) -> JSONResponse:
        return _error(*_describe_validation(error))

    @app.exception_handler(UnknownWordError)
    async def _unknown(_: Request, error: UnknownWordError) -> JSONResponse:
        return _error(404, str(error))

    @app.exception_handler(LmbasicsError)
    async def _bad(_: Request, error: LmbasicsError) -> JSONResponse:
        return _error(400, str(error))

    @app.exception_handler(HTTPException)
    async def _http(_: Request, error: HTTPException) -> JSONResponse:
        return _error(error.status_code, str(error.detail))

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")

    @app.get("/api/info")
    def info() -> dict[str, Any]:
        return {
            "source": source,
            "vocab_size": len(kv),
            "vector_size": kv.vector_size,
            "tokenizer": tokenizer_name,
            "max_topn": MAX_TOPN,
            "max_map_words": MAX_MAP_WORDS,
            "default_map_words": min(DEFAULT_MAP_WORDS, len(kv)),
        }

    @app.post("/api/neighbours")
    def neighbours(query: NeighboursQuery) -> dict[str, Any]:
        return explorer.neighbours(query)

    @app.post("/api/analogy")
    def analogy(query: AnalogyQuery) -> dict[str, Any]:
        return explorer.analogy(query)

    @app.post("/api/similarity")
    def similarity(query: SimilarityQuery) -> dict[str, Any]:
        return explorer.similarity(query)

    @app.get("/api/map")
    def word_map(
        words: Annotated[int, Query(ge=3, le=MAX_MAP_WORDS)] = DEFAULT_MAP_WORDS,
        method: Literal["pca", "tsne"] = "pca",
    ) -> dict[str, Any]:
        return explorer.map(words, method)

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (port 0: any free port), or one clear error."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as error:
        raise LmbasicsError(f"cannot resolve host {host!r}: {error.strerror}") from error
    sock = socket.socket(family, kind, proto)
    try:
        # SO_REUSEADDR only lets us reuse a port left in TIME_WAIT, never one that is listening.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as error:
        sock.close()
        if isinstance(error, PermissionError):
            raise LmbasicsError(f"not allowed to listen on {host}:{port}") from error
        if error.errno == errno.EADDRINUSE:
            raise LmbasicsError(
                f"port {port} on {host} is already in use (choose another with --port)"
            ) from error
        raise LmbasicsError(f"cannot listen on {host}:{port}: {error.strerror}") from error
    return sock


def make_server(app: FastAPI, log_level: str = "warning") -> Any:
    """A uvicorn server for ``app``; start it with ``server.run(sockets=[bind_socket(...)])``."""
    import uvicorn

    return uvicorn.Server(uvicorn.Config(app, log_level=log_level, lifespan="off"))
