"""Ingest: files and folders in, decoded documents (or reasons for rejection) out.

Accepted inputs, found recursively in folders (hidden files and folders are skipped):

* ``.txt``, ``.text``, ``.md`` — plain text, including whole web pages flattened to text;
  a text file that is really HTML (it starts with ``<!doctype html`` or ``<html``) is read as HTML;
* ``.html``, ``.htm``, ``.xhtml`` — one web page;
* ``.jsonl``, ``.ndjson`` and their gzipped ``.gz`` forms — one crawler record per line, see
  :data:`JSONL_FIELDS` for the fields understood;
* ``.warc``, ``.warc.gz`` — web archives: every HTML response (or resource) record is a page,
  the record's target URI its URL; other records (requests, images, metadata) are passed over;
* ``.rss``, ``.atom``, ``.xml`` — RSS 2.0/1.0 and Atom feeds: every item is a document with its
  title, link, date and author (an ``.xml`` file that is not a feed is rejected with that reason).

Each document keeps its provenance: path, record (line) number and URL when known. Encodings are
detected per file: a byte-order mark first (UTF-8, UTF-16, UTF-32), then strict UTF-8, then the
page's declared charset (HTML), then statistical detection (charset-normalizer) among legacy
encodings such as cp1252 and latin-1. Anything that cannot be read is yielded as a
:class:`~newsdesk.models.Rejection` naming the file and the reason; the batch goes on.

Input is untrusted, so reading is bounded and crash-proof: documents over a size limit are
rejected before they are loaded; JSON records nested deeper than ``max_json_depth`` are rejected;
strings that cannot be stored (lone surrogates from JSON ``\\ud800`` escapes) are repaired; a folder
that cannot be listed is rejected (never skipped silently); and an unexpected exception inside a
reader (a bug) rejects that file with code E108 instead of stopping the batch. File names that are
not valid UTF-8 are kept exactly (Python's surrogate escapes; the store keeps their bytes) and
shown through :func:`display_path`.

Why one module of ~770 lines: the readers (files, JSONL, WARC, feeds) share the bounds,
the decoding and the rejection rules that make bad input a reason instead of a crash; a
reader per module is the next split, once a sixth input format arrives.
"""

from __future__ import annotations

import codecs
import gzip
import json
import logging
import os
import re
import stat
import zlib
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Iterable, Iterator

from .errors import (
    BinaryInputError,
    DecodingError,
    EmptyInputError,
    IngestError,
    InternalReadError,
    MalformedRecordError,
    OptionsError,
    OversizeInputError,
    UnreadableFileError,
    UnsupportedFormatError,
)
from .models import Provenance, RawDocument, Rejection
from .sidecar import with_user_hints

log = logging.getLogger(__name__)

TEXT_SUFFIXES = frozenset({".txt", ".text", ".md"})
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
WARC_SUFFIXES = frozenset({".warc"})
FEED_SUFFIXES = frozenset({".rss", ".atom", ".xml"})

#: JSONL fields understood, by role, in order of preference. Content: the first non-empty HTML
#: field makes an HTML document; otherwise the first non-empty text field makes a text document.
JSONL_FIELDS: dict[str, tuple[str, ...]] = {
    "html": ("html", "raw_html", "content_html", "page_html"),
    "text": ("text", "content", "body", "maintext", "article", "page_text", "raw_text"),
    "url": ("url", "link", "canonical_url", "source_url", "original_url"),
    "title": ("title", "headline"),
    "date": ("date", "published", "date_publish", "publish_date", "published_at", "pubdate", "datetime"),
    "author": ("author", "authors", "byline", "creator"),
    "sitename": ("sitename", "site_name", "source", "outlet", "publisher", "source_domain", "domain"),
    "section": ("section", "article_section", "category", "opinion_tag"),
    "id": ("id", "uid", "doc_id"),
}

_HTML_START = re.compile(rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html[\s>]|head[\s>])", re.I | re.S)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-z0-9_\-:.]+)""", re.I)
_BINARY_MAGIC = (
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or an office document)"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x7fELF", "an executable"),
    (b"SQLite format 3", "an SQLite database"),
)


