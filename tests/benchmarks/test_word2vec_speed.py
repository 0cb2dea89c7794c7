"""The whole-process word2vec benchmark: its command lines, its ratios, and one tiny end-to-end run.

No timing is asserted: the end-to-end run checks the report's structure and contents on a made-up
corpus with lmbasics and gensim only (the C peers pointed at an empty folder, so skipped).
"""

from __future__ import annotations

import importlib
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
BENCHMARKS = PROJECT_ROOT / "benchmarks"


def _load(name: str):
    """A benchmark helper module, imported as the benchmark scripts import each other."""
    if str(BENCHMARKS) not in sys.path:
        sys.path.insert(0, str(BENCHMARKS))
    return importlib.import_module(name)


whole = _load("_word2vec_whole")
report = _load("_word2vec_whole_report")


def _argv(tool: str, mode: str) -> tuple[list[str], dict[str, str]]:
    return whole.command(tool, mode, Path("c.txt"), Path("v.bin"), 5, 2, ["lmbasics"], Path("/peers"))


def _flag(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


@pytest.mark.parametrize("mode", ["sg-ns", "cbow-ns", "sg-hs", "cbow-hs"])
def test_every_tool_gets_the_same_settings(mode):
    sg, hs = mode.startswith("sg"), mode.endswith("hs")
    lmbasics, _ = _argv("lmbasics", mode)
    assert lmbasics[:5] == ["lmbasics", "train", "c.txt", "-o", "v.bin"] and "--binary" in lmbasics
    assert _flag(lmbasics, "--model") == ("skipgram" if sg else "cbow")
    assert _flag(lmbasics, "--loss") == ("hs" if hs else "ns")
    assert [_flag(lmbasics, f) for f in ("--dim", "--window", "--sample", "--min-count", "--epochs",
                                         "--threads")] == ["100", "5", "1e-4", "5", "5", "2"]
    assert ("--negative" in lmbasics) == (not hs)
    for tool in ("gensim", "fasttext"):
        argv, _ = _argv(tool, mode)
        assert argv[1].endswith("_word2vec_peer.py") and argv[2] == tool
        assert [_flag(argv, f) for f in ("--mode", "--dim", "--window", "--sample", "--min-count",
                                         "--epochs", "--threads", "--alpha")] == [
            mode, "100", "5", "1e-4", "5", "5", "2", "0.025" if sg else "0.05"]
    c_tool, env = _argv("word2vec.c", mode)
    assert c_tool[0] == "/peers/word2vec" and env == {}
    assert [_flag(c_tool, f) for f in ("-size", "-window", "-sample", "-min-count", "-iter", "-threads",
                                       "-binary", "-cbow", "-hs", "-negative")] == [
        "100", "5", "1e-4", "5", "5", "2", "1", str(int(not sg)), str(int(hs)), "0" if hs else "5"]


def test_pword2vec_runs_skipgram_negative_sampling_with_one_blas_thread():
    argv, env = _argv("pword2vec", "sg-ns")
    assert argv[0] == "/peers/pword2vec" and env == {"OPENBLAS_NUM_THREADS": "1"}
    assert [_flag(argv, f) for f in ("-negative", "-batch-size", "-sample")] == ["5", "11", "1e-4"]
    assert {m for t in whole.TOOLS if t.name == "pword2vec" for m in t.modes} == {"sg-ns"}


def _run(tool, seconds, rss, mode="sg-ns", epochs=1, kind="text"):
    return {"tool": tool, "mode": mode, "epochs": epochs, "input": kind, "threads": 2,
            "wall_seconds": seconds, "cpu_seconds": 2 * seconds, "peak_rss_mb": rss}


def test_summary_takes_medians_and_ratios_to_every_peer_and_the_fastest():
    runs = [_run("lmbasics", s, r) for s, r in ((10, 400), (12, 420), (30, 380))]
    runs += [_run("gensim", s, 200) for s in (24, 20, 26)]
    runs += [_run("pword2vec", s, 600) for s in (13, 15, 14)]
    runs += [_run("lmbasics", 7, 300, mode="cbow-ns"), _run("gensim", 3.5, 150, mode="cbow-ns")]
    rows = {row["mode"]: row for row in report.summarise(runs)}
    sg = rows["sg-ns"]
    assert sg["tools"]["lmbasics"]["median_seconds"] == 12
    assert sg["tools"]["lmbasics"]["median_peak_rss_mb"] == 400
    assert sg["tools"]["lmbasics"]["max_peak_rss_mb"] == 420
    assert sg["speedup"] == {"gensim": 2.0, "pword2vec": round(14 / 12, 3)}
    assert sg["fastest_peer"] == "pword2vec" and sg["speedup_vs_fastest_peer"] == round(14 / 12, 3)
    assert sg["rss_vs_gensim"] == 2.0
    assert rows["cbow-ns"]["speedup"] == {"gensim": 0.5} and rows["cbow-ns"]["fastest_peer"] == "gensim"


def test_peak_rss_is_the_tools_own_not_the_launching_process_high_water_mark(tmp_path):
    if whole.gnu_time() is None:
        pytest.skip("GNU time not installed (apt-get install time)")
    # a child's ru_maxrss starts at its parent's peak; the parent here peaks at 300 MB first
    code = (f"import sys; sys.path.insert(0, {str(BENCHMARKS)!r}); from pathlib import Path\n"
            "import _word2vec_whole as w\n"
            "ballast = bytearray(300 << 20); ballast[::4096] = bytes(len(ballast[::4096]))\n"
            f"print(w.timed(['true'], {{}}, Path({str(tmp_path / 'log')!r}), w.gnu_time())['peak_rss_mb'])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert 0 < float(done.stdout) < 50


def _made_up_corpus(path: Path) -> int:
    """2,000 lines of 8 words drawn from 40 made-up words: every word is far above min-count 5."""
    rng = random.Random(0)
    words = [f"w{i}" for i in range(40)]
    path.write_text("".join(" ".join(rng.choices(words, k=8)) + "\n" for _ in range(2000)))
    return len(words)


@pytest.mark.slow
def test_whole_process_run_reports_every_tool_and_skips_missing_peers(tmp_path):
    pytest.importorskip("gensim")
    corpus = tmp_path / "corpus.txt"
    words = _made_up_corpus(corpus)
    evaluation = tmp_path / "eval"
    evaluation.mkdir()
    (evaluation / "questions-words.txt").write_text(": made-up\nw1 w2 w3 w4\nw5 w6 w7 nowhere\n")
    report_path = tmp_path / "report.json"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(PROJECT_ROOT / "src"), *filter(None, [os.environ.get("PYTHONPATH")])])}
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / "word2vec_speed.py"), "--whole-process", "--corpus", str(corpus),
         "--modes", "cbow-ns", "--epochs", "1", "--inputs", "text,gz", "--rounds", "1", "--threads", "1",
         "--tools", "lmbasics,gensim,word2vec.c,pword2vec", "--peers-dir", str(tmp_path / "no-peers"),
         "--peers-source", str(tmp_path / "no-source"), "--lmbasics", f"{sys.executable} -m lmbasics",
         "--no-kernel-check", "--evaluate", str(evaluation), "--json", str(report_path)],
        capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr
    for peer in ("word2vec.c", "pword2vec"):
        assert f"{peer}: skipped (no {tmp_path / 'no-peers'}" in done.stdout
    result = json.loads(report_path.read_text())
    assert set(result["skipped"]) == {"word2vec.c", "pword2vec"}
    machine = result["machine"]
    assert machine["cpu_model"] and machine["logical_cpus"] >= 1 and machine["memory_gib"] > 0
    assert machine["versions"]["lmbasics"].startswith("lmbasics ") and machine["versions"]["gensim"]
    assert result["settings"]["sample"] == 1e-4 and result["settings"]["rounds"] == 1
    floor = machine["rss_floor_mb"]
    assert machine["peak_rss_from"] and 0 < floor < min(r["peak_rss_mb"] for r in result["runs"])
    assert Path(result["corpus"]["gz"]["path"]).name == "corpus.txt.gz"
    runs = {(r["tool"], r["input"]): r for r in result["runs"]}
    assert sorted(runs) == [("gensim", "gz"), ("gensim", "text"), ("lmbasics", "gz"), ("lmbasics", "text")]
    for run in runs.values():
        assert run["exit_code"] == 0 and run["wall_seconds"] > 0 and run["peak_rss_mb"] > 0
        assert run["vocabulary"] == words and run["analogy_questions"] == 1
        assert run["mode"] == "cbow-ns" and run["round"] == 1 and run["epochs"] == 1
    assert runs[("lmbasics", "text")]["corpus_words"] == 16000
    assert " -m lmbasics train " in runs[("lmbasics", "gz")]["command"]
    assert runs[("lmbasics", "gz")]["command"].split(" train ")[1].startswith(result["corpus"]["gz"]["path"])
    summary = {row["input"]: row for row in result["summary"]}
    for kind in ("text", "gz"):
        ours, theirs = runs[("lmbasics", kind)], runs[("gensim", kind)]
        assert summary[kind]["speedup"]["gensim"] == round(
            round(theirs["wall_seconds"], 2) / round(ours["wall_seconds"], 2), 3)
        assert summary[kind]["rss_vs_gensim"] == round(ours["peak_rss_mb"] / theirs["peak_rss_mb"], 3)
    assert "| cbow-ns |" in result["markdown"] and "gensim `LineSentence`" in result["markdown"]
    assert result["markdown"] in done.stdout
