"""Ingest: every input kind, encodings, provenance, and each kind of bad input."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from newsdesk.errors import OptionsError
from newsdesk.ingest import IngestOptions, decode_bytes, read_paths
from newsdesk.models import RawDocument, Rejection

ARTICLE = (
    "City council approves new tram line\n\n"
    "The council voted 31 to 12 on Monday to build a tram line linking the station to the university. "
    "Construction is due to start next spring and cost about 240 million euros, the mayor’s office said."
)


def _read(*paths, **options):
    items = list(read_paths(paths, options=IngestOptions(**options)))
    docs = [i for i in items if isinstance(i, RawDocument)]
    rejections = [i for i in items if isinstance(i, Rejection)]
    return docs, rejections


def test_plain_text_file_is_one_text_document_with_its_path(tmp_path):
    path = tmp_path / "tram.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    (doc,), rejections = _read(path)
    assert not rejections
    assert doc.kind == "text" and doc.content == ARTICLE
    assert doc.provenance.path == str(path) and doc.provenance.record is None


def test_html_file_is_read_as_html(fixtures_dir):
    (doc,), _ = _read(fixtures_dir / "pages" / "harbour.html")
    assert doc.kind == "html" and "<article>" in doc.content and doc.encoding == "utf-8"


def test_text_file_holding_html_is_read_as_html(tmp_path, fixtures_dir):
    path = tmp_path / "saved-page.txt"
    path.write_bytes((fixtures_dir / "pages" / "harbour.html").read_bytes())
    (doc,), _ = _read(path)
    assert doc.kind == "html"


def test_folders_are_read_recursively_in_stable_order_skipping_hidden_and_unknown(tmp_path):
    (tmp_path / "b" / "deep").mkdir(parents=True)
    (tmp_path / "a.txt").write_text(ARTICLE)
    (tmp_path / "b" / "deep" / "c.htm").write_text("<html><body><p>" + ARTICLE + "</p></body></html>")
    (tmp_path / ".hidden.txt").write_text(ARTICLE)
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n")
    docs, rejections = _read(tmp_path)
    assert [Path(d.provenance.path).name for d in docs] == ["a.txt", "c.htm"]
    assert not rejections


@pytest.mark.parametrize(
    "encoding, expected",
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("utf-16", "utf-16"), ("utf-16-be", None), ("cp1252", None)],
)
def test_encodings_are_detected(tmp_path, encoding, expected):
    text = "Café owners say the “new rules” cost them €2,000 — a naïve plan, façade included. " * 6
    path = tmp_path / f"page-{encoding}.txt"
    path.write_bytes(text.encode(encoding))
    (doc,), rejections = _read(path)
    assert not rejections
    assert doc.content == text
    if expected:
        assert doc.encoding == expected


def test_html_declared_charset_is_used_when_not_utf8():
    page = '<html><head><meta charset="iso-8859-1"></head><body><p>Gr\xfc\xdfe aus M\xfcnchen, sagte der B\xfcrgermeister.</p></body></html>'
    text, encoding = decode_bytes(page.encode("latin-1"), html=True)
    assert "Grüße aus München" in text and encoding == "iso-8859-1"


def test_jsonl_records_keep_record_number_url_and_hints(tmp_path):
    path = tmp_path / "crawl.jsonl"
    records = [
        {
            "url": "https://example.org/tram",
            "title": "Tram line approved",
            "text": ARTICLE,
            "date": "2024-03-04",
            "source": "Example Times",
            "author": ["A. Writer"],
        },
        {
            "url": "https://news.example.com/port",
            "html": "<html><body><p>" + ARTICLE + "</p></body></html>",
            "sitename": "Example News",
        },
    ]
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n\n", encoding="utf-8")
    docs, rejections = _read(path)
    assert not rejections
    first, second = docs
    assert (first.kind, first.provenance.record, first.provenance.url) == ("text", 1, "https://example.org/tram")
    assert first.hints == {
        "title": "Tram line approved",
        "date": "2024-03-04",
        "sitename": "Example Times",
        "author": "A. Writer",
    }
    assert first.site == "example.org"
    assert (second.kind, second.provenance.record) == ("html", 2)
    assert second.site == "news.example.com"


def test_gzipped_jsonl_is_read(tmp_path):
    path = tmp_path / "crawl.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(json.dumps({"text": ARTICLE}) + "\n")
    (doc,), rejections = _read(path)
    assert doc.content == ARTICLE and not rejections


def test_bad_jsonl_records_are_rejected_one_by_one_and_the_rest_read(tmp_path):
    path = tmp_path / "crawl.jsonl"
    path.write_text(
        "\n".join(
            [
                json.dumps({"text": ARTICLE}),
                "{not json",
                json.dumps([1, 2]),
                json.dumps({"url": "https://x.org"}),
                json.dumps({"text": ARTICLE + " More."}),
            ]
        ),
        encoding="utf-8",
    )
    docs, rejections = _read(path)
    assert [d.provenance.record for d in docs] == [1, 5]
    assert [(r.record, r.code) for r in rejections] == [(2, "E107"), (3, "E107"), (4, "E107")]
    assert "not valid JSON" in rejections[0].reason
    assert "no article content" in rejections[2].reason


@pytest.mark.parametrize(
    "name, payload, code, words",
    [
        ("empty.txt", b"", "E102", "empty"),
        ("blank.html", b"  \n\t\n", "E102", "white space"),
        ("binary.txt", bytes(range(256)) * 40, "E103", "binary"),
        ("report.html", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "E103", "PDF"),
        ("notes.docx", b"PK\x03\x04 whatever", "E106", "unsupported"),
    ],
)
def test_bad_files_get_one_clear_reason_naming_the_file(tmp_path, name, payload, code, words):
    path = tmp_path / name
    path.write_bytes(payload)
    docs, (rejection,) = _read(path)
    assert not docs
    assert rejection.path == str(path) and rejection.code == code
    assert words.lower() in rejection.reason.lower()


def test_oversize_file_is_rejected_without_being_loaded(tmp_path):
    path = tmp_path / "huge.html"
    path.write_bytes(b"<p>" + b"x" * 5000 + b"</p>")
    docs, (rejection,) = _read(path, max_document_bytes=2048)
    assert rejection.code == "E104" and "limit" in rejection.reason


def test_missing_path_is_rejected_and_others_still_read(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text(ARTICLE)
    docs, (rejection,) = _read(tmp_path / "missing.txt", good)
    assert len(docs) == 1 and rejection.code == "E101" and "no such file" in rejection.reason


def test_undecodable_bytes_are_rejected_as_undecodable_or_binary(tmp_path):
    path = tmp_path / "noise.txt"
    path.write_bytes(bytes([0x81, 0x8D, 0x8F, 0x90, 0x9D, 0x00, 0x01, 0x02]) * 300)
    docs, (rejection,) = _read(path)
    assert not docs and rejection.code in ("E103", "E105")


def test_options_fail_fast_with_advice():
    with pytest.raises(OptionsError, match="at least 1024"):
        IngestOptions(max_document_bytes=10)


def test_rss_items_are_documents_with_title_link_date_author(fixtures_dir):
    docs, rejections = _read(fixtures_dir / "feeds" / "world.rss")
    ferry, budget = docs
    assert (ferry.kind, ferry.provenance.record, ferry.provenance.url) == ("html", 1, "https://gazette.example/ferry")
    assert ferry.hints == {
        "title": "Ferry service resumes after storm",
        "author": "Ola Berg",
        "sitename": "Harbour Gazette",
        "date": "2024-05-14",
    }
    assert "normal timetable" in ferry.content
    assert budget.kind == "text" and budget.hints["date"] == "2024-05-13"
    (empty,) = rejections
    assert empty.record == 3 and "no content" in empty.reason


def test_atom_entries_are_documents(fixtures_dir):
    (doc,), rejections = _read(fixtures_dir / "feeds" / "science.atom")
    assert not rejections
    assert doc.provenance.url == "https://science.example/glacier"
    assert doc.hints["date"] == "2024-04-02" and doc.hints["author"] == "Priya Nair"
    assert "400 metres" in doc.content


def test_xml_that_is_not_a_feed_is_rejected_with_that_reason(tmp_path):
    path = tmp_path / "sitemap.xml"
    path.write_text('<?xml version="1.0"?><urlset><url><loc>https://x.org</loc></url></urlset>')
    docs, (rejection,) = _read(path)
    assert not docs and "not an RSS or Atom feed" in rejection.reason


def test_feed_entities_are_not_expanded(tmp_path):
    path = tmp_path / "evil.rss"
    path.write_text(
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        "<rss><channel><title>t</title><item><title>a</title><description>&x; safe text here</description></item></channel></rss>"
    )
    docs, rejections = _read(path)
    assert all("root:" not in d.content for d in docs)


def test_warc_html_responses_are_pages_with_their_urls(tmp_path, fixtures_dir):
    from io import BytesIO

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    path = tmp_path / "crawl.warc.gz"
    page = (fixtures_dir / "pages" / "harbour.html").read_bytes()
    with open(path, "wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for uri, body, ctype, status in (
            ("https://coastal.example/port", page, "text/html; charset=utf-8", "200 OK"),
            ("https://coastal.example/logo.png", b"\x89PNG....", "image/png", "200 OK"),
            ("https://coastal.example/gone", b"<html>missing</html>", "text/html", "404 Not Found"),
        ):
            headers = StatusAndHeaders(status, [("Content-Type", ctype)], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(uri, "response", payload=BytesIO(body), http_headers=headers))
    (doc,), rejections = _read(path)
    assert not rejections
    assert doc.kind == "html" and doc.provenance.url == "https://coastal.example/port"
    assert doc.provenance.record == 1 and "nine-day strike" in doc.content
    assert doc.hints["crawled"][:4].isdigit()


def test_date_hints_are_normalised_only_when_exact():
    from newsdesk.ingest import normalise_date_hint

    assert normalise_date_hint("2025-03-18T21:04:00Z") == "2025-03-18"
    assert normalise_date_hint("Tue, 18 Mar 2025 10:00:00 GMT") == "2025-03-18"
    assert normalise_date_hint("1742292000") == "2025-03-18"
    assert normalise_date_hint("last Tuesday") == "last Tuesday"
