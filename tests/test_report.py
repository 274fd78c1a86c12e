"""Report: schema-valid JSON, readable Markdown and HTML, and every article-derived field escaped."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest

from newsdesk.errors import ReportError
from newsdesk.models import Article, CopyLink, Provenance, Rejection, Story
from newsdesk.pipeline import Analysis
from newsdesk.report import ReportView, render_markdown, validate, write_outputs

PAYLOADS = [
    '<script>alert("x")</script>',
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(2)>',
    "[link](javascript:alert(3))",
]


class _TagCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))


class _Finding:
    """A later stage's finding as analysis.json holds it (the report reads only the JSON)."""

    def __init__(self, **fields) -> None:
        self.fields = fields

    def to_json(self) -> dict:
        return dict(self.fields)


def _evidence(article_id: str, sentence: str) -> dict:
    return {"article_id": article_id, "sentence": sentence, "start": 0, "end": 5}


def _hostile_findings(evil: str) -> dict[str, list]:
    from newsdesk.pipeline import StoryItem

    def item(**fields):
        return [StoryItem("s1", _Finding(**fields))]

    return {
        "quotes": item(article="a0", speaker=None, speaker_text=evil, text=evil, direct=True, start=0, end=5, cue=evil),
        "positions": item(
            article="a0",
            actor=None,
            actor_text=evil,
            actor_name=evil,
            side=evil,
            kind="demands",
            content=evil,
            condition=evil,
            evidence=evil,
            start=0,
            end=5,
        ),
        "claims": item(
            id="c1",
            text=evil,
            sources=[_evidence("a0", evil), _evidence("a1", evil)],
            stance_by_source={"a0": "agree", "a1": "agree"},
        )
        + [
            StoryItem(
                "s1", _Finding(id="c2", text=evil, sources=[_evidence("a1", evil)], stance_by_source={"a1": "agree"})
            )
        ]
        + [
            StoryItem(
                "s1",
                _Finding(
                    id="c3",
                    text=evil,
                    sources=[_evidence("a0", evil), _evidence("a1", evil)],
                    stance_by_source={"a0": "agree", "a1": "report"},
                ),
            )
        ],
        "disagreements": item(
            id="d1",
            kind="fact",
            explanation=evil,
            sources=["a0", "a1"],
            sides=[
                {
                    "actor": evil,
                    "side": evil,
                    "words": evil,
                    "sources": [{"article_id": "a0", "sentence": evil, "start": 0, "end": 5}],
                },
                {
                    "actor": evil,
                    "side": None,
                    "words": evil,
                    "sources": [{"article_id": "a1", "sentence": evil, "start": 0, "end": 5}],
                },
            ],
            evidence=[
                {"article_id": "a0", "sentence": evil, "start": 0, "end": 5},
                {"article_id": "a1", "sentence": evil, "start": 0, "end": 5},
            ],
        ),
        "timeline": item(date=None, relative=evil, text=evil, sources=["a0"], undated=True),
        "summary": item(text=evil, article="a0", start=0, end=5, citations=["a0"]),
    }


def _hostile_analysis() -> Analysis:
    evil = " ".join(PAYLOADS)
    articles = [
        Article(
            id=f"a{i}",
            provenance=Provenance(f"{evil}/{i}.html", None, f"https://x.org/{evil}"),
            text=f"{evil}\n\nSecond paragraph {evil}",
            title=evil,
            outlet=evil,
            authors=(evil,),
            published="2024-01-01",
            extractor=evil,
        )
        for i in range(2)
    ]
    return Analysis(
        articles=articles,
        sources={a.id: [a.provenance] for a in articles},
        copies=[CopyLink("a0", "a1", 0.9)],
        stories=[Story("s1", evil, ("a0",), "2024-01-01", "2024-01-01")],
        rejections=[Rejection(evil, evil, "E102", 3)],
        sections=_hostile_findings(evil),
    )


