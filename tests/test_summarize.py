"""Tests of the SUMMARIZE stage and its benchmark (real models, real seeds, a real local HTTP server)."""

from __future__ import annotations

import argparse
import json
import logging
import random
import re
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from newsdesk.analysis.summary import (
    SummaryError,
    SummaryOptions,
    SummarySentence,
    rejection_reason,
    summarize_story,
)
from newsdesk.bench import summary as bench
from newsdesk.errors import OptionsError
from newsdesk.models import Article, Provenance

REPO = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parents[2] / "shared" / "bench"
WORD = re.compile(r"\w+")


def make_article(
    article_id: str, text: str, *, title: str | None = None, outlet: str | None = None, published: str | None = None
) -> Article:
    return Article(
        id=article_id,
        provenance=Provenance(path=f"{article_id}.txt"),
        text=text,
        title=title,
        outlet=outlet,
        published=published,
    )


# Hand-made story: two outlets confirm the vote and the 19-0 count; a third adds a different angle.
# Each article also carries material that must never reach a summary.
FIXTURE = [
    make_article(
        "a1",
        "By Jane Doe\n\n"
        "Federal vaccine advisers voted unanimously on Thursday to recommend a booster dose of the Moderna vaccine "
        "for older adults.\n\n"
        "The panel's 19-0 vote followed a day of presentations by company and agency scientists.\n\n"
        "Will the agency follow its advisers?\n\n"
        "“It is a reasonable step.\n\n"
        "Sign up for our newsletter to get the latest health news in your inbox.",
        title="FDA advisers back Moderna booster for older adults",
        outlet="Daily Planet",
        published="2021-10-14",
    ),
    make_article(
        "a2",
        "A Food and Drug Administration advisory committee unanimously recommended on Thursday a Moderna booster "
        "shot for people 65 and older.\n\n"
        "All 19 members of the committee supported the half-dose booster after hours of discussion.\n\n"
        "The agency usually follows the advice of its panels, though it is not required to.",
        title="FDA panel endorses Moderna booster shots",
        outlet="Evening Star",
        published="2021-10-14",
    ),
    make_article(
        "a3",
        "Some panelists remained skeptical that healthy younger adults need extra shots at all.\n\n"
        "Several members said the data on waning protection were thin and came mostly from Israel.\n\n"
        "Click here to read more coverage of the pandemic.",
        title="Panelists question need for boosters",
        outlet="Morning Herald",
        published="2021-10-15",
    ),
]


@pytest.fixture(scope="module")
def fixture_summary() -> list[SummarySentence]:
    return summarize_story(FIXTURE, options=SummaryOptions(word_budget=60))


def seed_articles() -> list[Article]:
    articles = []
    for path in sorted((REPO / "examples").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        articles.append(make_article(path.stem, text, title=None, outlet=path.stem))
    return articles


@pytest.fixture(scope="module")
def seed_summary() -> tuple[list[Article], list[SummarySentence]]:
    articles = seed_articles()
    return articles, summarize_story(articles, options=SummaryOptions(word_budget=120))


# --- sentence filters -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "reason"),
    [
        ("Will the agency follow its advisers and approve the booster this week?", "question"),
        ("By Jane Doe and John Roe, Washington Post staff writers.", "boilerplate"),
        ("Sign up for our newsletter to get the latest health news in your inbox.", "boilerplate"),
        ("“It is a reasonable step that we should take now.", "quote fragment (unbalanced quotation marks)"),
        ("“We will not back down from this fight, not now and not ever.”", "quote without its speaker"),
        ("The panel voted on Thursday.", "too short"),
        ("titled “The NRA and Russia” and released Friday after an 18-month investigation.", "starts mid-sentence"),
        (
            "Qualified immunity shields law enforcement officers from liability for constitutional",
            "no sentence end (heading, caption or cut off)",
        ),
    ],
)
def test_rejection_reason_names_what_is_not_summary_material(sentence, reason):
    assert rejection_reason(sentence) == reason


@pytest.mark.parametrize(
    "sentence",
    [
        "By Nov. 4, proof of full vaccination will be mandatory, according to the county.",
        "From Wednesday, the video site will take down content that contains misinformation.",
        "Video posted on Twitter shows the firefighters carrying the French flag through Marseille.",
    ],
)
def test_a_sentence_opening_like_a_byline_is_not_taken_for_one(sentence):
    assert rejection_reason(sentence) is None
    assert rejection_reason("Photo: Jane Doe for The Washington Post, via Getty.") == "boilerplate"
    assert rejection_reason("Watch the full 60 Minutes interview with Andrew McCabe (video).") == "boilerplate"


def test_rejection_reason_accepts_a_plain_news_sentence_and_an_attributed_quote():
    assert rejection_reason("Federal vaccine advisers voted unanimously on Thursday to recommend a booster.") is None
    assert rejection_reason("“This is a reasonable step,” the panel's chair told reporters after the vote.") is None


# --- extractive summary on a hand-made story ------------------------------------------------


def test_every_summary_sentence_cites_its_source_and_is_an_exact_span(fixture_summary):
    # (no sentence of the fixture opens on a connective or a pronoun: each is shown as written)
    by_id = {a.id: a for a in FIXTURE}
    assert fixture_summary
    for sentence in fixture_summary:
        assert sentence.citations and sentence.citations[0] == sentence.article
        assert by_id[sentence.article].text[sentence.start : sentence.end] == sentence.text
        assert len(set(sentence.citations)) == len(sentence.citations)


def test_summary_leaves_out_questions_bylines_fragments_and_boilerplate(fixture_summary):
    text = " ".join(s.text for s in fixture_summary)
    for unwanted in ("?", "By Jane Doe", "Sign up", "Click here", "“It is a reasonable step."):
        assert unwanted not in text


def test_claim_two_outlets_report_is_chosen_and_never_cited_to_the_sceptics(fixture_summary):
    confirmed = [s for s in fixture_summary if "unanimously" in s.text]
    assert confirmed, "the vote both outlets report should be in the summary"
    assert confirmed[0].citations[0] == confirmed[0].article
    # the sceptics' article states none of the others' sentences
    assert all("a3" not in s.citations for s in fixture_summary if s.article != "a3")


