"""The training runs behind the word2vec claims report: train, evaluate, keep one JSON record.

A run is one model (CBOW or Skip-gram, negative sampling or hierarchical softmax) trained on one
prefix of the corpus stream at one learning rate and seed; its record holds everything the
report needs later (analogy outcome per test question, cosine per WordSim-353 pair, timings), so
no model has to be kept. Records are written atomically under ``<out>/runs/`` and a finished run
is never redone: an interrupted suite resumes where it stopped.

Corpora are prefixes of one token stream (``enwiki-17M`` then ``enwiki-31M-more``, see the data's
SOURCES.md), so a smaller corpus is always the start of every larger one: the 1,001,580-token
prefix is ``enwiki-1M`` and the 17,007,683-token prefix is ``enwiki-17M``.

The analogy questions are split once, deterministically: within each section every fifth question
(the 1st, 6th, ...) is *dev*, the rest *test*. Learning rates are chosen on dev, never on test.
"""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from lmbasics._util.atomic import atomic_path
from lmbasics._util.errors import LmbasicsError

# model name -> Word2Vec settings. Each model's default learning rate is word2vec.c's.
MODELS: dict[str, dict[str, int]] = {
    "cbow-ns": {"sg": 0, "hs": 0, "negative": 5},
    "sg-ns": {"sg": 1, "hs": 0, "negative": 5},
    "cbow-hs": {"sg": 0, "hs": 1, "negative": 0},
    "sg-hs": {"sg": 1, "hs": 1, "negative": 0},
}
DEFAULT_ALPHA = {"cbow": 0.05, "sg": 0.025}
# Settings shared by every run (gensim's defaults): the claims are about the architectures.
COMMON = {"vector_size": 100, "window": 5, "min_count": 5, "sample": 1e-3, "min_alpha": 1e-4}
STREAM = ("enwiki-17M.txt.gz", "enwiki-31M-more.txt.gz")  # the corpus stream, in order
DEV_EVERY = 5  # every fifth analogy question of a section is dev


def default_alpha(model: str) -> float:
    return DEFAULT_ALPHA["sg" if MODELS[model]["sg"] else "cbow"]


@dataclass(frozen=True)
class RunSpec:
    """One training run: ``tokens`` is the corpus prefix, ``size`` its label (e.g. ``"17M"``)."""

    size: str
    tokens: int
    model: str
    alpha: float
    seed: int
    epochs: int
    workers: int

    @property
    def key(self) -> str:
        return f"{self.size}-{self.model}-a{self.alpha:g}-s{self.seed}-e{self.epochs}"


# ------------------------------------------------------------------------------ the data
def _stream_lines(data: Path) -> Iterator[bytes]:
    corpus = data / "corpus"
    present = [corpus / name for name in STREAM if (corpus / name).exists()]
    if not present or present[0].name != STREAM[0]:
        raise LmbasicsError(f"{corpus / STREAM[0]} not found (see --data)")
    for path in present:
        with gzip.open(path, "rb") as handle:
            yield from handle


def corpus_prefix(data: Path, cache: Path, size: str, tokens: int) -> tuple[Path, int]:
    """The plain-text file of the stream's first ``tokens`` tokens (made once, atomically), and
    its actual token count (less than ``tokens`` when the stream is shorter)."""
    path = cache / "corpora" / f"enwiki-{size}.txt"
    count_file = path.with_suffix(".tokens")
    if path.exists() and count_file.exists():
        return path, int(count_file.read_text())
    written = 0
    with atomic_path(path) as tmp, open(tmp, "wb") as out:
        for line in _stream_lines(data):
            words = line.split()
            if not words:
                continue
            take = words[: tokens - written]
            out.write(b" ".join(take) + b"\n")
            written += len(take)
            if written >= tokens:
                break
    with atomic_path(count_file) as tmp:
        tmp.write_text(str(written))
    return path, written


