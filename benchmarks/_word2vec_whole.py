"""Whole-process word2vec benchmark: `lmbasics train` against its peers as a user types them.

Run through ``word2vec_speed.py --whole-process`` (see its docstring for the command). Every tool
trains on the same file, one process at a time, the tools interleaved within a round and their
order rotated from round to round; each run is timed from start to exit (wall seconds) and its
peak RSS is the tool's own (through GNU time if installed, else ``os.wait4``: see ``timed``). Settings,
the same for every tool: dim 100, window 5, negative 5 (or hierarchical softmax), sample 1e-4,
min-count 5, learning rate 0.025 Skip-gram / 0.05 CBOW; everything else is each tool's shipped
default. The peers:

- gensim 4.x, ``Word2Vec(corpus_file=...)`` (its fastest path); ``LineSentence`` on ``.gz``.
- word2vec.c and Intel's pWord2Vec (Skip-gram + negative sampling only), built from
  ``../shared/peers`` by its ``build.sh`` into ``--peers-dir``; plain text only.
- fastText (``pip install fasttext-wheel``: a Python module, no binary), ``train_unsupervised``
  without subwords; plain text only.

``--evaluate DIR`` scores each run's output on the analogy questions (restrict_vocab 30000, as
gensim's ``evaluate_word_analogies`` counts) and WordSim-353, untimed, so that a report can show
the speed came at equal quality.
"""

from __future__ import annotations

import argparse
import datetime
import gzip
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from _word2vec_whole_report import markdown, summarise

HERE = Path(__file__).resolve().parent
PEER_SCRIPT = HERE / "_word2vec_peer.py"
MODES = ("sg-ns", "cbow-ns", "sg-hs", "cbow-hs")
# the settings every tool gets (README of ../shared/peers: text8-sized corpus, 2 threads)
DIM, WINDOW, NEGATIVE, SAMPLE, MIN_COUNT = 100, 5, 5, "1e-4", 5


@dataclass(frozen=True)
class Tool:
    name: str  # key in the JSON
    modes: tuple[str, ...]
    gz: bool  # reads a gzipped corpus


TOOLS = (
    Tool("lmbasics", MODES, gz=True),
    Tool("gensim", MODES, gz=True),
    Tool("word2vec.c", MODES, gz=False),
    Tool("pword2vec", ("sg-ns",), gz=False),
    Tool("fasttext", MODES, gz=False),
)


def _alpha(mode: str) -> str:
    return "0.025" if mode.startswith("sg") else "0.05"


def command(tool: str, mode: str, corpus: Path, output: Path, epochs: int, threads: int,
            lmbasics: list[str], peers_dir: Path) -> tuple[list[str], dict[str, str]]:
    """The command line (and extra environment) that trains ``mode`` with ``tool``."""
    sg, hs = mode.startswith("sg"), mode.endswith("hs")
    shared = [str(corpus), "-o", str(output)]
    if tool == "lmbasics":
        return [*lmbasics, "train", *shared, "--binary", "--model", "skipgram" if sg else "cbow",
                "--loss", "hs" if hs else "ns", "--dim", str(DIM), "--window", str(WINDOW),
                *([] if hs else ["--negative", str(NEGATIVE)]), "--sample", SAMPLE,
                "--min-count", str(MIN_COUNT), "--epochs", str(epochs), "--threads", str(threads)], {}
    if tool in ("gensim", "fasttext"):
        return [sys.executable, str(PEER_SCRIPT), tool, *shared, "--mode", mode, "--dim", str(DIM),
                "--window", str(WINDOW), "--negative", str(NEGATIVE), "--sample", SAMPLE,
                "--min-count", str(MIN_COUNT), "--alpha", _alpha(mode), "--epochs", str(epochs),
                "--threads", str(threads)], {}
    common = ["-train", str(corpus), "-output", str(output), "-size", str(DIM), "-window",
              str(WINDOW), "-sample", SAMPLE, "-threads", str(threads), "-binary", "1",
              "-iter", str(epochs), "-min-count", str(MIN_COUNT)]
    if tool == "word2vec.c":  # its alpha default is already 0.025 / 0.05 (CBOW)
        return [str(peers_dir / "word2vec"), *common, "-negative", "0" if hs else str(NEGATIVE),
                "-hs", str(int(hs)), "-cbow", str(int(not sg))], {}
    if tool == "pword2vec":  # its matrix products must not start threads of their own
        return [str(peers_dir / "pword2vec"), *common, "-negative", str(NEGATIVE),
                "-batch-size", str(2 * WINDOW + 1)], {"OPENBLAS_NUM_THREADS": "1"}
    raise ValueError(f"unknown tool {tool!r}")


