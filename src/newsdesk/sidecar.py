"""What a user states about their inputs: ``--date``/``--outlet`` and sidecar JSON files.

A sidecar is a small JSON object beside an input file, named after it: ``page.html.json`` or
``page.meta.json`` beside ``page.html`` (the first found wins)::

    {"date": "2025-03-18", "outlet": "Responsible Statecraft", "url": "https://…",
     "title": "…", "authors": ["…"], "type": "opinion"}

Every field is optional. The values travel with each document of the file as hints (``sidecar_*``
and ``user_*``) and are weighed by :func:`newsdesk.extract.origin.resolve_origin`: the command
line over the sidecar over what the record or the page says. A sidecar that cannot be read is
reported (a rejection naming the sidecar and the reason) and the page is read without it.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterable, Iterator

from .errors import MalformedRecordError
from .models import RawDocument, Rejection

log = logging.getLogger(__name__)

#: Hint keys set from the command line and from sidecar files (read by newsdesk.extract.origin).
USER_HINTS = {"date": "user_date", "outlet": "user_outlet"}
SIDECAR_PREFIX = "sidecar_"
ARTICLE_TYPES = ("report", "opinion", "analysis", "interview", "live_blog")

SIDECAR_FIELDS = ("date", "outlet", "url", "title", "authors", "type")
MAX_SIDECAR_BYTES = 1 << 20


def sidecar_path(path: Path) -> Path | None:
    """The sidecar of ``path`` (``page.html.json``, else ``page.meta.json``), when there is one."""
    for candidate in (path.with_name(path.name + ".json"), path.with_name(path.stem + ".meta.json")):
        if candidate.is_file():
            return candidate
    return None


def read_sidecar(path: Path) -> dict[str, str]:
    """The hints of one sidecar file (``sidecar_date``, ``sidecar_outlet``…).

    Raises:
        MalformedRecordError: not a JSON object, a field of the wrong kind, or a date that is not
            ``YYYY-MM-DD``.
    """
    try:
        if path.stat().st_size > MAX_SIDECAR_BYTES:
            raise MalformedRecordError(
                f"the sidecar is over {MAX_SIDECAR_BYTES // 1024} KiB", hint="a sidecar holds a few fields"
            )
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedRecordError(
            f"the sidecar is not readable JSON ({exc})", hint='write a JSON object such as {"date": "2025-03-18"}'
        ) from exc
    if not isinstance(data, dict):
        raise MalformedRecordError(
            f"the sidecar is a JSON {type(data).__name__}, not an object", hint="write a JSON object"
        )
    hints: dict[str, str] = {}
    for field in SIDECAR_FIELDS:
        value: Any = data.get(field)
        if value is None or value == "":
            continue
        if field == "authors":
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise MalformedRecordError("the sidecar's 'authors' must be a name or a list of names")
            value = "; ".join(v.strip() for v in value if v.strip())
        elif not isinstance(value, str):
            raise MalformedRecordError(f"the sidecar's {field!r} must be a string, got {type(value).__name__}")
        value = value.strip()
        if field == "date":
            value = check_date(value, what=f"the sidecar's date {value!r}")
        if field == "type" and value not in ARTICLE_TYPES:
            raise MalformedRecordError(f"the sidecar's type {value!r} is not one of {', '.join(ARTICLE_TYPES)}")
        hints[SIDECAR_PREFIX + field] = value
    return hints


def check_date(value: str, *, what: str = "the date") -> str:
    """``value`` when it is a calendar date written ``YYYY-MM-DD``; else a clear error."""
    try:
        return dt.date.fromisoformat(value.strip()).isoformat()
    except ValueError as exc:
        raise MalformedRecordError(f"{what} is not a date written YYYY-MM-DD", hint="e.g. 2025-03-18") from exc


def with_user_hints(
    items: Iterable[RawDocument | Rejection], path: Path, *, date: str | None = None, outlet: str | None = None
) -> Iterator[RawDocument | Rejection]:
    """The documents read from ``path`` with the user's statements about them added as hints:
    ``date``/``outlet`` from the command line and the file's sidecar, if any."""
    extra: dict[str, str] = {}
    sidecar = sidecar_path(path)
    if sidecar is not None:
        try:
            extra.update(read_sidecar(sidecar))
        except MalformedRecordError as exc:
            log.info("rejected sidecar %s: %s", sidecar, exc.message)
            yield Rejection(str(sidecar), f"sidecar ignored: {exc.message}", exc.code)
    if date:
        extra[USER_HINTS["date"]] = date
    if outlet:
        extra[USER_HINTS["outlet"]] = outlet
    for item in items:
        if not extra or isinstance(item, Rejection):
            yield item
            continue
        provenance = item.provenance
        if provenance.url is None and extra.get(SIDECAR_PREFIX + "url"):
            provenance = replace(provenance, url=extra[SIDECAR_PREFIX + "url"])
        yield replace(item, provenance=provenance, hints={**item.hints, **extra})
