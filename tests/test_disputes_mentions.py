"""Precision of the reported-dispute rules (session 6): a claim told apart from a mere mention of
it, and two sides that are one party. Hand-made sentences; the real parser, pair model and MiniLM."""

from __future__ import annotations

from newsdesk.analysis.claims import ClaimsResult, Dispute, find_claims
from newsdesk.analysis.dispute_actors import speaks_for
from newsdesk.analysis.disputes import is_rebuttal
from newsdesk.models import Article, Provenance


def _article(article_id: str, text: str, outlet: str | None = None) -> Article:
    return Article(id=article_id, provenance=Provenance(f"{article_id}.txt"), text=text, outlet=outlet)


def _reported(result: ClaimsResult) -> list[Dispute]:
    return [d for d in result.disagreements if d.kind == "reported_dispute"]


# --- one party on both sides


def test_a_mention_naming_a_role_of_the_party_speaks_for_it():
    assert speaks_for("Acme CEO John Smith", "Acme")
    assert speaks_for("the union's chief negotiator", "the union")
    assert speaks_for("a spokesman for Mr. Harlow", "Senator Harlow")
    assert speaks_for("Senior aides to Ms. Lopez and other Democrats", "Lopez")
    assert speaks_for("Harlow's campaign", "Mr. Harlow")


def test_a_critic_a_rival_or_a_former_aide_does_not_speak_for_the_party():
    assert not speaks_for("Harlow's accuser", "Mr. Harlow")
    assert not speaks_for("Acme critic John Doe", "Acme")
    assert not speaks_for("Harlow's former lawyer", "Mr. Harlow")
    assert not speaks_for("John Smith", "Acme")
    assert not speaks_for("a lawyer for the women", "Mr. Harlow")


def test_an_organisations_head_repeating_its_own_claim_is_no_dispute():
    text = (
        "While the Teamsters claim their stance on pension reform remains unchanged, others outside the union "
        "detected a shift.\n\n"
        'Teamsters president Sean Kelly later issued a statement calling the report "misleading" and claiming '
        '"the Teamsters have not changed their stance on pension reform."'
    )
    assert _reported(find_claims([_article("a", text)])) == []


def test_an_accusation_denied_by_the_accused_is_still_a_dispute():
    text = (
        "Jones accused Senator Miller of using campaign funds for family trips, and then claimed she was fired "
        "after complaining to Miller.\n\n"
        "A few of his colleagues urged him to resign over the accusations, which Miller has repeatedly denied."
    )
    disputes = _reported(find_claims([_article("a", text)]))
    assert len(disputes) == 1
    assert {s.actor for s in disputes[0].sides} >= {"Jones"}


# --- a name inside a clause about someone else does not tie a denial to that person


def test_a_claimant_named_only_in_a_clause_about_another_person_is_not_the_one_contested():
    text = (
        'Governor Blake wrote on Twitter that the inquiry by the state senate was all part of a "witch hunt" '
        "against him.\n\n"
        "Mr. Hale did not say which testimony he considered false by Ms. Ortiz, who was fired by Governor Blake "
        "as director of the agency."
    )
    assert _reported(find_claims([_article("a", text)])) == []


# --- a denial of allegations the sentence names the source of refers to nothing said before it


def test_a_rebuttal_of_a_claim_whose_source_the_sentence_names_is_no_back_reference():
    assert not is_rebuttal("The mayor's office denied the allegations, which the Herald first reported on Monday.")
    assert not is_rebuttal("The ministry rejected the claims by the opposition leader on Friday.")
    assert not is_rebuttal("Her lawyer dismissed the allegations of misconduct as politically motivated.")
    # the rebuttal itself in the relative clause, and a bare back reference, still contest what came before
    assert is_rebuttal("Colleagues urged him to resign over the accusations, which Miller has repeatedly denied.")
    assert is_rebuttal("Aides to the mayor disputed that characterization on Tuesday.")


def test_a_remark_about_allegations_is_not_the_allegation_its_denial_answers():
    text = (
        'Press secretary Dana Ruiz told reporters that the governor "believes that we cannot allow mere allegations '
        'against a candidate to decide an election."\n\n'
        "Mayor Grant's campaign denied the allegations, which the Herald first reported, telling the paper the "
        'accusations of three former employees are "a political smear."'
    )
    assert _reported(find_claims([_article("a", text)])) == []


# --- who holds a side: the speaker of a quotation, not someone the quotation reports


def test_a_reporting_verb_inside_a_quotation_does_not_name_its_speaker():
    from newsdesk.analysis.claim_types import Statement
    from newsdesk.analysis.dispute_actors import ActorFinder
    from newsdesk.analysis.sentences import article_sentences
    from newsdesk.resources import parse

    text = (
        "Governor Hale spoke to reporters after the budget talks on Friday.\n\n"
        "“We even discussed the strike,” he told reporters outside the capitol. “I asked her about the vote. "
        "And Maria said, We are not planning a strike.”\n\n"
        "Union leaders in the room disputed that characterization."
    )
    article = _article("a", text, outlet="the Ledger")
    doc = parse([text])[0]
    sentences = {"a": article_sentences(text, doc)}
    finder = ActorFinder({"a": article}, {"a": doc}, {}, sentences)
    k = next(i for i, s in enumerate(sentences["a"]) if s.text.startswith("And Maria said"))
    tail = sentences["a"][k]
    actor, _, _ = finder.of(Statement("a", tail.text, tail.start, tail.end, k))
    assert actor.endswith("Hale")
    # the sentence opening that quotation is the same speaker's, not the reported one's
    k = next(i for i, s in enumerate(sentences["a"]) if s.text.startswith("“I asked"))
    opener = sentences["a"][k]
    assert finder.of(Statement("a", opener.text, opener.start, opener.end, k))[0].endswith("Hale")
