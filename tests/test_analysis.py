"""The analysis stage contract: stages in a tuple on one StoryContext, options in the cache key,
a failing stage recorded without losing the rest, and no stored text too long to analyse."""

from __future__ import annotations

import json
from dataclasses import dataclass
from types import SimpleNamespace

import pytest

from newsdesk import pipeline
from newsdesk.analysis import STAGES, AnalysisOptions, StoryContext, analyse_story, build_context, runner
from newsdesk.analysis.quotes import QuoteOptions
from newsdesk.analysis.timeline import TimelineOptions
from newsdesk.errors import AnalysisError, OptionsError
from newsdesk.models import Article, Provenance, RawDocument, Story
from newsdesk.options import PipelineOptions
from newsdesk.report import validate, write_outputs
from newsdesk.resources import parse
from newsdesk.store import open_store

SEED_003 = "003_f475c32dab00f800.txt"


def _article(article_id: str, text: str, **fields) -> Article:
    return Article(id=article_id, provenance=Provenance(f"{article_id}.txt"), text=text, **fields)


# --- a stage added to the tuple ----------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class _LengthOptions:
    unit: str = "chars"


@dataclass(frozen=True)
class _Length:
    article: str
    size: int
    unit: str

    def to_json(self) -> dict:
        return {"article": self.article, "size": self.size, "unit": self.unit}


@dataclass(frozen=True)
class _LengthFindings:
    lengths: tuple[_Length, ...]

    def sections(self):
        return {"lengths": self.lengths}


def _run_lengths(context: StoryContext, options: _LengthOptions) -> _LengthFindings:
    if any("explode" in a.text for a in context.articles):
        raise ValueError("this story cannot be measured")
    size = (lambda a: len(context.sentences[a.id])) if options.unit == "sentences" else (lambda a: len(a.text))
    return _LengthFindings(tuple(_Length(a.id, size(a), options.unit) for a in context.articles))


#: A stage is a module with these four names; a namespace stands in for the module here.
LENGTHS = SimpleNamespace(NAME="lengths", SECTIONS=("lengths",), Options=_LengthOptions, run=_run_lengths)


@pytest.fixture
def with_lengths(monkeypatch):
    """The stage tuple with one more stage at its end, as adding a module to it does."""
    monkeypatch.setattr(runner, "STAGES", (*STAGES, LENGTHS))


def _store_with_stories(tmp_path, texts: dict[str, str]):
    """A store holding one story per article, named ``story-<name>`` (the analysis half reads
    stored articles and stories; no extraction needed)."""
    store = open_store(tmp_path / "s.db")
    with store.transaction():
        stories = []
        for name, text in texts.items():
            doc = RawDocument(Provenance(f"{name}.txt"), "text", text, "utf-8")
            store.add_document(doc)
            store.add_article(Article(id=doc.digest, provenance=doc.provenance, text=text, title=name))
            stories.append(Story(f"story-{name}", name, (doc.digest,)))
        store.replace_stories(stories)
    return store


def _names(document: dict) -> dict[str, str]:
    """Article id -> title (the name given to _store_with_stories)."""
    return {a["id"]: a["title"] for a in document["articles"]}


def test_a_stage_added_to_the_tuple_runs_with_its_options_and_fills_its_section(tmp_path, with_lengths):
    store = _store_with_stories(tmp_path, {"a": "Officials met on Monday. A deal was reached.", "b": "One line only."})
    options = PipelineOptions(
        analysis=AnalysisOptions(stages=frozenset({"lengths"}), extra={"lengths": _LengthOptions(unit="sentences")})
    )
    with store:
        document = pipeline.build_analysis(store, options=options).to_json()
    names = _names(document)
    assert [{**item, "article": names[item["article"]]} for item in document["lengths"]] == [
        {"story": "story-a", "article": "a", "size": 2, "unit": "sentences"},
        {"story": "story-b", "article": "b", "size": 1, "unit": "sentences"},
    ]
    assert document["quotes"] == [] and document["stage_errors"] == []  # the built-in sections stay
    validate(document)


def test_a_stage_without_options_given_runs_with_its_defaults(with_lengths):
    story = Story("s", "T", ("a",))
    result = analyse_story(story, [_article("a", "Twelve chars")], AnalysisOptions(stages=frozenset({"lengths"})))
    assert [item.to_json() for item in result.findings["lengths"].sections()["lengths"]] == [
        {"article": "a", "size": 12, "unit": "chars"}
    ]


