"""End to end on the seeds and on hand-made inputs: copies merged, chrome gone, stories apart,
idempotent re-ingest, and a run killed half-way that resumes to the same store."""

from __future__ import annotations

import json
import shutil

import pytest

from newsdesk import pipeline
from newsdesk.analysis import AnalysisOptions
from newsdesk.options import PipelineOptions
from newsdesk.report import validate
from newsdesk.store import open_store

SEED_000, SEED_001, SEED_002, SEED_003, SEED_004 = (
    "000_4ec7b5f75422ebf1.txt",
    "001_9e074f779e16ba68.txt",
    "002_948ce0a83575118d.txt",
    "003_f475c32dab00f800.txt",
    "004_f127fff658ca5af4.txt",
)
CHROME = [
    "google cta",
    "keep readingShow less",
    "Follow us on social",
    "Top photo credit",
    "Top image credit",
    "Subscribe now",
    "Dear RS readers",
    "Preferred Source",
    "A deal that Cuba",
    "qualitative military edge",
    "Join the discussion",
    "become a paid subscriber",
    "QIOSK",
]


def _by_file(document):
    """The articles of an analysis.json document by file name."""
    return {a["source"]["path"].rsplit("/", 1)[-1]: a for a in document["articles"]}


def test_seed_copies_are_merged_with_provenance_kept(seed_analysis):
    document, _, _ = seed_analysis
    seeds = _by_file(document)
    duplicate_of = {a["id"]: a["duplicate_of"] for a in document["articles"] if a["duplicate_of"]}
    pair = {seeds[SEED_000]["id"], seeds[SEED_001]["id"]}
    assert len(duplicate_of) == 1
    ((duplicate, canonical),) = duplicate_of.items()
    assert {duplicate, canonical} == pair
    copy_entry = next(a for a in document["articles"] if a["id"] == duplicate)
    assert copy_entry["source"]["path"].endswith((SEED_000, SEED_001))
    assert copy_entry["text"]  # nothing thrown away


@pytest.mark.slow
def test_seed_brief_is_the_same_whatever_order_the_pages_arrive_in(seed_analysis, examples_dir, tmp_path):
    document, _, _ = seed_analysis
    reversed_pages = sorted(examples_dir.glob("*.txt"), reverse=True)  # 004 first: the copy 001 before 000
    with open_store(tmp_path / "reversed.db") as store:
        reversed_document = pipeline.analyze(reversed_pages, store=store).document
    for section in document:
        if section != "run":
            assert reversed_document[section] == document[section], section


def test_a_copy_group_is_led_by_its_earliest_dated_then_longest_member_not_the_first_to_arrive():
    from newsdesk.dedup import led_by_canonical_order
    from newsdesk.models import Article, CopyLink, Provenance

    def article(aid, text, published=None):
        return Article(id=aid, title="Truce talks", outlet=None, authors=(), published=published, language="en",
                       text=text, extractor="test", provenance=Provenance(f"{aid}.txt"))  # fmt: skip

    body = "Leaders agreed on a partial truce covering energy sites after a long call on Tuesday. " * 8
    first, longer, dated = (
        article("a1", body),
        article("b2", body + "A later paragraph."),
        article("c3", body, "2025-03-18"),
    )
    stored = [CopyLink("a1", "b2", 0.97), CopyLink("a1", "c3", 1.0)]  # a1 arrived first
    links = led_by_canonical_order([first, longer, dated], stored)
    assert {(link.canonical, link.duplicate) for link in links} == {("c3", "a1"), ("c3", "b2")}
    assert links == led_by_canonical_order([dated, longer, first], list(reversed(stored)))
    similarity = {link.duplicate: link.similarity for link in links}
    assert similarity["a1"] == 1.0 and 0.5 < similarity["b2"] < 1.0  # measured against the new leader


