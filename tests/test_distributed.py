"""Stories analysed as Dask tasks give the same analysis.json as one process; scheduler
addresses are checked before any work."""

from __future__ import annotations

import shutil

import pytest

from newsdesk import pipeline
from newsdesk.analysis.cache import SPACE
from newsdesk.distributed import parse_scheduler
from newsdesk.errors import OptionsError
from newsdesk.store import open_store


def test_scheduler_is_an_address_or_a_local_cluster():
    assert parse_scheduler("local:2") == ("local", 2)
    assert parse_scheduler("tcp://10.0.0.5:8786") == ("tcp://10.0.0.5:8786", None)
    assert parse_scheduler("scheduler.lan:8786") == ("scheduler.lan:8786", None)
    for wrong in ("local:0", "local", "two workers", ""):
        with pytest.raises(OptionsError):
            parse_scheduler(wrong)


def test_analyze_rejects_a_wrong_scheduler_as_a_usage_error(tmp_path, examples_dir):
    from newsdesk.cli import EXIT_USAGE, main

    code = main(["analyze", str(examples_dir), "--db", str(tmp_path / "n.db"), "--scheduler", "nowhere", "-q"])
    assert code == EXIT_USAGE
    assert not (tmp_path / "n.db").exists() or not open_store(tmp_path / "n.db").articles()


@pytest.mark.slow
def test_a_local_dask_cluster_gives_the_single_process_analysis(seed_analysis, tmp_path):
    """…and its workers look the store's sentence vectors up instead of encoding them again."""
    document, db, _ = seed_analysis
    for path in db.parent.glob(db.name + "*"):
        shutil.copy(path, tmp_path / path.name)
    with open_store(tmp_path / db.name) as store:
        store.index_state(SPACE).clear()  # nothing reused: every story runs as a Dask task
        profile = pipeline.AnalysisProfile()
        on_dask = pipeline.build_analysis(store, save=False, scheduler="local:2", profile=profile).to_json()
    assert profile.analysed == len(document["stories"]) and profile.scheduler == "local:2"
    assert {**on_dask, "run": None} == {**document, "run": None}
    first = document["run"]["analysis"]["sentence_vectors"]
    counts = profile.to_json()["sentence_vectors"]
    assert counts["reused"] >= first["encoded"] * 0.9  # read by the workers from the store
    assert counts["encoded"] <= first["encoded"] * 0.1  # only texts whose word pieces a stage needs


def test_stories_are_sent_in_runs_that_keep_their_order_and_feed_every_worker():
    from newsdesk.distributed import task_chunks
    from newsdesk.models import Article, Provenance, Story
    from newsdesk.pipeline import StoryJob

    def job(n: int, chars: int) -> StoryJob:
        article = Article(id=f"a{n}", provenance=Provenance(f"{n}.txt"), text="x" * chars)
        return StoryJob(Story(f"s{n}", "T", (article.id,)), [article], f"k{n}")

    jobs = [job(n, 1000) for n in range(40)] + [job(40, 500_000)] + [job(n, 1000) for n in range(41, 50)]
    chunks = task_chunks(jobs, 2, max_chars=20_000)
    assert [j.key for chunk in chunks for j in chunk] == [j.key for j in jobs]  # every story once, in order
    assert all(sum(len(a.text) for j in c for a in j.articles) <= 20_000 for c in chunks if len(c) > 1)
    assert [j.key for j in next(c for c in chunks if any(j.key == "k40" for j in c))] == ["k40"]  # alone
    small = task_chunks(jobs[:8], 2, max_chars=20_000)
    assert len(small) == 4  # 8 stories, 2 workers: two tasks each, not one (a worker would wait at the end)
    assert task_chunks([], 2) == []


def test_a_worker_opens_the_store_without_reading_the_whole_file(tmp_path, monkeypatch):
    from newsdesk import store as store_module
    from newsdesk.distributed import _open_for_reading

    with open_store(tmp_path / "s.db"):
        pass
    checked = []
    monkeypatch.setattr(store_module.SQLiteStore, "check_integrity", lambda self, **kw: checked.append(self))
    opened = _open_for_reading(str(tmp_path / "s.db"))
    assert opened is not None and opened.read_only and checked == []  # the writer checked it already
    opened.close()
    assert _open_for_reading(str(tmp_path / "missing.db")) is None


def test_the_worker_plugin_loads_the_models_the_stages_use(monkeypatch):
    from newsdesk import resources
    from newsdesk.analysis import AnalysisOptions
    from newsdesk.distributed import LoadModels

    loaded = []
    monkeypatch.setattr(resources, "nlp", lambda: loaded.append("spacy"))
    monkeypatch.setattr(resources, "sentence_encoder", lambda: loaded.append("minilm"))
    LoadModels(AnalysisOptions()).setup()
    assert loaded == ["spacy", "minilm"]
    loaded.clear()
    LoadModels(AnalysisOptions(stages=frozenset({"quotes"}))).setup()
    assert loaded == ["spacy"]