def test_an_unknown_stage_name_is_refused_with_the_known_ones():
    with pytest.raises(OptionsError, match="lengths") as info:
        AnalysisOptions(stages=frozenset({"lengths"}))
    assert "quotes" in info.value.hint


# --- a failing stage -----------------------------------------------------------------------------


def test_a_stage_failing_on_one_story_is_recorded_and_the_rest_of_the_brief_is_written(tmp_path, with_lengths):
    store = _store_with_stories(
        tmp_path,
        {
            "calm": "The council approved the budget on Tuesday, officials said.",
            "bomb": "This story will explode the lengths stage, the test said.",
        },
    )
    options = PipelineOptions(analysis=AnalysisOptions(stages=frozenset({"lengths", "quotes", "timeline"})))
    with store:
        analysis = pipeline.build_analysis(store, options=options)
    document = analysis.to_json()
    assert document["stage_errors"] == [
        {
            "story": "story-bomb",
            "stage": "lengths",
            "code": AnalysisError.code,
            "error": "ValueError",
            "message": "this story cannot be measured",
        }
    ]
    assert [_names(document)[item["article"]] for item in document["lengths"]] == ["calm"]
    # the other stages of the failing story still ran
    assert {q["story"] for q in document["quotes"]} == {"story-calm", "story-bomb"}
    written = write_outputs(analysis, tmp_path / "out")
    validate(json.loads(written[0].read_text(encoding="utf-8")))


def test_a_newsdesk_error_in_a_built_in_stage_keeps_its_code(monkeypatch):
    from newsdesk.analysis import quotes

    def broken(*args, **kwargs):
        raise AnalysisError("the quote model is confused")

    monkeypatch.setattr(quotes, "find_quotes", broken)
    story = Story("s", "T", ("a",))
    result = analyse_story(
        story,
        [_article("a", "Putin said the war would end.")],
        AnalysisOptions(stages=frozenset({"quotes", "entities"})),
    )
    (error,) = result.errors
    assert (error.stage, error.code, error.message) == ("quotes", "E500", "the quote model is confused")
    assert "entities" in result.findings and "quotes" not in result.findings


# --- the options are part of the saved analysis' key ----------------------------------------------


def test_every_analysis_option_changes_the_cache_key_and_equal_options_do_not():
    base = pipeline.analysis_key(PipelineOptions())
    assert pipeline.analysis_key(PipelineOptions()) == base
    for changed in (
        AnalysisOptions(quotes=QuoteOptions(min_unattributed_words=9)),
        AnalysisOptions(timeline=TimelineOptions(merge_similarity=0.7)),
        AnalysisOptions(stages=frozenset({"quotes"})),
        AnalysisOptions(parse_window=50_000),
    ):
        assert pipeline.analysis_key(PipelineOptions(analysis=changed)) != base
    # ingest-side options do not change what an analysis of the same store says
    assert pipeline.analysis_key(PipelineOptions(checkpoint_every=3)) == base


def test_a_saved_analysis_is_not_reused_under_other_stage_options(tmp_path, examples_dir, monkeypatch):
    quiet = PipelineOptions(analysis=AnalysisOptions(stages=frozenset({"timeline"})))
    louder = PipelineOptions(
        analysis=AnalysisOptions(stages=frozenset({"timeline"}), timeline=TimelineOptions(use_embeddings=False))
    )
    with open_store(tmp_path / "s.db") as store:
        pipeline.analyze([examples_dir / SEED_003], store=store, options=quiet)
        calls = []
        real = pipeline.build_analysis
        monkeypatch.setattr(pipeline, "build_analysis", lambda *a, **k: calls.append(k) or real(*a, **k))
        pipeline.analysis_document(store, options=quiet)
        assert calls == []  # same options: reused
        pipeline.analysis_document(store, options=louder)
        assert len(calls) == 1  # other timeline options: rebuilt


def test_serve_s_read_only_path_builds_in_memory_and_saves_nothing(tmp_path, examples_dir):
    options = PipelineOptions(analysis=AnalysisOptions(stages=frozenset()))
    with open_store(tmp_path / "s.db") as store:
        pipeline.ingest([examples_dir / SEED_003], store=store, options=options)
        document = pipeline.analysis_document(store, options=options, save=False)
        assert len(document["articles"]) == 1
        assert store.load_analysis(pipeline.analysis_key(options)) is None