def test_every_article_field_is_escaped_in_html(tmp_path):
    paths = write_outputs(_hostile_analysis(), tmp_path)
    page = paths[2].read_text(encoding="utf-8")
    collector = _TagCollector()
    collector.feed(page)
    tags = {tag for tag, _ in collector.tags}
    assert not tags & {"script", "img", "iframe", "object", "embed"}
    for tag, attrs in collector.tags:
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name)
            assert not (value or "").lower().startswith("javascript:")
    assert "&lt;script&gt;" in page
    for heading in ("Summary", "Timeline", "Who said what", "Positions", "Agreed by several outlets", "Disputes"):
        assert f"<h3>{heading}</h3>" in page  # every section was rendered, so every field went through escaping


def test_markdown_escapes_markup_and_links():
    text = render_markdown(ReportView(_hostile_analysis().to_json()))
    assert "<" not in text.replace("&lt;", "")
    assert "](javascript:" not in text


def test_html_is_self_contained(tmp_path):
    page = write_outputs(_hostile_analysis(), tmp_path)[2].read_text(encoding="utf-8")
    collector = _TagCollector()
    collector.feed(page)
    for tag, attrs in collector.tags:
        for name, value in attrs:
            if name in ("src", "href") and value:
                assert value.startswith("#"), (tag, name, value)
    assert "default-src 'none'" in page


def test_written_json_is_schema_valid_and_round_trips(tmp_path):
    paths = write_outputs(_hostile_analysis(), tmp_path)
    document = json.loads(paths[0].read_text(encoding="utf-8"))
    validate(document)
    assert document["articles"][1]["duplicate_of"] == "a0"
    assert document["articles"][0]["copies"] == ["a1"]
    assert document["stories"][0]["copies"] == ["a1"]
    assert document["articles"][1]["story"] == "s1"


def test_schema_rejects_a_malformed_document():
    document = _hostile_analysis().to_json()
    document["articles"][0]["published"] = "last Tuesday"
    with pytest.raises(ReportError, match="published"):
        validate(document)


def test_who_said_what_lists_words_said_not_the_learned_models_stances():
    from newsdesk.pipeline import StoryItem

    articles = [Article(id="a0", provenance=Provenance("a0.txt"), text="x" * 200, title="T")]

    def quote(**fields):
        base = dict(article="a0", speaker=None, start=0, end=5, cue="said", direct=False)
        return StoryItem("s1", _Finding(**{**base, **fields}))

    analysis = Analysis(
        articles=articles,
        sources={"a0": [articles[0].provenance]},
        copies=[],
        stories=[Story("s1", "T", ("a0",), None, None)],
        rejections=[],
        sections={
            "quotes": [
                quote(speaker_text="Zelensky", text="elections in Ukraine", cue="calling", kind="learned"),
                quote(speaker_text="Zelensky", text="Putin drags out the war", kind="reported"),
                quote(speaker_text="Pistorius", text="Russia poses the greatest threat", direct=True, kind="reported"),
            ]
        },
    )
    view = ReportView(analysis.to_json())
    listed = {name: [q["text"] for q in quotes] for name, quotes in view.speakers(view.stories[0])}
    assert listed == {"Zelensky": ["Putin drags out the war"], "Pistorius": ["Russia poses the greatest threat"]}


_AGREED_FACT = "The leaders agreed that the truce would begin with energy sites."


def _agreed_fact_analysis(summary: list[tuple[str, str, list[str]]]) -> Analysis:
    """One story of two articles (a0, a1) agreeing on :data:`_AGREED_FACT`, with the given summary
    sentences: (article, text, citations)."""
    from newsdesk.pipeline import StoryItem

    fact = _AGREED_FACT
    articles = [Article(id=f"a{i}", provenance=Provenance(f"a{i}.txt"), text=fact, title="T") for i in range(2)]
    claim = {
        "id": "claim-1",
        "text": fact,
        "sources": [_evidence("a0", fact), _evidence("a1", fact)],
        "stance_by_source": {"a0": "agree", "a1": "agree"},
    }
    return Analysis(
        articles=articles,
        sources={a.id: [a.provenance] for a in articles},
        copies=[],
        stories=[Story("s1", "T", ("a0", "a1"), None, None)],
        rejections=[],
        sections={
            "claims": [StoryItem("s1", _Finding(**claim))],
            "summary": [
                StoryItem("s1", _Finding(text=text, article=article, start=0, end=5, citations=cited))
                for article, text, cited in summary
            ],
        },
    )


