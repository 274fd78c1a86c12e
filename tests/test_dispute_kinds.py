"""Every dispute kind of ``analysis.json`` (issue 12: number, date_time, fact, reported_dispute,
attribution) is one the claims stage can produce: one hand-made case each, end to end through
:func:`find_claims` (the real parser, pair model and MiniLM)."""

from __future__ import annotations

import json

from newsdesk.analysis.claims import DISPUTE_KINDS, find_claims
from newsdesk.models import Article, Provenance
from newsdesk.resources import DATA_DIR


def _article(article_id: str, text: str, outlet: str | None = None) -> Article:
    return Article(id=article_id, provenance=Provenance(f"{article_id}.txt"), text=text, outlet=outlet)


def _kinds(*texts: str) -> list[str]:
    articles = [_article(chr(ord("a") + k), text, outlet=f"outlet {k}") for k, text in enumerate(texts)]
    return [d.kind for d in find_claims(articles).disagreements]


def test_the_schema_lists_exactly_the_kinds_the_stage_produces():
    schema = (DATA_DIR.parent / "schema" / "analysis.schema.json").read_text(encoding="utf-8")
    assert all(f'"{kind}"' in schema for kind in DISPUTE_KINDS)
    assert set(DISPUTE_KINDS) == {"number", "date_time", "fact", "reported_dispute", "attribution"}
    json.loads(schema)


def test_two_sizes_of_one_named_thing_are_a_number_dispute():
    assert _kinds(
        "Chief Justice Mary Holt administered the 38-word oath of office to the governor at noon.",
        "The governor took the 35-word oath of office administered by Chief Justice Mary Holt at noon.",
    ) == ["number"]


def test_two_days_for_one_vote_are_a_date_time_dispute():
    assert _kinds(
        "The state senate passed the water bill on Tuesday by a vote of 31-8.",
        "The state senate passed the water bill on Thursday by a vote of 31-8.",
    ) == ["date_time"]


def test_an_act_and_its_opposite_are_a_fact_dispute():
    assert _kinds(
        "Governor Ellis signed the budget bill into law on Thursday.",
        "Governor Ellis vetoed the budget bill on Thursday.",
    ) == ["fact"]


def test_a_claim_and_its_denial_by_another_party_are_a_reported_dispute():
    assert _kinds(
        "Jones accused Senator Miller of using campaign funds for family trips, and then claimed she was fired "
        "after complaining to Miller.\n\n"
        "A few of his colleagues urged him to resign over the accusations, which Miller has repeatedly denied."
    ) == ["reported_dispute"]


def test_one_quotation_given_to_two_people_is_an_attribution_dispute():
    assert _kinds(
        "“The province is not going to pay for that bridge,” Anna Keller told the local radio station on Monday.",
        "“The province is not going to pay for that bridge,” Paul Weber told the local radio station on Monday.",
    ) == ["attribution"]
