"""Publication date, outlet and article type: each source, their precedence, and the seeds."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from newsdesk.errors import OptionsError
from newsdesk.extract import extract
from newsdesk.extract.origin import (
    clean_outlet_name,
    date_from_url,
    dateline_date,
    fill_from_copies,
    outlet_from_host,
    outlet_from_text,
    text_type,
    type_features,
    type_from_url,
)
from newsdesk.ingest import IngestOptions, read_paths
from newsdesk.models import Article, CopyLink, Provenance, RawDocument, Rejection

LATEST = dt.date(2025, 6, 1)
BODY = " ".join(
    [
        "The two presidents spoke by telephone for more than two hours on the ceasefire proposal and the exchange of prisoners.",
        "Officials on both sides described the conversation as constructive but said that no agreement on a full truce was reached.",
        "The White House said the leaders agreed to begin technical talks on a maritime ceasefire in the Black Sea next week.",
        "The Kremlin said it wanted guarantees that foreign military assistance to Kyiv would stop before any broader truce.",
    ]
)


def _page(
    *, ld_date: str | None = None, meta: str = "", title: str = "Leaders discuss a truce", header: str = ""
) -> str:
    ld = (
        f'<script type="application/ld+json">{{"@type": "NewsArticle", "headline": "{title}", "datePublished": "{ld_date}"}}</script>'
        if ld_date
        else ""
    )
    return (
        f"<html><head><title>{title}</title>{ld}{meta}</head><body><article><h1>{title}</h1>{header}"
        + "".join(f"<p>{sentence}.</p>" for sentence in BODY.split(". "))
        + "</article><aside><p>Top photo credit: a minister speaks in Havana, February 2, 2026. REUTERS</p></aside></body></html>"
    )


def _html(content: str, *, url: str | None = None, hints: dict | None = None) -> RawDocument:
    return RawDocument(
        Provenance("page.html", url=url), "html", content, "utf-8", {"crawled": "2025-06-01", **(hints or {})}
    )


def _dump(content: str, *, hints: dict | None = None) -> RawDocument:
    return RawDocument(Provenance("page.txt"), "text", content, "utf-8", {"crawled": "2025-06-01", **(hints or {})})


# --- dates: each source and the precedence --------------------------------------------------------


def test_each_date_source_gives_the_date_with_its_source_in_order_of_precedence():
    dated_url = "https://example-news.com/2025/03/17/leaders-discuss-a-truce/"
    plain_url = "https://example-news.com/world/leaders-discuss-a-truce/"
    declared = _page(ld_date="2025-03-16T09:00:00Z")
    everything = {"user_date": "2025-03-19", "sidecar_date": "2025-03-18", "date": "2025-03-14"}
    cases = [
        (declared, dated_url, everything, ("2025-03-19", "user")),
        (declared, dated_url, {k: v for k, v in everything.items() if k != "user_date"}, ("2025-03-18", "sidecar")),
        (declared, dated_url, {"date": "2025-03-14"}, ("2025-03-14", "record")),
        (declared, dated_url, {}, ("2025-03-16", "metadata")),
        (_page(), dated_url, {}, ("2025-03-17", "url")),
    ]
    for page, url, hints, expected in cases:
        article = extract(_html(page, url=url, hints=hints))
        assert (article.published, article.published_source) == expected
        assert 0 < article.published_confidence <= 1
    dump = "Leaders discuss a truce\n\nBy Jane Doe | Published March 15, 2025\n\n" + "\n\n".join(BODY.split(". "))
    assert (extract(_dump(dump)).published, extract(_dump(dump)).published_source) == ("2025-03-15", "dateline")
    told = "Leaders discuss a truce\n\n" + "Today, March 18, 2025, " + "\n\n".join(BODY.split(". "))
    assert (extract(_dump(told)).published, extract(_dump(told)).published_source) == ("2025-03-18", "text")
    assert extract(_html(_page(), url=plain_url)).published is None


def test_a_published_line_above_a_dump_dates_it_and_an_updated_line_only_when_alone():
    lines = ["Updated March 19, 2025 at 10:02 a.m. EDT", "By Jane Doe | Published March 18, 2025"]
    found = dateline_date(lines, latest=LATEST)
    assert (found.value, found.source) == ("2025-03-18", "dateline")
    alone = dateline_date(lines[:1], latest=LATEST)
    assert alone.value == "2025-03-19" and alone.confidence < found.confidence
    assert (
        dateline_date(
            [], latest=LATEST, first_paragraph="WASHINGTON, March 18, 2025 (Reuters) — The two presidents spoke."
        ).value
        == "2025-03-18"
    )


def test_a_date_in_a_caption_teaser_or_sentence_is_not_the_publication_date():
    lines = [
        "Top photo credit: Cuba's deputy minister speaks in Havana, Cuba, February 2, 2026. REUTERS/Norlys Perez",
        "On November 17, 2025, President Donald Trump announced that he would approve the sale of fighter aircraft.",
        "Trump addresses the nation, Wednesday, December 17, 2025, from the Diplomatic Reception Room",
    ]
    assert dateline_date(lines, latest=dt.date(2026, 12, 1)) is None


def test_a_dump_with_teaser_dates_in_its_chrome_stays_undated():
    chrome_after = "\n\n".join(
        [
            "Top photo credit: Cuba's Deputy Minister speaks during an interview in Havana, Cuba, February 2, 2026. REUTERS/Norlys Perez",
            "A deal that Cuba (and Trump) cannot refuse?",
            "Latin America",
        ]
    )
    content = "Europe\n\nLeaders discuss a truce\n\n" + "\n\n".join(BODY.split(". ")) + "\n\n" + chrome_after
    article = extract(_dump(content, hints={"crawled": "2026-12-01"}))
    assert article.published is None and article.published_source is None


def test_url_dates_are_read_in_their_common_forms_and_month_only_paths_are_not_days():
    assert date_from_url("https://www.cnn.com/2021/10/18/politics/x/index.html", latest=LATEST).value == "2021-10-18"
    assert (
        date_from_url("https://www.theguardian.com/world/2025/mar/18/trump-putin-call", latest=LATEST).value
        == "2025-03-18"
    )
    assert date_from_url("https://site.org/news/2025-03-18-trump-putin", latest=LATEST).value == "2025-03-18"
    assert date_from_url("https://site.org/2025/03/trump-putin/", latest=LATEST) is None
    assert date_from_url("https://site.org/2031/03/18/future", latest=LATEST) is None  # after the crawl


def test_a_record_date_later_than_the_crawl_is_not_taken():
    article = extract(_html(_page(), url="https://example-news.com/world/x/", hints={"date": "2031-01-01"}))
    assert article.published is None


# --- outlets -------------------------------------------------------------------------------------


def test_hosts_are_named_by_the_outlet_list_by_the_page_or_by_the_host_itself():
    assert outlet_from_host("responsiblestatecraft.org").value == "Responsible Statecraft"
    assert outlet_from_host("edition.cnn.com").value == "CNN"
    spelled = outlet_from_host("kyiv-post-daily.com", page_text="Subscribe to Kyiv Post Daily today")
    assert spelled.value == "Kyiv Post Daily"
    assert (
        outlet_from_host("riversidegazette.com", page_text="The Riverside Gazette reports…").value
        == "The Riverside Gazette"
    )
    assert outlet_from_host("qzx.net").value == "qzx.net"


def test_record_names_are_cleaned_and_record_codes_yield_to_the_url():
    assert clean_outlet_name("CNN (Online News)") == "CNN"
    assert clean_outlet_name("The New York Times - Breaking News, US News, World News") == "The New York Times"
    assert clean_outlet_name("nytimes.com") == "The New York Times"
    article = extract(_html(_page(), url="http://www.foxnews.com/politics/2011/11/02/x/", hints={"sitename": "fox"}))
    assert (article.outlet, article.outlet_source) == ("Fox News", "url")
    stated = extract(_html(_page(), url="http://www.foxnews.com/politics/x/", hints={"sitename": "Fox News Channel"}))
    assert stated.outlet_source == "record"


def test_outlet_precedence_user_over_sidecar_over_record_over_page_over_url():
    meta = '<meta property="og:site_name" content="Example News">'
    hints = {"user_outlet": "User Outlet", "sidecar_outlet": "Sidecar Outlet", "sitename": "Record Outlet"}
    for source, name in (
        ("user", "User Outlet"),
        ("sidecar", "Sidecar Outlet"),
        ("record", "Record Outlet"),
        ("metadata", "Example News"),
    ):
        article = extract(_html(_page(meta=meta), url="https://www.reuters.com/world/x/", hints=hints))
        assert (article.outlet, article.outlet_source) == (name, source)
        hints = {
            k: v for k, v in hints.items() if not k.startswith(source) and not (source == "record" and k == "sitename")
        }
    article = extract(_html(_page(), url="https://www.reuters.com/world/x/"))
    assert (article.outlet, article.outlet_source) == ("Reuters", "url")


def test_text_cues_name_the_outlet_only_when_the_outlet_itself_would_write_them():
    appeal = (
        "Dear RS readers: It has been an extraordinary year. Please consider making a tax-exempt, year-end "
        "contribution to Responsible Statecraftso that we can continue this quality coverage."
    )
    found = outlet_from_text(appeal)
    assert (found.value, found.source) == ("Responsible Statecraft", "text")
    assert outlet_from_text("Analysts assessed the talks in conversation with Caliber.Az.").value == "Caliber.Az"
    assert outlet_from_text("Alexander Dugin told CNN in an interview earlier on Tuesday.") is None
    assert outlet_from_text("Dugin said in an interview with CNN that the talks failed.") is None
    assert (
        outlet_from_text("Join like minded readers that support our journalism by becoming a paid subscriber") is None
    )


def test_a_wire_dateline_names_the_agency_when_nothing_else_does():
    content = "Leaders discuss a truce\n\nWASHINGTON (Reuters) - " + "\n\n".join(BODY.split(". "))
    article = extract(_dump(content))
    assert (article.outlet, article.outlet_source) == ("Reuters", "dateline")


def test_copies_fill_gaps_from_the_copy_that_states_them_and_never_overwrite():
    def art(aid, **kw):
        return Article(id=aid, provenance=Provenance(f"{aid}.txt"), text="x", **kw)

    canonical = art("a", published="2025-03-18", published_source="dateline", published_confidence=0.75)
    copy = art("b", outlet="Responsible Statecraft", outlet_source="text", outlet_confidence=0.75)
    other = art("c", outlet="Caliber.Az", outlet_source="text", outlet_confidence=0.65)
    filled = {a.id: a for a in fill_from_copies([canonical, copy, other], [CopyLink("a", "b", 0.9)])}
    assert (filled["a"].outlet, filled["a"].outlet_source) == ("Responsible Statecraft", "copy")
    assert filled["a"].outlet_confidence == pytest.approx(0.675)
    assert (filled["b"].published, filled["b"].published_source) == ("2025-03-18", "copy")
    assert filled["c"] == other
    clash = fill_from_copies([art("a", outlet="X", outlet_source="url", outlet_confidence=0.8), art("b", outlet="Y", outlet_source="url", outlet_confidence=0.8), art("d")],
                             [CopyLink("a", "b", 0.9), CopyLink("a", "d", 0.9)])  # fmt: skip
    assert clash[2].outlet is None  # two copies disagree: nothing is filled


def test_a_type_one_copy_states_holds_for_a_copy_typed_report_for_want_of_cues():
    def art(aid, kind, source, confidence):
        return Article(id=aid, provenance=Provenance(f"{aid}.txt"), text="x", article_type=kind,
                       article_type_source=source, article_type_confidence=confidence)  # fmt: skip

    page, dump = art("page", "opinion", "metadata", 0.9), art("dump", "report", "text", 0.5)
    filled = {a.id: a for a in fill_from_copies([page, dump], [CopyLink("page", "dump", 0.9)])}
    assert (filled["dump"].article_type, filled["dump"].article_type_source) == ("opinion", "copy")
    assert filled["dump"].article_type_confidence == pytest.approx(0.81) and filled["page"] == page
    declared = art("wire", "report", "url", 0.85)  # a report the URL declares is no gap
    kept = fill_from_copies([page, declared], [CopyLink("page", "wire", 0.9)])
    assert kept == [page, declared]


# --- article type ------------------------------------------------------------------------------


OPED = (
    "US President Donald Trump and Vladimir Putin will speak over the phone later today. However, an immediate ceasefire "
    "is an unlikely outcome, and represents the wrong goal for today's phone call. Instead, Trump should focus his time "
    "with Putin on identifying steps the two leaders can take. He should avoid threats of coercion and confirm US "
    "willingness to assist in negotiations. This is a mistake. This mindset should guide Trump in his call with Putin "
    "today. The US President should set a more modest target and accept that the result he seeks may come later."
)


def test_types_declared_by_the_page_the_url_or_the_headline_come_first():
    ld = '<script type="application/ld+json">{"@type": "OpinionNewsArticle", "headline": "Why talks fail"}</script>'
    assert extract(_html(_page(meta=ld))).article_type == "opinion"
    section = '<meta property="article:section" content="Analysis">'
    typed = extract(_html(_page(meta=section)))
    assert (typed.article_type, typed.article_type_source) == ("analysis", "metadata")
    assert type_from_url("https://www.nytimes.com/2019/11/19/opinion/x.html").value == "opinion"
    assert type_from_url("https://www.columbusdispatch.com/live/content/sports/x.html") is None
    assert extract(_html(_page(title="LIVE: Leaders discuss a truce"))).article_type == "live_blog"


def test_an_op_ed_giving_advice_in_its_own_voice_is_opinion_and_a_report_is_a_report():
    assert text_type(OPED).value == "opinion"
    assert text_type(BODY).value == "report"
    reported = (
        "Schumer said Mr. Trump should cancel the meeting. Republicans asked whether he should demand extradition. " * 3
    )
    assert text_type(reported).value == "report"


@pytest.mark.parametrize(
    "text",
    [
        OPED,
        BODY,
        OPED + "\n\nJane Doe is a senior fellow at the Harbour Institute.",
        BODY + "\n\nJane Doe is a professor of history. Leaders must talk.",
        "We must act. You should too. " * 5,
    ],
)
def test_the_text_rule_reads_the_same_cue_rates_as_type_features(text):
    """text_type computes only the rates its rule needs; its verdict is the rule on type_features."""
    features = type_features(text)
    if features["directed_advice_count"] >= 2 and features["reporting"] < 0.15:
        expected = "opinion"
    elif features["bio"] > 0 and features["advice"] >= 0.1:
        expected = "opinion"
    else:
        expected = "report"
    assert text_type(text).value == expected


def test_a_page_of_timestamped_entries_is_a_live_blog():
    entries = "\n\n".join(
        f"{9 + i}:0{i} GMT\n\nAir raid alerts sounded across the region, officials said in update {i}."
        for i in range(5)
    )
    article = extract(_dump("Live: the war in Ukraine\n\n" + entries + "\n\n" + "\n\n".join(BODY.split(". "))))
    assert article.article_type == "live_blog"


# --- what the user states: --date, --outlet and sidecars ---------------------------------------------


def test_a_sidecar_beside_a_page_states_its_date_outlet_url_title_and_authors(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(_page(), encoding="utf-8")
    (tmp_path / "page.html.json").write_text(json.dumps({
        "date": "2025-03-18", "outlet": "Responsible Statecraft", "url": "https://responsiblestatecraft.org/x/",
        "title": "The rubber finally hits the road", "authors": ["Mark Episkopos"],
    }), encoding="utf-8")  # fmt: skip
    (doc,) = list(read_paths([tmp_path]))
    assert doc.provenance.url == "https://responsiblestatecraft.org/x/"
    article = extract(doc)
    assert (article.published, article.published_source) == ("2025-03-18", "sidecar")
    assert (article.outlet, article.outlet_source) == ("Responsible Statecraft", "sidecar")
    assert article.title == "The rubber finally hits the road" and article.authors == ("Mark Episkopos",)


def test_the_command_line_outranks_a_sidecar_and_applies_to_every_input(tmp_path):
    for name in ("a", "b"):
        (tmp_path / f"{name}.txt").write_text(
            "Leaders discuss a truce\n\n" + "\n\n".join(BODY.split(". ")), encoding="utf-8"
        )
    (tmp_path / "a.meta.json").write_text('{"date": "2025-03-17", "outlet": "Sidecar Outlet"}', encoding="utf-8")
    docs = list(read_paths([tmp_path], options=IngestOptions(date="2025-03-18", outlet="Desk Outlet")))
    assert len(docs) == 2
    for doc in docs:
        article = extract(doc)
        assert (article.published, article.published_source, article.outlet, article.outlet_source) == (
            "2025-03-18",
            "user",
            "Desk Outlet",
            "user",
        )


def test_a_broken_sidecar_is_reported_and_the_page_is_read_without_it(tmp_path):
    (tmp_path / "page.txt").write_text("Leaders discuss a truce\n\n" + "\n\n".join(BODY.split(". ")), encoding="utf-8")
    (tmp_path / "page.txt.json").write_text('{"date": "18/03/2025"}', encoding="utf-8")
    items = list(read_paths([tmp_path]))
    rejections = [i for i in items if isinstance(i, Rejection)]
    docs = [i for i in items if isinstance(i, RawDocument)]
    assert (
        len(rejections) == 1 and rejections[0].path.endswith("page.txt.json") and "YYYY-MM-DD" in rejections[0].reason
    )
    assert len(docs) == 1 and "sidecar_date" not in docs[0].hints


def test_a_malformed_date_on_the_command_line_is_a_usage_error():
    with pytest.raises(OptionsError, match="YYYY-MM-DD"):
        IngestOptions(date="18 March 2025")
    with pytest.raises(OptionsError):
        IngestOptions(outlet="  ")


def test_the_cli_passes_date_and_outlet_to_every_input(tmp_path):
    from newsdesk.cli import main
    from newsdesk.store import open_store

    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "page.txt").write_text(
        "Leaders discuss a truce\n\n" + "\n\n".join(BODY.split(". ")), encoding="utf-8"
    )
    db = tmp_path / "x.db"
    assert (
        main(["ingest", str(tmp_path / "in"), "--db", str(db), "--date", "2025-03-18", "--outlet", "Desk Outlet", "-q"])
        == 0
    )
    with open_store(db) as store:
        (article,) = store.articles()
    assert (article.published, article.published_source, article.outlet, article.outlet_source) == (
        "2025-03-18",
        "user",
        "Desk Outlet",
        "user",
    )
    assert main(["ingest", str(tmp_path / "in"), "--db", str(db), "--date", "March 18", "-q"]) == 2


def test_the_store_keeps_where_each_value_came_from(tmp_path):
    from newsdesk.store import open_store

    doc = _dump("Leaders discuss a truce\n\n" + "\n\n".join(BODY.split(". ")), hints={"user_date": "2025-03-18"})
    article = extract(doc)
    with open_store(tmp_path / "x.db") as store:
        store.add_document(doc)
        store.add_article(article)
        (stored,) = store.articles()
    assert stored == article and stored.published_source == "user" and stored.article_type == "report"


def test_a_version_2_store_gains_the_origin_columns_and_keeps_its_articles(tmp_path):
    import sqlite3

    from newsdesk.store import open_store

    path = tmp_path / "v2.db"
    doc = _dump("Leaders discuss a truce\n\n" + "\n\n".join(BODY.split(". ")))
    with open_store(path) as store:
        store.add_document(doc)
        store.add_article(extract(doc))
    db = sqlite3.connect(path)
    db.executescript(
        "CREATE TABLE a2 AS SELECT id, title, outlet, authors, published, language, extractor, text, seq FROM articles;"
        "DROP TABLE articles; ALTER TABLE a2 RENAME TO articles; UPDATE meta SET value='2' WHERE key='schema_version';"
    )
    db.close()
    with open_store(path) as store:
        (article,) = store.articles()
        assert store.schema_version == 3
    assert article.text and article.published_source is None and article.article_type is None


# --- the seeds ---------------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_seeds_outlets_dates_and_types(seed_analysis):
    from newsdesk.store import open_store

    _, db_path, _ = seed_analysis
    with open_store(db_path) as store:
        stored, copies = store.articles(), store.copies()
    articles = {Path(a.provenance.path).name[:3]: a for a in fill_from_copies(stored, copies)}
    assert articles["001"].outlet == "Responsible Statecraft" and articles["001"].outlet_source == "text"
    assert articles["000"].outlet == "Responsible Statecraft" and articles["000"].outlet_source == "copy"
    assert articles["002"].outlet == "Caliber.Az"
    assert articles["003"].outlet is None and articles["004"].outlet is None  # nothing on those pages names them
    assert all(a.published is None for a in articles.values())  # no seed states its date
    assert articles["004"].article_type == "opinion"
    assert articles["003"].article_type == "report"


def test_the_origin_fields_validate_against_the_published_schema():
    from newsdesk.report import validate

    article = extract(_html(_page(), url="https://www.nytimes.com/2019/11/19/opinion/x.html"))
    record = {"id": article.id, "source": {"path": "page.html", "record": None, "url": None}, "outlet": article.outlet,
              "title": article.title, "authors": [], "published": article.published, "text": article.text,
              "duplicate_of": None, "story": None, **article.origin_json()}  # fmt: skip
    validate({"newsdesk_version": "0", "articles": [record], "stories": [], "rejected": []})
    assert (record["outlet_source"], record["published_source"], record["article_type"]) == ("url", "url", "opinion")


def test_the_report_never_names_an_outlet_by_its_file_and_still_tells_unnamed_ones_apart():
    from newsdesk.report import ReportView, outlet_name

    articles = [
        {
            "id": "a",
            "source": {"path": "examples/000_4ec7b5f75422ebf1.txt", "url": None},
            "outlet": None,
            "title": "US-Russia talks: the rubber hits the road",
        },
        {
            "id": "b",
            "source": {"path": "examples/003_f475c32dab00f800.txt", "url": None},
            "outlet": None,
            "title": "Trump and Putin hold a call",
        },
        {
            "id": "c",
            "source": {"path": "x.html", "url": "https://www.caliber.az/post/1"},
            "outlet": None,
            "title": "Experts weigh in",
        },
    ]
    assert [outlet_name(a) for a in articles] == ["outlet unknown", "outlet unknown", "caliber.az"]
    view = ReportView({"newsdesk_version": "0", "articles": articles, "stories": [], "rejected": []})
    labels = {view.article_label(a["id"]) for a in articles}
    assert len(labels) == 3 and not any(".txt" in label for label in labels)
