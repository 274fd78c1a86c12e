"""Positions: who wants what, on the seeds and on hand-made sentences for every kind."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsdesk.analysis.positions import (
    KINDS,
    ActorRef,
    Position,
    PositionOptions,
    default_actor_resolver,
    extract_positions,
)
from newsdesk.bench.positions import evaluate
from newsdesk.errors import AnalysisError, OptionsError
from newsdesk.models import Article, Provenance
from newsdesk.resources import parse

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "positions"
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
BASIL_DEV = Path(__file__).resolve().parents[2] / "shared" / "bench" / "clustering_basil" / "dev.jsonl"


def _article(text: str, article_id: str = "t") -> Article:
    return Article(id=article_id, provenance=Provenance(path=f"{article_id}.txt"), text=text)


def _seed_text(number: int) -> str:
    """The article text of a seed dump: the lines between the page chrome, one paragraph each."""
    path = sorted(EXAMPLES.glob(f"{number:03d}_*.txt"))[0]
    lines = path.read_text(encoding="utf-8").splitlines()
    if number == 0:  # after the standfirst and its section labels, before the photo credit
        start = next(i for i, line in enumerate(lines) if line.startswith("If the diplomatic overtures"))
        end = next(i for i, line in enumerate(lines) if line.startswith("Top photo credit"))
        lines = lines[start:end]
    elif number == 2:  # the first line is the title
        lines = lines[1:]
    elif number == 4:  # subscription chrome at the end
        lines = lines[: next(i for i, line in enumerate(lines) if line.startswith("Join the discussion"))]
    return "\n\n".join(line.strip() for line in lines if line.strip())


@pytest.fixture(scope="module")
def seeds() -> dict[int, tuple[Article, list[Position]]]:
    """Each seed's positions as the pipeline finds them: the stage run on a story of that one
    article (actors named by its entities, sides from its titles and descriptors)."""
    from newsdesk.analysis import build_context, positions
    from newsdesk.models import Story

    found = {}
    for number in (0, 2, 3, 4):
        article = _article(_seed_text(number), f"seed{number:03d}")
        context = build_context(Story(f"story{number}", "", (article.id,)), [article])
        found[number] = (article, list(positions.run(context, PositionOptions()).positions))
    return found


def _find(positions, kind, side, *words, condition=None):
    """Positions of ``kind`` for ``side`` whose content holds every word (case-insensitive)."""
    hits = [
        p
        for p in positions
        if p.kind == kind
        and p.side == side
        and all(w.lower() in p.content.lower() for w in words)
        and (condition is None or (p.condition and condition.lower() in p.condition.lower()))
    ]
    return hits


# --- the seeds: every side's demands and agreements, cited ------------------------------------


def test_seed000_white_house_pushes_for_an_all_encompassing_ceasefire(seeds):
    _, positions = seeds[0]
    assert _find(positions, "demands", "United States", "all-encompassing ceasefire")


def test_seed000_putin_stipulates_cessation_of_foreign_military_assistance_to_kyiv(seeds):
    _, positions = seeds[0]
    hits = _find(
        positions, "demands", "Russia", "complete cessation of foreign military assistance", "intelligence", "Kyiv"
    )
    assert hits and hits[0].actor_name == "Vladimir Putin"


def test_seed000_both_sides_agreed_to_the_partial_ceasefire(seeds):
    _, positions = seeds[0]
    assert _find(positions, "agrees", "Russia", "partial ceasefire on energy and infrastructure")
    assert _find(positions, "agrees", "United States", "partial ceasefire on energy and infrastructure")


def test_seed002_moscow_insists_on_the_four_regions_and_halting_weapons_supply(seeds):
    _, positions = seeds[2]
    hits = _find(
        positions,
        "demands",
        "Russia",
        "full control over the four regions",
        "halting the supply of weapons and intelligence",
    )
    assert hits and hits[0].actor_text == "Moscow" and hits[0].cue == "insist"


def test_seed002_contents_that_only_point_back_are_dropped(seeds):
    # "Russia demands its cessation", "These demands are not currently supported by the Trump
    # administration": the content means nothing alone (issue 13), so no position is shown
    _, positions = seeds[2]
    assert not [p for p in positions if p.content.lower() in ("its cessation", "these demands")]


def test_seed002_zelensky_agreed_to_the_us_ceasefire_proposal(seeds):
    _, positions = seeds[2]
    assert not _find(positions, "agrees", "United States", "these demands")


def test_seed002_and_003_leaders_agreed_on_an_energy_and_infrastructure_ceasefire(seeds):
    for number in (2, 3):
        _, positions = seeds[number]
        assert [
            p
            for p in positions
            if p.kind == "agrees" and "leaders" in p.actor_text.lower() and "energy and infrastructure" in p.content
        ], number


def test_seed002_kremlin_willing_to_consider_a_temporary_suspension(seeds):
    _, positions = seeds[2]
    assert _find(positions, "agrees", "Russia", "temporary suspension of military actions")


def test_seed003_kremlin_wants_full_halt_to_assistance_as_a_precondition(seeds):
    _, positions = seeds[3]
    hits = _find(
        positions,
        "demands",
        "Russia",
        "full halt to all foreign military and intelligence assistance",
        condition="as a precondition for ending the conflict",
    )
    assert hits
    assert "precondition" not in hits[0].content  # the condition stays on the position, not in it


def test_seed003_putin_demands_kyiv_stop_mobilizing_before_a_broader_ceasefire(seeds):
    _, positions = seeds[3]
    hits = _find(
        positions,
        "demands",
        "Russia",
        "Kyiv stop mobilizing and arming its soldiers",
        condition="before Moscow will agree to a broader ceasefire",
    )
    assert hits and hits[0].actor_name == "Vladimir Putin"


def test_seed003_putins_non_negotiable_goals(seeds):
    _, positions = seeds[3]
    hits = _find(positions, "demands", "Russia", "no NATO membership", "territorial concessions")
    assert hits and hits[0].actor_name == "Vladimir Putin"
    # "his fundamental goals … are non-negotiable: no NATO membership; …": the content is what the
    # colon introduces, not "non-negotiable: …"
    assert hits[0].content.startswith("no NATO membership")


def test_seed003_trumps_goal_dividing_up_certain_assets(seeds):
    _, positions = seeds[3]
    hits = _find(positions, "demands", "United States", "dividing up certain assets")
    assert hits and hits[0].actor_name == "Donald Trump"


def test_seed003_zelensky_agreed_to_the_us_30_day_ceasefire_proposal(seeds):
    _, positions = seeds[3]
    hits = _find(positions, "agrees", "Ukraine", "U.S. proposal", "30-day ceasefire")
    assert hits and hits[0].actor_name == "Volodymyr Zelensky"
    assert _find(positions, "agrees", "Ukraine", "Washington’s ceasefire proposal")


def test_seed003_kremlin_agreed_to_a_30_day_energy_ceasefire(seeds):
    _, positions = seeds[3]
    assert _find(positions, "agrees", "Russia", "30-day ceasefire on energy targets")


def test_seed004_european_backers_push_for_sanctions_on_a_condition(seeds):
    _, positions = seeds[4]
    assert not [p for p in positions if p.content == "this stance"]  # points back: dropped
    assert _find(
        positions, "demands", "European Union", "new rounds of sanctions", condition="if the Kremlin does not agree"
    )
    # the Kremlin's "does not agree" sits inside the condition: it is not a position
    assert not [p for p in positions if p.side == "Russia" and p.kind in ("agrees", "rejects")]


def test_seed004_op_ed_recommendations_are_not_positions(seeds):
    _, positions = seeds[4]
    # "Trump should focus …", "Trump could suggest …": the author's advice, not Trump's stance
    assert not [p for p in positions if p.kind == "proposes"]


def test_every_seed_position_cites_its_sentence_by_offsets(seeds):
    for article, positions in seeds.values():
        assert positions
        for position in positions:
            assert article.text[position.start : position.end] == position.evidence
            assert position.kind in KINDS
            assert position.content and position.actor_text
            assert "\n\n" not in position.evidence  # never a sentence across paragraphs


# --- hand-made sentences: every kind, conditions, negation, passive, nominal forms -------------


def _handmade():
    with open(FIXTURES / "handmade.jsonl", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


@pytest.mark.parametrize("case", _handmade(), ids=lambda case: case["case"])
def test_handmade_sentence(case):
    positions = extract_positions(_article(case["text"]))
    for want in case["expect"]:
        hits = [
            p
            for p in positions
            if p.kind == want["kind"]
            and p.side == want["side"]
            and want["content"] in p.content
            and ("condition" not in want or (p.condition and want["condition"] in p.condition))
            and ("actor_name" not in want or p.actor_name == want["actor_name"])
        ]
        assert hits, f"{case['case']}: wanted {want}, got {[p.to_json() for p in positions]}"
        if "condition" in want:
            assert want["condition"] not in hits[0].content
    forbidden = [p for p in positions if p.kind in case.get("forbid", ())]
    assert not forbidden, [p.to_json() for p in forbidden]


def test_handmade_fixtures_cover_every_kind():
    kinds = {want["kind"] for case in _handmade() for want in case["expect"]}
    assert kinds == set(KINDS)


# --- actors ------------------------------------------------------------------------------------


def test_default_resolver_maps_seats_titles_and_surnames_to_sides():
    text = "Russian President Vladimir Putin spoke to the press.\n\nThe Kremlin, Kyiv and the White House all commented, and Putin left."
    article = _article(text)
    resolve = default_actor_resolver(article)
    for mention, side in (("The Kremlin", "Russia"), ("Kyiv", "Ukraine"), ("the White House", "United States")):
        start = text.index(mention)
        ref = resolve(mention, start, start + len(mention))
        assert ref is not None and ref.side == side, mention
    start = text.rindex("Putin")
    ref = resolve("Putin", start, start + 5)
    assert ref == ActorRef(None, "Vladimir Putin", "Russia")


def test_independent_analysts_speak_for_no_side():
    positions = extract_positions(_article("Russian analysts said the sanctions had failed."))
    assert positions and positions[0].kind == "asserts" and positions[0].side is None


def test_a_custom_resolver_names_the_actor():
    seen = []

    def resolve(mention: str, start: int, end: int) -> ActorRef:
        seen.append((mention, start, end))
        return ActorRef("ent:russia", "Russia", "Russia")

    text = "Moscow rejected the proposal."
    positions = extract_positions(_article(text), resolve_actor=resolve)
    assert seen == [("Moscow", 0, 6)]
    assert positions[0].actor == "ent:russia" and positions[0].side == "Russia"


def test_a_failing_custom_resolver_keeps_the_position_without_a_side():
    def resolve(mention: str, start: int, end: int) -> ActorRef:
        raise RuntimeError("entity index unavailable")

    positions = extract_positions(_article("Moscow rejected the proposal."), resolve_actor=resolve)
    assert positions and positions[0].kind == "rejects" and positions[0].side is None


# --- options, inputs, output ---------------------------------------------------------------------


def test_options_filter_kinds_and_sides():
    text = "Analysts said the truce would hold. France backed the plan."
    only_agrees = extract_positions(_article(text), options=PositionOptions(kinds=("agrees",)))
    assert [p.kind for p in only_agrees] == ["agrees"]
    sided = extract_positions(_article(text), options=PositionOptions(require_side=True))
    assert [p.side for p in sided] == ["France"]


@pytest.mark.parametrize(
    "kwargs",
    [{"kinds": ("wants",)}, {"kinds": ()}, {"max_content_chars": 5}, {"min_content_words": 0}],
)
def test_bad_options_are_refused_with_a_hint(kwargs):
    with pytest.raises(OptionsError) as info:
        PositionOptions(**kwargs)
    assert info.value.hint


def test_a_parse_of_another_text_is_refused():
    article = _article("France backed the plan.")
    with pytest.raises(AnalysisError):
        extract_positions(article, doc=parse(["Germany backed the plan."])[0])


def test_a_caller_parse_is_used_as_is():
    article = _article("France backed the plan.")
    assert extract_positions(article, doc=parse([article.text])[0])[0].side == "France"


def test_empty_text_has_no_positions():
    assert extract_positions(_article("   ")) == []


def test_to_json_is_json_ready(seeds):
    _, positions = seeds[3]
    data = [p.to_json() for p in positions]
    assert json.loads(json.dumps(data)) == data
    assert set(data[0]) >= {
        "article",
        "actor",
        "actor_text",
        "side",
        "kind",
        "content",
        "condition",
        "evidence",
        "start",
        "end",
    }


# --- the hand-labelled BASIL sentences (the measured benchmark; dev half only here) ------------


@pytest.mark.bench
@pytest.mark.skipif(not BASIL_DEV.exists(), reason="../shared/bench is not beside the repository")
def test_labelled_basil_dev_half_scores_well():
    with open(FIXTURES / "basil_dev_labels.jsonl", encoding="utf-8") as handle:
        labels = [json.loads(line) for line in handle if line.strip()]
    wanted = {r["article"] for r in labels if r["split"] == "dev"}
    articles = {}
    with open(BASIL_DEV, encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            if record["id"] in wanted:
                articles[record["id"]] = record
    result = evaluate(labels, articles, split="dev")
    # measured 0.929 / 0.848 (docs/benchmarks/positions.md); the floor guards regressions
    assert result["overall"]["precision"] >= 0.85
    assert result["overall"]["recall"] >= 0.75


def test_a_stance_inside_a_temporal_condition_is_not_a_position():
    text = (
        "Putin has shifted the onus onto Ukraine, demanding that Kyiv stop mobilizing and arming its "
        "soldiers before Moscow will agree to a broader ceasefire."
    )
    found = extract_positions(Article(id="t", provenance=Provenance(path="t.txt"), text=text))
    assert not [p for p in found if p.kind == "agrees"]
    (demand,) = [p for p in found if p.kind == "demands"]
    assert demand.condition == "before Moscow will agree to a broader ceasefire"


@pytest.mark.parametrize(
    "content, alone",
    [
        ("These demands", False),
        ("its cessation", False),
        ("this stance", False),
        ("Trump to do the same", False),
        ("a full halt to all foreign military assistance", True),
        ("new rounds of sanctions", True),
    ],
)
def test_a_content_that_only_points_back_does_not_stand_alone(content, alone):
    from newsdesk.analysis.positions.extraction import stands_alone

    assert stands_alone(content) is alone


# --- issue 13: modality, polarity and holders of positions ------------------------------------


@pytest.mark.parametrize(
    "text, kind, present",
    [
        ("Russia agreed to a ceasefire on energy targets.", "agrees", True),
        ("Russia could agree to a ceasefire on energy targets.", "agrees", False),
        ("Russia should agree to a ceasefire on energy targets.", "agrees", False),
        ("Russia did not agree to a ceasefire on energy targets.", "agrees", False),
        ("Russia did not agree to a ceasefire on energy targets.", "rejects", True),
        ("If Russia agrees to a ceasefire on energy targets, talks will follow.", "agrees", False),
        ("Kyiv must stop mobilizing before Moscow will agree to a broader ceasefire.", "agrees", False),
    ],
)
def test_hypothetical_conditional_and_negated_stances(text, kind, present):
    found = [p for p in extract_positions(_article(text)) if p.kind == kind and "ceasefire" in p.content]
    assert bool(found) is present


def test_a_stance_nested_in_someone_elses_speech_belongs_to_the_inner_holder():
    text = (
        "Ukrainian President Volodymyr Zelensky visited Washington last month. In a tactless meeting, "
        "Trump and Vice President J.D. Vance verbally attacked the Ukrainian leader, saying he “was not ready for peace.”"
    )
    found = extract_positions(_article(text))
    assert not [p for p in found if p.kind == "rejects" and "Vance" in (p.actor_name or p.actor_text)]
    (stance,) = [p for p in found if p.kind == "rejects"]
    assert "Vance" in (stance.reported_by or "") and "Trump" in (stance.reported_by or "")


def test_an_op_ed_authors_inference_is_no_position_of_its_subject():
    text = "Putin has no incentive to agree. He believes Russia can withstand more economic punishment."
    op_ed = Article(id="op", provenance=Provenance(path="op.txt"), text=text, article_type="opinion")
    assert not [p for p in extract_positions(op_ed) if p.cue == "believe"]
    assert [p for p in extract_positions(_article(text)) if p.cue == "believe"]


def test_a_possessive_group_is_its_own_actor():
    text = "Ukraine’s European backers have pushed for new rounds of sanctions against Russia."
    (demand,) = [p for p in extract_positions(_article(text)) if p.kind == "demands"]
    assert demand.actor is None and demand.actor_name == "Ukraine’s European backers"
    assert demand.side == "European Union"


def test_a_causal_as_is_no_condition_but_as_long_as_is():
    text = (
        "Russia will welcome a pause in attacks on energy infrastructure, as oil facilities have been the "
        "primary target for long-range drones."
    )
    (agrees,) = [p for p in extract_positions(_article(text)) if p.kind == "agrees"]
    assert agrees.condition is None
    text = "Russia will accept the deal as long as sanctions are lifted."
    (agrees,) = [p for p in extract_positions(_article(text)) if p.kind == "agrees"]
    assert agrees.condition == "as long as sanctions are lifted"


def test_a_stance_after_a_dash_is_the_writers_not_reported_by_the_source():
    text = (
        "Statements from both the Kremlin and the White House indicate only a limited agreement was reached – "
        "while Putin has shifted the onus onto Ukraine, demanding that Kyiv stop mobilizing before Moscow "
        "will agree to a broader ceasefire."
    )
    (demand,) = [p for p in extract_positions(_article(text)) if p.kind == "demands"]
    assert demand.reported_by is None


# --- issue 13, session 4: contents that stand alone, actors as the text names them ------------


def _story_positions(text: str) -> list[Position]:
    from newsdesk.analysis import build_context, positions
    from newsdesk.models import Story

    article = _article(text, "h1")
    context = build_context(Story("hs", "", (article.id,)), [article])
    return list(positions.run(context, PositionOptions()).positions)


def test_folded_joint_names_each_hold_the_position_and_a_bound_he_is_named():
    found = _story_positions(
        "Ukrainian President Volodymyr Zelensky, the Ukrainian leader, met U.S. President Donald Trump.\n\n"
        "Trump and Vice President J.D. Vance verbally attacked the Ukrainian leader, saying he "
        "“was not ready for peace.”"
    )
    asserted = [p for p in found if p.kind == "asserts" and "ready for peace" in p.content]
    assert {p.actor_name for p in asserted} == {"Donald Trump", "J.D. Vance"}
    assert all(p.content == "Volodymyr Zelensky was not ready for peace" for p in asserted)


def test_a_predicate_before_a_colon_is_the_frame_not_the_content():
    text = (
        "Putin has long maintained that his goals are non-negotiable: no NATO membership and territorial concessions."
    )
    found = extract_positions(_article(text))
    assert any(p.content.startswith("no NATO membership") for p in found)
    assert not any("non-negotiable" in p.content for p in found)


def test_a_closing_participle_or_with_clause_is_the_writers_not_the_content():
    text = (
        "Trump has echoed the Kremlin’s view that Zelensky is an illegitimate leader, at one point even "
        "calling on him to step down.\n\nThe camp has embraced the Kremlin’s worldview, with commentators "
        "praising the president.\n\nMoscow insists on full control over the regions, as well as on halting "
        "the supply of weapons."
    )
    found = extract_positions(_article(text))
    kremlin = next(p for p in found if p.actor_name == "Kremlin")
    assert kremlin.content == "Zelensky is an illegitimate leader"
    assert any(p.content == "the Kremlin’s worldview" for p in found)
    moscow = next(p for p in found if p.actor_text == "Moscow")
    assert "halting the supply of weapons" in moscow.content  # "as well as on …" is a second content


def test_contents_pointing_back_do_not_stand_alone():
    from newsdesk.analysis.positions.extraction import stands_alone

    assert not stands_alone("support at least some of these goals")
    assert not stands_alone("its longstanding worldview")
    assert stands_alone("those who refused to acknowledge the truth must leave")
    assert stands_alone("Moscow’s longstanding worldview")


def test_a_group_named_after_a_country_and_a_pro_camp_are_their_own_actors():
    found = _story_positions(
        "The United States has imposed sanctions.\n\nMultiple U.S. officials have called for elections in "
        "Ukraine.\n\nThe pro-Russia camp within the administration has embraced a ceasefire deal."
    )
    officials = next(p for p in found if "elections" in p.content)
    assert officials.actor_name == "Multiple U.S. officials" and officials.side == "United States"
    camp = [p for p in found if "ceasefire" in p.content]
    assert all(p.actor_name != "pro-Russia" and p.side != "pro-Russia" for p in camp)


def test_an_employer_is_no_side_and_a_state_body_is_its_country():
    from newsdesk.analysis.sides import state_body_side

    found = _story_positions(
        "“Not a single concession comes from the Russian side,” Daniel Szegelowski, the head of the Eastern "
        "Europe Program at the Polish Institute for International Affairs, wrote.\n\nThe partial ceasefire, "
        "agreed to by both the Russian and American sides, is a way forward."
    )
    szegelowski = [p for p in found if p.actor_name == "Daniel Szegelowski"]
    assert szegelowski and all(p.side is None for p in szegelowski)
    (doc,) = parse(["It was agreed to by both the Russian and American sides."])
    assert {state_body_side(t) for t in doc if t.text in ("Russian", "American")} == {"Russia", "United States"}


def test_a_long_content_with_a_demonstrative_still_stands_alone():
    from newsdesk.analysis.positions.extraction import stands_alone

    assert stands_alone(
        "I stood next to President Obama as the Marines carried those flag-draped caskets off the plane"
    )


def test_side_of_a_state_body_phrase_is_its_one_country():
    from newsdesk.analysis.sides import side_of

    assert side_of("the American side") == "United States"
    assert side_of("both American sides") == "United States"
    assert side_of("American side") == "United States"
    assert side_of("the Russian government") == "Russia"
    assert side_of("the Russian and American sides") is None  # two countries: no one side
    assert side_of("American voters") is None