def split_analogies(source: Path, cache: Path) -> tuple[Path, Path]:
    """``(dev, test)`` files of ``source``'s questions, section headers kept in both."""
    dev_path, test_path = cache / "analogies-dev.txt", cache / "analogies-test.txt"
    if dev_path.exists() and test_path.exists():
        return dev_path, test_path
    dev: list[str] = []
    test: list[str] = []
    index = 0
    for line in source.read_text(encoding="utf8").splitlines():
        if line.startswith(": "):
            dev.append(line)
            test.append(line)
            index = 0
            continue
        if len(line.split()) != 4:
            continue
        (dev if index % DEV_EVERY == 0 else test).append(line)
        index += 1
    if not any(len(line.split()) == 4 for line in test):
        raise LmbasicsError(f"{source}: no analogy questions found")
    for path, lines in ((dev_path, dev), (test_path, test)):
        with atomic_path(path) as tmp:
            tmp.write_text("\n".join(lines) + "\n", encoding="utf8")
    return dev_path, test_path


def read_questions(path: Path) -> list[tuple[str, tuple[str, str, str, str]]]:
    """``(section, (a, b, c, d))`` for every question of an analogy file, in file order."""
    questions: list[tuple[str, tuple[str, str, str, str]]] = []
    section = ""
    for line in path.read_text(encoding="utf8").splitlines():
        if line.startswith(": "):
            section = line[2:].strip()
            continue
        words = line.upper().split()
        if len(words) == 4:
            questions.append((section, (words[0], words[1], words[2], words[3])))
    return questions


def read_pairs(path: Path) -> list[tuple[str, str, float]]:
    """WordSim-353's ``(word1, word2, gold score)`` pairs (comment lines skipped)."""
    pairs = []
    for line in path.read_text(encoding="utf8").splitlines():
        parts = line.split("\t")
        if line.startswith("#") or len(parts) != 3:
            continue
        try:
            pairs.append((parts[0], parts[1], float(parts[2])))
        except ValueError:
            continue
    if not pairs:
        raise LmbasicsError(f"{path}: no word pairs found")
    return pairs


# ------------------------------------------------------------------------------ evaluation
def analogy_outcomes(kv: Any, path: Path) -> str:
    """One character per question of ``path`` in file order: ``1`` right, ``0`` wrong, ``-``
    not asked (a word outside the vocabulary). gensim's 3CosAdd over the whole vocabulary."""
    from lmbasics.word2vec.evaluate import evaluate_word_analogies

    _, sections = evaluate_word_analogies(kv, path, restrict_vocab=len(kv.index_to_key) or 1)
    right: dict[tuple[str, tuple[str, ...]], int] = {}
    for section in sections[:-1]:
        for quad in section["correct"]:
            right[(section["section"], quad)] = 1
        for quad in section["incorrect"]:
            right.setdefault((section["section"], quad), 0)
    return "".join(
        "-" if (s, q) not in right else str(right[(s, q)]) for s, q in read_questions(path)
    )


def pair_cosines(kv: Any, pairs: list[tuple[str, str, float]]) -> list[float | None]:
    """The cosine of each pair's vectors; ``None`` where a word is outside the vocabulary."""
    index = {key.upper(): i for i, key in reversed(list(enumerate(kv.index_to_key)))}
    out: list[float | None] = []
    for a, b, _ in pairs:
        ia, ib = index.get(a.upper()), index.get(b.upper())
        if ia is None or ib is None:
            out.append(None)
            continue
        va, vb = kv.vectors[ia].astype(np.float64), kv.vectors[ib].astype(np.float64)
        denominator = np.linalg.norm(va) * np.linalg.norm(vb)
        out.append(float(va @ vb / denominator) if denominator > 0 else 0.0)
    return out


def word_ranks(kv: Any, words: Iterable[str]) -> dict[str, list[int]]:
    """``word -> [frequency rank (0 = most frequent), corpus count]`` for the words in the
    vocabulary (case-insensitive, as the evaluations are)."""
    index = {key.upper(): i for i, key in reversed(list(enumerate(kv.index_to_key)))}
    out = {}
    for word in sorted({w.upper() for w in words}):
        i = index.get(word)
        if i is not None:
            out[word] = [i, int(kv.get_vecattr(kv.index_to_key[i], "count"))]
    return out