def gnu_time() -> str | None:
    """GNU time, if installed: it forks each tool from its own tiny process (see ``timed``)."""
    path = shutil.which("time") or "/usr/bin/time"
    if not os.access(path, os.X_OK):
        return None
    done = subprocess.run([path, "--version"], capture_output=True, text=True)
    return path if "GNU" in done.stdout + done.stderr else None


def timed(argv: list[str], extra_env: dict[str, str], log: Path, launcher: str | None) -> dict:
    """Run ``argv`` to completion: wall seconds, CPU seconds and the peak RSS of that process.

    A child's ``ru_maxrss`` starts at its parent's peak: Linux keeps the high-water mark of the
    memory a process had before ``exec`` (``vfork`` and ``fork`` both hand it the parent's), so
    measured from this Python process, whose peak is ~20 MB, a word2vec.c run on a small corpus
    would read 20 MB. With GNU time as ``launcher`` the tool is forked from a ~2 MB process and
    GNU time reports its ``ru_maxrss``; without it, ``os.wait4`` gives the child's own rusage
    and this process's peak is the floor (``rss_floor_mb`` in the report: ``true``'s reading).
    """
    stats = log.with_suffix(".time")
    launch = [launcher, "-f", "%M %U %S", "-o", str(stats), *argv] if launcher else argv
    with open(log, "wb") as out:
        started = time.perf_counter()
        process = subprocess.Popen(launch, stdout=out, stderr=subprocess.STDOUT,
                                   env={**os.environ, **extra_env})
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    rss_kib, cpu = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
    if launcher and stats.is_file():
        last = stats.read_text().strip().splitlines()[-1].split()  # after any "exited with" line
        if len(last) == 3:
            rss_kib, cpu = int(last[0]), float(last[1]) + float(last[2])
        stats.unlink()
    return {"exit_code": process.returncode, "wall_seconds": round(wall, 3),
            "cpu_seconds": round(cpu, 3), "peak_rss_mb": round(rss_kib / 1024, 1)}  # KiB on Linux


def find_tools(names: list[str], lmbasics: list[str], peers_dir: Path,
               peers_source: Path) -> tuple[list[Tool], dict[str, str]]:
    """The tools that can run here, and a one-line reason for each one that cannot."""
    known = {tool.name: tool for tool in TOOLS}
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise SystemExit(f"unknown tool(s) {', '.join(unknown)}; choose from {', '.join(known)}")
    if "lmbasics" in names and shutil.which(lmbasics[0]) is None:
        raise SystemExit(f"{lmbasics[0]}: command not found (install the project: pip install -e .)")
    missing_binaries = [n for n, b in (("word2vec.c", "word2vec"), ("pword2vec", "pword2vec"))
                        if n in names and not os.access(peers_dir / b, os.X_OK)]
    build = peers_source / "build.sh"
    if missing_binaries and build.is_file():
        print(f"building the C peers: {build} {peers_dir}", flush=True)
        done = subprocess.run([str(build), str(peers_dir)], capture_output=True, text=True)
        if done.returncode:
            print(f"build failed:\n{done.stdout}{done.stderr}", file=sys.stderr)
    skipped = {}
    for name in names:
        binary = {"word2vec.c": "word2vec", "pword2vec": "pword2vec"}.get(name)
        module = {"gensim": "gensim", "fasttext": "fasttext"}.get(name)
        if binary and not os.access(peers_dir / binary, os.X_OK):
            skipped[name] = (f"no {peers_dir / binary}; build it with "
                             f"{build if build.is_file() else '../shared/peers/build.sh'} {peers_dir}")
        elif module and importlib.util.find_spec(module) is None:
            package = "fasttext-wheel" if module == "fasttext" else module
            skipped[name] = f"{sys.executable} cannot import {module} (pip install {package})"
    return [known[n] for n in names if n not in skipped], skipped


