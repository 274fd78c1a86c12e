"""The kill -9 suite (issue 15): ``newsdesk ingest``, ``analyze`` and ``report`` killed at random
points, then rerun; the store and the outputs must equal those of an unbroken run, titles included.

Each family first makes an unbroken reference run and times it; every trial then starts the same
command on a copy of the starting state and kills it with SIGKILL at a random point: a random
moment between the reference run's first article commit and its end, or (half of the ingest and
analyze trials) the moment the store reaches a random number of articles. It then checks what the
kill left (the store passes SQLite's
integrity check and newsdesk's consistency checks; every output file is either the previous one or
a complete new one, never cut), reruns the command and compares store and outputs with the
reference.

All runs share one ``PYTHONHASHSEED``: the story index sums floats in set order, whose last bit
depends on the hash seed (docs/reliability.md), and the comparison here is byte for byte.

Sizes: ``NEWSDESK_KILL_INGEST``, ``NEWSDESK_KILL_ANALYZE``, ``NEWSDESK_KILL_REPORT`` trials
(default 2, 1, 1 in CI); ``NEWSDESK_KILL_SEED`` picks the random points (default 15);
``NEWSDESK_KILL_STAGES`` the analysis stages of the analyze family (default
``entities`` in CI: the stories are parsed and the analysis written; ``all`` for every stage, as in the
longer runs of docs/reliability.md); ``NEWSDESK_KILL_LOG``, when set, names a JSON-lines file that gets one line per trial.

``NEWSDESK_KILL_FORK=1`` (the long runs) starts the trials' processes by ``fork`` from one process
that has imported newsdesk and loaded its models once (:class:`_Forker`), instead of a fresh
``python -m newsdesk.cli`` each: a trial then costs the work itself, not seconds of imports and
model loading. What is checked does not change: the unbroken reference is still a fresh CLI
process; a forked child is killed with the same SIGKILL; its rerun must equal that reference.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from newsdesk.doctor import check
from newsdesk.store import open_store
from test_reliability import reuters_records  # tests/ is on sys.path (rootdir conftest)

CLI = [sys.executable, "-m", "newsdesk.cli"]
ENV = {**os.environ, "PYTHONHASHSEED": "15", "COLUMNS": "500", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
TRIALS = {
    "ingest": int(os.environ.get("NEWSDESK_KILL_INGEST", "2")),
    "analyze": int(os.environ.get("NEWSDESK_KILL_ANALYZE", "1")),
    "report": int(os.environ.get("NEWSDESK_KILL_REPORT", "1")),
}
ANALYZE_STAGES = os.environ.get("NEWSDESK_KILL_STAGES", "entities")
RNG = random.Random(int(os.environ.get("NEWSDESK_KILL_SEED", "15")))
OUTPUTS = ("analysis.json", "report.md", "report.html")
FORK = os.environ.get("NEWSDESK_KILL_FORK", "") not in ("", "0")

pytestmark = [pytest.mark.bench, pytest.mark.slow]


_FORKER_CODE = r"""
import importlib, json, os, pkgutil, sys
import newsdesk, newsdesk.cli as cli
for module in pkgutil.walk_packages(newsdesk.__path__, "newsdesk."):  # every import a command makes
    if ".bench" in module.name or ".training" in module.name or module.name.endswith("__main__"):
        continue
    try:
        importlib.import_module(module.name)
    except BaseException:
        pass
import sklearn.feature_extraction.text  # imported on first use by the story features
if sys.argv[1] == "models":
    from newsdesk import resources
    resources.nlp()
    resources.sentence_encoder()
print("ready", flush=True)
for line in sys.stdin:
    request = json.loads(line)
    if "run" in request:
        pid = os.fork()
        if pid == 0:
            null = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(null, fd)
            try:
                code = cli.main(request["run"])
            except BaseException:
                code = 70
            os._exit(code)
        print(pid, flush=True)
    else:
        pid, status = os.waitpid(request["wait"], 0 if request.get("block") else os.WNOHANG)
        print(json.dumps(None if pid == 0 else os.waitstatus_to_exitcode(status)), flush=True)