# --- citations: an article is cited only when it states the sentence -----------------------

VOTE = "Federal vaccine advisers voted unanimously on Thursday to recommend a booster dose of the Moderna vaccine for older adults."
CONTEXT = "All 19 members of the committee supported the half-dose booster after hours of discussion."


@pytest.mark.parametrize(
    ("other_sentence", "states"),
    [
        (
            "On Thursday, federal vaccine advisers unanimously voted to recommend a Moderna booster dose for older adults.",
            True,
        ),
        (
            "Federal vaccine advisers will vote on Thursday on whether to recommend a booster dose of the Moderna vaccine for older adults.",
            False,
        ),
        (
            "Federal vaccine advisers did not vote on Thursday to recommend a booster dose of the Moderna vaccine for older adults.",
            False,
        ),
        (
            "Federal vaccine advisers voted unanimously on Friday to reject a booster dose of the Pfizer vaccine for older adults.",
            False,
        ),
        ("Some panelists remained skeptical that healthy younger adults need extra shots at all.", False),
    ],
)
def test_citation_support_cites_an_article_only_when_it_states_the_sentence(other_sentence, states):
    from newsdesk.analysis.summary import load_citation_support
    from newsdesk.resources import embed

    support = load_citation_support()
    assert support is not None, "the shipped summary model carries the citation decision"
    vectors = embed([VOTE, other_sentence, CONTEXT])
    assert support.states(VOTE, vectors[0], [other_sentence, CONTEXT], vectors[1:]) is states


def test_summary_sentence_is_not_cited_to_an_article_that_does_not_state_it():
    articles = [
        make_article("wire", VOTE + "\n\n" + CONTEXT, outlet="Wire"),
        make_article(
            "copy",
            "On Thursday, federal vaccine advisers unanimously voted to recommend a Moderna booster dose for older adults, "
            "officials said.\n\nThe agency usually follows the advice of its panels.",
            outlet="Copy",
        ),
        make_article(
            "sceptic",
            "Some panelists remained skeptical that healthy younger adults need extra shots at all.\n\n"
            "Several members said the data on waning protection for older adults were thin.",
            outlet="Herald",
        ),
    ]
    summary = summarize_story(articles, options=SummaryOptions(word_budget=80))
    vote = [s for s in summary if "unanimously" in s.text]  # the wire's sentence or the copy's
    assert vote and set(vote[0].citations) == {"wire", "copy"} and vote[0].citations[0] == vote[0].article
    # every other sentence is stated by its own article only
    assert all(s.citations == (s.article,) for s in summary if "unanimously" not in s.text)


def test_an_unusable_citation_decision_leaves_the_sentence_scorer_and_cites_only_the_source(tmp_path):
    from newsdesk.analysis.summary import MODEL_DIR, MODEL_FILE, SentenceScorer

    payload = json.loads((MODEL_DIR / MODEL_FILE).read_text(encoding="utf-8"))
    payload["citation_support"]["features"] = ["something", "else"]
    scorer = SentenceScorer(payload)
    assert scorer.trees and scorer.citation_support is None
    path = tmp_path / MODEL_FILE
    path.write_text(json.dumps(payload), encoding="utf-8")
    summary = summarize_story(FIXTURE, options=SummaryOptions(word_budget=60, model_path=str(path)))
    assert summary and all(s.citations == (s.article,) for s in summary)


def test_summary_balances_outlets_and_respects_the_word_budget(fixture_summary):
    assert len({s.article for s in fixture_summary}) >= 2
    words = [len(WORD.findall(s.text)) for s in fixture_summary]
    assert sum(words[:-1]) < 60  # the budget is reached only by the last sentence


def test_summary_comes_out_in_reading_order(fixture_summary):
    order = {a.id: (a.published, i) for i, a in enumerate(FIXTURE)}
    keys = [(order[s.article], s.start) for s in fixture_summary]
    assert keys == sorted(keys)


def test_summary_sentences_serialise_to_json(fixture_summary):
    payload = json.loads(json.dumps([s.to_json() for s in fixture_summary]))
    assert set(payload[0]) >= {"text", "article", "start", "end", "citations"}
    assert isinstance(payload[0]["citations"], list)


def test_single_article_story_and_empty_story():
    single = summarize_story(FIXTURE[1:2], options=SummaryOptions(word_budget=30))
    assert single and all(s.citations == ("a2",) for s in single)
    assert summarize_story([]) == []
    assert summarize_story([make_article("blank", "   ")]) == []


def test_sentences_from_the_story_context_are_reused_with_the_same_result(fixture_summary):
    from newsdesk.analysis.sentences import article_sentences
    from newsdesk.resources import parse

    sentences = {a.id: article_sentences(a.text, doc) for a, doc in zip(FIXTURE, parse([a.text for a in FIXTURE]))}
    again = summarize_story(FIXTURE, options=SummaryOptions(word_budget=60), sentences=sentences)
    assert [s.text for s in again] == [s.text for s in fixture_summary]


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(word_budget=0),
        dict(min_words=10, max_words=5),
        dict(mmr_lambda=1.5),
        dict(unsupported="hide"),
        dict(abstractive=True),
        dict(position_weight=-1.0),
    ],
)
def test_invalid_options_raise_options_error(kwargs):
    with pytest.raises(OptionsError):
        SummaryOptions(**kwargs)


# --- the seeds (raw page dumps with page chrome) --------------------------------------------


def test_seed_summary_cites_sources_and_skips_page_chrome(seed_summary):
    articles, sentences = seed_summary
    by_id = {a.id: a for a in articles}
    assert sentences
    for sentence in sentences:
        assert sentence.citations[0] == sentence.article
        assert by_id[sentence.article].text[sentence.start : sentence.end] == sentence.text
        assert "google cta" not in sentence.text and "Follow us" not in sentence.text
        assert not sentence.text.rstrip("”\"' ").endswith("?")


