"""Property-based fuzzing (hypothesis) of every reader and of the search API (issue 15).

Each reader gets inputs that are mostly well-formed with random content, then randomly damaged
(bytes flipped, cut short), so that the fuzzing reaches past the first parse error. Properties:

* reading never raises, whatever the bytes: every input gives documents or rejections;
* no rejection is an internal error (E108, a reader's unexpected exception): 0 crashes;
* every document can be stored (its strings encode as UTF-8, the store accepts it);
* nothing is lost: each non-blank JSONL line gives exactly one document or one rejection.

CI runs ``NEWSDESK_FUZZ_EXAMPLES`` inputs per reader (default 60: a few seconds each); the long
run in docs/reliability.md sets it to 10,000.
"""

from __future__ import annotations

import atexit
import gzip
import io
import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from newsdesk.errors import InternalReadError
from newsdesk.ingest import IngestOptions, read_file
from newsdesk.models import RawDocument, Rejection
from newsdesk.store import SQLiteStore

EXAMPLES = int(os.environ.get("NEWSDESK_FUZZ_EXAMPLES", "60"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # nothing written into the repository
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
#: Small limits, so that the fuzzer reaches them too.
OPTIONS = IngestOptions(
    max_document_bytes=64 * 1024, max_jsonl_bytes=1024 * 1024, max_text_chars=20_000, max_json_depth=8
)

_WORK = Path(tempfile.mkdtemp(prefix="newsdesk-fuzz-"))
atexit.register(shutil.rmtree, _WORK, ignore_errors=True)  # no folder left behind per session
_STORE = SQLiteStore(":memory:")


def _read(data: bytes, suffix: str) -> list[RawDocument | Rejection]:
    """Read ``data`` as a file named ``*suffix`` and check the properties every reader must have."""
    path = _WORK / f"input{suffix}"
    path.write_bytes(data)
    items = list(read_file(path, options=OPTIONS))
    assert items, "every input gives at least one document or rejection"
    for item in items:
        assert isinstance(item, (RawDocument, Rejection))
        if isinstance(item, Rejection):
            assert item.code != InternalReadError.code, f"a reader crashed: {item.reason}"
            assert item.code.startswith("E1") and item.reason
            continue
        for text in (item.content, item.provenance.url or "", *item.hints.keys(), *item.hints.values()):
            text.encode("utf-8")  # storable
        assert item.content.strip()
        with _STORE.transaction():  # the store takes it (and the test leaves nothing behind)
            _STORE.add_document(item)
            _STORE._db.execute("DELETE FROM sources")
            _STORE._db.execute("DELETE FROM documents")
    # what the inputs reached, in the statistics (pytest --hypothesis-show-statistics)
    event("gave a document" if any(isinstance(i, RawDocument) for i in items) else "gave only rejections")
    for code in sorted({i.code for i in items if isinstance(i, Rejection)}):
        event(f"rejection {code}")
    return items


@st.composite
def damaged(draw, data: bytes) -> bytes:
    """``data``, sometimes cut short and with a few bytes replaced."""
    if not data or draw(st.booleans()):
        return data
    data = bytearray(data)
    if draw(st.booleans()):
        del data[draw(st.integers(0, len(data) - 1)) :]
    for _ in range(draw(st.integers(0, 4))):
        if data:
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    return bytes(data)


def with_damage(strategy):
    return strategy.flatmap(lambda data: damaged(data))


# Text that reaches the interesting places: control characters, surrogates-to-be, markup, quotes.
_CHARS = st.characters(codec=None, exclude_categories=())
_TEXT = st.text(_CHARS, max_size=300) | st.sampled_from(["", " ", "\n\n", "\x00", "<html>", "\ufeff", "a" * 500])
_ENCODINGS = st.sampled_from(
    ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-32", "cp1252", "latin-1", "koi8-r", "shift_jis"]
)
_CHARSETS = st.sampled_from(
    ["utf-8", "iso-8859-1", "utf-7", "rot13", "base64", "idna", "x-unknown", "utf-16", "", "cp1252"]
)


def _encode(text: str, encoding: str) -> bytes:
    return (
        text.encode(encoding, errors="replace")
        if encoding not in ("utf-8", "utf-8-sig")
        else text.encode(encoding, "surrogatepass")
    )


_ENCODED_TEXT = st.builds(_encode, _TEXT, _ENCODINGS)


@st.composite
def html_pages(draw) -> bytes:
    def element(depth: int) -> str:
        tag = draw(st.sampled_from(["p", "div", "h1", "title", "script", "article", "span", "x-y", "a", "br"]))
        attrs = draw(st.sampled_from(["", ' class="story"', ' href="javascript:x"', " data-x='\"'", " on=1"]))
        inner = (
            draw(_TEXT)
            if depth > 2 or draw(st.booleans())
            else "".join(element(depth + 1) for _ in range(draw(st.integers(0, 3))))
        )
        return f"<{tag}{attrs}>{inner}</{tag}>"

    head = f'<meta charset="{draw(_CHARSETS)}">' if draw(st.booleans()) else ""
    body = "".join(element(0) for _ in range(draw(st.integers(0, 4))))
    page = draw(
        st.sampled_from(["<!doctype html><html><head>{h}</head><body>{b}</body></html>", "{h}{b}", "<html>{b}"])
    )
    return _encode(page.format(h=head, b=body), draw(_ENCODINGS))


_JSON_LEAF = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | _TEXT
_JSON = st.recursive(
    _JSON_LEAF, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3), max_leaves=12
)
_FIELDS = st.sampled_from(
    [
        "text",
        "html",
        "content",
        "body",
        "title",
        "headline",
        "url",
        "link",
        "date",
        "published",
        "author",
        "authors",
        "source",
        "sitename",
        "id",
        "other",
    ]
)


@st.composite
def jsonl_records(draw) -> bytes:
    lines = []
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.integers(0, 9))
        if kind < 6:
            record = draw(st.dictionaries(_FIELDS, _JSON | _TEXT, max_size=6))
            if kind < 4:
                record["text"] = draw(_TEXT) + " " + "words in an article " * draw(st.integers(0, 40))
            line = json.dumps(record, ensure_ascii=draw(st.booleans()))
        elif kind == 6:
            line = draw(
                st.sampled_from(
                    ["[" * 60 + "]" * 60, '{"text": ' + "[" * 20 + '"x"' + "]" * 20 + "}", "1" * 5000, "{", "null"]
                )
            )
        elif kind == 7:
            line = ""
        else:
            line = draw(_TEXT)
        lines.append(_encode(line, draw(st.sampled_from(["utf-8", "utf-8", "cp1252", "utf-16"]))))
    return b"\n".join(lines) + draw(st.sampled_from([b"", b"\n", b"\r\n"]))