"""


class _Forker:
    """One process with newsdesk imported (and, for ``models``, spaCy and MiniLM loaded) that
    forks a child per command: ``start`` returns the child's pid, ``poll``/``wait`` its exit code
    (negative: killed by that signal)."""

    def __init__(self, preload: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", _FORKER_CODE, preload],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=ENV,
        )
        assert self.process.stdout.readline().strip() == "ready"

    def _ask(self, request: dict) -> str:
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        return self.process.stdout.readline()

    def start(self, args: list[str]) -> int:
        return int(self._ask({"run": [*args, "-q"]}))

    def poll(self, pid: int) -> int | None:
        return json.loads(self._ask({"wait": pid}))

    def wait(self, pid: int) -> int:
        return json.loads(self._ask({"wait": pid, "block": True}))

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=60)


class _Process:
    """A command being run: a fresh CLI process, or a child of the forker."""

    def __init__(self, args: list[str], forker: _Forker | None) -> None:
        self.forker = forker
        if forker is None:
            self.popen = subprocess.Popen(
                [*CLI, *args, "-q"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV
            )
        else:
            self.pid = forker.start(args)
        self.code: int | None = None

    def poll(self) -> int | None:
        if self.code is None:
            self.code = self.popen.poll() if self.forker is None else self.forker.poll(self.pid)
        return self.code

    def kill(self) -> None:
        if self.forker is None:
            self.popen.send_signal(signal.SIGKILL)
            self.code = self.popen.wait()
        else:
            os.kill(self.pid, signal.SIGKILL)
            self.code = self.forker.wait(self.pid)

    def wait(self) -> int:
        if self.code is None:
            self.code = self.popen.wait(timeout=1800) if self.forker is None else self.forker.wait(self.pid)
        return self.code


@pytest.fixture(scope="module")
def forker():
    """The forker of the long runs (None: fresh processes, as in CI)."""
    if not FORK:
        yield None
        return
    process = _Forker("models")
    yield process
    process.close()


def _run(args: list[str], *, check_codes=(0, 1), forker: _Forker | None = None) -> float:
    started = time.monotonic()
    if forker is not None:
        code = _Process(args, forker).wait()
        assert code in check_codes, f"{args}: exit code {code}"
        return time.monotonic() - started
    result = subprocess.run([*CLI, *args, "-q"], capture_output=True, text=True, env=ENV, timeout=1800)
    assert result.returncode in check_codes, result.stderr[-2000:]
    return time.monotonic() - started


def _first_article_time(args: list[str], db: Path, forker: _Forker | None = None) -> tuple[float, float]:
    """Run ``args`` unbroken; return (seconds until its first article was committed, total seconds)."""
    import sqlite3

    started = time.monotonic()
    process = _Process(args, forker)
    first = None
    while process.poll() is None:
        if first is None and db.exists():
            try:
                with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.5) as reader:
                    if reader.execute("SELECT COUNT(*) FROM articles").fetchone()[0]:
                        first = time.monotonic() - started
            except sqlite3.Error:
                pass
        time.sleep(0.05)
    total = time.monotonic() - started
    assert process.poll() in (0, 1), f"{args}: exit code {process.poll()}"
    return (first if first is not None else 0.0), total


def _articles(db: Path) -> int:
    import sqlite3

    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.5) as reader:
            return reader.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    except sqlite3.Error:
        return 0


def _kill_at(
    args: list[str],
    delay: float,
    *,
    db: Path | None = None,
    articles: int | None = None,
    forker: _Forker | None = None,
    writing_in: Path | None = None,
) -> bool:
    """Start ``args`` and SIGKILL it after ``delay`` seconds or, with ``articles``, as soon as the
    store ``db`` holds that many articles, or, with ``writing_in``, ``delay`` seconds after the
    first temporary output file appeared in that folder; False when it had finished before."""
    process = _Process(args, forker)
    waiting_for_event = articles is not None or writing_in is not None
    deadline = time.monotonic() + (1800 if waiting_for_event else delay)
    while process.poll() is None and time.monotonic() < deadline:
        if articles is not None and db is not None and db.exists() and _articles(db) >= articles:
            break
        if writing_in is not None and deadline - time.monotonic() > delay and any(writing_in.glob(".*.tmp")):
            deadline = time.monotonic() + delay
        time.sleep(0.001 if writing_in is not None else 0.01 if articles is not None else 0.005)
    if process.poll() is not None:
        return False
    process.kill()
    return True


def _kill_point(first: float, total: float, expected_articles: int) -> tuple[float, int | None, str]:
    """Half the kills at a random moment of the run, half as the store reaches a random number of
    articles (extraction is fast, so a moment alone would rarely land there)."""
    if expected_articles > 1 and RNG.random() < 0.5:
        return total, RNG.randint(1, expected_articles - 1), "articles"
    return RNG.uniform(max(0.0, first - 0.5), total), None, "time"


def _store_rows(db: Path) -> dict:
    with open_store(db, read_only=True) as store:
        return store.dump()


def _outputs(folder: Path) -> dict[str, str]:
    """The output files without what belongs to one run (the ``run`` summary of analyze)."""
    found = {}
    for name in OUTPUTS:
        path = folder / name
        if not path.exists():
            continue
        text = path.read_text(encoding="utf-8")
        if name == "analysis.json":
            document = json.loads(text)
            document["run"] = None
            text = json.dumps(document, sort_keys=True)
        else:
            text = "\n".join(line for line in text.splitlines() if not line.startswith("Last run:"))
        found[name] = text
    return found


def _whole_or_previous(folder: Path, previous: dict[str, bytes], reference: Path) -> str:
    """Check that no output file was cut; say which versions the kill left."""
    states = []
    for name in OUTPUTS:
        data = (folder / name).read_bytes() if (folder / name).exists() else None
        if data == previous.get(name):
            states.append("old")
            continue
        assert data is not None, f"{name} disappeared"
        if name == "analysis.json":
            json.loads(data)  # complete JSON
        new = _outputs(folder)[name] == _outputs(reference)[name]
        assert new, f"{name} is neither the previous file nor the complete new one"
        states.append("new")
    return "+".join(states)


def _log(family: str, **figures) -> None:
    line = {"family": family, **figures}
    print(json.dumps(line))
    target = os.environ.get("NEWSDESK_KILL_LOG")
    if target:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(line) + "\n")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, examples_dir, shared_bench) -> Path:
    """The seeds and 50 Reuters records (read from ../shared at test time)."""
    folder = tmp_path_factory.mktemp("kill") / "corpus"
    folder.mkdir()
    for page in sorted(examples_dir.glob("*.txt")):
        shutil.copy(page, folder / page.name)
    (folder / "reuters.jsonl").write_text("".join(reuters_records(shared_bench, 50)), encoding="utf-8")
    return folder


def test_ingest_killed_at_random_points_resumes_to_the_unbroken_store(tmp_path, corpus, forker):
    whole = tmp_path / "whole.db"
    first, total = _first_article_time(["ingest", str(corpus), "--db", str(whole)], whole)
    expected = _store_rows(whole)
    if forker is not None:  # the forked runs' own timing; their store must equal the reference too
        forked = tmp_path / "forked.db"
        first, total = _first_article_time(["ingest", str(corpus), "--db", str(forked)], forked, forker)
        assert _store_rows(forked) == expected
    titles = {row[0]: row[1] for row in expected["articles"]}
    for trial in range(TRIALS["ingest"]):
        db = tmp_path / f"t{trial}.db"
        delay, target, mode = _kill_point(first, total, len(titles))
        killed = _kill_at(["ingest", str(corpus), "--db", str(db)], delay, db=db, articles=target, forker=forker)
        checkup = check(db) if db.exists() else None
        assert checkup is None or checkup.healthy, checkup.lines()
        stored = checkup.counts.get("articles", 0) if checkup else 0
        _run(["ingest", str(corpus), "--db", str(db)], forker=forker)
        got = _store_rows(db)
        assert {row[0]: row[1] for row in got["articles"]} == titles
        assert got == expected
        _log(
            "ingest",
            trial=trial,
            mode=mode,
            delay=round(delay, 2),
            target=target,
            killed=killed,
            articles_at_kill=stored,
            equal=True,
        )


def test_analyze_killed_at_random_points_resumes_to_the_unbroken_store_and_brief(
    tmp_path, corpus, examples_dir, forker
):
    small = tmp_path / "corpus"  # the seeds and 10 wire records: a full analysis per trial stays cheap
    small.mkdir()
    for page in sorted(corpus.glob("*.txt")):
        shutil.copy(page, small / page.name)
    (small / "reuters.jsonl").write_text(
        "".join((corpus / "reuters.jsonl").read_text(encoding="utf-8").splitlines(True)[:10]), encoding="utf-8"
    )
    whole, reference = tmp_path / "whole.db", tmp_path / "whole-out"
    stages = ["--stages", ANALYZE_STAGES]
    first, total = _first_article_time(
        ["analyze", str(small), "--db", str(whole), "--out", str(reference), *stages], whole
    )
    expected = _store_rows(whole)
    if forker is not None:  # the forked runs' own timing; their store and brief must equal the reference too
        forked, forked_out = tmp_path / "forked.db", tmp_path / "forked-out"
        first, total = _first_article_time(
            ["analyze", str(small), "--db", str(forked), "--out", str(forked_out), *stages], forked, forker
        )
        assert _store_rows(forked) == expected
        assert _outputs(forked_out) == _outputs(reference)
    for trial in range(TRIALS["analyze"]):
        db, out = tmp_path / f"t{trial}.db", tmp_path / f"t{trial}-out"
        delay, target, mode = _kill_point(first, total, len(expected["articles"]))
        killed = _kill_at(
            ["analyze", str(small), "--db", str(db), "--out", str(out), *stages],
            delay,
            db=db,
            articles=target,
            forker=forker,
        )
        stored = 0
        if db.exists():
            checkup = check(db)
            assert checkup.healthy, checkup.lines()
            stored = checkup.counts.get("articles", 0)
        left = _whole_or_previous(out, {}, reference) if out.exists() else "none"
        _run(["analyze", str(small), "--db", str(db), "--out", str(out), *stages], forker=forker)
        assert _store_rows(db) == expected
        assert _outputs(out) == _outputs(reference)
        _log(
            "analyze",
            trial=trial,
            mode=mode,
            delay=round(delay, 2),
            target=target,
            killed=killed,
            articles_at_kill=stored,
            outputs_at_kill=left,
            equal=True,
        )


def test_report_killed_at_random_points_leaves_whole_files_and_resumes(tmp_path, corpus, forker):
    # The store holds the seeds and wire records; the folder, the report of the seeds alone, so that
    # the previous files and the new ones differ. Without the analysis stages (the analyze family
    # covers them) `report` spends its time reading the store and writing the three files.
    base, base_out = tmp_path / "base.db", tmp_path / "base-out"
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for page in sorted(corpus.glob("*.txt")):
        shutil.copy(page, seeds / page.name)
    small_wire = tmp_path / "wire.jsonl"
    small_wire.write_text(
        "".join((corpus / "reuters.jsonl").read_text(encoding="utf-8").splitlines(True)[:10]), encoding="utf-8"
    )
    _run(["analyze", str(seeds), "--db", str(base), "--out", str(base_out), "--stages", "none"])
    _run(["ingest", str(small_wire), "--db", str(base)])
    previous = {name: (base_out / name).read_bytes() for name in OUTPUTS}
    whole, reference = tmp_path / "whole.db", tmp_path / "whole-out"
    shutil.copy(base, whole)
    shutil.copytree(base_out, reference)
    started = time.monotonic()
    _run(["report", "--db", str(whole), "--out", str(reference), "--stages", "none"], check_codes=(0,))
    total = time.monotonic() - started
    if forker is not None:  # the forked runs' own timing; their files must equal the reference too
        forked, forked_out = tmp_path / "forked.db", tmp_path / "forked-out"
        shutil.copy(base, forked)
        shutil.copytree(base_out, forked_out)
        command = ["report", "--db", str(forked), "--out", str(forked_out), "--stages", "none"]
        total = _run(command, check_codes=(0,), forker=forker)
        assert _outputs(forked_out) == _outputs(reference)
    for trial in range(TRIALS["report"]):
        db, out = tmp_path / f"t{trial}.db", tmp_path / f"t{trial}-out"
        shutil.copy(base, db)
        shutil.copytree(base_out, out)
        command = ["report", "--db", str(db), "--out", str(out), "--stages", "none"]
        if RNG.random() < 0.5:  # while the files are written (a moment alone rarely lands there)
            mode, delay = "writing", RNG.uniform(0.0, 0.05)
            killed = _kill_at(command, delay, forker=forker, writing_in=out)
        else:
            mode, delay = "time", RNG.uniform(0.3 * total, total)
            killed = _kill_at(command, delay, forker=forker)
        left = _whole_or_previous(out, previous, reference)
        temporaries = len(list(out.glob(".*.tmp")))
        assert check(db).healthy
        _run(["report", "--db", str(db), "--out", str(out), "--stages", "none"], check_codes=(0,), forker=forker)
        assert _outputs(out) == _outputs(reference)
        assert not list(out.glob(".*.tmp"))
        _log(
            "report",
            trial=trial,
            mode=mode,
            delay=round(delay, 3),
            killed=killed,
            outputs_at_kill=left,
            temporaries_at_kill=temporaries,
            equal=True,
        )