# --- the story context ----------------------------------------------------------------------------


def test_the_context_holds_one_sentence_list_with_offsets_per_article():
    text = "Mr. Smith met U.S. officials on Jan. 5 in Washington. They agreed.\n\nNew paragraph here\nA headline line"
    context = build_context(Story("s", "T", ("a",)), [_article("a", text)])
    sentences = context.sentences["a"]
    assert [s.text for s in sentences] == [
        "Mr. Smith met U.S. officials on Jan. 5 in Washington.",
        "They agreed.",
        "New paragraph here",
        "A headline line",
    ]
    assert all(text[s.start : s.end] == s.text for s in sentences)


def test_the_context_digest_follows_the_content_only():
    one = build_context(Story("s1", "T", ("a",)), [_article("a", "The talks ended.")])
    same = build_context(Story("s2", "Other title", ("a",)), [_article("a", "The talks ended.")])
    other = build_context(Story("s1", "T", ("a",)), [_article("a", "The talks resumed.")])
    assert one.digest == same.digest != other.digest


def test_the_entity_table_belongs_to_the_story():
    story_a = build_context(Story("a", "T", ("1",)), [_article("1", "Vladimir Putin spoke. Later Putin left.")])
    story_b = build_context(Story("b", "T", ("2",)), [_article("2", "Ron Paul spoke. Later Paul left.")])
    assert {e.name for e in story_a.entities} == {"Vladimir Putin"}
    assert {e.name for e in story_b.entities} == {"Ron Paul"}


# --- long articles ---------------------------------------------------------------------------------


def test_a_long_text_is_parsed_in_windows_cut_at_paragraph_breaks():
    paragraph = "Officials in Kyiv said on Monday that the talks with Moscow would resume. " * 8
    text = "\n\n".join(f"{n}. {paragraph.strip()}" for n in range(30))  # about 18,000 characters
    (whole,) = parse([text])
    (windowed,) = parse([text], window=2000)
    assert windowed.text == text
    assert [t.idx for t in windowed] == [t.idx for t in whole]
    assert [(e.start_char, e.label_) for e in windowed.ents] == [(e.start_char, e.label_) for e in whole.ents]


def test_an_article_over_a_million_characters_is_analysed_up_to_the_cap(tmp_path):
    """spaCy refuses texts over 1,000,000 characters; a stored one must not stop the brief, and
    only its first ``max_article_chars`` are analysed (bounded time), which run.analysis lists."""
    lead = "Kremlin spokesman Dmitry Peskov said on Tuesday that the talks would resume in Riyadh."
    quote = "“We are ready,” Peskov told reporters on Wednesday."
    text = lead + "\n\n" + quote + "\n\n" + "x" * 1_050_000 + "\n\n" + "“We are not,” Peskov added on Friday."
    assert len(text) > 1_000_000
    store = _store_with_stories(tmp_path, {"long": text})
    cap = 20_000  # the default (runner.MAX_ARTICLE_CHARS) behaves alike, only slower to test
    options = PipelineOptions(
        analysis=AnalysisOptions(
            stages=frozenset({"entities", "quotes", "positions", "timeline"}), max_article_chars=cap
        )
    )
    profile = pipeline.AnalysisProfile()
    with store:
        analysis = pipeline.build_analysis(store, options=options, profile=profile)
    document = analysis.to_json()
    assert document["stage_errors"] == []
    assert "Dmitry Peskov" in {e["name"] for e in document["entities"]}
    found = next(q for q in document["quotes"] if q["text"] == "We are ready,")
    assert text[found["start"] : found["end"]] == found["text"]
    assert not any("not" in q["text"] for q in document["quotes"])  # past the cap: not analysed
    assert document["timeline"]
    assert profile.to_json()["truncated"] == [
        {"article": document["articles"][0]["id"], "chars": len(text), "analysed_chars": cap}
    ]
    write_outputs(analysis, tmp_path / "out")


def test_the_cap_cuts_at_the_last_paragraph_break_and_keeps_offsets():
    paragraphs = [f"Paragraph {n} says the talks went on." for n in range(200)]
    text = "\n\n".join(paragraphs)
    cut = runner.bounded_text(text, 2000)
    assert text.startswith(cut) and len(cut) <= 2000
    assert cut.endswith("\n\n") and len(cut) > 1000  # whole paragraphs, not the first half only
    assert runner.bounded_text("Short text.", 2000) == "Short text."
    assert runner.bounded_text("y" * 5000, 2000) == "y" * 2000  # no break at all: cut at the limit
    with pytest.raises(OptionsError):
        AnalysisOptions(max_article_chars=10)
    assert pipeline.analysis_key(PipelineOptions(analysis=AnalysisOptions(max_article_chars=50_000))) != (
        pipeline.analysis_key(PipelineOptions())
    )