def _version(distribution: str) -> str | None:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def _first_line(argv: list[str]) -> str | None:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    except OSError:
        return None
    return (done.stdout or done.stderr).strip().splitlines()[0] if (done.stdout or done.stderr) else None


def _sha256(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16] if path.is_file() else None


def _lmbasics_source() -> str | None:
    """Where this interpreter imports lmbasics from, with the git commit there (+ if modified)."""
    spec = importlib.util.find_spec("lmbasics")
    if spec is None or spec.origin is None:
        return None
    folder = Path(spec.origin).parent

    def git(*words: str) -> str | None:
        try:
            done = subprocess.run(["git", "-C", str(folder), *words], capture_output=True, text=True)
        except OSError:
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "--short", "HEAD")
    if commit is None:
        return str(folder)
    return f"{folder} @{commit}{'+' if git('status', '--porcelain', '--untracked-files=no') else ''}"


def describe_machine(lmbasics: list[str], peers_dir: Path, peers_source: Path) -> dict:
    """CPU, cores, memory, date and the version of every tool, for the report's first line."""
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    models = [line.split(":", 1)[1].strip() for line in cpuinfo.splitlines()
              if line.startswith("model name")]
    flags = next((line.split(":", 1)[1].split() for line in cpuinfo.splitlines()
                  if line.startswith("flags")), [])
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    mem_kib = next((int(line.split()[1]) for line in meminfo.splitlines()
                    if line.startswith("MemTotal")), 0)
    build = peers_source / "build.sh"
    return {
        "date_utc": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "cpu_model": models[0] if models else platform.processor(),
        "cpu_simd": [f for f in ("avx2", "avx512f", "fma") if f in flags],
        "logical_cpus": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "memory_gib": round(mem_kib / 2**20, 1),
        "load_average_at_start": os.getloadavg(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "versions": {
            "lmbasics": _first_line([*lmbasics, "--version"]),
            "lmbasics_command": shutil.which(lmbasics[0]),
            "lmbasics_source": _lmbasics_source(),
            "gensim": _version("gensim"), "numpy": _version("numpy"), "numba": _version("numba"),
            "fasttext-wheel": _version("fasttext-wheel"),
            "gcc": _first_line(["gcc", "--version"]),
            "peers_sources": [line.lstrip("# ").strip() for line in build.read_text().splitlines()
                              if "@" in line] if build.is_file() else None,
            "word2vec_sha256": _sha256(peers_dir / "word2vec"),
            "pword2vec_sha256": _sha256(peers_dir / "pword2vec"),
        },
    }


def prepare_inputs(corpus: Path, kinds: list[str], workdir: Path) -> dict[str, Path]:
    """The corpus as plain text and/or gzip: the given file, the other form written into workdir."""
    if not corpus.is_file():
        raise SystemExit(f"corpus not found: {corpus}")
    is_gz = corpus.suffix == ".gz"
    paths = {}
    for kind in kinds:
        if (kind == "gz") == is_gz:
            paths[kind] = corpus
        elif kind == "text":
            paths[kind] = workdir / corpus.name.removesuffix(".gz")
            with gzip.open(corpus, "rb") as source, open(paths[kind], "wb") as target:
                shutil.copyfileobj(source, target, 1 << 20)
        else:
            paths[kind] = workdir / (corpus.name + ".gz")
            with open(corpus, "rb") as source, gzip.open(paths[kind], "wb", compresslevel=6) as target:
                shutil.copyfileobj(source, target, 1 << 20)
    return paths


def _warm(path: Path) -> None:
    """Read the file once so that no tool pays for the first read from disk."""
    with open(path, "rb") as stream:
        while stream.read(1 << 24):
            pass


def _vocabulary(vectors: Path) -> int | None:
    """The word count in a word2vec-format file's header."""
    with open(vectors, "rb") as stream:
        header = stream.readline().split()
    return int(header[0]) if len(header) == 2 else None


def _evaluate(vectors: Path, evaluation: Path) -> dict:
    """Scores of one run's vectors, untimed, in a process of their own (this one stays small)."""
    argv = [sys.executable, str(PEER_SCRIPT), "evaluate", str(vectors),
            "--analogies", str(evaluation / "questions-words.txt")]
    if (evaluation / "wordsim353.tsv").is_file():
        argv += ["--pairs", str(evaluation / "wordsim353.tsv")]
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"evaluating {vectors} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_one(tool: str, mode: str, corpus: Path, epochs: int, threads: int, args: argparse.Namespace,
            workdir: Path) -> dict:
    """One timed run; its vectors are checked (and scored with --evaluate), then deleted."""
    output = workdir / f"{tool}-{mode}.bin"
    argv, extra_env = command(tool, mode, corpus, output, epochs, threads, args.lmbasics_argv,
                              args.peers_dir)
    log = workdir / f"{tool}-{mode}.log"
    result = {"tool": tool, "mode": mode, "epochs": epochs, "threads": threads,
              "command": " ".join([*(f"{k}={v}" for k, v in extra_env.items()),
                                   shlex.join(argv)])}
    result.update(timed(argv, extra_env, log, args.launcher))
    if result["exit_code"] != 0 or not output.is_file():
        tail = log.read_text(errors="replace")[-2000:]
        raise SystemExit(f"{tool} {mode} failed (exit {result['exit_code']}):\n"
                         f"{result['command']}\n{tail}")
    result["vocabulary"] = _vocabulary(output)
    settings = Path(str(output) + ".json")  # lmbasics writes its resolved settings beside
    if settings.is_file():
        result["corpus_words"] = json.loads(settings.read_text()).get("corpus_words")
    if args.evaluate:
        result.update(_evaluate(output, Path(args.evaluate)))
    for path in (output, settings, log):
        path.unlink(missing_ok=True)
    return result