@dataclass(frozen=True, kw_only=True)
class IngestOptions:
    """How inputs are read.

    Attributes:
        max_document_bytes: largest single document accepted (a whole ``.txt``/``.html`` file or one
            JSONL record), default 20 MiB. Bigger files are rejected with a clear reason rather than
            loaded: a 20 MiB news page is already far beyond any real article page.
        max_jsonl_bytes: largest JSONL file accepted (streamed line by line), default 4 GiB.
        max_text_chars: longest plain-text document accepted, in characters after decoding
            (default 5,000,000, a 2,500-page book; the longest news article is far shorter).
            HTML pages are bounded by their bytes and by the extractor's own cut.
        max_json_depth: deepest nesting of a JSONL record (default 64; crawler records are 2–4
            levels deep). Deeper records are rejected before anything recurses over them.
        include_hidden: also read files and folders whose names start with a dot.
        date, outlet: the publication date (``YYYY-MM-DD``) and outlet the user states for every
            input of this run (``--date``/``--outlet``); they outrank everything else, a sidecar
            file (``page.html.json``) included. Default None: not stated.
        batch_documents, batch_chars: documents are read, extracted and stored in batches of at
            most this many documents and characters (defaults 2,000 and 200,000,000): the memory
            of a run stays bounded, and whatever a run stored before it stopped is kept.
    """

    max_document_bytes: int = 20 * 1024 * 1024
    max_jsonl_bytes: int = 4 * 1024 * 1024 * 1024
    max_text_chars: int = 5_000_000
    max_json_depth: int = 64
    include_hidden: bool = False
    date: str | None = None
    outlet: str | None = None
    batch_documents: int = 2000
    batch_chars: int = 200_000_000

    def __post_init__(self) -> None:
        _check_user_statements(self.date, self.outlet)
        if self.max_document_bytes < 1024:
            raise OptionsError(
                f"max_document_bytes={self.max_document_bytes} is too small to hold an article",
                hint="use at least 1024 bytes; the default is 20 MiB",
            )
        if self.max_jsonl_bytes < self.max_document_bytes:
            raise OptionsError(
                "max_jsonl_bytes must be at least max_document_bytes",
                hint=f"raise max_jsonl_bytes above {self.max_document_bytes}",
            )
        if self.max_text_chars < 1000:
            raise OptionsError(
                f"max_text_chars={self.max_text_chars} is too small to hold an article", hint="use at least 1000"
            )
        if not 2 <= self.max_json_depth <= 500:
            raise OptionsError(
                f"max_json_depth={self.max_json_depth} must lie between 2 and 500",
                hint="the default, 64, is far above any crawler's records",
            )
        if self.batch_documents < 1 or self.batch_chars < 1:
            raise OptionsError(
                "batch_documents and batch_chars must be at least 1", hint="the defaults are 2000 and 200000000"
            )


_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


_SURROGATE = re.compile("[\ud800-\udfff]")


def printable(text: str) -> str:
    """``text`` safe to show on one terminal or log line: control characters (newlines included),
    bidirectional overrides and undecodable bytes are written as escapes (``\\n``, ``\\x1b``,
    ``\\xff``), so that a file name cannot forge a line or hide its real characters."""
    if not _UNPRINTABLE.search(text):
        return text

    def escape(match: re.Match) -> str:
        char = match.group()
        code = ord(char)
        if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte of a file name (surrogate escape)
            return f"\\x{code - 0xDC00:02x}"
        if char in "\n\r\t":
            return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}[char]
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _UNPRINTABLE.sub(escape, text)


def display_path(path: str) -> str:
    """A file name as shown to people and written into reports: :func:`printable`. The store keeps
    the exact name; this is only how it is shown."""
    return printable(str(path))


def _check_user_statements(date: str | None, outlet: str | None) -> None:
    from .errors import MalformedRecordError
    from .sidecar import check_date

    if date is not None:
        try:
            check_date(date, what=f"--date {date!r}")
        except MalformedRecordError as exc:
            raise OptionsError(exc.message, hint="write the date as YYYY-MM-DD, e.g. --date 2025-03-18") from exc
    if outlet is not None and (not isinstance(outlet, str) or not outlet.strip()):
        raise OptionsError("--outlet must be a non-empty name", hint='e.g. --outlet "Responsible Statecraft"')


def discover(paths: Iterable[str | os.PathLike], *, options: IngestOptions) -> Iterator[Path | Rejection]:
    """Files to read under ``paths``, in a stable (sorted) order; missing paths become rejections.

    Files named explicitly are always attempted (an unknown suffix is rejected with a reason);
    inside folders, only the suffixes this module reads are picked up.
    """
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            yield Rejection(str(path), "no such file or folder", UnreadableFileError.code)
        elif path.is_dir():
            unreadable: list[Rejection] = []
            yield from sorted(_walk(path, options, unreadable))
            yield from unreadable
        else:
            yield path


