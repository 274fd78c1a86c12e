"""The timeline stage: a story's events (newsdesk.analysis.events) on the stage contract, in the
analysis document and in the brief — dated where the articles allow it, honest where they do not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsdesk.analysis import AnalysisOptions, analyse_story, build_context, collect_sections, timeline
from newsdesk.errors import OptionsError
from newsdesk.models import Article, Provenance, Story
from newsdesk.report import ReportView, render_html, render_markdown, validate

REPO = Path(__file__).resolve().parents[1]
SEED_003 = REPO / "examples" / "003_f475c32dab00f800.txt"
WORDS_ONLY = timeline.TimelineOptions(use_embeddings=False)


def _article(
    aid: str, text: str, published: str | None = None, outlet: str | None = None, kind: str | None = None
) -> Article:
    return Article(
        id=aid, provenance=Provenance(f"{aid}.txt"), text=text, published=published, outlet=outlet, article_type=kind
    )


def _run(*articles: Article, options=WORDS_ONLY) -> timeline.TimelineFindings:
    story = Story("s1", "a story", tuple(a.id for a in articles))
    return timeline.run(build_context(story, articles), options)


def test_the_stage_merges_one_event_from_three_outlets_and_keeps_history_and_plans_apart():
    fox = _article("fox", "President Trump held a phone call with Vladimir Putin on Tuesday about a ceasefire. "
                   "The war is the deadliest in Europe since 1945.", "2025-03-18", "Fox News")  # fmt: skip
    nyt = _article("nyt", "Mr. Trump and Mr. Putin held a long phone call on Tuesday about a ceasefire. "
                   "The two leaders will meet next month in Riyadh.", "2025-03-19", "The New York Times")  # fmt: skip
    hp = _article(
        "hp",
        "On Tuesday, Trump and Putin held a phone call on a ceasefire in Ukraine, officials said.",
        "2025-03-18",
        "HuffPost",
    )
    findings = _run(fox, nyt, hp)
    (call,) = findings.events()
    assert (call.date, call.precision, sorted(call.sources)) == ("2025-03-18", "day", ["fox", "hp", "nyt"])
    apart = {(e.kind, e.date) for e in findings.entries if e.kind != "event"}
    assert apart == {("background", "1945"), ("planned", "2025-04")}
    (section,) = findings.sections().values()
    assert list(section) == list(findings.entries)


def test_a_dated_seed_places_its_events_and_sets_history_apart():
    text = SEED_003.read_text(encoding="utf-8")
    findings = _run(_article("seed003", text, "2025-03-18"))  # what a desk passes with --date 2025-03-18
    by_expression = {e.expression: e for e in findings.entries}
    assert by_expression["Monday night"].date == "2025-03-17" and "video address" in by_expression["Monday night"].text
    assert by_expression["last month"].date == "2025-02"
    assert (by_expression["1939"].kind, by_expression["1939"].date) == ("background", "1939")
    assert by_expression["three years ago"].kind == "background"
    # the quotation's "Tomorrow" does not date the sentence that reports it: Trump spoke on Monday
    said = next(e for e in findings.entries if e.text.startswith("“Tomorrow, I will speak"))
    assert (said.expression, said.date) == ("Monday", "2025-03-17")
    events = findings.events()
    assert [e.date for e in events] == sorted(e.date for e in events)  # in date order, a month before its days
    assert all(e.date and e.date.startswith("2025") for e in events)


def test_an_undated_article_keeps_its_relative_dates_and_gets_no_date_made_up():
    text = SEED_003.read_text(encoding="utf-8")
    findings = _run(_article("seed003", text))
    for entry in findings.entries:
        if entry.date is None:
            assert entry.note == f"{entry.expression}, in an undated article" and entry.relative == entry.expression
        else:  # only an absolute expression dates anything, and here that is history
            assert entry.expression == entry.date and entry.kind == "background"
    assert any(e.relative == "Tuesday" for e in findings.events())


def test_the_stage_options_are_validated_and_part_of_the_analysis_options():
    with pytest.raises(OptionsError, match="merge_similarity"):
        timeline.TimelineOptions(merge_similarity=1.5)
    assert timeline.Options is timeline.TimelineOptions
    assert AnalysisOptions(timeline=WORDS_ONLY).options_for(timeline) is WORDS_ONLY


def _document(articles: list[Article], options: AnalysisOptions) -> dict:
    """analysis.json of one story made of ``articles`` (through the runner, as the pipeline does)."""
    from newsdesk.pipeline import Analysis

    story = Story("s1", "Trump and Putin hold a call", tuple(a.id for a in articles), "2025-03-18", "2025-03-19")
    result = analyse_story(story, articles, options)
    analysis = Analysis(articles=articles, sources={}, copies=[], stories=[story], rejections=[],
                        sections=collect_sections([result]))  # fmt: skip
    return analysis.to_json()


def test_the_brief_lists_the_storys_events_apart_from_background_and_marks_opinion():
    report = _article("fox", "President Trump held a phone call with Vladimir Putin on Tuesday about a ceasefire. "
                      "The war is the deadliest in Europe since 1945.", "2025-03-18", "Fox News", "report")  # fmt: skip
    op_ed = _article("op", "Trump and Putin held a phone call on Tuesday about a ceasefire. Trump should demand more.", "2025-03-19",
                     "The Globe <Opinion>", "opinion")  # fmt: skip
    document = _document([report, op_ed], AnalysisOptions(stages=frozenset({"timeline"}), timeline=WORDS_ONLY))
    validate(document)
    markdown = render_markdown(ReportView(document))
    section = markdown.split("### Timeline")[1].split("### Articles")[0]
    own, apart = section.split("Background and plans")
    assert "**2025\\-03\\-18** President Trump held a phone call" in own
    assert "[Fox News], [The Globe &lt;Opinion&gt;, opinion]" in own  # an op-ed is marked wherever it is cited
    assert "*background* **1945**" in apart and "1945" not in own
    page = render_html(ReportView(document))
    assert "The Globe &lt;Opinion&gt;" in page and "<Opinion>" not in page
    assert '<strong class="type-opinion">opinion</strong>' in page
    assert "<summary>Background and plans (1), not events of this story</summary>" in page


def test_an_undated_story_says_so_and_shows_each_relative_date_as_written():
    article = _article("a", "Trump and Putin held a phone call on Tuesday. <b>Officials</b> met last week.")
    document = _document([article], AnalysisOptions(stages=frozenset({"timeline"}), timeline=WORDS_ONLY))
    validate(document)
    markdown = render_markdown(ReportView(document))
    assert "No article of this story states its date" in markdown
    assert (
        "**date unknown \\(Tuesday, in an undated article\\)** Trump and Putin held a phone call on Tuesday."
        in markdown
    )
    assert "— outlet unknown · date unknown" in markdown
    page = render_html(ReportView(document))
    assert "&lt;b&gt;Officials&lt;/b&gt;" in page and "<b>Officials" not in page
    assert (
        '<td class="when undated"><em>date unknown</em><br><span class="meta">Tuesday, in an undated article</span></td>'
        in page
    )


def test_the_brief_says_how_an_uncertain_outlet_or_date_was_found():
    from newsdesk.report import article_meta

    sure = {"outlet": "Fox News", "outlet_source": "url", "outlet_confidence": 0.85, "published": "2025-03-18",
            "published_source": "metadata", "published_confidence": 0.9, "article_type": "report"}  # fmt: skip
    assert article_meta(sure) == ["Fox News", "2025-03-18", "report"]
    unsure = {**sure, "outlet_source": "copy", "outlet_confidence": 0.675, "published_source": "dateline", "published_confidence": 0.75,
              "article_type": "opinion", "article_type_source": "text", "article_type_confidence": 0.7}  # fmt: skip
    assert article_meta(unsure) == [
        "Fox News (from another copy of the article)", "2025-03-18 (from the dateline)", "opinion (from cues in the text)",
    ]  # fmt: skip
    assert article_meta({"source": {"path": "000_4ec7.txt"}}) == ["outlet unknown", "date unknown"]


@pytest.mark.slow
def test_the_seeds_brief_names_outlets_types_and_invents_no_date(seed_analysis):
    document, _, out = seed_analysis
    articles = {a["source"]["path"].rsplit("/", 1)[-1][:3]: a for a in document["articles"]}
    assert (articles["000"]["outlet"], articles["000"]["outlet_source"]) == ("Responsible Statecraft", "copy")
    assert articles["002"]["outlet"] == "Caliber.Az" and articles["004"]["article_type"] == "opinion"
    assert all(a["published"] is None for a in articles.values())  # no seed states its date
    for entry in document["timeline"]:
        if entry["date"] is None:
            assert entry["note"].endswith(", in an undated article")
        else:  # an absolute year, never a relative expression resolved against a guessed date
            assert entry["expression"] == entry["date"] and entry["precision"] == "year"
            assert entry["kind"] in ("background", "planned")  # 1939, 1945, 2026: none is an event of the story
    markdown = (out / "report.md").read_text(encoding="utf-8")
    assert "date unknown \\(Tuesday, in an undated article\\)" in markdown
    assert ", opinion]" in markdown and "000\\_4ec7b5f75422ebf1.txt]" not in markdown
    saved = json.loads((out / "analysis.json").read_text(encoding="utf-8"))
    assert saved["articles"][0]["article_type"] in ("report", "opinion")


def test_the_html_timeline_marks_the_event_word_nearest_its_date_and_escapes_the_rest():
    from newsdesk.report import event_html

    entry = {
        "text": "Biden said <b>Friday</b> that Trump said Thursday he would sign.",
        "trigger": "said",
        "expression": "Thursday",
    }
    assert event_html(entry) == (
        'Biden said &lt;b&gt;Friday&lt;/b&gt; that Trump <mark class="event">said</mark> '
        '<mark class="time">Thursday</mark> he would sign.'
    )
    assert event_html({"text": "<i>x</i>", "trigger": "", "expression": ""}) == "&lt;i&gt;x&lt;/i&gt;"


def test_the_clauses_named_ahead_are_the_ones_the_merge_encodes_and_the_findings_do_not_change():
    from newsdesk.analysis.events import story_events
    from newsdesk.resources import embedding_memo, encode_tokens

    fox = _article("fox", "President Trump held a phone call with Vladimir Putin on Tuesday about a ceasefire.",
                   "2025-03-18", "Fox News")  # fmt: skip
    nyt = _article("nyt", "Mr. Trump and Mr. Putin spoke at length on Tuesday about halting the strikes.",
                   "2025-03-19", "The New York Times")  # fmt: skip
    story = Story("s1", "a story", ("fox", "nyt"))
    options = timeline.TimelineOptions()
    context = build_context(story, [fox, nyt])
    named = timeline.texts_to_embed(context, options)
    assert len(named) >= 2
    assert timeline.texts_to_embed(build_context(story, [fox]), options) == []  # one article: words only
    with embedding_memo() as memo:
        encode_tokens(named)  # what the runner does in its one pass
        before = memo.encoded
        findings = timeline.run(context, options)
        assert memo.encoded == before  # the merge encoded nothing more
    docs = [context.doc(a.id) for a in context.articles]
    assert findings.entries == tuple(story_events(list(context.articles), docs, options))