def test_an_agreed_fact_leads_the_summary_once_not_again_as_a_summary_sentence(tmp_path):
    from newsdesk.report import render_html

    fact = _AGREED_FACT
    analysis = _agreed_fact_analysis([("a0", fact, ["a0", "a1"]), ("a1", "Talks go on.", ["a1"])])
    view = ReportView(analysis.to_json())
    markdown, html = render_markdown(view), render_html(view)
    summary_md = markdown.split("### Summary")[1].split("###")[0]
    assert summary_md.count(fact) == 1 and "Talks go on." in summary_md
    assert html.split("<h3>Summary</h3>")[1].split("</ul>")[0].count(fact) == 1


def _dispute_analysis(first_actor: str, first_words: str, second_actor: str, second_words: str) -> Analysis:
    from newsdesk.pipeline import StoryItem

    articles = [Article(id="a0", provenance=Provenance("a0.txt"), text=first_words + " " + second_words, title="T")]
    dispute = {
        "id": "dispute-1",
        "kind": "reported_dispute",
        "explanation": "the coverage reports that the second statement contests the first",
        "sources": ["a0"],
        "sides": [
            {"actor": first_actor, "side": None, "words": first_words, "sources": [_evidence("a0", first_words)]},
            {"actor": second_actor, "side": None, "words": second_words, "sources": [_evidence("a0", second_words)]},
        ],
        "evidence": [],
    }
    return Analysis(
        articles=articles,
        sources={a.id: [a.provenance] for a in articles},
        copies=[],
        stories=[Story("s1", "T", ("a0",), None, None)],
        rejections=[],
        sections={"disagreements": [StoryItem("s1", _Finding(**dispute))]},
    )


def test_a_dispute_side_in_the_articles_own_voice_is_its_author_or_outlet_not_an_actor():
    from newsdesk.report import render_html

    analysis = _dispute_analysis(
        "Donald Trump",
        "“They are surrounded by Russian forces.",
        "the article",
        "Analysts contest this characterization.",
    )
    view = ReportView(analysis.to_json())
    markdown, page = render_markdown(view), render_html(view)
    summary = markdown.split("### Summary")[1].split("###")[0]
    assert "Disputed: Donald Trump and the article's author / outlet disagree" in summary
    assert "- the article:" not in markdown and "<b>the article</b>" not in page
    assert "the article's author / outlet**: Analysts contest" in markdown
    # a statement cut from a longer quotation shows that the quotation goes on
    assert "“They are surrounded by Russian forces. …”" in markdown


def test_dispute_sides_and_the_summary_lead_are_escaped_in_html():
    from newsdesk.report import render_html

    evil = '<script>alert("x")</script>'
    page = render_html(ReportView(_dispute_analysis(evil, evil, evil, evil).to_json()))
    assert "<script>" not in page and "&lt;script&gt;" in page
    lead = page.split("<h3>Summary</h3>")[1].split("</ul>")[0]
    assert "&lt;script&gt;" in lead


def test_a_summary_sentence_saying_no_more_than_an_agreed_fact_is_not_repeated():
    from newsdesk.report import reader_summary

    fact = _AGREED_FACT
    restated = "The leaders agreed the truce would begin with energy sites."
    more = "The leaders agreed that the truce would begin with energy sites and talks on the Black Sea."
    analysis = _agreed_fact_analysis([("a1", restated, ["a1"]), ("a0", more, ["a0"])])
    view = ReportView(analysis.to_json())
    lines = reader_summary(view, view.stories[0])
    # "more" states the fact and adds words one article said: the fact is shown once, cited to both
    assert lines == [("agreed", fact, ["a0", "a1"])]