def test_a_huge_generated_article_is_analysed_by_every_stage_in_bounded_size():
    """A 1 MB article of real-looking news prose (the kind that took over 50 minutes uncapped):
    every stage runs on its first ``max_article_chars`` characters only."""
    paragraph = (
        "Foreign ministers from Russia and Ukraine met in Istanbul on Monday, officials said. "
        "“We want a ceasefire before the winter,” Ukrainian Foreign Minister Dmytro Kuleba told reporters. "
        "Russia demanded that Kyiv withdraw its troops, according to Sergei Lavrov."
    )
    text = "\n\n".join(f"{paragraph} ({n})" for n in range(4_500))
    assert len(text) > 1_000_000
    options = AnalysisOptions(max_article_chars=3000)
    result = analyse_story(Story("s", "Talks", ("big",)), [_article("big", text, title="Talks")], options)
    assert result.errors == ()
    assert set(result.findings) == {stage.NAME for stage in STAGES}
    limit = len(runner.bounded_text(text, 3000))
    quotes = result.findings["quotes"].sections()["quotes"]
    assert quotes and all(q.to_json()["end"] <= limit for q in quotes)
    assert result.seconds["parse"] >= 0.0


def test_the_cli_names_a_failed_stage_and_still_writes_the_brief(tmp_path, with_lengths, capsys):
    from newsdesk.cli import EXIT_OK, main

    page = tmp_path / "bomb.txt"
    page.write_text(
        "Council explodes over budget\n\n"
        + "The city council met on Tuesday to debate the budget, and the mayor said the plan would explode "
        "the deficit unless spending was cut. Members argued for three hours before the vote was postponed. " * 3,
        encoding="utf-8",
    )
    out = tmp_path / "out"
    code = main(["analyze", str(page), "--db", str(tmp_path / "n.db"), "--out", str(out), "--stages", "lengths,quotes"])
    assert code == EXIT_OK
    assert "analysis: lengths failed on story-" in capsys.readouterr().err
    document = json.loads((out / "analysis.json").read_text(encoding="utf-8"))
    assert [e["stage"] for e in document["stage_errors"]] == ["lengths"] and document["quotes"]


# --- stories parsed in groups ------------------------------------------------------------------------


def _signature(doc):
    return [(t.text, t.tag_, t.dep_, t.head.i, t.lemma_, t.ent_type_, t.is_sent_start) for t in doc]


def test_stories_parsed_in_one_group_get_the_contexts_they_get_alone():
    stories = [
        (
            Story("s1", "T", ("a",)),
            [_article("a", "Vladimir Putin spoke with Donald Trump on Tuesday.\n\nThey agreed.")],
        ),
        (Story("s2", "T", ("b", "c")), [_article("b", "The Senate voted."), _article("c", "“No,” Mr. Schumer said.")]),
    ]
    grouped = runner._prepare_many(stories, AnalysisOptions())
    for (story, articles), (context, seconds) in zip(stories, grouped):
        alone, _ = runner._prepare(story, articles, AnalysisOptions())
        assert context.sentences == alone.sentences
        assert all(_signature(context.doc(a.id)) == _signature(alone.doc(a.id)) for a in articles)
        assert seconds["parse"] >= 0.0


def test_a_text_that_breaks_the_grouped_parse_fails_its_story_alone(monkeypatch):
    import newsdesk.resources as resources

    real = resources.parse

    def fragile(texts, **kwargs):
        if any("BROKEN" in text for text in texts):
            raise ValueError("unreadable text")
        return real(texts, **kwargs)

    monkeypatch.setattr(resources, "parse", fragile)
    stories = [
        (Story("ok", "T", ("a",)), [_article("a", "The talks resumed on Monday.")]),
        (Story("bad", "T", ("b",)), [_article("b", "BROKEN text.")]),
    ]
    ok, bad = runner._prepare_many(stories, AnalysisOptions())
    assert isinstance(ok[0], StoryContext)
    assert bad[0].errors[0].stage == "context" and "unreadable" in bad[0].errors[0].message
