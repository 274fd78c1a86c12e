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
from newsdesk.store import MemoryIndexState, SQLiteStore

SEED_000 = "000_4ec7b5f75422ebf1.txt"
SEED_001 = "001_9e074f779e16ba68.txt"


def reuters_records(shared_bench, count: int) -> list[dict]:
    """The first ``count`` Reuters-21578 records with a body."""
    records = []
    with gzip.open(shared_bench / "corpus_reuters21578" / "all.jsonl.gz", "rt", encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            if record["text"].strip():
                records.append(record)
            if len(records) >= count:
                break
    return records


def article(article_id: str, text: str, *, title: str | None = None, published: str | None = None) -> Article:
    return Article(
        id=article_id, provenance=Provenance(f"{article_id}.txt"), text=text, title=title, published=published
    )


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
    assert [(link.canonical, link.duplicate, link.similarity) for link in links] == [("a", "b", 1.0)]


def test_copy_with_different_page_chrome_is_linked(body):
    chrome_a = "Follow us on social\nEurope\nSubscribe now\n\n" + body + "\n\nkeep reading\nNewsletter\nLATEST"
    chrome_b = (
        "Home | World | Politics\nAdvertisement\n\n" + body + "\n\nRelated coverage\nMost read\nAll rights reserved."
    )
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
    assert [(link.canonical, link.duplicate) for link in links] == [("full", "preview")]


def test_seed_pages_000_and_001_are_one_article_with_their_chrome_left_in(examples_dir):
    # 001 differs by its menus' state and a donation appeal inside the page
    pages = [
        article("000", seed_page_top(examples_dir, SEED_000)),
        article("001", seed_page_top(examples_dir, SEED_001)),
    ]
    assert [(link.canonical, link.duplicate) for link in find_copies(pages)] == [
        ("001", "000")
    ]  # the longer page is canonical


def test_different_articles_about_one_event_are_not_copies(examples_dir):
    texts = {path.name[:3]: path.read_text(encoding="utf-8") for path in sorted(examples_dir.glob("*.txt"))}
    links = find_copies([article(key, texts[key]) for key in ("002", "003", "004")])
    assert links == []


# A recurring wire template: the same sentence with other figures is another report, not a copy.
FED_MONDAY = (
    "The Federal Reserve entered the U.S. Government securities market to arrange 1.5 billion dlrs of "
    "customer repurchase agreements, a Fed spokesman said. Dealers said Federal funds were trading at "
    "6-1/4 pct when the Fed began its temporary and indirect supply of reserves to the banking system."
)
FED_TUESDAY = FED_MONDAY.replace("1.5 billion", "two billion").replace("6-1/4", "6-1/16")
FED_TITLE = "FED ADDS RESERVES VIA CUSTOMER REPURCHASES"


def test_recurring_template_reports_with_different_figures_are_not_copies():
    monday, tuesday, title = FED_MONDAY, FED_TUESDAY, FED_TITLE
    assert find_copies([article("mon", monday, title=title), article("tue", tuesday, title=title)]) == []
    # the same report sent twice is a copy
    assert (
        len(find_copies([article("mon", monday, title=title), article("mon2", monday + " Reuter", title=title)])) == 1
    )


def test_find_copies_does_not_depend_on_input_order(body):
    words = body.split(" ")
    pile = [
        article("full", body, published="2025-03-18"),
        article("chrome", "Advertisement\n" + body + "\nMost read", published="2025-03-19"),
        article("cut", " ".join(words[: len(words) // 2]), published="2025-03-18"),
        article("other", "An unrelated report about wheat harvests in Argentina and the grain board figures " * 5),
    ]
    expected = find_copies(pile)
    assert {link.duplicate for link in expected} == {"chrome", "cut"}
    assert {link.canonical for link in expected} == {"full"}  # earliest, then longest
    for seed in range(5):
        shuffled = list(pile)
        random.Random(seed).shuffle(shuffled)
        assert find_copies(shuffled) == expected


def test_copy_index_is_incremental_and_idempotent(body):
    index = CopyIndex()
    assert index.add(article("a", body)) is None
    link = index.add(article("b", "Share this\n" + body))
    assert link is not None and link.canonical == "a"
    assert index.add(article("b", "ignored: same id")) == link  # idempotent
    assert index.links() == [link]
    assert index.canonical_of("b") == "a" and index.canonical_of("a") == "a" and index.canonical_of("zz") is None
    assert len(index) == 2 and "b" in index and "zz" not in index


def test_drain_new_links_returns_each_link_once(body):
    index = CopyIndex()
    index.add(article("a", body))
    first = index.add(article("b", "Advertisement\n" + body))
    assert index.drain_new_links() == [first]
    index.add(article("b", body))  # already indexed: not new
    second = index.add(article("c", body + "\nMost read"))
    assert index.drain_new_links() == [second]
    assert index.drain_new_links() == []
    assert index.links() == [first, second]


def test_copy_index_reopened_over_a_sqlite_store_continues_where_it_stopped(tmp_path, body):
    with SQLiteStore(tmp_path / "store.db") as store:
        with store.transaction():
            assert CopyIndex(state=store.index_state("copies")).add(article("a", body)) is None
    with SQLiteStore(tmp_path / "store.db") as store:
        index = CopyIndex(state=store.index_state("copies"))
        with store.transaction():
            link = index.add(article("b", "Share this\n" + body))
        assert link is not None and link.canonical == "a"
        assert CopyIndex(state=store.index_state("copies")).links() == [link]


def test_a_rolled_back_add_leaves_no_trace_in_the_store(tmp_path, body):
    with SQLiteStore(tmp_path / "store.db") as store:
        state = store.index_state("copies")
        with store.transaction():
            CopyIndex(state=state).add(article("a", body))
        before = store.dump()
        with pytest.raises(RuntimeError):
            with store.transaction():
                CopyIndex(state=state).add(article("b", "Share this\n" + body))
                raise RuntimeError("the article's own commit failed")
        assert store.dump() == before
        assert "b" not in CopyIndex(state=state)


def test_adding_one_by_one_over_a_reopened_store_equals_one_in_memory_run(tmp_path, shared_bench):
    records = reuters_records(shared_bench, 1200)
    rng = random.Random(3)
    pile = [article(r["id"], r["text"], title=r["title"], published=r["date"][:10]) for r in records]
    for r in rng.sample([r for r in records if len(r["text"].split()) > 60], 30):  # truncated and chrome copies
        words = r["text"].split(" ")
        pile.append(article(r["id"] + "~cut", " ".join(words[: len(words) // 2]), title=r["title"]))
        pile.append(article(r["id"] + "~chrome", "Advertisement\n" + r["text"] + "\nMost read", title=r["title"]))
    rng.shuffle(pile)

    in_memory = CopyIndex()
    expected = [in_memory.add(a) for a in pile]
    assert sum(link is not None for link in expected) >= 60

    path = tmp_path / "store.db"
    got = []
    for start in range(0, len(pile), 200):  # the store closed and reopened every 200 articles
        with SQLiteStore(path) as store:
            for a in pile[start : start + 200]:
                with store.transaction():  # a fresh index over the stored state for every article
                    got.append(CopyIndex(state=store.index_state("copies")).add(a))
    assert got == expected
    with SQLiteStore(path) as store:
        reopened = CopyIndex(state=store.index_state("copies"))
        assert reopened.links() == in_memory.links()
        assert len(reopened) == len(pile)


def test_a_state_built_with_other_shingles_is_refused(body):
    index = CopyIndex()
    index.add(article("a", body))
    with pytest.raises(DedupError):
        CopyIndex(DedupOptions(shingle_words=4), state=index.state)
    CopyIndex(DedupOptions(jaccard_threshold=0.6), state=index.state)  # verification thresholds may change


def test_corrupt_index_state_raises_a_dedup_error(body):
    state = MemoryIndexState()
    state.put({"meta": b"not json"})
    with pytest.raises(DedupError):
        CopyIndex(state=state)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"shingle_words": 0},
        {"lsh_bands": 50, "lsh_rows": 3},
        {"jaccard_threshold": 0.0},
        {"containment_threshold": 1.5},
    ],
)
def test_bad_options_are_refused(kwargs):
    with pytest.raises(OptionsError):
        DedupOptions(**kwargs)


def test_reuters_exact_duplicate_bodies_are_found(shared_bench):
    records = reuters_records(shared_bench, 2500)
    by_body = defaultdict(list)
    for record in records:
        by_body[(record["text"])].append(record["id"])
    groups = [ids for ids in by_body.values() if len(ids) > 1]
    assert groups, "the first records of Reuters-21578 hold exact duplicates"
    links = find_copies(article(r["id"], r["text"], published=r["date"][:10]) for r in records)
    canonical_of = {link.duplicate: link.canonical for link in links}
    for ids in groups:
        assert len({canonical_of.get(i, i) for i in ids}) == 1, ids


def test_article_inside_a_long_page_dump_is_found_although_their_jaccard_is_low(examples_dir, body):
    # a flattened page: the article among menus and the teasers and text of three other pages
    others = [
        (examples_dir / name).read_text(encoding="utf-8")
        for name in sorted(p.name for p in examples_dir.glob("*.txt"))[2:5]
    ]
    dump = (
        "Home | World | Politics | Business\nSign in\n\n" + "\n\n".join(others[:2]) + "\n\n" + body + "\n\n" + others[2]
    )
    index = CopyIndex()
    index.add(article("dump", dump))
    link = index.add(article("article", body))
    assert link is not None and link.canonical == "dump"
    assert link.similarity < 0.3  # MinHash LSH alone (an estimate of Jaccard) would rarely retrieve it


def test_price_tables_stamped_at_different_times_are_not_copies():
    rows = " ".join(
        f"{month}7 {6100 + 5 * n} UP {n}" for n, month in enumerate(["MAY", "JUL", "SEP", "DEC", "MAR", "JUN"])
    )
    title = "NY COMEX ALUMINUM"
    early = article("early", f"NY COMEX ALUMINUM 10:31 LAST CHANGE {rows}", title=title)
    late = article("late", f"NY COMEX ALUMINUM 11:31 LAST CHANGE {rows}", title=title)
    assert find_copies([early, late]) == []


def test_a_state_written_by_an_older_layout_is_refused(body):
    index = CopyIndex()
    index.add(article("a", body))
    meta = json.loads(index.state.get(["meta"])["meta"])
    index.state.put({"meta": json.dumps({**meta, "version": 2}).encode("utf-8")})
    with pytest.raises(DedupError):
        CopyIndex(state=index.state)


def test_lead_bands_cannot_exceed_lsh_bands():
    with pytest.raises(OptionsError):
        DedupOptions(lsh_bands=10, lead_bands=11)
    with pytest.raises(OptionsError):
        DedupOptions(sample_modulus=-1)


def test_a_lead_cut_before_its_figures_does_not_chain_different_reports_together():
    monday, tuesday, title = FED_MONDAY, FED_TUESDAY, FED_TITLE
    lead = "The Federal Reserve entered the U.S. Government securities market to arrange … Read more"
    links = find_copies(
        [article("mon", monday, title=title), article("tue", tuesday, title=title), article("cut", lead, title=title)]
    )
    groups = {link.duplicate: link.canonical for link in links}
    assert "cut" in groups  # it is a copy of one of them
    assert groups.get("tue") != "mon" and groups.get("mon") != "tue"  # but the two reports stay apart