def test_seed_chrome_is_gone_and_article_paragraphs_kept(seed_analysis, examples_dir):
    document, _, _ = seed_analysis
    seeds = _by_file(document)
    for name, article in seeds.items():
        for marker in CHROME:
            assert marker not in article["text"], (name, marker)
            assert marker not in (article["title"] or ""), (name, marker)
    first = seeds[SEED_000]
    assert first["title"] == "US-Russia talks: The rubber finally hits the road"
    for paragraph in (
        "If the diplomatic overtures of the past several months",
        "The White House has been pushing for an all-encompassing ceasefire",
        "Not unimportantly, it is also a source of real succor",
        "It should not be lost on anyone",
        "Where do we go from here?",
        "Secondly, whilst a full ceasefire remains a worthy short-term objective",
    ):
        assert paragraph in first["text"]
    # Every line of the clean seeds (003 has no chrome) survives.
    raw = (examples_dir / SEED_003).read_text(encoding="utf-8")
    clean = seeds[SEED_003]["title"] or ""
    for line in filter(None, (text.strip() for text in raw.splitlines())):
        assert line in seeds[SEED_003]["text"] or line == clean
    # 004 keeps its article and loses its subscription chrome.
    assert "The US President should set a more modest target" in seeds[SEED_004]["text"]
    # 002's multi-paragraph expert quotes are all kept.
    assert "Tryukhan concluded" in seeds[SEED_002]["text"] and "noted Andrianov" in seeds[SEED_002]["text"]


def test_seed_004_is_its_own_story(seed_analysis):
    document, _, _ = seed_analysis
    seeds = _by_file(document)
    march = {seeds[n]["story"] for n in (SEED_000, SEED_001, SEED_002, SEED_003)}
    assert len(march) == 1
    assert seeds[SEED_004]["story"] not in march
    assert len(document["stories"]) == 2


def test_seed_analysis_json_matches_the_schema(seed_analysis):
    _, _, out = seed_analysis
    document = json.loads((out / "analysis.json").read_text(encoding="utf-8"))
    validate(document)
    assert len(document["articles"]) == 5 and document["stories"]
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "US-Russia talks: The rubber finally hits the road" in html


def test_ingesting_the_same_input_twice_adds_nothing(tmp_path, examples_dir):
    with open_store(tmp_path / "n.db") as store:
        first = pipeline.ingest([examples_dir], store=store)
        before = store.dump()
        second = pipeline.ingest([examples_dir], store=store)
        assert store.dump() == before
    assert first.new_articles == 5 and second.new_articles == 0 and second.already_stored == 5


def test_same_content_from_a_new_place_only_adds_provenance(tmp_path, examples_dir):
    copy_dir = tmp_path / "mirror"
    copy_dir.mkdir()
    shutil.copy(examples_dir / SEED_003, copy_dir / "mirror.txt")
    with open_store(tmp_path / "n.db") as store:
        pipeline.ingest([examples_dir / SEED_003], store=store)
        run = pipeline.ingest([copy_dir], store=store)
        (article,) = store.articles()
        assert run.new_articles == 0
        assert [p.path.rsplit("/", 1)[-1] for p in store.sources(article.id)] == [SEED_003, "mirror.txt"]


class _Killed(Exception):
    pass


@pytest.mark.parametrize("kill_after, checkpoint_every", [(1, 500), (3, 2), (4, 1)])
def test_run_killed_half_way_resumes_to_the_same_store(tmp_path, examples_dir, kill_after, checkpoint_every):
    options = PipelineOptions(checkpoint_every=checkpoint_every)
    with open_store(tmp_path / "whole.db") as store:
        pipeline.ingest([examples_dir], store=store, options=options)
        whole = store.dump()

    def kill(done, total, what):
        if done == kill_after:
            raise _Killed(what)

    with open_store(tmp_path / "broken.db") as store:
        with pytest.raises(_Killed):
            pipeline.ingest([examples_dir], store=store, options=options, progress=kill)
        assert store.counts()["articles"] == kill_after
    with open_store(tmp_path / "broken.db") as store:
        pipeline.ingest([examples_dir], store=store, options=options)
        resumed = store.dump()
    whole.pop("stage_state"), resumed.pop("stage_state")
    assert resumed == whole