def _write_json(path: str | None, report: dict) -> None:
    if path:
        from lmbasics._util.atomic import atomic_write_text

        atomic_write_text(path, json.dumps(report, indent=1))


def check_kernels_in_child() -> bool:
    """The kernels against the NumPy reference, in a child process.

    Not here: numba would raise this process's peak RSS, which every child's peak starts from.
    """
    code = "from lmbasics.word2vec.reference import check_kernels; print(check_kernels())"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if done.returncode:
        print(f"kernel check failed to run:\n{done.stderr[-2000:]}", file=sys.stderr)
        return False
    error = float(done.stdout.split()[-1])
    print(f"kernels vs reference: max |difference| = {error:.2e}", flush=True)
    if error > 1e-9:
        print("kernel check failed: not timing a wrong kernel", file=sys.stderr)
    return error <= 1e-9


def warm_lmbasics(args: argparse.Namespace, corpus: Path, modes: list[str], workdir: Path) -> None:
    """Run ``lmbasics train`` once per mode, untimed, on the corpus's first 8 MB.

    numba compiles a kernel whose on-disk cache is missing or stale (its source file changed, as
    after a merge) at the kernel's first call, then caches it: seconds, and 50-100 MB of peak RSS
    that stay for the whole process (a run of sg-ns on enwiki-17M measured 354 MB compiling,
    251 MB from the cache), which would land in the first timed run of a mode only. 8 MB of text
    has enough distinct words to grow the scanner's table, whose kernel is compiled too.
    """
    head = workdir / "warm-up.txt"
    opener = gzip.open if corpus.suffix == ".gz" else open
    with opener(corpus, "rb") as source:
        data = source.read(8 << 20)
    head.write_bytes(data[: data.rfind(b"\n") + 1] or data)
    for mode in modes:
        output = workdir / f"warm-up-{mode}.bin"
        argv, extra_env = command("lmbasics", mode, head, output, 1, 2, args.lmbasics_argv,
                                  args.peers_dir)
        done = subprocess.run(argv, capture_output=True, text=True, env={**os.environ, **extra_env})
        if done.returncode:
            raise SystemExit(f"lmbasics warm-up ({mode}) failed:\n{done.stderr[-2000:]}")
        for path in (output, Path(str(output) + ".json")):
            path.unlink(missing_ok=True)
    head.unlink()
    print(f"lmbasics warmed up (numba's kernel cache) in {len(modes)} mode(s)", flush=True)


