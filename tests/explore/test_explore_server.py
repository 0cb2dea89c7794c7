"""The web explorer's API: answers, and a clear 4xx (never a 500) for every bad query."""

from __future__ import annotations

import json
import re
import socket

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

from fastapi.testclient import TestClient

from lmbasics._util.errors import LmbasicsError
from lmbasics._util.tokenizers import whitespace_tokenizer
from lmbasics.explore.server import MAX_TOPN, STATIC, bind_socket, create_app


@pytest.fixture(scope="module")
def client(toy_kv) -> TestClient:
    return TestClient(create_app(toy_kv, source="toy"), raise_server_exceptions=False)


def test_page_and_assets_are_served(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert 'id="neighbours-form"' in page.text
    for asset in ("/static/app.js", "/static/style.css"):
        assert client.get(asset).status_code == 200


def test_page_needs_no_network() -> None:
    """No CDN, no web fonts: every URL in the static files is local."""
    for path in STATIC.iterdir():
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text, re.IGNORECASE), path.name


def test_info(client: TestClient, toy_kv) -> None:
    info = client.get("/api/info").json()
    assert info["vocab_size"] == len(toy_kv) and info["vector_size"] == toy_kv.vector_size
    assert info["max_topn"] == MAX_TOPN and info["source"] == "toy"


def test_neighbours(client: TestClient, toy_kv) -> None:
    answer = client.post("/api/neighbours", json={"word": " king ", "topn": 5})
    assert answer.status_code == 200
    body = answer.json()
    assert body["query"] == ["king"]
    expected = toy_kv.most_similar("king", topn=5)
    assert [row["word"] for row in body["neighbours"]] == [word for word, _ in expected]
    scores = [row["similarity"] for row in body["neighbours"]]
    assert scores == sorted(scores, reverse=True)


def test_analogy(client: TestClient) -> None:
    answer = client.post("/api/analogy", json={"a": "man", "b": "king", "c": "woman"})
    assert answer.status_code == 200
    assert answer.json()["answers"][0]["word"] == "queen"


def test_similarity(client: TestClient, toy_kv) -> None:
    answer = client.post("/api/similarity", json={"word1": "paris", "word2": "france"}).json()
    assert answer["similarity"] == pytest.approx(toy_kv.similarity("paris", "france"), abs=1e-6)


@pytest.mark.parametrize("method", ["pca", "tsne"])
def test_map(client: TestClient, method: str) -> None:
    if method == "tsne":
        pytest.importorskip("sklearn")
    body = client.get(f"/api/map?words=12&method={method}").json()
    assert len(body["words"]) == len(body["points"]) == 12
    assert all(len(point) == 2 for point in body["points"])


def test_map_of_more_words_than_the_vocabulary(client: TestClient, toy_kv) -> None:
    body = client.get("/api/map?words=5000").json()
    assert len(body["words"]) == len(toy_kv)


