"""COPIES stage: exact and near-duplicate detection (newsdesk.dedup)."""

from __future__ import annotations

import gzip
import json
import random
from collections import defaultdict

import pytest

from newsdesk.dedup import CopyIndex, DedupOptions, find_copies
from newsdesk.errors import DedupError, OptionsError
from newsdesk.models import Article, Provenance

SEED_000 = "000_4ec7b5f75422ebf1.txt"
SEED_001 = "001_9e074f779e16ba68.txt"


def article(article_id: str, text: str, *, title: str | None = None, published: str | None = None) -> Article:
    return Article(id=article_id, provenance=Provenance(f"{article_id}.txt"), text=text, title=title, published=published)


def seed_page_top(examples_dir, name: str) -> str:
    """A seed page down to its teasers of other articles: header chrome and appeals left in."""
    text = (examples_dir / name).read_text(encoding="utf-8")
    return text.split("keep reading")[0]


def seed_body(examples_dir, name: str = SEED_000) -> str:
    """The article paragraphs of a seed page: its lines of 25+ words (menus and teaser titles are shorter)."""
    lines = seed_page_top(examples_dir, name).splitlines()
    return "\n\n".join(line for line in lines if len(line.split()) >= 25)


@pytest.fixture(scope="module")
def body(examples_dir) -> str:
    return seed_body(examples_dir)


def test_exact_copy_is_linked_to_the_first_article(body):
    links = find_copies([article("a", body, published="2025-03-18"), article("b", body, published="2025-03-19")])
    assert [(l.canonical, l.duplicate, l.similarity) for l in links] == [("a", "b", 1.0)]


def test_copy_with_different_page_chrome_is_linked(body):
    chrome_a = "Follow us on social\nEurope\nSubscribe now\n\n" + body + "\n\nkeep reading\nNewsletter\nLATEST"
    chrome_b = "Home | World | Politics\nAdvertisement\n\n" + body + "\n\nRelated coverage\nMost read\nAll rights reserved."
    links = find_copies([article("a", chrome_a), article("b", chrome_b)])
    assert len(links) == 1 and links[0].similarity > 0.8


def test_copy_with_small_wire_edits_is_linked(body):
    paragraphs = body.split("\n\n")
    edited = [p.replace("Russia", "Moscow", 1) for p in paragraphs]
    del edited[3]
    edited.insert(0, "(Updates with Kremlin statement)")
    links = find_copies([article("a", body), article("b", "\n\n".join(edited))])
    assert len(links) == 1


def test_truncated_copy_is_linked(body):
    words = body.split(" ")
    truncated = " ".join(words[: int(len(words) * 0.3)]) + " … Read more"
    links = find_copies([article("full", body), article("preview", truncated)])
    assert [(l.canonical, l.duplicate) for l in links] == [("full", "preview")]


def test_seed_pages_000_and_001_are_one_article_with_their_chrome_left_in(examples_dir):
    # 001 differs by its menus' state and a donation appeal inside the page
    pages = [article("000", seed_page_top(examples_dir, SEED_000)), article("001", seed_page_top(examples_dir, SEED_001))]
    assert [(l.canonical, l.duplicate) for l in find_copies(pages)] == [("001", "000")]  # the longer page is canonical


def test_different_articles_about_one_event_are_not_copies(examples_dir):
    texts = {path.name[:3]: path.read_text(encoding="utf-8") for path in sorted(examples_dir.glob("*.txt"))}
    links = find_copies([article(key, texts[key]) for key in ("002", "003", "004")])
    assert links == []


def test_recurring_template_reports_with_different_figures_are_not_copies():
    monday = (
        "The Federal Reserve entered the U.S. Government securities market to arrange 1.5 billion dlrs of "
        "customer repurchase agreements, a Fed spokesman said. Dealers said Federal funds were trading at "
        "6-1/4 pct when the Fed began its temporary and indirect supply of reserves to the banking system."
    )
    tuesday = monday.replace("1.5 billion", "two billion").replace("6-1/4", "6-1/16")
    title = "FED ADDS RESERVES VIA CUSTOMER REPURCHASES"
    assert find_copies([article("mon", monday, title=title), article("tue", tuesday, title=title)]) == []
    # the same report sent twice is a copy
    assert len(find_copies([article("mon", monday, title=title), article("mon2", monday + " Reuter", title=title)])) == 1


def test_find_copies_does_not_depend_on_input_order(body):
    words = body.split(" ")
    pile = [
        article("full", body, published="2025-03-18"),
        article("chrome", "Advertisement\n" + body + "\nMost read", published="2025-03-19"),
        article("cut", " ".join(words[: len(words) // 2]), published="2025-03-18"),
        article("other", "An unrelated report about wheat harvests in Argentina and the grain board figures " * 5),
    ]
    expected = find_copies(pile)
    assert {l.duplicate for l in expected} == {"chrome", "cut"}
    assert {l.canonical for l in expected} == {"full"}  # earliest, then longest
    for seed in range(5):
        shuffled = list(pile)
        random.Random(seed).shuffle(shuffled)
        assert find_copies(shuffled) == expected


def test_copy_index_is_incremental_and_survives_a_round_trip(body):
    index = CopyIndex()
    assert index.add(article("a", body)) is None
    restored = CopyIndex.from_bytes(index.to_bytes())
    link = restored.add(article("b", "Share this\n" + body))
    assert link is not None and link.canonical == "a"
    assert restored.add(article("b", "ignored: same id")) == link  # idempotent
    assert restored.links() == [link]


def test_corrupt_index_state_raises_a_dedup_error():
    with pytest.raises(DedupError):
        CopyIndex.from_bytes(b"not a pickle")


@pytest.mark.parametrize(
    "kwargs",
    [{"shingle_words": 0}, {"lsh_bands": 50, "lsh_rows": 3}, {"jaccard_threshold": 0.0}, {"containment_threshold": 1.5}],
)
def test_bad_options_are_refused(kwargs):
    with pytest.raises(OptionsError):
        DedupOptions(**kwargs)


def test_reuters_exact_duplicate_bodies_are_found(shared_bench):
    records = []
    with gzip.open(shared_bench / "corpus_reuters21578" / "all.jsonl.gz", "rt", encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            if record["text"].strip():
                records.append(record)
            if len(records) >= 2500:
                break
    by_body = defaultdict(list)
    for record in records:
        by_body[(record["text"])].append(record["id"])
    groups = [ids for ids in by_body.values() if len(ids) > 1]
    assert groups, "the first records of Reuters-21578 hold exact duplicates"
    links = find_copies(article(r["id"], r["text"], published=r["date"][:10]) for r in records)
    canonical_of = {l.duplicate: l.canonical for l in links}
    for ids in groups:
        assert len({canonical_of.get(i, i) for i in ids}) == 1, ids