def _walk(folder: Path, options: IngestOptions, unreadable: list[Rejection]) -> Iterator[Path]:
    def refused(exc: OSError) -> None:  # a folder that cannot be listed is rejected, never skipped silently
        where = exc.filename if exc.filename is not None else folder
        reason = f"cannot read the folder: {exc.strerror or exc}"
        log.info("rejected %s: %s", display_path(str(where)), reason)
        unreadable.append(Rejection(str(where), reason, UnreadableFileError.code))

    for root, dirs, files in os.walk(folder, onerror=refused):
        if not options.include_hidden:
            dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if name.startswith(".") and not options.include_hidden:
                continue
            candidate = Path(root) / name
            if _kind_of(candidate) is not None:
                yield candidate


def _kind_of(path: Path) -> str | None:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    if not suffixes:
        return None
    last = suffixes[-1]
    if last in JSONL_SUFFIXES:
        return "jsonl"
    if last in WARC_SUFFIXES:
        return "warc"
    if path.suffix.lower() == ".gz":
        return None  # only gzipped JSONL and WARC are read
    if last in FEED_SUFFIXES:
        return "feed"
    if last in HTML_SUFFIXES:
        return "html"
    if last in TEXT_SUFFIXES:
        return "text"
    return None


def read_paths(
    paths: Iterable[str | os.PathLike], *, options: IngestOptions | None = None
) -> Iterator[RawDocument | Rejection]:
    """Every document found under ``paths``, or a rejection for each file/record that failed."""
    options = options or IngestOptions()
    for item in discover(paths, options=options):
        if isinstance(item, Rejection):
            yield item
            continue
        # what the user states about the file (--date/--outlet, a sidecar beside it) goes along as hints
        yield from with_user_hints(read_file(item, options=options), item, date=options.date, outlet=options.outlet)


def read_file(path: Path, *, options: IngestOptions | None = None) -> Iterator[RawDocument | Rejection]:
    """Documents of one file (one for a page, one per record for JSONL), or rejections."""
    options = options or IngestOptions()
    kind = _kind_of(path)
    try:
        yield from _read_file(path, kind, options)
    except IngestError as exc:
        log.info("rejected %s: %s", display_path(str(path)), exc.message)
        yield Rejection(str(path), exc.message, exc.code)
    except MemoryError:
        raise
    except Exception as exc:  # a bug in a reader: this file is rejected, the batch goes on
        log.error("unexpected error while reading %s", display_path(str(path)), exc_info=exc)
        reason = f"unexpected error while reading ({type(exc).__name__}: {printable(str(exc))[:200]}); a bug in newsdesk, the traceback is logged"
        yield Rejection(str(path), reason, InternalReadError.code)


def _read_file(path: Path, kind: str | None, options: IngestOptions) -> Iterator[RawDocument | Rejection]:
    if kind is None:
        raise UnsupportedFormatError(
            f"unsupported file type {path.suffix or '(no suffix)'!r}",
            hint="newsdesk reads .txt/.md, .html/.htm, .jsonl[.gz], .warc[.gz] and .rss/.atom/.xml feeds",
        )
    _require_regular_file(path)
    if kind == "jsonl":
        yield from _read_jsonl(path, options)
        return
    if kind == "warc":
        yield from _read_warc(path, options)
        return
    if kind == "feed":
        yield from _read_feed(path, options)
        return
    data = _read_bytes(path, limit=options.max_document_bytes)
    text, encoding = decode_bytes(data, html=(kind == "html"))
    if not text.strip():
        raise EmptyInputError("the file holds only white space")
    if kind == "text" and _HTML_START.match(data[:2048].lstrip(codecs.BOM_UTF8)):
        kind = "html"
    yield _document(Provenance(str(path)), kind, text, encoding, {}, options)


def _require_regular_file(path: Path) -> None:
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise UnreadableFileError(f"cannot read the file: {exc.strerror or exc}") from exc
    if not stat.S_ISREG(mode):
        raise UnreadableFileError("not a regular file (a device, pipe or socket)", hint="pass files and folders only")