def _claim_analysis(claims: list[dict], disputes: list[dict] | None = None) -> Analysis:
    """One story of three articles (a0, a1, a2) with the given claims (and disputes)."""
    from newsdesk.pipeline import StoryItem

    articles = [Article(id=f"a{i}", provenance=Provenance(f"a{i}.txt"), text="Text.", title="T") for i in range(3)]
    return Analysis(
        articles=articles,
        sources={a.id: [a.provenance] for a in articles},
        copies=[],
        stories=[Story("s1", "T", ("a0", "a1", "a2"), None, None)],
        rejections=[],
        sections={
            "claims": [StoryItem("s1", _Finding(**claim)) for claim in claims],
            "disagreements": [StoryItem("s1", _Finding(**d)) for d in disputes or []],
        },
    )


_CALL = (
    "President Donald Trump and Russian President Vladimir Putin held an extended phone call today to discuss "
    "the war in Ukraine, which the U.S. president has touted as a major step toward kicking off peace talks."
)
_CALL_ELSEWHERE = (
    "Today's phone call between President Trump and Russian President Vladimir Putin cannot be taken as anything "
    "but proof positive that the rubber has hit the road on negotiations over a Ukraine peace deal."
)


def test_the_agreed_section_lists_a_claim_only_when_two_articles_sentences_state_it():
    from newsdesk.report import confirmed_claims, render_html

    claim = {
        "id": "claim-1",
        "text": _CALL,
        "sources": [_evidence("a0", _CALL), _evidence("a1", _CALL_ELSEWHERE)],
        "stance_by_source": {"a0": "agree", "a1": "agree"},
    }
    view = ReportView(_claim_analysis([claim]).to_json())
    # the same-fact decision of the claims stage is not enough: a1's sentence states neither the
    # "extended" call nor the touting, so the claim is agreed by one article only and is not listed
    assert confirmed_claims(view, view.stories[0]) == []
    assert "Agreed by several outlets" not in render_markdown(view) and "Agreed by several" not in render_html(view)


def test_an_article_is_cited_for_a_fact_its_second_matched_sentence_states():
    from newsdesk.report import reader_summary

    fact = "The council approved a budget of two million euros for the new bridge on Monday."
    claim = {
        "id": "claim-1",
        "text": fact,
        "sources": [
            _evidence("a0", fact),
            _evidence("a1", "The bridge has been debated for ten years."),
            _evidence("a1", "On Monday the council approved a two million euro budget for the new bridge."),
            _evidence("a2", "The council met on Monday."),
        ],
        "stance_by_source": {"a0": "agree", "a1": "agree", "a2": "agree"},
    }
    view = ReportView(_claim_analysis([claim]).to_json())
    markdown = render_markdown(view)
    agreed = markdown.split("### Agreed by several outlets")[1].split("###")[0]
    assert "[a0.txt]" in agreed or "outlet unknown" in agreed
    cited = [line for line in agreed.splitlines() if line.startswith("- ")]
    assert len(cited) == 1 and cited[0].count("[") - cited[0].count("\\[") == 2  # a0 and a1, not a2
    lines = reader_summary(view, view.stories[0])
    assert lines == [("agreed", fact, ["a0", "a1"])]