@st.composite
def warc_archives(draw) -> bytes:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    stream = io.BytesIO()
    writer = WARCWriter(stream, gzip=draw(st.booleans()))
    for number in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["response", "resource", "request", "metadata"]))
        payload = draw(html_pages()) if draw(st.booleans()) else draw(_ENCODED_TEXT)
        content_type = draw(st.sampled_from(["text/html", f"text/html; charset={draw(_CHARSETS)}", "image/png", ""]))
        uri = draw(st.sampled_from([f"https://example.org/{number}", "", "not a uri", "https://例え.jp/ä"]))
        http = None
        if kind == "response":
            status = draw(st.sampled_from(["200 OK", "404 Not Found", "301 Moved", "999 ?"]))
            http = StatusAndHeaders(status, [("Content-Type", content_type)], protocol="HTTP/1.1")
        elif kind == "request":
            http = StatusAndHeaders("GET / HTTP/1.1", [("Host", "example.org")], is_http_request=True)
        fixed = {
            "WARC-Record-ID": f"<urn:uuid:00000000-0000-4000-8000-{number:012d}>",
            "WARC-Date": "2025-03-18T10:00:00Z",
        }
        record = writer.create_warc_record(
            uri,
            kind,
            payload=io.BytesIO(payload),
            http_headers=http,
            warc_content_type=content_type or None,
            warc_headers_dict=fixed,
        )
        writer.write_record(record)
    return stream.getvalue()


def _xml_text(text: str) -> str:
    """``text`` without what XML 1.0 cannot hold (most control characters, surrogates), mostly."""
    return "".join(
        c for c in text if c in "\t\n\r" or (" " <= c and not "\ud800" <= c <= "\udfff" and c not in "\ufffe\uffff")
    )


@st.composite
def feeds(draw) -> bytes:
    def item(tags: tuple[str, str, str, str]) -> str:
        title, link, body, date = tags
        text = draw(_TEXT).replace("]]>", "")
        if draw(st.integers(0, 3)):  # mostly well-formed, so that items are reached
            text = _xml_text(text) + " words of the item" * draw(st.integers(0, 30))
        content = draw(
            st.sampled_from([f"<![CDATA[<p>{text}</p>]]>", text.replace("&", "&amp;").replace("<", "&lt;"), ""])
        )
        heading = _xml_text(draw(_TEXT)).replace("<", "").replace("&", "")
        return (
            f"<{title}>{heading}</{title}><{link}>https://x.example/{draw(st.integers(0, 9))}</{link}>"
            f"<{body}>{content}</{body}><{date}>{draw(st.sampled_from(['Tue, 18 Mar 2025 10:00:00 GMT', '2025-03-18', 'x', '']))}</{date}>"
        )

    flavour = draw(st.sampled_from(["rss", "atom", "rdf", "other"]))
    count = draw(st.integers(0, 4))
    if flavour == "rss":
        items = "".join(f"<item>{item(('title', 'link', 'description', 'pubDate'))}</item>" for _ in range(count))
        doc = f'<rss version="2.0"><channel><title>Site</title>{items}</channel></rss>'
    elif flavour == "atom":
        items = "".join(f"<entry>{item(('title', 'id', 'content', 'updated'))}</entry>" for _ in range(count))
        doc = f'<feed xmlns="http://www.w3.org/2005/Atom"><title>Site</title>{items}</feed>'
    elif flavour == "rdf":
        items = "".join(f"<item>{item(('title', 'link', 'description', 'dc:date'))}</item>" for _ in range(count))
        doc = (
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" '
            f'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>S</title></channel>{items}</rdf:RDF>'
        )
    else:
        doc = "<catalog><book>" + draw(_TEXT).replace("<", "").replace("&", "") + "</book></catalog>"
    prolog = draw(
        st.sampled_from(
            [
                "",
                '<?xml version="1.0" encoding="utf-8"?>',
                '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>',
                '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>',
            ]
        )
    )
    return (prolog + doc).encode("utf-8", "surrogatepass")