def _storable(text: str) -> str:
    """``text`` with any lone surrogate (from a JSON ``\\ud800`` escape) replaced by U+FFFD."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", text)


def _document(
    provenance: Provenance, kind: str, text: str, encoding: str, hints: dict[str, str], options: IngestOptions
) -> RawDocument:
    """The document every reader yields: limits checked, text normalised and storable."""
    if kind == "text" and len(text) > options.max_text_chars:
        raise OversizeInputError(
            f"the text is {len(text):,} characters long, over the {options.max_text_chars:,} characters limit per document",
            hint="split it, or raise IngestOptions.max_text_chars",
        )
    content = _storable(_normalise_newlines(text))
    if not content.strip():
        raise EmptyInputError("the document holds only white space")
    url = _storable(provenance.url) if provenance.url else provenance.url
    return RawDocument(
        Provenance(provenance.path, provenance.record, url),
        kind,  # type: ignore[arg-type]
        content,
        encoding,
        {key: _storable(value) for key, value in hints.items()},
    )


def _read_bytes(path: Path, *, limit: int) -> bytes:
    try:
        size = path.stat().st_size
        if size > limit:
            raise OversizeInputError(
                f"the file is {size / 1_048_576:.1f} MiB, over the {limit / 1_048_576:.0f} MiB limit per document",
                hint="split it, or raise IngestOptions.max_document_bytes",
            )
        if size == 0:
            raise EmptyInputError("the file is empty (0 bytes)")
        with open(path, "rb") as handle:
            return handle.read(limit + 1)
    except OSError as exc:
        raise UnreadableFileError(f"cannot read the file: {exc.strerror or exc}") from exc


def decode_bytes(data: bytes, *, html: bool = False) -> tuple[str, str]:
    """Decode ``data``; returns ``(text, encoding name)`` or raises a clear ingest error."""
    if not data:
        raise EmptyInputError("the file is empty (0 bytes)")
    for bom, encoding in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as exc:
                raise DecodingError(
                    f"the file starts with a {encoding} byte-order mark but is not valid {encoding}: {exc.reason}"
                ) from exc
    head = data[:8192]
    for magic, what in _BINARY_MAGIC:
        if head.startswith(magic):
            raise BinaryInputError(f"this is {what}, not text or HTML")
    if b"\x00" in head:
        return _decode_nul_bearing(data)
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if html:
        declared = _META_CHARSET.search(data[:4096])
        if declared:
            name = declared.group(1).decode("ascii", "ignore")
            try:
                codecs.lookup(name)
                return data.decode(name), name
            except (LookupError, ValueError):  # unknown, not a text encoding, or bytes that do not fit
                pass
    return _decode_detected(data)


def _decode_nul_bearing(data: bytes) -> tuple[str, str]:
    """NUL bytes mean either UTF-16/32 without a byte-order mark or binary data."""
    from charset_normalizer import from_bytes

    best = from_bytes(data[:65536], cp_isolation=["utf_16_le", "utf_16_be", "utf_32_le", "utf_32_be"]).best()
    if best is not None:
        try:
            text = data.decode(best.encoding)
        except UnicodeDecodeError:
            text = None
        if text is not None and _looks_like_text(text):
            return text, best.encoding
    raise BinaryInputError("the file holds binary data (NUL bytes), not text or HTML")


def _decode_detected(data: bytes) -> tuple[str, str]:
    from charset_normalizer import from_bytes

    matches = from_bytes(data[:262144])
    best = matches.best()
    # Single-byte Western encodings often tie (cp1250, cp1252, cp1257 read most bytes alike);
    # for a tie, prefer cp1252, by far the most common legacy encoding of English-language pages.
    for match in matches:
        if (
            best is not None
            and match.encoding == "cp1252"
            and match.chaos <= best.chaos + 0.01
            and match.coherence >= best.coherence - 0.02
        ):
            best = match
            break
    if best is None:
        raise DecodingError(
            "the bytes match no known text encoding",
            hint="convert the file to UTF-8",
        )
    try:
        text = data.decode(best.encoding)
    except UnicodeDecodeError as exc:
        raise DecodingError(f"the file looks like {best.encoding} but does not decode as it: {exc.reason}") from exc
    if not _looks_like_text(text):
        raise BinaryInputError("the file decodes to mostly control characters: binary data, not text")
    return text, best.encoding


def _looks_like_text(text: str) -> bool:
    sample = text[:20000]
    if not sample:
        return False
    control = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\n\r\f")
    return control / len(sample) < 0.02


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")


def _read_jsonl(path: Path, options: IngestOptions) -> Iterator[RawDocument | Rejection]:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise UnreadableFileError(f"cannot read the file: {exc.strerror or exc}") from exc
    if size == 0:
        raise EmptyInputError("the file is empty (0 bytes)")
    if size > options.max_jsonl_bytes:
        raise OversizeInputError(
            f"the JSONL file is {size / 1_073_741_824:.1f} GiB, over the {options.max_jsonl_bytes / 1_073_741_824:.0f} GiB limit",
            hint="split it, or raise IngestOptions.max_jsonl_bytes",
        )
    opener = gzip.open if path.suffix.lower() == ".gz" else open
    found_any = False
    try:
        with opener(path, "rb") as handle:
            for number, line in _numbered_lines(handle, options.max_document_bytes):
                if line is not None and not line.strip():
                    continue
                found_any = True
                try:
                    yield _record_document(path, number, line, options)
                except IngestError as exc:
                    log.info("rejected %s:%d: %s", display_path(str(path)), number, exc.message)
                    yield Rejection(str(path), exc.message, exc.code, record=number)
                except (OSError, EOFError, MemoryError):
                    raise
                except Exception as exc:  # a bug on one record: that record is rejected, the file goes on
                    log.error("unexpected error while reading %s:%d", display_path(str(path)), number, exc_info=exc)
                    reason = f"unexpected error while reading the record ({type(exc).__name__}); a bug in newsdesk, the traceback is logged"
                    yield Rejection(str(path), reason, InternalReadError.code, record=number)
    except (OSError, EOFError, zlib.error) as exc:  # truncated gzip, permission denied mid-way…
        raise UnreadableFileError(f"reading stopped: {printable(str(exc))}") from exc
    if not found_any:
        raise EmptyInputError("the JSONL file holds no records")


def _numbered_lines(handle, limit: int) -> Iterator[tuple[int, bytes | None]]:
    """``(line number, line)`` of a binary file, never holding more than ``limit + 1`` bytes of one
    line: a longer line is read through and given as ``None`` (an oversize record)."""
    number = 0
    while True:
        line = handle.readline(limit + 1)
        if not line:
            return
        number += 1
        if len(line) > limit and not line.endswith(b"\n"):
            while True:  # skip the rest of the oversize line
                rest = handle.readline(1 << 20)
                if not rest or rest.endswith(b"\n"):
                    break
            yield number, None
            continue
        yield number, line


def _record_document(path: Path, number: int, line: bytes | None, options: IngestOptions) -> RawDocument:
    if line is None or len(line) > options.max_document_bytes:
        raise OversizeInputError(
            f"the record is over the {options.max_document_bytes / 1_048_576:.0f} MiB limit per document",
            hint="raise IngestOptions.max_document_bytes",
        )
    text, encoding = decode_bytes(line)
    record = _parse_record(text, options.max_json_depth)
    if not isinstance(record, dict):
        raise MalformedRecordError(f"the line is a JSON {type(record).__name__}, not an object with article fields")
    html = _first_text(record, JSONL_FIELDS["html"])
    body = None if html else _first_text(record, JSONL_FIELDS["text"])
    if not html and not body:
        wanted = ", ".join(JSONL_FIELDS["html"] + JSONL_FIELDS["text"])
        raise MalformedRecordError(f"the record has no article content (looked for: {wanted})")
    hints = {}
    for role in ("title", "date", "author", "sitename", "section", "id"):
        value = _first_text(record, JSONL_FIELDS[role])
        if value:
            hints[role] = value
    if "date" in hints:
        hints["date"] = normalise_date_hint(hints["date"])
    url = _first_text(record, JSONL_FIELDS["url"])
    kind = "html" if html else "text"
    return _document(
        Provenance(str(path), record=number, url=url or None), kind, html or body or "", encoding, hints, options
    )


def _parse_record(text: str, max_depth: int):
    """The JSON value of one record, refused when malformed or nested deeper than ``max_depth``."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise MalformedRecordError(f"the line is not valid JSON ({exc.msg} at column {exc.colno})") from exc
    except RecursionError as exc:
        raise MalformedRecordError(f"the record is nested too deeply (over {max_depth} levels)") from exc
    except ValueError as exc:  # e.g. an integer of more digits than Python converts
        raise MalformedRecordError(f"the line is not usable JSON ({printable(str(exc))[:120]})") from exc
    # Iterative, so that checking the depth cannot itself recurse too deeply.
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > max_depth:
            raise MalformedRecordError(f"the record is nested too deeply (over {max_depth} levels)")
        if isinstance(node, dict):
            stack.extend((child, depth + 1) for child in node.values() if isinstance(child, (dict, list)))
        elif isinstance(node, list):
            stack.extend((child, depth + 1) for child in node if isinstance(child, (dict, list)))
    return value