def _parse_list(text: str, allowed: tuple[str, ...] | None = None, kind: type = str) -> list:
    values = [kind(item) for item in text.split(",") if item]
    if allowed is not None and (bad := [v for v in values if v not in allowed]):
        raise SystemExit(f"unknown value(s) {', '.join(map(str, bad))}; choose from {', '.join(allowed)}")
    return values


def run_whole(args: argparse.Namespace) -> int:
    """The whole-process benchmark; ``args`` come from ``word2vec_speed.py``."""
    modes = _parse_list(args.modes, MODES)
    epochs_list = _parse_list(args.epochs, kind=int)
    kinds = _parse_list(args.inputs, ("text", "gz"))
    threads_list = _parse_list(args.threads or "2", kind=int)
    args.lmbasics_argv = shlex.split(args.lmbasics)
    args.peers_dir = Path(args.peers_dir).expanduser()
    peers_source = Path(args.peers_source).expanduser()
    tools, skipped = find_tools(_parse_list(args.tools), args.lmbasics_argv, args.peers_dir,
                                peers_source)
    for name, reason in skipped.items():
        print(f"{name}: skipped ({reason})", flush=True)
    if not args.no_kernel_check and not check_kernels_in_child():
        return 1
    args.launcher = gnu_time()
    if args.launcher is None:
        print("GNU time not found (apt-get install time): peak RSS from os.wait4, whose floor is "
              "this process's own peak", flush=True)
    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="lmbasics-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        inputs = prepare_inputs(Path(args.corpus), kinds, workdir)
        if any(tool.name == "lmbasics" for tool in tools):
            warm_lmbasics(args, inputs[kinds[0]], modes, workdir)
        report = {
            "benchmark": "word2vec whole process: each tool's command, start to exit",
            "machine": {**describe_machine(args.lmbasics_argv, args.peers_dir, peers_source),
                        "peak_rss_from": f"GNU time %M ({args.launcher})" if args.launcher
                        else "os.wait4 of each tool's process"},
            "settings": {"dim": DIM, "window": WINDOW, "negative": NEGATIVE, "sample": float(SAMPLE),
                         "min_count": MIN_COUNT, "alpha": {"skip-gram": 0.025, "cbow": 0.05},
                         "rounds": args.rounds, "modes": modes, "epochs": epochs_list,
                         "inputs": kinds, "threads": threads_list},
            "corpus": {kind: {"path": str(path), "bytes": path.stat().st_size}
                       for kind, path in inputs.items()},
            "skipped": skipped, "runs": [], "summary": [],
        }
        for epochs in epochs_list:
            for kind in kinds:
                _warm(inputs[kind])
                for threads in threads_list:
                    _rounds(report, tools, modes, epochs, kind, threads, inputs[kind], args, workdir)
        report["machine"]["load_average_at_end"] = os.getloadavg()
        # the least peak RSS a tool can show here: an empty command's, timed the same way
        report["machine"]["rss_floor_mb"] = timed(["true"], {}, workdir / "floor.log",
                                                  args.launcher)["peak_rss_mb"]
        report["summary"] = summarise(report["runs"])
        report["markdown"] = markdown(report["summary"], report["machine"], args.rounds)
        _write_json(args.json, report)
        print("\n" + report["markdown"])
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


def _rounds(report: dict, tools: list[Tool], modes: list[str], epochs: int, kind: str, threads: int,
            corpus: Path, args: argparse.Namespace, workdir: Path) -> None:
    """All rounds of one (epochs, input, threads) block: tools one after the other, order rotated."""
    for round_index in range(args.rounds):
        for mode in modes:
            runnable = [t.name for t in tools if mode in t.modes and (t.gz or kind == "text")]
            shift = round_index % max(len(runnable), 1)
            for tool in runnable[shift:] + runnable[:shift]:
                result = run_one(tool, mode, corpus, epochs, threads, args, workdir)
                result.update(input=kind, round=round_index + 1)
                report["runs"].append(result)
                _write_json(args.json, report)  # a long run keeps what it has measured
                print(f"round {round_index + 1}/{args.rounds}, {epochs} epoch(s), {kind}, "
                      f"{threads} thread(s), {mode}, {tool}: {result['wall_seconds']:.1f} s, "
                      f"{result['peak_rss_mb']:.0f} MB", flush=True)