BAD_QUERIES = [
    # (method, path, body or raw text, expected status, words the message must contain)
    ("post", "/api/neighbours", {"word": "kingdom"}, 404, "kingdom"),
    ("post", "/api/neighbours", {"word": ""}, 422, "word"),
    ("post", "/api/neighbours", {"word": "   "}, 400, "empty"),
    ("post", "/api/neighbours", {"word": "king", "topn": 10**9}, 422, "topn"),
    ("post", "/api/neighbours", {"word": "king", "topn": 0}, 422, "topn"),
    ("post", "/api/neighbours", {"word": "king", "topn": -3}, 422, "topn"),
    ("post", "/api/neighbours", {"word": "king", "topn": "5"}, 422, "topn"),
    ("post", "/api/neighbours", {"word": "king", "topn": 2.5}, 422, "topn"),
    ("post", "/api/neighbours", {"word": "king", "topn": True}, 422, "topn"),
    ("post", "/api/neighbours", {"word": None}, 422, "word"),
    ("post", "/api/neighbours", {"word": ["king"]}, 422, "word"),
    ("post", "/api/neighbours", {"word": "k" * 10_000}, 422, "word"),
    ("post", "/api/neighbours", {"topn": 3}, 422, "word"),
    ("post", "/api/neighbours", {"word": "king", "extra": 1}, 422, "extra"),
    ("post", "/api/neighbours", '{"word": "king"', 400, "JSON"),
    ("post", "/api/neighbours", "not json at all", 400, "JSON"),
    ("post", "/api/neighbours", "", 400, "JSON"),
    ("post", "/api/neighbours", "[1, 2]", 400, "JSON object"),
    ("post", "/api/neighbours", '"king"', 400, "JSON object"),
    ("post", "/api/neighbours", "null", 400, "JSON object"),
    ("post", "/api/analogy", {"a": "man", "b": "king"}, 422, "c"),
    ("post", "/api/analogy", {"a": "man", "b": "king", "c": "wizard"}, 404, "wizard"),
    ("post", "/api/similarity", {"word1": "king", "word2": "🦄"}, 404, "🦄"),
    ("get", "/api/map?words=2", None, 422, "words"),
    ("get", "/api/map?words=999999999", None, 422, "words"),
    ("get", "/api/map?words=many", None, 422, "words"),
    ("get", "/api/map?method=umap", None, 422, "method"),
    ("get", "/api/neighbours", None, 405, "Method Not Allowed"),
    ("get", "/api/nothing-here", None, 404, "Not Found"),
    ("get", "/static/../server.py", None, 404, "Not Found"),
]


@pytest.mark.parametrize(("method", "path", "body", "status", "needle"), BAD_QUERIES)
def test_bad_queries_get_a_clear_4xx(client, method, path, body, status, needle) -> None:
    if method == "get":
        answer = client.get(path)
    elif isinstance(body, str):
        answer = client.post(path, content=body, headers={"content-type": "application/json"})
    else:
        answer = client.post(path, json=body)
    assert answer.status_code == status, answer.text
    message = answer.json()["error"]
    assert needle in message and "\n" not in message and len(message) < 300


def test_form_encoded_body_is_refused(client: TestClient) -> None:
    answer = client.post("/api/neighbours", data={"word": "king"})
    assert answer.status_code == 400
    assert "Content-Type: application/json" in answer.json()["error"]


def test_tokenizer_turns_phrases_into_words(toy_kv) -> None:
    client = TestClient(create_app(toy_kv, whitespace_tokenizer, tokenizer_name="whitespace"))
    body = client.post("/api/neighbours", json={"word": "paris  france", "topn": 3}).json()
    assert body["query"] == ["paris", "france"]
    assert client.post("/api/neighbours", json={"word": "paris atlantis"}).status_code == 404
    assert client.get("/api/info").json()["tokenizer"] == "whitespace"


def test_answers_are_utf8_json(toy_kv) -> None:
    client = TestClient(create_app(toy_kv))
    answer = client.post("/api/neighbours", json={"word": "café"})
    assert answer.status_code == 404
    assert "café" in json.loads(answer.content.decode("utf-8"))["error"]


def test_bind_socket_reports_a_busy_port() -> None:
    first = bind_socket("127.0.0.1", 0)
    try:
        port = first.getsockname()[1]
        with pytest.raises(LmbasicsError, match=f"port {port} .* already in use"):
            bind_socket("127.0.0.1", port)
    finally:
        first.close()


def test_bind_socket_reports_a_bad_host() -> None:
    with pytest.raises(LmbasicsError, match="cannot"):
        bind_socket("no-such-host.invalid", 0)


def test_bind_socket_defaults_to_a_free_port() -> None:
    sock = bind_socket("127.0.0.1", 0)
    try:
        assert sock.family == socket.AF_INET and sock.getsockname()[1] > 0
    finally:
        sock.close()