def _first_text(record: dict, fields: tuple[str, ...]) -> str | None:
    for name in fields:
        value = record.get(name)
        if isinstance(value, dict):  # e.g. {"source": {"name": "Reuters"}}
            value = value.get("name") or value.get("title")
        if isinstance(value, list):  # e.g. {"authors": ["A", "B"]}
            value = "; ".join(str(v) for v in value if isinstance(v, (str, int, float)) and str(v).strip())
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if isinstance(value, str) and value.strip():
            return value.strip() if name not in JSONL_FIELDS["html"] + JSONL_FIELDS["text"] else value
    return None


def normalise_date_hint(value: str) -> str:
    """An input's own date as ISO ``YYYY-MM-DD`` when it can be read exactly, else unchanged.

    Accepts ISO 8601 dates and timestamps, RFC 822 dates (feeds, e-mail) and Unix timestamps.
    Anything else is left for the extract stage to judge; nothing is guessed here.
    """
    from datetime import datetime
    from email.utils import parsedate_to_datetime

    text = value.strip()
    if re.fullmatch(r"\d{9,10}(\.\d+)?", text):
        return datetime.fromtimestamp(float(text), tz=UTC).date().isoformat()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text).date().isoformat()
    except (TypeError, ValueError, IndexError):
        return value