def accuracy(outcomes: str) -> tuple[int, int]:
    """``(right, asked)`` of an outcome string."""
    return outcomes.count("1"), outcomes.count("1") + outcomes.count("0")


# ------------------------------------------------------------------------------ one run
@dataclass(frozen=True)
class Inputs:
    """What every run reads: the data directory, the cache, the split analogies, the pairs."""

    data: Path
    cache: Path
    dev: Path
    test: Path
    pairs: Path


def prepare_inputs(data: Path, cache: Path) -> Inputs:
    evaluation = data / "word-eval"
    for name in ("questions-words.txt", "wordsim353.tsv"):
        if not (evaluation / name).exists():
            raise LmbasicsError(f"{evaluation / name} not found (see --data)")
    dev, test = split_analogies(evaluation / "questions-words.txt", cache)
    return Inputs(data, cache, dev, test, evaluation / "wordsim353.tsv")


def record_path(out: Path, spec: RunSpec) -> Path:
    return out / "runs" / f"{spec.key}.json"


def load_record(out: Path, spec: RunSpec) -> dict[str, Any] | None:
    path = record_path(out, spec)
    if not path.exists():
        return None
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        return None  # unreadable: run it again
    return record if record.get("spec") == asdict(spec) else None


def train_and_evaluate(spec: RunSpec, inputs: Inputs, save_vectors: Path | None = None) -> dict:
    """Train the run's model and return its record (not written)."""
    from lmbasics.word2vec.model import Word2Vec

    corpus, tokens = corpus_prefix(inputs.data, inputs.cache, spec.size, spec.tokens)
    started, cpu_started = time.perf_counter(), time.process_time()
    model = Word2Vec(
        corpus_file=str(corpus), **COMMON, **MODELS[spec.model], alpha=spec.alpha,
        epochs=spec.epochs, workers=spec.workers, seed=spec.seed, progress=False,
    )
    total, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    kv = model.wv
    pairs = read_pairs(inputs.pairs)
    questions = [q for _, q in read_questions(inputs.test)]
    record = {
        "spec": asdict(spec),
        "corpus_tokens": tokens,
        "vocabulary": len(kv.index_to_key),
        "train_seconds": float(model.training_stats["seconds"]),
        "total_seconds": total,
        # CPU seconds of the whole process over the scan and training, all threads: on a shared
        # machine the wall-clock figures stretch with the load, the CPU time far less
        "cpu_seconds": cpu,
        "words_per_second": float(model.training_stats["words_per_second"]),
        "dev": analogy_outcomes(kv, inputs.dev),
        "test": analogy_outcomes(kv, inputs.test),
        "pairs": pair_cosines(kv, pairs),
        "ranks": word_ranks(kv, [w for q in questions for w in q] + [w for p in pairs for w in p[:2]]),
    }
    if save_vectors is not None:
        with atomic_path(save_vectors, suffix=".bin") as tmp:
            kv.save_word2vec_format(str(tmp), binary=True)
    return record


def run(spec: RunSpec, inputs: Inputs, out: Path, save_vectors: Path | None = None) -> dict:
    """The run's record: read back if it finished before, else trained now and written."""
    record = load_record(out, spec)
    if record is not None and (save_vectors is None or save_vectors.exists()):
        return record
    record = train_and_evaluate(spec, inputs, save_vectors)
    with atomic_path(record_path(out, spec)) as tmp:
        tmp.write_text(json.dumps(record))
    return record


# ------------------------------------------------------------------------------ the W3 grid
@dataclass(frozen=True)
class Grid:
    """Corpus sizes (label, tokens), seeds per size, learning-rate multipliers tried at the sizes
    in ``tuned`` (larger sizes reuse the choice of the largest tuned one), epochs, threads."""

    sizes: tuple[tuple[str, int], ...]
    seeds: dict[str, int]
    multipliers: tuple[float, ...]
    tuned: tuple[str, ...]
    epochs: int
    workers: int


