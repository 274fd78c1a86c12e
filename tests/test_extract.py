"""Extract stage: chrome removal on the seed dumps, HTML and text fixtures, bad input, metadata."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from newsdesk.errors import ExtractionError, NoArticleError, OptionsError
from newsdesk.extract import ExtractOptions, SiteTemplates, extract, learn_templates
from newsdesk.extract.metadata import byline_authors, clean_authors, normalise_date, parse_date
from newsdesk.models import Article, Provenance, RawDocument

REPO = Path(__file__).resolve().parents[1]
SEEDS = sorted((REPO / "examples").glob("*.txt"))
FIXTURES = REPO / "tests" / "fixtures" / "extract"


def text_doc(path: Path, **hints: str) -> RawDocument:
    return RawDocument(Provenance(str(path)), "text", path.read_text("utf-8"), "utf-8", hints=dict(hints))


def html_doc(content: str, url: str = "https://coastal-ledger.example/news/barrier", **hints: str) -> RawDocument:
    return RawDocument(Provenance("page.html", url=url), "html", content, "utf-8", hints=dict(hints))


@pytest.fixture(scope="module")
def seed_articles() -> dict[str, Article]:
    docs = [text_doc(p) for p in SEEDS]
    templates = learn_templates(docs)
    return {Path(d.provenance.path).name[:3]: extract(d, templates=templates) for d in docs}


def seed_lines(number: str) -> list[str]:
    path = next(p for p in SEEDS if p.name.startswith(number))
    return [" ".join(line.split()) for line in path.read_text("utf-8").splitlines() if line.strip()]


# --- seeds: chrome gone, every article paragraph kept --------------------------------------------

CHROME_ON_SEEDS = (
    "Follow us on social",
    "google cta",
    "keep reading",
    "Show less",
    "Top photo credit",
    "Top image credit",
    "Dear RS readers",
    "Subscribe now",
    "Newsletter",
    "Want more of our stories",
    "Preferred Source",
    "Join the discussion",
    "paid subscriber",
    "LATEST",
    "QIOSK",
    "POGO The Bunker",
    "republished here with permission",
)

# Teasers of other articles printed after the article (their titles and opening paragraphs).
TEASERS_ON_SEEDS = (
    "Air wars, drones, and US bases",
    "A deal that Cuba (and Trump) cannot refuse?",
    "Last week, President Trump declared a national emergency regarding Cuba",
    "Late last month, Syrian President Ahmad al-Sharaa visited Moscow",
    "qualitative military edge",
    "On November 17, 2025, President Donald Trump announced",
    "Think a $35B gas deal",
    "The new National Security Strategy",
    "rare earths and fossil fuels",
)


@pytest.mark.parametrize("number", ["000", "001", "002", "003", "004"])
def test_seed_chrome_and_teasers_are_removed(seed_articles, number):
    article = seed_articles[number]
    for chrome in CHROME_ON_SEEDS + TEASERS_ON_SEEDS:
        assert chrome not in article.text, f"{number}: chrome {chrome!r} kept"


@pytest.mark.parametrize("number", ["000", "001"])
def test_seed_rubber_hits_the_road_keeps_every_paragraph(seed_articles, number):
    article = seed_articles[number]
    assert article.title == "US-Russia talks: The rubber finally hits the road"
    lines = seed_lines(number)
    first = next(i for i, line in enumerate(lines) if line.startswith("If the diplomatic overtures"))
    last = next(i for i, line in enumerate(lines) if line.startswith("Secondly, whilst a full ceasefire"))
    body = lines[first : last + 1]
    assert len(body) == 9
    paragraphs = article.paragraphs
    for paragraph in body:
        assert paragraph in paragraphs
    # the headline is metadata, not a paragraph; the standfirst may lead the text
    assert article.title not in article.text
    assert set(paragraphs) - set(body) <= {
        "A partial ceasefire on energy and infrastructure attacks is a preliminary way to cut the Gordian knot"
    }
    assert paragraphs[-1] == body[-1]


def test_seed_002_title_line_split_from_body(seed_articles):
    article = seed_articles["002"]
    lines = seed_lines("002")
    # the dump runs the subheadline into the headline line: the title is the headline alone
    assert article.title == "US and Russia discuss peace, while Ukraine and Europe hold pause"
    assert lines[0] == article.title + " Experts weigh in on Putin-Trump negotiations"
    assert article.paragraphs == lines[1:]


def test_seed_003_untitled_dump_is_kept_whole(seed_articles):
    article = seed_articles["003"]
    assert article.title is None  # the dump has no headline: none is invented
    assert article.paragraphs == seed_lines("003")


def test_seed_004_comment_and_subscription_prompts_dropped(seed_articles):
    article = seed_articles["004"]
    lines = seed_lines("004")
    article_lines = lines[: lines.index("Join the discussion")]
    assert len(article_lines) == 8
    assert article.paragraphs == article_lines
    assert article.title is None


def test_seed_articles_carry_identity_and_no_guessed_metadata(seed_articles):
    for number, article in seed_articles.items():
        path = next(p for p in SEEDS if p.name.startswith(number))
        doc = text_doc(path)
        assert article.id == doc.digest
        assert article.provenance == doc.provenance
        assert article.published is None and article.authors == ()
        assert article.extractor.startswith("lines")


def test_near_identical_seed_pages_do_not_make_their_paragraphs_template():
    docs = [text_doc(p) for p in SEEDS]
    templates = learn_templates(docs)
    # 000 and 001 are the same article: one page group, so nothing repeats across pages
    assert templates.for_document(docs[0]) == frozenset()


# --- text fixtures: a site's template learned from its pages --------------------------------------


def riverside_docs() -> list[RawDocument]:
    return [text_doc(p) for p in sorted((FIXTURES / "riverside").glob("*.txt"))]


def test_site_template_removes_repeated_teaser_and_footer():
    docs = riverside_docs()
    templates = learn_templates(docs)
    assert isinstance(templates, SiteTemplates)
    article = extract(docs[0], templates=templates)
    assert article.title == "Bridge repairs to close the main road for six weeks"
    assert "Council tax to rise" not in article.text
    assert "The council has confirmed" not in article.text
    assert "Privacy policy" not in article.text
    assert "Works timetable" in article.paragraphs  # a sub-heading of the article stays
    assert article.paragraphs[0].startswith("The county will close the main road")
    assert (
        article.paragraphs[-1]
        == "The county said the footpath would stay open except for two nights in the final week."
    )


def test_text_byline_and_dateline_are_read_but_never_guessed():
    docs = riverside_docs()
    templates = learn_templates(docs)
    first, _, third = (extract(d, templates=templates) for d in docs)
    assert first.authors == ("Tom Hallworth",)
    assert first.published == "2024-03-03"
    # "Updated 2 hours ago" is no date and no author
    assert third.authors == () and third.published is None


def test_text_hints_fill_missing_metadata():
    doc = riverside_docs()[2]
    hinted = RawDocument(
        doc.provenance,
        "text",
        doc.content,
        "utf-8",
        hints={
            "author": "Email the author; Ruth Mbeki",
            "date": "2024-01-05T10:00:00",
            "sitename": "Riverside Gazette",
        },
    )
    article = extract(hinted)
    assert article.authors == ("Ruth Mbeki",)
    assert article.published == "2024-01-05"
    assert article.outlet == "Riverside Gazette"


# --- HTML -----------------------------------------------------------------------------------------


def test_html_article_keeps_headings_and_quotes_and_drops_chrome():
    article = extract(html_doc((FIXTURES / "article_page.html").read_text("utf-8")))
    assert article.title == "Harbour council approves new flood barrier"
    assert article.authors == ("Maria Lindqvist",)
    assert article.published == "2024-03-12"
    assert article.outlet == "The Coastal Ledger"
    assert article.extractor.startswith("trafilatura")
    assert article.paragraphs[0].startswith("The harbour council voted on Tuesday")
    assert "Years of debate" in article.paragraphs
    assert any("bailing out the same streets" in p for p in article.paragraphs)
    for chrome in (
        "Related stories",
        "Finally! This should",
        "newsletter",
        "All rights reserved",
        "Photo by",
        "Email the author",
    ):
        assert chrome not in article.text
    assert article.title not in article.text


def test_html_paragraph_filter_reads_the_page_and_keeps_the_same_article():
    html = (FIXTURES / "article_page.html").read_text("utf-8")
    plain = extract(html_doc(html))
    filtered = extract(html_doc(html), options=ExtractOptions(paragraph_filter=True))
    # the fixture's article is clean already: the filter (with the page's DOM) keeps all of it
    assert filtered.paragraphs == plain.paragraphs
    assert filtered.title == plain.title and filtered.authors == plain.authors


def test_html_home_page_has_no_article():
    with pytest.raises(NoArticleError, match="no article"):
        extract(html_doc((FIXTURES / "home_page.html").read_text("utf-8")))


# --- bad input --------------------------------------------------------------------------------------


def test_malformed_html_does_not_crash():
    broken = "<html><body><div><p>Unclosed <b>bold <i>" + "<div>" * 3000 + "text</p></td></tr>&#xFFFFFF; <<<>>>"
    with pytest.raises(ExtractionError):
        extract(html_doc(broken))


def test_ten_megabyte_page_is_extracted_quickly():
    article_html = (FIXTURES / "article_page.html").read_text("utf-8")
    padding = "<script>var x = '" + "x" * 10_000_000 + "';</script>"
    big = article_html.replace("</head>", padding + "</head>")
    article = extract(html_doc(big))
    assert article.paragraphs[0].startswith("The harbour council voted on Tuesday")


def test_non_utf8_bytes_decoded_with_surrogates_do_not_crash():
    raw = "Caf\udce9 society\n" + (
        "The mayor said the caf\udce9 would reopen on Monday after repairs to the roof were finished. " * 3
    )
    article = extract(RawDocument(Provenance("bad.txt"), "text", raw, "utf-8"))
    assert "mayor" in article.text


@pytest.mark.parametrize("content", ["", "   \n\n", "Home\nNews\nSport\nContact us\nPrivacy policy"])
def test_empty_or_chrome_only_text_raises_no_article_with_reason(content):
    with pytest.raises(NoArticleError) as info:
        extract(RawDocument(Provenance("empty.txt"), "text", content, "utf-8"))
    assert "empty.txt" in str(info.value)


def test_options_are_validated():
    with pytest.raises(OptionsError):
        ExtractOptions(html_modes=("magic",))
    with pytest.raises(OptionsError):
        ExtractOptions(min_words=0)
    with pytest.raises(OptionsError):
        ExtractOptions(line_threshold=1.5)


# --- metadata -----------------------------------------------------------------------------------


def test_authors_never_contain_junk():
    assert clean_authors("By Jane Doe | Email the author | 3 hours ago") == ("Jane Doe",)
    assert clean_authors(["Senior Correspondent", "John Smith", "john smith"]) == ("John Smith",)
    assert clean_authors("Jane Doe, Staff Writer") == ("Jane Doe",)
    assert clean_authors("Updated 5 minutes ago") == ()
    assert byline_authors("By Bryan DeArdo") == ("Bryan DeArdo",)
    assert byline_authors("Europe") == ()


def test_dates_are_iso_and_never_in_the_future():
    today = dt.date(2024, 6, 1)
    assert normalise_date("2024-03-12T09:30:00Z", latest=today) == "2024-03-12"
    assert normalise_date("2031-01-01", latest=today) is None
    assert parse_date("Nov 18, 2019 at 9:24 pm ET", latest=today) == "2019-11-18"
    assert parse_date("18 November 2019", latest=today) == "2019-11-18"
    assert parse_date("03/04/2019", latest=today) is None  # ambiguous day/month order: no guess


def test_seed_chrome_removed_by_rules_alone_without_the_trained_model():
    docs = [text_doc(p) for p in SEEDS]
    templates = learn_templates(docs)
    options = ExtractOptions(use_trained_model=False)
    for doc in docs:
        article = extract(doc, templates=templates, options=options)
        assert article.extractor == "lines"
        for chrome in CHROME_ON_SEEDS + TEASERS_ON_SEEDS:
            assert chrome not in article.text
    first = extract(docs[0], templates=templates, options=options)
    assert first.title == "US-Russia talks: The rubber finally hits the road"
    assert first.paragraphs[-1].startswith("Secondly, whilst a full ceasefire")


ARTICLE_LINES = [
    "Harbour ferry fares to rise in spring",
    "The ferry operator said on Monday that fares on the harbour crossing will rise by six percent from April, the first increase in four years.",
    "The company blamed higher fuel and insurance costs, and said season tickets for commuters would rise by less than single fares.",
    "Passenger groups said the increase was larger than inflation and asked the port authority to review the operator's contract before it is renewed next year.",
]


def test_teaser_block_after_related_heading_and_comments_are_cut():
    teasers = [
        "Related stories",
        "Council approves new cycle lanes on the seafront",
        "Work on the two kilometre route is due to start in the summer and will take about eight months to complete, the council said.",
        "Fishing fleet returns after storm",
        "Boats that had sheltered in the north harbour for three days returned to port on Sunday after the storm warning was lifted.",
    ]
    comments = [
        "2 responses to “Harbour ferry fares to rise in spring”",
        "March 3, 2024 at 9:12 am",
        "This is the third increase I can remember and the service has not improved at all, the boats are always late in the morning.",
        "March 3, 2024 at 10:40 am",
        "Six percent is outrageous when the operator made record profits last year and paid a large dividend to its shareholders.",
    ]
    dump = "\n".join(["Home", "News", "Sport"] + ARTICLE_LINES + teasers + comments + ["Privacy policy"])
    article = extract(RawDocument(Provenance("dump.txt"), "text", dump, "utf-8"))
    assert article.title == ARTICLE_LINES[0]
    assert article.paragraphs == ARTICLE_LINES[1:]


WIRE_BRIEF = """Magma Copper Co, a subsidiary of Newmont Mining Corp, said it is
cutting its copper cathode price by 0.75 cent to 66 cents a lb,
effective immediately, after a week of falling prices on the New York
commodity exchange.
    The company said the cut brings its price in line with those of
other producers, who lowered their prices earlier this week.
    Shr 34 cts vs 1.19 dlrs
    Net 807,000 vs 2,858,000
"""


def test_hard_wrapped_wire_copy_is_read_as_paragraphs():
    from newsdesk.extract.lines import split_lines

    lines = [line.text for line in split_lines(WIRE_BRIEF)]
    assert lines[0].startswith("Magma Copper Co, a subsidiary") and lines[0].endswith("New York commodity exchange.")
    assert lines[1] == (
        "The company said the cut brings its price in line with those of other producers, "
        "who lowered their prices earlier this week."
    )
    assert lines[2:] == ["Shr 34 cts vs 1.19 dlrs", "Net 807,000 vs 2,858,000"]  # indented table rows stay rows
    article = extract(RawDocument(Provenance("wire.txt"), "text", WIRE_BRIEF, "utf-8", {}))
    assert "cutting its copper cathode price by 0.75 cent" in article.text


def test_a_page_dump_with_one_line_per_block_is_not_unwrapped(examples_dir):
    from newsdesk.extract.lines import split_lines

    dump = (examples_dir / "002_948ce0a83575118d.txt").read_text(encoding="utf-8")
    assert len(split_lines(dump)) == len([line for line in dump.splitlines() if line.strip()])