def _read_warc(path: Path, options: IngestOptions) -> Iterator[RawDocument | Rejection]:
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    found_any = pages = rejected = 0
    try:
        with open(path, "rb") as handle:
            for number, record in enumerate(_warc_records(ArchiveIterator(handle)), 1):
                found_any = number
                if record.rec_type not in ("response", "resource"):
                    continue
                headers = record.http_headers
                if record.rec_type == "response" and (headers is None or not headers.get_statuscode().startswith("2")):
                    continue
                content_type = (
                    (headers.get_header("Content-Type") if headers else None)
                    or record.rec_headers.get_header("Content-Type")
                    or ""
                )
                if "html" not in content_type.lower():
                    continue
                url = record.rec_headers.get_header("WARC-Target-URI")
                try:
                    payload = record.content_stream().read(options.max_document_bytes + 1)
                    if len(payload) > options.max_document_bytes:
                        raise OversizeInputError(
                            f"the archived page is over the {options.max_document_bytes / 1_048_576:.0f} MiB limit per document",
                            hint="raise IngestOptions.max_document_bytes",
                        )
                    text, encoding = _decode_with_http_charset(payload, content_type)
                    if not text.strip():
                        raise EmptyInputError("the archived page is empty")
                    hints = {}
                    crawled = record.rec_headers.get_header("WARC-Date")
                    if crawled:
                        hints["crawled"] = normalise_date_hint(crawled)
                    document = _document(
                        Provenance(str(path), record=number, url=url), "html", text, encoding, hints, options
                    )
                except IngestError as exc:
                    log.info("rejected %s:%d: %s", display_path(str(path)), number, exc.message)
                    rejected += 1
                    yield Rejection(str(path), exc.message, exc.code, record=number)
                    continue
                pages += 1
                yield document
    except ArchiveLoadFailed as exc:
        raise MalformedRecordError(f"not a readable WARC archive: {printable(str(exc))}") from exc
    except (OSError, EOFError, zlib.error) as exc:
        raise UnreadableFileError(f"reading stopped: {printable(str(exc))}") from exc
    if not found_any:
        raise EmptyInputError("the WARC file holds no records")
    if not pages and not rejected:
        raise EmptyInputError(
            f"none of the {found_any} WARC records is an HTML page (response with status 2xx, or resource)"
        )


