"""Incremental: one new article into an analysed store, until a running server shows its story.

For each pile (the first N Reuters-21578 records, in its own child process): ingest it, build
and save the analysis (the stages given by ``--stages``; at scale only the whole-store part runs,
no stage, because analysing every story of a 20k store takes hours here), start ``newsdesk
serve`` on it in a process of its own, and keep requesting its pages (story list, story pages,
article pages, the JSON API) from a client thread. Then one record after the pile is ingested
(a warm-up: the server's update process starts and loads its models), and a second one: timed
from the start of its ingest until the server answers with its story's updated page
(``add_to_served_s``), with the requests' latency while that update runs against the idle
latency measured in the same run before it (``p95_update_ms`` / ``p95_idle_ms``). The writer's
own update of the saved document is timed afterwards (``writer_delta_s``: only the changed
stories, ``writer_document_s``: the pieces saved and the whole ``analysis.json`` laid out).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HELP = "incremental: one new article into an analysed store until serve shows its story; serve p95 meanwhile"

_DEFAULT = Path(__file__).resolve().parents[3].parent / "shared" / "bench" / "corpus_reuters21578" / "all.jsonl.gz"


def add_arguments(parser) -> None:
    parser.add_argument("dataset", nargs="?", default=str(_DEFAULT), help="corpus_reuters21578/all.jsonl.gz")
    parser.add_argument(
        "--sizes", default="2000,5000,all", help="comma-separated record counts, 'all' for every record"
    )
    parser.add_argument(
        "--stages",
        default="",
        help="the analysis stages of the pile and the server, comma-separated ('' = none: the whole-store part "
        "only; 'all' = every stage)",
    )
    parser.add_argument("--idle-seconds", type=float, default=10.0, help="how long the idle latency is measured")
    parser.add_argument(
        "--store",
        help="start from a copy of this store, already holding all of the dataset (its ingest takes 15+ minutes "
        "here), instead of ingesting it: the articles added are then the corpus's last two long records, each "
        "with one more paragraph (so they are new articles, merged as copies of the stored ones)",
    )


def _stages(text: str) -> list[str] | None:
    if text.strip() == "all":
        return None
    return [name.strip() for name in text.split(",") if name.strip()]


def _options(stages: list[str] | None):
    from ..analysis import AnalysisOptions
    from ..options import PipelineOptions

    return PipelineOptions(analysis=AnalysisOptions() if stages is None else AnalysisOptions(stages=frozenset(stages)))


def _serve(db: str, port: int, stages: list[str] | None) -> None:
    """The server under test (run in its own process)."""
    import uvicorn

    from ..serve import ServeOptions, create_app

    app = create_app(db, ServeOptions(pipeline=_options(stages)), warm=True)  # as `newsdesk serve` starts it
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


class _Load:
    """A client thread requesting the server's pages back to back; keeps (start, seconds, status)."""

    def __init__(self, port: int, paths: list[str]) -> None:
        self.port, self.paths = port, paths
        self.samples: list[tuple[float, float, int]] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import http.client

        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        n = 0
        while not self.stop.is_set():
            path = self.paths[n % len(self.paths)]
            n += 1
            start = time.perf_counter()
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
                status = response.status
            except OSError:
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
                status = 0
            self.samples.append((start, time.perf_counter() - start, status))
            time.sleep(0.02)

    def within(self, start: float, end: float) -> list[float]:
        return [seconds for begun, seconds, _ in list(self.samples) if start <= begun <= end]