def test_seed_copies_cite_each_other(seed_summary):
    articles, sentences = seed_summary
    texts = {a.id: a.text for a in articles}
    for sentence in sentences:
        # Every other seed that contains this very sentence says the same: it must be cited.
        holders = {aid for aid, text in texts.items() if sentence.text in text}
        assert holders <= set(sentence.citations)


def test_seed_summary_draws_on_several_outlets(seed_summary):
    _, sentences = seed_summary
    assert len({s.article for s in sentences}) >= 2


# --- abstractive mode against a real local HTTP server -------------------------------------


class FakeChatServer:
    """An OpenAI-compatible /v1/chat/completions endpoint on 127.0.0.1 answering a fixed reply."""

    def __init__(self, reply: str, status: int = 200):
        self.requests: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server API)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append(
                    {"path": self.path, "body": body, "authorization": self.headers.get("Authorization")}
                )
                payload = {"choices": [{"index": 0, "message": {"role": "assistant", "content": reply}}]}
                data = json.dumps(payload if status == 200 else {"error": "model not loaded"}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


LLM_REPLY = (
    "A federal advisory committee unanimously recommended a Moderna booster dose for people 65 and older on Thursday. "
    "The committee's vote was 47-0 after a day of presentations. "
    "Pfizer's chief executive Albert Bourla praised the decision in Paris. "
    "Stock markets rallied sharply as oil prices fell across Asia."
)


def test_abstractive_summary_keeps_supported_sentences_and_drops_the_rest(monkeypatch):
    monkeypatch.setenv("NEWSDESK_TEST_LLM_KEY", "secret-token")
    with FakeChatServer(LLM_REPLY) as server:
        options = SummaryOptions(
            word_budget=60,
            abstractive=True,
            llm_base_url=server.base_url,
            llm_model="tiny-test-model",
            llm_api_key_env="NEWSDESK_TEST_LLM_KEY",
        )
        sentences = summarize_story(FIXTURE, options=options)
    request = server.requests[0]
    assert request["path"] == "/v1/chat/completions"
    assert request["body"]["model"] == "tiny-test-model"
    assert request["authorization"] == "Bearer secret-token"
    assert "Moderna" in request["body"]["messages"][-1]["content"]
    assert [s.kind for s in sentences] == ["abstractive"]
    kept = sentences[0]
    assert kept.text.startswith("A federal advisory committee unanimously recommended")
    assert kept.support >= options.support_threshold and not kept.flags
    # cited to the article that states it in these words; a1's paraphrase ("advisers voted … for older
    # adults") is not enough for the conservative support decision, and the sceptics' a3 never is
    assert kept.citations[0] == kept.article == "a2" and "a3" not in kept.citations


def test_abstractive_flag_mode_names_what_is_unsupported():
    with FakeChatServer(LLM_REPLY) as server:
        options = SummaryOptions(abstractive=True, llm_base_url=server.base_url, llm_model="m", unsupported="flag")
        sentences = summarize_story(FIXTURE, options=options)
    flags = {s.text.split()[1]: " ".join(s.flags) for s in sentences}
    assert flags["federal"] == ""
    assert "number 47" in flags["committee's"]
    assert "Bourla" in flags["chief"] or "Paris" in flags["chief"]
    assert "no source sentence says this" in flags["markets"]
    assert all(s.citations for s in sentences)


def test_abstractive_failure_falls_back_to_extractive_or_raises(caplog):
    with FakeChatServer("", status=500) as server:
        options = SummaryOptions(abstractive=True, llm_base_url=server.base_url, llm_model="m")
        with caplog.at_level(logging.WARNING, logger="newsdesk.analysis.summary"):
            sentences = summarize_story(FIXTURE, options=options)
        assert sentences and all(s.kind == "extractive" for s in sentences)
        assert "HTTP 500" in caplog.text
        strict = SummaryOptions(
            abstractive=True, llm_base_url=server.base_url, llm_model="m", fallback_to_extractive=False
        )
        with pytest.raises(SummaryError, match="HTTP 500"):
            summarize_story(FIXTURE, options=strict)


# --- benchmark pieces -----------------------------------------------------------------------


def _lcs_dynamic_programming(a, b):
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            table[i + 1][j + 1] = table[i][j] + 1 if x == y else max(table[i][j + 1], table[i + 1][j])
    return table[-1][-1]


def test_bit_parallel_lcs_matches_dynamic_programming():
    generator = random.Random(7)
    for _ in range(200):
        a = [generator.choice("abcde") for _ in range(generator.randint(0, 70))]
        b = [generator.choice("abcde") for _ in range(generator.randint(0, 70))]
        assert bench.lcs_length(a, b) == _lcs_dynamic_programming(a, b)


def test_rouge_scores_on_a_worked_example():
    scores = bench.rouge("The cat sat on the mat.", "the cat was on the mat")
    # unigrams: 5 of 6 both ways; bigrams: the-cat, on-the, the-mat = 3 of 5; LCS the,cat,on,the,mat = 5
    assert scores["R1"] == pytest.approx(5 / 6)
    assert scores["R2"] == pytest.approx(3 / 5)
    assert scores["RL"] == pytest.approx(5 / 6)
    assert bench.truncate_words("One, two three. Four", 3) == "One, two three"


@pytest.mark.bench
@pytest.mark.parametrize("dataset", ["mds_allsides_neus", "mds_allsides_stories"])
def test_benchmark_runs_on_a_few_dev_stories(dataset, tmp_path):
    path = BENCH / dataset / "dev.jsonl"
    if not path.exists():
        pytest.skip(f"{path} not available")
    parser = argparse.ArgumentParser()
    bench.add_arguments(parser)
    out = tmp_path / "pred.jsonl"
    report = bench.run(parser.parse_args([str(path), "--limit", "3", "--predictions", str(out)]))
    assert [row["system"] for row in report.tables[0].rows][:4] == ["newsdesk", "lead-1", "LexRank", "TextRank"]
    assert report.metrics["stories"] == 3
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(lines) == 3 and all(set(line) == {"id", "summary"} and line["summary"] for line in lines)
    budget = report.metrics["word_budget"]
    assert all(len(WORD.findall(line["summary"])) <= budget for line in lines)


def test_headline_lines_of_a_page_dump_are_not_glued_to_the_next_sentence(seed_summary):
    _, sentences = seed_summary
    assert all("\n" not in s.text for s in sentences)


def test_hard_wrapped_plain_text_keeps_its_sentences_whole():
    wrapped = (
        "Federal vaccine advisers voted unanimously on Thursday to recommend a booster\n"
        "dose of the Moderna vaccine for older adults and for people at high risk of\n"
        "severe illness, after a day of presentations by company and agency scientists\n"
        "who described how protection from the first two doses wanes over the months.\n"
        "The agency usually follows the advice of its panels, though it is not bound\n"
        "to do so, and a decision is expected within days of the committee meeting.\n"
    )
    whole = [" ".join(s.split()) for s in re.split(r"(?<=\.)\n", wrapped) if s.strip()]
    assert len(whole) == 2
    for budget in (20, 80):
        sentences = summarize_story([make_article("w", wrapped)], options=SummaryOptions(word_budget=budget))
        assert sentences and all(" ".join(s.text.split()) in whole for s in sentences)
    assert " ".join(sentences[0].text.split()) == whole[0]  # with room for both, the lead comes first


# --- learned sentence scorer and budget-aware selection -------------------------------------


def test_candidate_features_give_one_finite_row_per_candidate():
    import numpy as np

    from newsdesk.analysis.summary import FEATURE_NAMES, candidate_features, story_relative_features, summary_pool
    from newsdesk.resources import embed

    _, pool = summary_pool(FIXTURE, SummaryOptions())
    vectors = embed([c.text for c in pool])
    titles = embed([a.title for a in FIXTURE])
    features = candidate_features(FIXTURE, pool, vectors, titles)
    assert features.shape == (len(pool), len(FEATURE_NAMES)) and np.isfinite(features).all()
    column = dict(zip(FEATURE_NAMES, features.T))
    vote = [i for i, c in enumerate(pool) if c.text.startswith("Federal vaccine advisers")][0]
    sceptics = [i for i, c in enumerate(pool) if c.text.startswith("Several members")][0]
    # The vote is reported by two outlets in the same words; the sceptics' remark by one.
    assert column["bigram_support"][vote] > column["bigram_support"][sceptics]
    assert column["is_first"][vote] == 1.0 and column["lead"][vote] == 1.0
    relative = story_relative_features(features)
    assert relative.shape == (len(pool), 3 * len(FEATURE_NAMES))
    assert relative[:, len(FEATURE_NAMES) : 2 * len(FEATURE_NAMES)].max() == 0.0  # gaps to the story's best


def test_json_tree_scorer_predicts_what_scikit_learn_predicts():
    import numpy as np
    from sklearn.ensemble import GradientBoostingRegressor

    from newsdesk.analysis.summary import FEATURE_NAMES, SentenceScorer, scorer_payload

    rng = np.random.default_rng(3)
    matrix = rng.normal(size=(400, 3 * len(FEATURE_NAMES))).astype(np.float32)
    target = matrix[:, 0] * 0.3 - np.abs(matrix[:, 5]) + rng.normal(scale=0.1, size=400)
    model = GradientBoostingRegressor(n_estimators=30, max_depth=3, random_state=0).fit(matrix, target)
    payload = json.loads(json.dumps(scorer_payload(model, {"note": "test"})))
    scorer = SentenceScorer(payload)
    assert np.allclose(scorer.predict(matrix), model.predict(matrix), atol=1e-9)
    with pytest.raises(ValueError):
        SentenceScorer({**payload, "features": ["something", "else"]})


def test_shipped_model_is_small_trained_on_dev_only_and_used_by_default(fixture_summary):
    from newsdesk.analysis.summary import MODEL_DIR, MODEL_FILE, load_scorer

    path = MODEL_DIR / MODEL_FILE
    assert path.stat().st_size < 5_000_000
    scorer = load_scorer()
    assert scorer is not None
    assert all(p.endswith("dev.jsonl") for p in scorer.meta["trained_on"])
    # With the learned scorer a sentence's score is its predicted bigram precision.
    assert all(-0.05 <= s.score <= 1.05 for s in fixture_summary)


def test_missing_model_falls_back_to_the_heuristic_scorer_with_a_warning(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="newsdesk.analysis.summary"):
        fallback = summarize_story(
            FIXTURE, options=SummaryOptions(word_budget=60, model_path=str(tmp_path / "none.json"))
        )
    assert "heuristic scorer" in caplog.text
    heuristic = summarize_story(FIXTURE, options=SummaryOptions(word_budget=60, scorer="heuristic"))
    assert [s.text for s in fallback] == [s.text for s in heuristic]
    assert heuristic and all(s.citations[0] == s.article for s in heuristic)


def _candidate(article_index: int, words: int, position: int = 0):
    from newsdesk.analysis.summary import Candidate

    text = " ".join(f"w{article_index}x{k}" for k in range(words)) + "."
    return Candidate(
        article_index=article_index,
        article_id=f"s{article_index}",
        start=0,
        end=len(text),
        text=text,
        position=position,
    )


def test_budget_selection_values_only_the_words_within_the_budget():
    import numpy as np

    from newsdesk.analysis.summary import select_within_budget

    articles = [make_article(f"s{k}", "x", outlet=f"outlet {k}") for k in range(2)]
    long_dull, short_rich = _candidate(0, 30), _candidate(1, 20)  # reading order: long_dull first
    vectors = np.eye(2, dtype=np.float32)
    worth = np.array([0.1, 0.3])
    # 20 words: long_dull would fill them all and push short_rich out; short_rich alone is worth more.
    assert select_within_budget(articles, [long_dull, short_rich], worth, vectors, SummaryOptions(word_budget=20)) == [
        1
    ]
    # 45 words: both fit in part (30 + 15 of 20); that beats short_rich alone.
    chosen = select_within_budget(articles, [long_dull, short_rich], worth, vectors, SummaryOptions(word_budget=45))
    assert sorted(chosen) == [0, 1]


def test_budget_selection_skips_near_copies_and_fills_the_budget():
    import numpy as np

    from newsdesk.analysis.summary import select_within_budget

    articles = [make_article(f"s{k}", "x", outlet=f"outlet {k}") for k in range(3)]
    pool = [_candidate(0, 12), _candidate(1, 12), _candidate(2, 12)]
    vectors = np.array([[1.0, 0.0], [0.99, 0.141], [0.0, 1.0]], dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    chosen = select_within_budget(articles, pool, np.array([0.5, 0.45, 0.05]), vectors, SummaryOptions(word_budget=24))
    assert sorted(chosen) == [0, 2]  # the copy of sentence 0 is left out although it is worth more than 2


def test_train_summary_command_cross_validates_and_writes_a_loadable_model(tmp_path):
    from newsdesk.analysis.summary import MODEL_FILE, load_scorer
    from newsdesk.training import summary as training

    data = [BENCH / "mds_allsides_neus" / "dev.jsonl", BENCH / "mds_allsides_stories" / "dev.jsonl"]
    if not all(p.exists() for p in data):
        pytest.skip("AllSides dev files not available")
    parser = argparse.ArgumentParser()
    training.add_arguments(parser)
    args = parser.parse_args(
        ["--limit", "4", "--folds", "2", "--out", str(tmp_path), "--cache", str(tmp_path / "cache")]
        + ["--fold-models", str(tmp_path / "folds")]
        + [a for p in data for a in ("--data", str(p))]
    )
    report = training.run(args)
    folds = sorted((tmp_path / "folds").glob("*.json"))
    assert [f.name for f in folds] == [training.fold_model_name(k, 2) for k in range(2)]
    for k, fold in enumerate(folds):  # each fold's model saw only the other fold's stories
        held_out = load_scorer(fold)
        assert held_out is not None and held_out.meta["held_out_fold"] == k and held_out.meta["stories"] < 8
        # a fresh --out folder: the fold models still carry the shipped citation decision
        assert "citation_support" in json.loads(fold.read_text(encoding="utf-8"))
    parser = argparse.ArgumentParser()
    bench.add_arguments(parser)
    out_of_fold = bench.run(parser.parse_args([str(data[0]), "--limit", "2", "--fold-models", str(tmp_path / "folds")]))
    assert out_of_fold.metrics["out_of_fold"] and "scorer_fitted_on_this_file" not in out_of_fold.metrics
    systems = [row["system"] for row in report.tables[0].rows]
    assert len(systems) == 4 and systems[0].startswith("learned, out-of-fold")
    assert set(report.metrics) == {"neus", "stories"}
    scorer = load_scorer(tmp_path / MODEL_FILE)
    assert scorer is not None and scorer.meta["stories"] == 8
    story = summarize_story(FIXTURE, options=SummaryOptions(word_budget=60, model_path=str(tmp_path / MODEL_FILE)))
    assert story and all(s.citations[0] == s.article for s in story)


@pytest.mark.bench
def test_benchmark_scores_the_summary_as_the_brief_shows_it(tmp_path):
    path = BENCH / "mds_allsides_neus" / "dev.jsonl"
    if not path.exists():
        pytest.skip(f"{path} not available")
    parser = argparse.ArgumentParser()
    bench.add_arguments(parser)
    report = bench.run(parser.parse_args([str(path), "--limit", "2", "--as-reader"]))
    systems = [row["system"] for row in report.tables[0].rows]
    assert systems[:2] == ["newsdesk", "newsdesk as read"]
    assert "reader_minus_stage_r2" in report.metrics


def _support_records(tmp_path: Path) -> list[Path]:
    """Tiny hand-made files in the support_qags and support_wice formats."""
    rng = random.Random(3)
    facts = [
        ("The council approved the budget on Monday.", "The council rejected the plan for a new stadium."),
        ("The river flooded three villages overnight.", "Rescue teams were sent to the coast."),
        ("The company hired 200 workers in March.", "The company's chief executive resigned in May."),
        ("Police arrested two men after the robbery.", "The museum reopened after the renovation."),
        ("The minister announced new rail links to the north.", "Farmers protested against the tax on diesel."),
        ("The school opened a new library for its pupils.", "The mayor visited the hospital on Friday."),
    ]
    qags, wice = [], []
    for k, (stated, other) in enumerate(facts * 3):
        article = f"{stated} Officials said more details would follow. {other}"
        absent = rng.choice([f for f, _ in facts if f != stated])
        sentences = [
            {"sentence": stated, "label": "supported"},
            {"sentence": absent, "label": "not_supported"},
        ]
        qags.append({"id": f"q{k}", "article": article, "summary_sentences": sentences})
        wice.append({"id": f"w{k}", "claim": stated, "label": "supported", "evidence": [stated, other]})
        wice.append({"id": f"x{k}", "claim": absent, "label": "partially_supported", "evidence": [stated, other]})
    paths = [tmp_path / "qags.jsonl", tmp_path / "wice.jsonl"]
    for p, rows in zip(paths, (qags, wice)):
        p.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return paths


def test_train_summary_citations_stores_a_loadable_decision_beside_the_scorer(tmp_path):
    import shutil

    from newsdesk.analysis.summary import MODEL_DIR, MODEL_FILE, load_scorer
    from newsdesk.training import summary as training

    out = tmp_path / "model"
    out.mkdir()
    shutil.copy(MODEL_DIR / MODEL_FILE, out / MODEL_FILE)
    parser = argparse.ArgumentParser()
    training.add_arguments(parser)
    args = parser.parse_args(
        ["--citations", "--folds", "3", "--out", str(out)]
        + [a for p in _support_records(tmp_path) for a in ("--data", str(p))]
    )
    report = training.run(args)
    assert {"cv/all", "lodo/support_qags", "lodo/support_wice"} <= set(report.metrics)
    scorer = load_scorer(out / MODEL_FILE)
    assert scorer is not None and scorer.trees and scorer.citation_support is not None
    assert scorer.citation_support.meta["examples"] == 18 * 2 + 18 * 2


# --- sentences that stand alone (no dangling reference) -------------------------------------


def _named(name: str | None):
    return lambda start, end: name


@pytest.mark.parametrize(
    ("sentence", "name", "shown"),
    [
        ("He should avoid threats of coercion.", "Donald Trump", "Donald Trump should avoid threats of coercion."),
        ("His call with Putin lasted two hours.", "Donald Trump", "Donald Trump’s call with Putin lasted two hours."),
        ("He should avoid threats of coercion.", None, None),
        ("However, an immediate ceasefire is unlikely.", None, "An immediate ceasefire is unlikely."),
        ("But he said the talks would go on.", "Donald Trump", "Donald Trump said the talks would go on."),
        ("In addition, the EU imposed new sanctions.", None, "The EU imposed new sanctions."),
        ("This stance was rejected by Ukraine's backers.", "Russia", None),
        ("These talks are the first since the war began.", None, None),
        ("This week, the two leaders spoke by phone.", None, "This week, the two leaders spoke by phone."),
        (
            "Those who do not comply may be fined 1,500 euros.",
            None,
            "Those who do not comply may be fined 1,500 euros.",
        ),
        ("It is unclear whether Moscow will agree.", None, "It is unclear whether Moscow will agree."),
        ("It was a reasonable step.", "the Kremlin", None),
        ("So far, nothing has changed on the ground.", None, "So far, nothing has changed on the ground."),
        ("Theresa May spoke to reporters in London.", None, "Theresa May spoke to reporters in London."),
        ("He's expected to sign the bill on Friday.", "Trump", "Trump's expected to sign the bill on Friday."),
        ("They're ready to talk.", None, None),
    ],
)
def test_a_sentence_opening_on_a_reference_back_is_named_stripped_or_left_out(sentence, name, shown):
    from newsdesk.analysis.summary import standalone_text

    assert standalone_text(sentence, _named(name)) == shown


def test_the_pronoun_resolver_is_asked_about_the_pronoun_itself():
    from newsdesk.analysis.summary import standalone_text

    asked = []
    text = "But he said the talks would go on."
    standalone_text(text, lambda start, end: asked.append(text[start:end]) or "Trump")
    assert asked == ["he"]


def test_a_summary_never_opens_a_sentence_on_a_pronoun_its_story_does_not_resolve():
    from newsdesk.analysis.runner import AnalysisOptions, analyse_story
    from newsdesk.models import Story

    # "He" in b1 follows a sentence naming Trump (the coreference names him); "They" in b2 points to
    # nothing the story names in that article; "This stance" points back to an earlier sentence.
    articles = [
        make_article(
            "b1",
            "President Donald Trump spoke with Vladimir Putin by phone for two hours on Tuesday.\n\n"
            "He said the call was very good and productive for both countries.",
            outlet="Daily Planet",
        ),
        make_article(
            "b2",
            "They rejected any pause in the fighting along the front line in Ukraine.\n\n"
            "This stance was criticised by European leaders in Brussels on Wednesday.\n\n"
            "The Kremlin said Russia would stop strikes on energy sites for thirty days.",
            outlet="Evening Star",
        ),
    ]
    story = Story("s", "call", tuple(a.id for a in articles))
    options = AnalysisOptions(stages=frozenset({"summary"}), summary=SummaryOptions(word_budget=200))
    sentences = analyse_story(story, articles, options).findings["summary"].sections()["summary"]
    texts = [s.text for s in sentences]
    assert texts and not any(t.startswith("They rejected") or t.startswith("This stance") for t in texts)
    for k, s in enumerate(sentences):  # a sentence opening on "He" is shown right after its antecedent
        if s.text.split()[0] in {"He", "They", "This"}:
            before = sentences[k - 1] if k else None
            assert before is not None and before.article == s.article and 0 <= s.start - before.end <= 3
    by_id = {a.id: a for a in articles}
    for s in sentences:  # a named pronoun keeps the rest of the source sentence, located by its offsets
        source = by_id[s.article].text[s.start : s.end]
        assert s.text == source or s.text.endswith(source.split(" ", 1)[1])


# --- the summary a reader sees ----------------------------------------------------------------


def _item(text: str, score: float, article: str = "a0") -> dict:
    return {"text": text, "article": article, "citations": [article], "score": score}


def test_agreed_facts_and_the_stage_sentences_share_one_budget_and_facts_are_not_repeated():
    from newsdesk.analysis.summary import compose_reader_summary

    fact = "The leaders agreed that the truce would begin with energy sites."
    summary = [
        _item("The leaders agreed the truce would begin with energy sites.", 0.9),  # the fact again
        _item("Talks on a Black Sea truce will follow in Saudi Arabia next week.", 0.5),
        _item("Ukraine said it would study the proposal before answering it.", 0.3),
        _item("Analysts doubted that the energy truce would hold for a month.", 0.2),
    ]
    lines = compose_reader_summary([(fact, ["a0", "a1"])], summary, word_budget=30)
    assert lines[0] == ("agreed", fact, ["a0", "a1"])
    texts = [text for _, text, _ in lines]
    assert "The leaders agreed the truce would begin with energy sites." not in texts
    # 11 words of fact, then the best sentences until the 30 words are spent, shown in reading order
    assert texts[1:] == [summary[1]["text"], summary[2]["text"]]


def test_a_stage_sentence_that_points_back_is_shown_only_after_its_antecedent():
    from newsdesk.analysis.summary import compose_reader_summary

    lead = "President Donald Trump spoke with Vladimir Putin by phone for two hours."
    summary = [
        {**_item(lead, 0.9), "start": 0, "end": len(lead)},
        {**_item("He said the call was very good and productive.", 0.8), "start": len(lead) + 1, "end": 120},
        {**_item("However, Ukraine was not part of the call.", 0.1, "a1"), "start": 0, "end": 42},
    ]
    texts = [text for _, text, _ in compose_reader_summary([], summary)]
    assert texts == [lead, "He said the call was very good and productive.", "Ukraine was not part of the call."]
    # once the antecedent is given as an agreed fact, "He" would point to nothing: it goes too
    lines = compose_reader_summary([(lead, ["a0", "a1"])], summary)
    assert [text for _, text, _ in lines] == [lead, "Ukraine was not part of the call."]


def test_a_long_or_dangling_agreed_fact_does_not_lead():
    from newsdesk.analysis.summary import compose_reader_summary

    long_fact = " ".join(["The council approved the budget"] * 10) + "."
    dangling = "He said the council approved the budget on Monday."
    summary = [_item("The council approved a budget of 2 million euros on Monday.", 0.5)]
    lines = compose_reader_summary([(long_fact, ["a0", "a1"]), (dangling, ["a0", "a1"])], summary)
    assert [kind for kind, _, _ in lines] == ["summary"]


def test_a_dispute_is_named_with_what_each_side_says_after_the_budgeted_text():
    from newsdesk.analysis.summary import DisputeSides, compose_reader_summary

    dispute = DisputeSides(
        "Donald Trump",
        "“They are surrounded by Russian forces.",
        "Multiple independent analysts",
        "Multiple independent analysts in both Russia and Ukraine contest this characterization, acknowledging "
        "that while the Ukrainians were losing ground in Kursk, no large units were surrounded.",
        ("a0",),
    )
    summary = [_item("The two presidents spoke for more than two hours on Tuesday.", 0.4)]
    lines = compose_reader_summary([], summary, [dispute])
    assert [kind for kind, _, _ in lines] == ["summary", "disputed"]
    kind, text, cited = lines[-1]
    assert cited == ["a0"]
    assert text.startswith("Donald Trump and Multiple independent analysts disagree: “They are surrounded")
    # a side too long to show whole is cut at a clause break, never where the cut drops its negation
    assert "contest this characterization" in text and "no large units were surrounded" in text


def test_a_dispute_side_is_cut_at_a_clause_break_when_nothing_denied_is_lost():
    from newsdesk.analysis.summary import _gist

    words = (
        "The energy-infrastructure truce represents substantial progress, negotiated under what is "
        "militarily a difficult situation for Ukraine, in slowly shifting from war onto a de-escalatory trajectory."
    )
    assert _gist(words) == (
        "The energy-infrastructure truce represents substantial progress, negotiated under what is "
        "militarily a difficult situation for Ukraine …"
    )
    assert _gist("The ceasefire talks did not collapse, officials said on Tuesday after a long day.", 8) == (
        "The ceasefire talks did not collapse …"
    )
    assert _gist("The talks went on, officials said, although nothing was agreed on the energy truce.", 8) == (
        "The talks went on, officials said, although nothing was agreed on the energy truce."
    )


def test_the_reference_word_lists_come_from_the_data_file(tmp_path, monkeypatch):
    from newsdesk.analysis import summary
    from newsdesk.errors import ModelUnavailableError

    words = json.loads(summary.WORDS_FILE.read_text(encoding="utf-8"))
    assert "however" in words["connectives"] and "he" in words["pronouns"] and "this" in words["demonstratives"]
    edited = tmp_path / "words.json"
    edited.write_text(json.dumps({**words, "connectives": [*words["connectives"], "all the same"]}), encoding="utf-8")
    monkeypatch.setattr(summary, "WORDS_FILE", edited)
    summary.summary_words.cache_clear()
    try:
        assert summary.standalone_text("All the same, the talks went on.") == "The talks went on."
        monkeypatch.setattr(summary, "WORDS_FILE", tmp_path / "missing.json")
        summary.summary_words.cache_clear()
        with pytest.raises(ModelUnavailableError, match="missing.json"):
            summary.standalone_text("However, the talks went on.")
    finally:
        monkeypatch.undo()
        summary.summary_words.cache_clear()
    assert summary.standalone_text("All the same, the talks went on.") == "All the same, the talks went on."


def test_a_sentence_after_one_left_out_for_dangling_must_stand_alone_itself():
    from newsdesk.analysis.summary import Candidate, standalone_choice

    text = (
        "Ukraine rejected the plan on Monday in Kyiv.\n\n"
        "This stance was criticised by European leaders in Brussels.\n\n"
        "He said the plan would be studied again next week.\n\n"
        "The Kremlin said Russia would stop strikes for thirty days."
    )
    article = make_article("a0", text)
    pool, start = [], 0
    for position, sentence in enumerate(text.split("\n\n")):
        start = text.index(sentence, start)
        pool.append(Candidate(0, "a0", start, start + len(sentence), sentence, position))
    # "This stance" cannot stand alone; "He", after it, followed only a sentence that is left out
    shown, dangling = standalone_choice([article], pool, [1, 2, 3])
    assert dangling == {1, 2} and shown == {}
    # after their antecedents both read as written; named by the coreference "He" stands alone
    assert standalone_choice([article], pool, [0, 1, 2]) == ({}, set())
    shown, dangling = standalone_choice([article], pool, [1, 2], lambda article_id, start, end: "Volodymyr Zelensky")
    assert dangling == {1} and shown == {2: ("Volodymyr Zelensky said the plan would be studied again next week.", 0)}


def test_a_stage_sentence_the_reader_cannot_be_shown_spends_none_of_the_budget():
    from newsdesk.analysis.summary import compose_reader_summary

    summary = [
        {**_item("The council approved a budget of two million euros on Monday evening.", 0.2), "start": 0},
        {**_item("He said the vote was the most important of his whole term in office.", 0.9, "a1"), "start": 90},
        {**_item("The mayor will present the plan to the regional government in May.", 0.5, "a2"), "start": 0},
    ]
    for item in summary:
        item["end"] = item["start"] + len(item["text"])
    # "He" points back to a sentence the reader's summary does not show: it is left out, and its
    # 14 words go to the next sentences instead of being counted against the 24-word budget
    texts = [text for _, text, _ in compose_reader_summary([], summary, word_budget=24)]
    assert texts == [summary[0]["text"], summary[2]["text"]]


def test_a_pronoun_is_named_only_when_its_antecedent_is_the_only_one_the_text_offers():
    from newsdesk.analysis.context import build_context
    from newsdesk.analysis.summary import context_resolver
    from newsdesk.models import Story

    after = "\n\nShe said the bill would reach four million homes within two years."
    texts = {
        "one": "Senator Maria Lopez introduced a bill on rural broadband on Monday in Washington.",
        "subject": "Senator Maria Lopez met Governor Ann Reyes on rural broadband on Monday in Washington.",
        "two": "Senator Maria Lopez and Governor Ann Reyes spoke on rural broadband on Monday in Washington.",
    }
    articles = [make_article(key, text + after) for key, text in texts.items()]
    context = build_context(Story("s", "broadband", tuple(texts)), articles)
    resolve, guess = context_resolver(context), context_resolver(context, unambiguous=False)
    pronoun = len(texts["one"]) + 2
    assert resolve("one", pronoun, pronoun + 3) == "Maria Lopez"
    pronoun = len(texts["subject"]) + 2  # two women named, one the subject of the sentence
    assert resolve("subject", pronoun, pronoun + 3) == "Maria Lopez"
    pronoun = len(texts["two"]) + 2  # Lopez or Reyes: the text does not say
    assert guess("two", pronoun, pronoun + 3) is not None and resolve("two", pronoun, pronoun + 3) is None


def test_an_agreed_fact_is_cited_only_to_the_articles_whose_sentence_states_it():
    from newsdesk.analysis.summary import compose_reader_summary

    call = (
        "President Donald Trump and Russian President Vladimir Putin held an extended phone call today to "
        "discuss the war in Ukraine, which the U.S. president has touted as a major step toward peace talks."
    )
    truce = "The leaders agreed that the movement to peace would begin with an energy and infrastructure ceasefire."
    sentences_call = {
        "a0": call,
        "a1": "Today's phone call between President Trump and Russian President Vladimir Putin cannot be taken "
        "as anything but proof that the rubber has hit the road on negotiations over a Ukraine peace deal.",
    }
    sentences_truce = {
        "a0": truce,
        "a2": "The leaders agreed that the movement to peace would begin with a ceasefire on energy and "
        "infrastructure targets, as well as technical negotiations on a truce in the Black Sea.",
        "a1": "The energy-infrastructure truce represents substantial progress for Ukraine.",
    }
    summary = [_item("Ukraine said it would study the proposal before answering it.", 0.3)]
    lines = compose_reader_summary(
        [(call, ["a0", "a1"], sentences_call), (truce, ["a0", "a2", "a1"], sentences_truce)],
        summary,
        word_budget=80,
    )
    # the call is not stated by a1 (no "extended", no "touted as a major step"): it does not lead as agreed
    assert [(kind, text, cited) for kind, text, cited in lines if kind == "agreed"] == [("agreed", truce, ["a0", "a2"])]


def test_an_article_states_a_fact_only_when_one_sentence_holds_nearly_all_its_content_words():
    from newsdesk.analysis.summary import FACT_COVERAGE, fact_core, fact_coverage, states, stating_articles

    call = (
        "President Donald Trump and Russian President Vladimir Putin held an extended phone call today to "
        "discuss the war in Ukraine, which the U.S. president has touted as a major step toward peace talks."
    )
    elsewhere = (
        "Today's phone call between President Trump and Russian President Vladimir Putin cannot be taken as "
        "anything but proof that the rubber has hit the road on negotiations over a Ukraine peace deal."
    )
    assert fact_coverage(call, call) == 1.0 and not states(call, elsewhere)
    # a negation is content: "did not collapse" is not stated by "collapsed"
    assert not states(
        "The ceasefire talks in Riyadh did not collapse on Monday.",
        "The ceasefire talks in Riyadh collapsed on Monday.",
    )
    # a quotation with its attribution is stated by an article that reports the words with its own
    quoted = "“The leaders agreed that the truce would begin with energy sites,” the White House read-out said."
    assert fact_core(quoted) == "The leaders agreed that the truce would begin with energy sites"
    assert states(quoted, "According to the Kremlin, the leaders agreed that the truce would begin with energy sites.")
    # any of an article's matched sentences may state it; an article without a sentence is not cited
    sentences = {"a1": ["The truce was discussed.", "The leaders agreed the truce would begin with energy sites."]}
    assert stating_articles(quoted, ["a1", "a2"], sentences) == ["a1"]
    assert 0.5 < FACT_COVERAGE <= 1.0


def test_two_summary_lines_of_which_one_states_the_other_become_one_line_cited_to_both():
    from newsdesk.analysis.summary import compose_reader_summary, merge_redundant

    short = "The leaders agreed that the truce would begin with energy and infrastructure sites."
    longer = (
        "The leaders agreed that the truce would begin with energy and infrastructure sites, followed by "
        "technical talks on a truce in the Black Sea."
    )
    other = "Ukraine said it would study the proposal before answering it."
    summary = [_item(short, 0.4, "a0"), _item(longer, 0.9, "a1"), _item(other, 0.3, "a2")]
    merged = merge_redundant(summary)
    assert [(m["text"], m["citations"], m["score"]) for m in merged] == [
        (short, ["a0", "a1"], 0.9),
        (other, ["a2"], 0.3),
    ]
    lines = compose_reader_summary([], summary)
    assert [(text, cited) for _, text, cited in lines] == [(short, ["a0", "a1"]), (other, ["a2"])]
    # most of the words but not all ("movement" vs "path"): not one line cited to both; the shorter,
    # which adds nothing, goes and the longer keeps its own citation
    path = (
        "The leaders agreed that the path to peace would begin with a ceasefire on energy and infrastructure "
        "targets, as well as technical negotiations on a truce in the Black Sea."
    )
    movement = "The leaders agreed that the movement to peace would begin with an energy and infrastructure ceasefire."
    merged = merge_redundant([_item(movement, 0.8, "a0"), _item(path, 0.5, "a1")])
    assert [(m["text"], m["citations"]) for m in merged] == [(path, ["a1"])]
    # unrelated lines stay apart
    assert len(merge_redundant([_item(short, 0.4, "a0"), _item(other, 0.3, "a2")])) == 2