def test_agreed_facts_then_disputes_side_by_side_come_right_after_the_summary():
    from newsdesk.report import render_html

    fact = "The council approved a budget of two million euros for the new bridge on Monday."
    claim = {
        "id": "claim-1",
        "text": fact,
        "sources": [_evidence("a0", fact), _evidence("a1", fact)],
        "stance_by_source": {"a0": "agree", "a1": "agree"},
    }
    dispute = {
        "id": "dispute-1",
        "kind": "number",
        "sources": ["a0", "a2"],
        "sides": [
            {"actor": "the mayor", "words": "The bridge will cost 2 million euros.", "sources": [_evidence("a0", "x")]},
            {"actor": "the opposition", "words": "The bridge will cost 5 million euros.", "sources": ["a2"]},
        ],
        "evidence": [],
    }
    view = ReportView(_claim_analysis([claim], [dispute]).to_json())
    markdown, page = render_markdown(view), render_html(view)
    headings = [line for line in markdown.splitlines() if line.startswith("### ")]
    assert headings[:3] == ["### Summary", "### Agreed by several outlets", "### Disputes"]
    row = [line for line in markdown.split("### Disputes")[1].splitlines() if line.startswith("| different")][0]
    cells = row.strip("|").split(" | ")
    assert len(cells) == 3 and "**the mayor**" in cells[1] and "**the opposition**" in cells[2]
    assert "5 million" in cells[2] and "5 million" not in cells[1]
    order = [page.index(f"<h3>{h}</h3>") for h in ("Summary", "Agreed by several outlets", "Disputes")]
    assert order == sorted(order)
    table = page.split("<h3>Disputes</h3>")[1].split("</table>")[0]
    assert table.count("<td>") == 3 and "<th>one side</th><th>the other side</th>" in table


def test_an_agreed_sentence_from_inside_a_quotation_is_shown_as_a_quotation_and_does_not_lead():
    from newsdesk.pipeline import StoryItem
    from newsdesk.report import reader_summary

    inner = "We are not here to serve the earth."
    texts = [
        f"Santorum spoke in Ohio on Saturday.\n\n“I think that is a phony ideal. {inner} We use it wisely,” he said.",
        f'The senator was blunt. "I think that is a phony ideal. {inner} We use it wisely," Santorum said.',
    ]
    articles = [Article(id=f"a{i}", provenance=Provenance(f"a{i}.txt"), text=t, title="T") for i, t in enumerate(texts)]
    claim = {
        "id": "claim-1",
        "text": inner,
        "sources": [
            {"article_id": f"a{i}", "sentence": inner, "start": t.index(inner), "end": t.index(inner) + len(inner)}
            for i, t in enumerate(texts)
        ],
        "stance_by_source": {"a0": "agree", "a1": "agree"},
    }
    analysis = Analysis(
        articles=articles,
        sources={a.id: [a.provenance] for a in articles},
        copies=[],
        stories=[Story("s1", "T", ("a0", "a1"), None, None)],
        rejections=[],
        sections={"claims": [StoryItem("s1", _Finding(**claim))]},
    )
    view = ReportView(analysis.to_json())
    agreed = render_markdown(view).split("### Agreed by several outlets")[1]
    # someone's words, not the outlets' own statement
    assert "- “… We are not here to serve the earth. …”" in agreed
    assert not [line for line in reader_summary(view, view.stories[0]) if line[0] == "agreed"]


def test_an_agreed_claim_is_shown_as_the_sentence_each_cited_article_states():
    from newsdesk.report import agreed_fact, confirmed_claims

    longer = (
        "Holder met federal officials investigating the case, as well as Brown's parents, in Ferguson on Wednesday."
    )
    shorter = "Holder met federal officials investigating the case in Ferguson on Wednesday."
    claim = {
        "id": "claim-1",
        "text": longer,
        "sources": [_evidence("a0", longer), _evidence("a1", shorter)],
        "stance_by_source": {"a0": "agree", "a1": "agree"},
    }
    view = ReportView(_claim_analysis([claim]).to_json())
    # a1 does not state the parents; a0 states everything a1 says: the line both cite is a1's
    assert agreed_fact(view, view.section(view.stories[0], "claims")[0]) == (shorter, ["a0", "a1"])
    assert len(confirmed_claims(view, view.stories[0])) == 1
    agreed = render_markdown(view).split("### Agreed by several outlets")[1].split("###")[0]
    assert shorter in agreed and "parents" not in agreed
