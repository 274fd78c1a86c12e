"""Page dumps that are not an English article are rejected with a reason, not extracted as garbage."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsdesk.errors import NoArticleError, OptionsError
from newsdesk.extract import ExtractOptions, extract
from newsdesk.extract.page_kind import detect_language, judge_dump
from newsdesk.models import Provenance, RawDocument

REPO = Path(__file__).resolve().parents[1]
NOT_ARTICLES = REPO / "tests" / "fixtures" / "extract" / "not_articles"
SEEDS = sorted((REPO / "examples").glob("*.txt"))


def dump(name: str) -> RawDocument:
    path = NOT_ARTICLES / name
    return RawDocument(Provenance(str(path)), "text", path.read_text("utf-8"), "utf-8")


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("link_hub.txt", "a list of links, not an article"),
        ("forum_thread.txt", "a forum thread, not an article"),
        ("paywall_stub.txt", "a paywall stub"),
        ("german_article.txt", "it reads as de"),
        ("russian_article.txt", "it reads as cyrillic"),
    ],
)
def test_non_article_dump_is_rejected_naming_the_file_and_the_reason(name, reason):
    with pytest.raises(NoArticleError) as caught:
        extract(dump(name))
    assert reason in caught.value.message
    assert name in str(caught.value)  # the ingest's rejection names the document
    assert caught.value.hint


def test_paywall_reason_quotes_the_prompt_and_counts_the_words():
    with pytest.raises(NoArticleError, match=r"42 words of article, then 'Subscribe to continue reading'"):
        extract(dump("paywall_stub.txt"))


def test_foreign_article_is_extracted_when_every_language_is_accepted():
    article = extract(dump("german_article.txt"), options=ExtractOptions(languages=()))
    assert article.language == "de"
    assert article.text.startswith("Die Hafenbehörde hat am Dienstag")
    assert "Impressum" not in article.text


def test_the_checks_can_be_switched_off():
    article = extract(dump("forum_thread.txt"), options=ExtractOptions(reject_non_articles=False))
    assert "council meeting on Thursday" in article.text


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.name[:3])
def test_english_seed_articles_pass_every_check(seed):
    doc = RawDocument(Provenance(str(seed)), "text", seed.read_text("utf-8"), "utf-8")
    assert extract(doc).language == "en"


def test_language_detection_needs_enough_words():
    assert detect_language("Die Hafenbehörde hat genehmigt.") == (None, 0.0)
    language, share = detect_language("The board said on Tuesday that the work will start in the spring. " * 6)
    assert language == "en" and share > 0.3


def test_comments_under_an_article_do_not_make_it_a_forum_thread():
    article = [
        "Harbour board approves dredging contract",
        "The harbour board approved a new dredging contract on Tuesday after months of delay, "
        "saying the channel had silted up since the winter storm and ferries could no longer dock at low tide.",
        "Work is due to start in the spring and last about six weeks, the board said in a statement.",
    ]
    comments = ["12 comments", "Reply", "Posted by: Anna at 10:04", "Great news.", "Reply", "Posted by: Tom at 11:30"]
    assert judge_dump(article + comments, body=[1, 2]) is None


def test_unknown_language_code_is_refused():
    with pytest.raises(OptionsError):
        ExtractOptions(languages=("klingon",))
    with pytest.raises(OptionsError):
        ExtractOptions(languages="en")  # type: ignore[arg-type]