def _warc_records(iterator) -> Iterator:
    """warcio's records; whatever warcio raises on a malformed archive means the archive is malformed."""
    from warcio.exceptions import ArchiveLoadFailed

    number = 0
    while True:
        try:
            record = next(iterator)
        except StopIteration:
            return
        except (ArchiveLoadFailed, OSError, EOFError, zlib.error):
            raise
        except Exception as exc:  # e.g. a record without its target URI: warcio trips over it
            raise MalformedRecordError(
                f"the WARC archive is malformed after record {number} ({type(exc).__name__}: {printable(str(exc))[:120]})"
            ) from exc
        number += 1
        yield record


def _decode_with_http_charset(payload: bytes, content_type: str) -> tuple[str, str]:
    match = re.search(r"charset=([\w\-:.]+)", content_type, re.I)
    if match:
        try:
            return payload.decode(match.group(1)), match.group(1).lower()
        except (LookupError, ValueError):  # unknown, not a text encoding, or bytes that do not fit
            pass
    return decode_bytes(payload, html=True)


_FEED_NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "rss1": "http://purl.org/rss/1.0/",
}


def _read_feed(path: Path, options: IngestOptions) -> Iterator[RawDocument | Rejection]:
    from lxml import etree

    data = _read_bytes(path, limit=options.max_jsonl_bytes)
    # No entity resolution and no network: a feed is untrusted input (XXE, billion laughs).
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise MalformedRecordError(f"not well-formed XML: {printable(str(exc))}") from exc
    tag = etree.QName(root).localname.lower()
    if tag == "rss":
        channel = root.find("channel")
        site = _xml_text(channel, "title") if channel is not None else None
        items = channel.findall("item") if channel is not None else []
    elif tag == "rdf":
        site = _xml_text(root.find("rss1:channel", _FEED_NS), "rss1:title")
        items = root.findall("rss1:item", _FEED_NS)
    elif tag == "feed":
        site = _xml_text(root, "atom:title")
        items = root.findall("atom:entry", _FEED_NS)
    else:
        raise UnsupportedFormatError(f"the XML file is a <{tag}> document, not an RSS or Atom feed")
    if not items:
        raise EmptyInputError("the feed holds no items")
    for number, item in enumerate(items, 1):
        try:
            yield _feed_document(path, number, item, site, tag, options)
        except IngestError as exc:
            log.info("rejected %s:%d: %s", display_path(str(path)), number, exc.message)
            yield Rejection(str(path), exc.message, exc.code, record=number)


def _feed_document(path: Path, number: int, item, site: str | None, kind: str, options: IngestOptions) -> RawDocument:
    if kind == "feed":
        link = item.find("atom:link[@rel='alternate']", _FEED_NS)
        if link is None:
            link = item.find("atom:link", _FEED_NS)
        url = link.get("href") if link is not None else None
        title = _xml_text(item, "atom:title")
        date = _xml_text(item, "atom:published") or _xml_text(item, "atom:updated")
        author = _xml_text(item.find("atom:author", _FEED_NS), "atom:name")
        body = _xml_text(item, "atom:content") or _xml_text(item, "atom:summary")
    else:
        prefix = "rss1:" if kind == "rdf" else ""
        url = _xml_text(item, f"{prefix}link")
        title = _xml_text(item, f"{prefix}title")
        date = _xml_text(item, "pubDate") or _xml_text(item, "dc:date")
        author = _xml_text(item, "dc:creator") or _xml_text(item, "author")
        body = _xml_text(item, "content:encoded") or _xml_text(item, f"{prefix}description")
    if not body or not body.strip():
        raise MalformedRecordError("the feed item has no content (no content, summary or description)")
    hints = {key: value for key, value in (("title", title), ("author", author), ("sitename", site)) if value}
    if date:
        hints["date"] = normalise_date_hint(date)
    is_html = bool(re.search(r"<(p|div|br|a|span|h\d|ul|li|img|strong|em)\b", body, re.I))
    if is_html:
        heading = f"<h1>{_html_escape(title)}</h1>" if title else ""
        body = f"<html><head><title>{_html_escape(title or '')}</title></head><body><article>{heading}{body}</article></body></html>"
    return _document(
        Provenance(str(path), record=number, url=url.strip() if url else None),
        "html" if is_html else "text",
        body,
        "utf-8",
        hints,
        options,
    )


def _html_escape(text: str | None) -> str:
    import html

    return html.escape(text or "", quote=True)


def _xml_text(node, path: str) -> str | None:
    if node is None:
        return None
    child = node.find(path, _FEED_NS)
    if child is None:
        return None
    text = "".join(child.itertext()).strip()
    return text or None