def choose_alpha(records: list[dict[str, Any]], default: float) -> tuple[float, list[dict]]:
    """The learning rate whose seed-0 run scores best on dev (ties: closest to the default),
    and the tuning table ``[{alpha, dev_right, dev_asked, dev_accuracy}]``."""
    table = []
    for record in records:
        right, asked = accuracy(record["dev"])
        table.append({
            "alpha": record["spec"]["alpha"], "dev_right": right, "dev_asked": asked,
            "dev_accuracy": right / asked if asked else 0.0,
        })
    best = max(table, key=lambda row: (row["dev_accuracy"], -abs(np.log(row["alpha"] / default))))
    return best["alpha"], table


def run_grid(
    grid: Grid, inputs: Inputs, out: Path, models: Iterable[str] = tuple(MODELS),
    progress: Callable[[str], None] = print, save_sizes: Iterable[str] = (),
    existing_only: bool = False,
) -> dict[str, Any]:
    """Every run of the W3 grid (tuning first, then the other seeds at the chosen rate), in
    order of corpus size; returns ``{"choices": {size: {model: {...}}}, "records": [...]}``.

    ``existing_only`` trains nothing and writes nothing: it reads the records already in ``out``
    (a model whose tuning runs at a size are not all there is left out from that size on)."""
    choices: dict[str, dict[str, Any]] = {}
    records: list[dict[str, Any]] = []
    save_sizes = set(save_sizes)
    chosen: dict[str, dict[str, Any]] = {}  # model -> the choice of the largest tuned size so far
    for size, tokens in grid.sizes:
        choices[size] = {}
        for model in models:
            default = default_alpha(model)

            def spec(alpha: float, seed: int, *, size=size, tokens=tokens, model=model) -> RunSpec:
                return RunSpec(size, tokens, model, alpha, seed, grid.epochs, grid.workers)

            def vectors(s: RunSpec, *, size=size) -> Path | None:
                return inputs.cache / "vectors" / f"{s.key}.bin" if size in save_sizes else None

            def fetch(s: RunSpec, note: str = "") -> dict[str, Any] | None:
                if existing_only:
                    return load_record(out, s)
                progress(f"word2vec claims: {s.key}{note}")
                return run(s, inputs, out, vectors(s))

            if size in grid.tuned:
                tried = [fetch(spec(round(default * m, 6), 0), " (tuning)")
                         for m in grid.multipliers]
                if None in tried:  # only when existing_only: this model's tuning is unfinished
                    chosen.pop(model, None)
                    continue
                alpha, table = choose_alpha(tried, default)
                records.extend(tried)
                chosen[model] = {"alpha": alpha, "tuned_at": size, "tuning": table}
            elif model not in chosen:
                if existing_only:
                    continue
                raise LmbasicsError(f"size {size}: no tuned size before it for {model}")
            choices[size][model] = chosen[model]
            alpha = chosen[model]["alpha"]
            for seed in range(1 if size in grid.tuned else 0, grid.seeds.get(size, 1)):
                record = fetch(spec(alpha, seed))
                if record is not None:
                    records.append(record)
    return {"choices": choices, "records": records}


# The budgets. ``full`` reads ../shared/data (0.1M to 48M tokens: about an hour and a quarter of
# training on 2 cores); ``tiny`` is for tests, on a made-up stream of a few thousand tokens.
GRIDS = {
    "full": Grid(
        sizes=(("0.1M", 100_000), ("0.3M", 300_000), ("1M", 1_001_580), ("4M", 4_000_000),
               ("17M", 17_007_683), ("48M", 47_878_701)),
        seeds={"0.1M": 5, "0.3M": 5, "1M": 5, "4M": 3, "17M": 1, "48M": 1},
        multipliers=(0.5, 1.0, 2.0),
        tuned=("0.1M", "0.3M", "1M", "4M", "17M"),
        epochs=5,
        workers=2,
    ),
    "tiny": Grid(
        sizes=(("2k", 2_000), ("8k", 8_000), ("20k", 20_000)),
        seeds={"2k": 2, "8k": 2, "20k": 1},
        multipliers=(0.5, 1.0, 2.0),
        tuned=("2k", "8k"),
        epochs=2,
        workers=1,
    ),
}