def test_mixed_inputs_each_kind_end_to_end(tmp_path, fixtures_dir, examples_dir):
    crawl = tmp_path / "crawl.jsonl"
    page = (fixtures_dir / "pages" / "harbour.html").read_text(encoding="utf-8")
    crawl.write_text(
        json.dumps({"url": "https://coastal.example/port", "html": page})
        + "\n"
        + json.dumps(
            {
                "url": "https://other.example/x",
                "title": "Kremlin call",
                "date": "2025-03-18",
                "text": (examples_dir / SEED_003).read_text(encoding="utf-8"),
            }
        )
        + "\n"
        + "{broken\n",
        encoding="utf-8",
    )
    with open_store(tmp_path / "n.db") as store:
        run = pipeline.ingest([crawl, fixtures_dir / "pages" / "harbour.html"], store=store)
        analysis = pipeline.build_analysis(store, run=run)
    by_record = {(a.provenance.path.rsplit("/", 1)[-1], a.provenance.record): a for a in analysis.articles}
    port = by_record[("crawl.jsonl", 1)]
    assert port.title == "Port workers end strike after pay deal"
    assert "nine-day strike" in port.text and "Most read" not in port.text and "All rights reserved" not in port.text
    assert port.published == "2024-05-14"
    assert port.provenance.url == "https://coastal.example/port"
    assert by_record[("crawl.jsonl", 2)].published == "2025-03-18"
    # The same page as a file is an exact copy of the JSONL record's page.
    assert len(analysis.articles) == 2 or analysis.duplicate_of
    assert [r.record for r in analysis.rejections] == [3]
    validate(analysis.to_json())


def test_seed_brief_carries_every_analysis_stage(seed_analysis):
    _, _, out = seed_analysis
    document = json.loads((out / "analysis.json").read_text(encoding="utf-8"))
    march_story = _by_file(document)[SEED_003]["story"]
    names = {e["name"] for e in document["entities"]}
    assert "Vladimir Putin" in names
    speakers = {q["speaker_text"] for q in document["quotes"] if q["story"] == march_story}
    assert any("Pistorius" in s for s in speakers) and any("Dugin" in s for s in speakers)
    kinds = {p["kind"] for p in document["positions"]}
    assert {"demands", "agrees"} <= kinds
    assert document["timeline"] and all(t["sources"] for t in document["timeline"])
    assert document["summary"] and all(s["citations"] for s in document["summary"])
    # The two read-outs of the call disagree on military aid (the Kremlin's side backed by 003 too);
    # the energy ceasefire is in the summary, once.
    aid = [d for d in document["disagreements"] if any("military aid" in s["words"] for s in d["sides"])]
    assert len(aid) == 1 and aid[0]["kind"] == "reported_dispute"
    assert [s["side"] for s in aid[0]["sides"]] == ["United States", "Russia"]
    assert len({e["article_id"] for e in aid[0]["sides"][1]["sources"]}) >= 2
    html = (out / "report.html").read_text(encoding="utf-8")
    for heading in ("Summary", "Timeline", "Who said what", "Positions", "Disputes"):
        assert f"<h3>{heading}</h3>" in html
    summary = html.split("<h3>Summary</h3>")[1].split("</ul>")[0]
    assert summary.lower().count("energy and infrastructure") == 1
    # nothing is shown as agreed unless each cited article's sentence states it: Responsible
    # Statecraft's "today's phone call … proof positive" does not state the "extended" call "touted as
    # a major step"; Caliber.Az's "path to peace" sentence misses the read-out's "movement to peace"
    assert "Agreed by several outlets" not in html