def _get(port: int, path: str) -> tuple[int, bytes]:
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _p95(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value * 1000, 1)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _pile_child(
    path: str, count: int | None, stages: list[str] | None, idle_seconds: float, stored: str | None = None
) -> dict:
    """One pile in this process (see the module's docstring)."""
    from ..pipeline import AnalysisProfile, analysis_delta, analysis_document, ingest
    from ..store import open_store
    from ..update import SPACE, Pieces
    from .scale import _records

    records = _records(path, None)
    size = len(records) if count is None else min(count, len(records))
    pile, rest = records[:size], records[size:]
    extras = [r for r in rest if len(r["text"].split()) >= 80][:2]
    if len(extras) < 2:  # the whole corpus: the last two long records are held out of the pile
        held = [i for i, r in enumerate(pile) if len(r["text"].split()) >= 80][-(2 - len(extras)) :]
        extras += [pile[i] for i in held]
        pile = [r for i, r in enumerate(pile) if i not in set(held)]
    if stored:
        extras = [
            {**r, "id": f"{r['id']}-updated", "text": r["text"] + "\n\nThe figures were confirmed on Friday."}
            for r in [r for r in records if len(r["text"].split()) >= 80][-2:]
        ]
    options = _options(stages)
    result: dict = {"pile": f"reuters {size}", "stages": "all" if stages is None else ",".join(stages) or "none"}
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "pile.jsonl"
        data.write_text("".join(json.dumps(r) + "\n" for r in pile), encoding="utf-8")
        adds = []
        for n, extra in enumerate(extras):
            one = Path(tmp) / f"add{n}.jsonl"
            one.write_text(json.dumps(extra) + "\n", encoding="utf-8")
            adds.append(one)
        db = str(Path(tmp) / "store.sqlite")
        if stored:  # a copy: the benchmark writes into it
            for suffix in ("", "-wal"):
                if Path(stored + suffix).exists():
                    shutil.copy(stored + suffix, db + suffix)
        store = open_store(db)
        start = time.perf_counter()
        ingest([] if stored else [data], store=store, options=options)
        result["ingest_s"] = None if stored else round(time.perf_counter() - start, 1)
        profile = AnalysisProfile()
        start = time.perf_counter()
        document = analysis_document(store, options=options, profile=profile)
        result["analysis_s"] = round(time.perf_counter() - start, 1)
        result.update(articles=len(document["articles"]), stories=len(document["stories"]))
        stories = sorted(document["stories"], key=lambda s: -len(s["articles"]))[:3]
        paths = ["/", "/?page=2", "/api/stories"]
        for story in stories:
            paths += [f"/stories/{story['id']}", f"/api/stories/{story['id']}", f"/articles/{story['articles'][0]}"]
        del document
        port = _free_port()
        code = f"from newsdesk.bench.incremental import _serve; _serve({db!r}, {port}, {stages!r})"
        server = subprocess.Popen([sys.executable, "-c", code])
        try:
            start = time.perf_counter()
            while True:
                try:
                    if _get(port, "/")[0] == 200:
                        break
                except OSError:
                    pass
                if server.poll() is not None or time.perf_counter() - start > 1800:
                    raise RuntimeError("the server did not start")
                time.sleep(0.5)
            result["serve_start_s"] = round(time.perf_counter() - start, 1)
            load = _Load(port, paths)
            load.thread.start()
            idle_start = time.perf_counter()
            time.sleep(idle_seconds)
            idle = load.within(idle_start, time.perf_counter())
            timings = [_add_until_served(store, one, options, port) for one in adds]
            (_, warm_start, warm_end, warm_story) = timings[-1]
            during = load.within(warm_start, warm_end)
            load.stop.set()
            load.thread.join()
            errors = sum(1 for _, _, status in load.samples if status != 200)
        finally:
            server.terminate()
            server.wait(30)
        result.update(
            add_to_served_cold_s=round(timings[0][0], 2),
            add_to_served_s=round(timings[-1][0], 2),
            story_articles=warm_story,
            p95_idle_ms=_ms(_p95(idle)),
            p95_update_ms=_ms(_p95(during)),
            max_update_ms=_ms(max(during, default=None)),
            requests_idle=len(idle),
            requests_update=len(during),
            failed_requests=errors,
        )
        if result["p95_idle_ms"] and result["p95_update_ms"]:
            result["p95_ratio"] = round(result["p95_update_ms"] / result["p95_idle_ms"], 2)
        # the writer's own update of the saved document (what `newsdesk analyze ONE --db` does after its ingest)
        head = Pieces.saved_head(store.index_state(SPACE))
        start = time.perf_counter()
        analysis_delta(store, options=options, base=head, save=True)
        result["writer_delta_s"] = round(time.perf_counter() - start, 2)
        start = time.perf_counter()
        analysis_document(store, options=options)
        result["writer_document_s"] = round(time.perf_counter() - start, 2)
        store.close()
    result["load_avg_1m"] = round(os.getloadavg()[0], 1)
    return result


def _add_until_served(store, one: Path, options, port: int) -> tuple[float, float, float, int]:
    """Ingest ``one`` and wait until the server's page of its story lists it: (seconds, start,
    end, the story's size)."""
    from ..pipeline import ingest

    known = store.counts()["articles"]
    start = time.perf_counter()
    ingest([one], store=store, options=options)
    (article,) = store.articles(after=known)
    while True:
        status, body = _get(port, f"/api/articles/{article.id}")
        if status == 200:
            story = json.loads(body).get("story")
            if story:
                status, body = _get(port, f"/api/stories/{story}")
                members = json.loads(body).get("members", []) if status == 200 else []
                if article.id in {member["id"] for member in members}:
                    end = time.perf_counter()
                    return end - start, start, end, len(json.loads(body)["articles"])
        if time.perf_counter() - start > 3600:
            raise RuntimeError("the server never showed the new article's story")
        time.sleep(0.05)


def run(args):
    from . import BenchReport, BenchTable

    rows = []
    for item in str(args.sizes).split(","):
        item = item.strip()
        if not item:
            continue
        count = None if item == "all" else int(item)
        call = (
            f"_pile_child({str(args.dataset)!r}, {count!r}, {_stages(args.stages)!r}, {args.idle_seconds!r}, "
            f"{args.store!r})"
        )
        code = f"import json; from newsdesk.bench.incremental import _pile_child; print('RESULT'+json.dumps({call}))"
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        line = next((out for out in proc.stdout.splitlines() if out.startswith("RESULT")), None)
        if proc.returncode != 0 or line is None:
            from ..errors import BenchmarkError

            raise BenchmarkError(f"incremental run {call} failed: {proc.stderr[-2000:]}")
        rows.append(json.loads(line[len("RESULT") :]))
    columns = [
        "pile",
        "stages",
        "articles",
        "stories",
        "ingest_s",
        "analysis_s",
        "serve_start_s",
        "add_to_served_cold_s",
        "add_to_served_s",
        "story_articles",
        "p95_idle_ms",
        "p95_update_ms",
        "p95_ratio",
        "max_update_ms",
        "requests_idle",
        "requests_update",
        "failed_requests",
        "writer_delta_s",
        "writer_document_s",
        "load_avg_1m",
    ]
    notes = [
        "add_to_served_s: from the start of one record's ingest until the running server's /api/stories/ID of its "
        "story lists it (the server's update process already warm: add_to_served_cold_s is the first add); "
        "p95_update_ms: the latency of the pages requested meanwhile, p95_idle_ms the same pages before any add "
        "(the anchor, same run); writer_delta_s / writer_document_s: the writer's update of the saved pieces, "
        "then the whole analysis.json laid out from them"
    ]
    table = BenchTable(title="One new article into an analysed store, served", columns=columns, rows=rows)
    return BenchReport(
        name="incremental", dataset=str(args.dataset), tables=[table], notes=notes, metrics={"rows": rows}
    )