# --------------------------------------------------------------------------------------------
# One property test per reader
# --------------------------------------------------------------------------------------------


@FUZZ
@given(data=with_damage(_ENCODED_TEXT | st.binary(max_size=2000)))
def test_fuzz_plain_text_reader(data):
    _read(data, ".txt")


@FUZZ
@given(data=with_damage(html_pages() | st.binary(max_size=2000)))
def test_fuzz_html_reader(data):
    _read(data, ".html")


def _accounted_records(data: bytes, items: list) -> None:
    """Every non-blank line is one document or one record rejection (unless the whole file was refused)."""
    if any(isinstance(i, Rejection) and i.record is None for i in items):
        return
    expected = [n for n, line in enumerate(data.split(b"\n"), 1) if line.strip()]
    if data.endswith(b"\n"):
        expected = [n for n in expected if n <= data.count(b"\n")]
    seen = [i.record if isinstance(i, Rejection) else i.provenance.record for i in items]
    assert sorted(seen) == expected


@FUZZ
@given(data=with_damage(jsonl_records()))
def test_fuzz_jsonl_reader_loses_no_record(data):
    items = _read(data, ".jsonl")
    _accounted_records(data, items)


@FUZZ
@given(data=jsonl_records().flatmap(lambda raw: damaged(gzip.compress(raw, mtime=0))))
def test_fuzz_gzip_jsonl_reader(data):
    _read(data, ".jsonl.gz")


@FUZZ
@given(data=with_damage(warc_archives()))
def test_fuzz_warc_reader(data):
    _read(data, ".warc.gz" if data[:2] == b"\x1f\x8b" else ".warc")


@FUZZ
@given(data=with_damage(feeds()))
def test_fuzz_feed_reader(data):
    _read(data, ".xml")


# --------------------------------------------------------------------------------------------
# The search API
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def search_client(tmp_path_factory):
    from fastapi.testclient import TestClient

    from newsdesk.models import Article, Provenance, Story
    from newsdesk.search import SearchOptions
    from newsdesk.serve import ServeOptions, create_app
    from newsdesk.store import open_store

    db = tmp_path_factory.mktemp("fuzz-search") / "n.db"
    with open_store(db) as store:
        ids = []
        for name, title, text in [
            ("a", "Harbour reopens", "The harbour reopened to ferries on Monday after the storm."),
            ("b", 'Glacier "retreats"', "The glacier retreated by forty metres: NEAR OR AND * ^ - ( ) {col}:x."),
        ]:
            doc = RawDocument(Provenance(f"{name}.txt"), "text", f"{title}\n\n{text}", "utf-8")
            store.add_document(doc)
            store.add_article(Article(id=doc.digest, provenance=doc.provenance, text=text, title=title))
            ids.append(doc.digest)
        store.replace_stories([Story("s1", "Harbour", tuple(ids))])
    app = create_app(db, ServeOptions(search=SearchOptions(rerank=False)))
    with TestClient(app, base_url="http://127.0.0.1:8765") as client:
        yield client


_QUERIES = st.text(_CHARS.filter(lambda c: not "\ud800" <= c <= "\udfff"), max_size=120) | st.sampled_from(
    [
        '"',
        '"unclosed',
        "NEAR(",
        "a OR",
        "*",
        "^x",
        "{title}: x",
        "col:val",
        "AND AND",
        "\x00",
        "-",
        "()",
        "'",
        "a" * 3000,
    ]
)


@FUZZ
@given(query=_QUERIES, limit=st.integers(-5, 500))
def test_fuzz_search_api_never_fails(search_client, query, limit):
    response = search_client.get("/api/search", params={"q": query, "limit": limit})
    assert response.status_code in (200, 422), response.text[:300]
    if response.status_code == 200:
        hits = response.json()["hits"]
        assert len(hits) <= limit and all(hit["snippet"] is not None for hit in hits)
    page = search_client.get("/search", params={"q": query})
    assert page.status_code == 200