def test_site_templates_are_learned_from_the_first_pages_of_each_site_in_arrival_order():
    from newsdesk.models import Provenance, RawDocument
    from newsdesk.pipeline import _template_sample

    docs = [
        RawDocument(Provenance(f"p{i}.html", None, f"https://{site}/a{i}"), "html", f"<p>{i}</p>", "utf-8")
        for i, site in enumerate(["a.org", "b.org", "a.org", "a.org", "b.org", "a.org"])
    ]
    kept = list(_template_sample(docs, PipelineOptions(template_pages=2)))
    assert [d.provenance.path for d in kept] == ["p0.html", "p1.html", "p2.html", "p4.html"]


def test_ingest_killed_with_sigkill_resumes_to_the_same_store(tmp_path, examples_dir):
    """A real kill -9 of `newsdesk ingest` mid-run, then a rerun, equals one unbroken run."""
    import signal
    import sqlite3
    import subprocess
    import sys
    import time

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    base = (examples_dir / SEED_003).read_text(encoding="utf-8").split("\n")
    for i in range(40):  # distinct articles: each drops one paragraph of seed 003
        (corpus / f"{i:03d}.txt").write_text(
            "\n".join(base[: i % len(base)] + base[i % len(base) + 1 :]) + f"\nEdition {i}.", encoding="utf-8"
        )
    command = [sys.executable, "-m", "newsdesk.cli", "ingest", str(corpus), "-q"]

    subprocess.run(command + ["--db", str(tmp_path / "whole.db")], check=True, capture_output=True)
    broken = tmp_path / "broken.db"
    process = subprocess.Popen(command + ["--db", str(broken)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    stored = 0
    while time.time() < deadline and process.poll() is None:
        time.sleep(0.2)
        try:
            with sqlite3.connect(broken, timeout=1) as db:
                stored = db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
        except sqlite3.Error:
            continue
        if stored >= 3:
            process.send_signal(signal.SIGKILL)
            break
    process.wait()
    assert 3 <= stored < 40, "the run was not caught half-way"
    subprocess.run(command + ["--db", str(broken)], check=True, capture_output=True)
    with open_store(tmp_path / "whole.db") as whole, open_store(broken) as resumed:
        expected, got = whole.dump(), resumed.dump()
    expected.pop("stage_state"), got.pop("stage_state")
    assert got == expected


def test_extraction_rejections_name_the_place_once(tmp_path):
    crawl = tmp_path / "crawl.jsonl"
    crawl.write_text(json.dumps({"text": "Too short to be an article."}) + "\n", encoding="utf-8")
    with open_store(tmp_path / "n.db") as store:
        run = pipeline.ingest([crawl], store=store)
    (rejection,) = run.rejections
    assert (rejection.path, rejection.record, rejection.code) == (str(crawl), 1, "E201")
    assert str(crawl) not in rejection.reason and rejection.reason.startswith("no article found")


def test_saved_analysis_is_reused_until_the_store_changes(tmp_path, examples_dir, monkeypatch):
    options = PipelineOptions(analysis=AnalysisOptions(stages=frozenset()))
    with open_store(tmp_path / "s.db") as store:
        analyzed = pipeline.analyze([examples_dir / "002_948ce0a83575118d.txt"], store=store, options=options)
        assert analyzed.document["run"]["new_articles"] == 1
        expected = {**analyzed.document, "run": None}

        def must_not_rebuild(*args, **kwargs):
            raise AssertionError("the saved analysis should have been reused")

        real_build = pipeline.build_analysis
        monkeypatch.setattr(pipeline, "build_analysis", must_not_rebuild)
        assert pipeline.analysis_document(store, options=options) == expected
        with pytest.raises(AssertionError):  # other stages: another analysis
            pipeline.analysis_document(
                store, options=PipelineOptions(analysis=AnalysisOptions(stages=frozenset({"timeline"})))
            )

        monkeypatch.setattr(pipeline, "build_analysis", real_build)
        pipeline.ingest([examples_dir / "003_f475c32dab00f800.txt"], store=store, options=options)
        document = pipeline.analysis_document(store, options=options)
        assert len(document["articles"]) == 2
        monkeypatch.setattr(pipeline, "build_analysis", must_not_rebuild)
        assert pipeline.analysis_document(store, options=options) == document
