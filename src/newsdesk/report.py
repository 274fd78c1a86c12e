"""Report: the analysis written as ``analysis.json``, ``report.md`` and a self-contained ``report.html``.

Article text is untrusted input: in HTML every article-derived string goes through
:func:`html.escape` (attributes included) and the page loads nothing from the network and runs
no script. In Markdown, characters that would turn into markup or raw HTML are escaped too.

Why one module of ~770 lines: the three outputs and the web UI's story pages are views of
one :class:`ReportView`; keeping Markdown and HTML rendering side by side keeps their sections
in step. The HTML half is the part to move out next.
"""

from __future__ import annotations

import html
import json
import logging
import os
import re
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

from .errors import ReportError

log = logging.getLogger(__name__)

SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "analysis.schema.json"


def load_schema() -> dict[str, Any]:
    """The published JSON Schema of ``analysis.json``."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def validate(document: dict[str, Any]) -> None:
    """Raise :class:`ReportError` when ``document`` does not follow the analysis schema."""
    import jsonschema

    try:
        jsonschema.validate(document, load_schema())
    except jsonschema.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "(root)"
        raise ReportError(f"analysis.json does not match its schema at {where}: {exc.message}") from exc


def write_outputs(analysis, out_dir: str | Path) -> list[Path]:
    """Write ``analysis.json``, ``report.md`` and ``report.html`` into ``out_dir``; return their paths.

    ``analysis`` is a :class:`newsdesk.pipeline.Analysis` or its ``analysis.json`` document.
    Each file is replaced atomically (written to a temporary file in the same folder, flushed to
    disk, then renamed over the old one): a run killed while writing, or a full disk, leaves every
    file either as it was or complete, never cut.
    """
    out_dir = Path(out_dir)
    temporaries: list[Path] = []
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        document = analysis if isinstance(analysis, dict) else analysis.to_json()
        validate(document)
        view = ReportView(document)
        outputs = {
            "analysis.json": json.dumps(document, ensure_ascii=False, indent=2),
            "report.md": render_markdown(view),
            "report.html": render_html(view),
        }
        _remove_stale_temporaries(out_dir, outputs)
        paths = []
        for name, text in outputs.items():
            temporaries.append(_write_temporary(out_dir, name, text.encode("utf-8")))
            paths.append(out_dir / name)
        for temporary, path in zip(temporaries, paths):
            os.replace(temporary, path)
        temporaries = []
        _sync_folder(out_dir)
    except OSError as exc:
        raise ReportError(
            f"cannot write the report into {str(out_dir)!r}: {exc.strerror or exc}",
            hint="free some space or pass another --out folder; the report files already there were left as they were",
        ) from exc
    finally:
        for temporary in temporaries:
            temporary.unlink(missing_ok=True)
    return paths


def _temporary_name(name: str, pid: int | str) -> str:
    return f".{name}.{pid}.tmp"


def _write_temporary(folder: Path, name: str, data: bytes) -> Path:
    """``data`` in a new temporary file beside ``folder / name``, flushed to the disk."""
    temporary = folder / _temporary_name(name, os.getpid())
    try:
        with open(temporary, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary


def _remove_stale_temporaries(folder: Path, names) -> None:
    """Temporary files a killed run left behind (only ours: ``.analysis.json.<pid>.tmp`` …)."""
    for name in names:
        for stale in folder.glob(_temporary_name(name, "*")):
            if stale.name[len(name) + 2 : -4].isdigit():
                stale.unlink(missing_ok=True)


def _sync_folder(folder: Path) -> None:
    """Make the renames durable (the folder's entries reach the disk too)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:  # some file systems cannot sync a folder; the files themselves are synced
        pass
    finally:
        os.close(fd)


#: Later stages' sections of analysis.json whose items carry a ``story`` field.
SECTIONS = ("quotes", "positions", "claims", "disagreements", "timeline", "summary")


class ReportView:
    """The analysis document rearranged for reading: stories first, each with its articles."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.articles = {a["id"]: a for a in document["articles"]}
        self.stories = document["stories"]
        self.rejected = document.get("rejected", [])
        self.entities = {e["id"]: e for e in document.get("entities", [])}
        # Later stages' findings, grouped by story: {story id: {section: [items]}}.
        self.by_story: dict[str, dict[str, list[dict]]] = {}
        for section in SECTIONS:
            for item in document.get(section, []):
                self.by_story.setdefault(item.get("story"), {}).setdefault(section, []).append(item)

    def section(self, story: dict, name: str) -> list[dict]:
        return self.by_story.get(story["id"], {}).get(name, [])

    def entity_name(self, entity_id: str | None, fallback: str = "") -> str:
        entity = self.entities.get(entity_id) if entity_id else None
        return entity["name"] if entity else fallback

    def article_label(self, article_id: str) -> str:
        article = self.articles.get(article_id)
        if not article:
            return article_id
        name = outlet_name(article)
        if name == UNKNOWN_OUTLET:  # two unnamed outlets must still be told apart in a citation
            title = " ".join((article.get("title") or article.get("text") or "").split()[:6])
            name = f"{name}: {title}…" if title else name
        return f"{name}, opinion" if is_opinion(article) else name

    def speakers(self, story: dict) -> list[tuple[str, list[dict]]]:
        """Who was quoted in a story, most quoted first: [(speaker name, quotes)].

        Attributions the broad learned model proposes without a reporting verb ("X called for
        elections", "X praised the president") are stances rather than words said: they stay in
        ``analysis.json`` (``kind: "learned"``) and feed positions, but are listed here only when
        they carry quoted words.
        """
        groups: dict[str, list[dict]] = {}
        for quote in self.section(story, "quotes"):
            if quote.get("kind") == "learned" and not quote.get("direct"):
                continue
            if quote.get("modality", "asserted") != "asserted":
                continue  # "Trump could suggest that …", "if Putin says …": nobody said it
            joint = [self.entity_name(e) for e in quote.get("speakers") or []]
            if not quote.get("speaker") and not quote.get("speaker_name") and not _named_speaker(quote):
                continue  # "the agreement said"-like finds of the broad quote model are no speakers to list
            if quote.get("speaker"):
                name = self.entity_name(quote.get("speaker"), quote.get("speaker_text") or "unattributed")
            elif len(joint) > 1 and all(joint):
                name = " and ".join(joint)  # joint speakers ("Trump and Vance said")
            else:
                name = quote.get("speaker_name") or quote.get("speaker_text") or "unattributed"
            groups.setdefault(name, []).append(quote)
        return sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))

    def story_articles(self, story: dict) -> list[dict]:
        return [self.articles[aid] for aid in story["articles"] if aid in self.articles]

    def copies(self, article: dict) -> list[dict]:
        return [self.articles[cid] for cid in article.get("copies", []) if cid in self.articles]

    def outlets(self, story: dict) -> list[str]:
        names = []
        for article in self.story_articles(story):
            for member in [article, *self.copies(article)]:
                names.append(outlet_name(member))
        return sorted(set(names))

    def unassigned(self) -> list[dict]:
        return [a for a in self.articles.values() if not a.get("story") and not a.get("duplicate_of")]


def _named_speaker(quote: dict) -> bool:
    """An unresolved speaker still worth listing: a capitalised name found by a quote rule."""
    text = (quote.get("speaker_text") or "").strip()
    words = text.split()
    return (
        quote.get("kind") != "learned"
        and len(words) >= 1
        and all(w[:1].isupper() for w in words if w.isalpha() and len(w) > 3)
        and text.lower() not in {"that", "this", "it", "they", "he", "she"}
    )


def outlet_name(article: dict) -> str:
    """The outlet's name, else the URL host, else an honest "outlet unknown" (never a file name)."""
    if article.get("outlet"):
        return article["outlet"]
    url = (article.get("source") or {}).get("url")
    if url:
        from urllib.parse import urlparse

        host = urlparse(url).hostname
        if host:
            return host.removeprefix("www.")
    return UNKNOWN_OUTLET


UNKNOWN_OUTLET = "outlet unknown"
UNKNOWN_DATE = "date unknown"

#: How a date, outlet or type was found, in words (the sources of :mod:`newsdesk.extract.origin`).
SOURCE_WORDS = {
    "user": "given on the command line",
    "sidecar": "from its sidecar file",
    "record": "from the crawl record",
    "metadata": "from the page's metadata",
    "url": "from the URL",
    "dateline": "from the dateline",
    "text": "from cues in the text",
    "copy": "from another copy of the article",
}
#: Below this confidence the report says how a value was found (user, sidecar, record, page
#: metadata and URL dates are at or above it; hosts, datelines, text cues and copies below).
SURE = 0.85
#: Article types shown by name (a plain report is the default and needs no label).
TYPE_WORDS = {"opinion": "opinion", "analysis": "analysis", "interview": "interview", "live_blog": "live blog"}


def _how_found(article: dict, field: str) -> str:
    """' (from cues in the text)' when the value's source is less than sure; '' otherwise."""
    source, confidence = article.get(f"{field}_source"), article.get(f"{field}_confidence")
    if not source or (confidence is not None and confidence >= SURE):
        return ""
    return f" ({SOURCE_WORDS.get(source, source)})"


def article_type_label(article: dict) -> str:
    """'opinion', 'analysis', 'interview', 'live blog' or 'report' ('' when not typed)."""
    kind = article.get("article_type")
    return TYPE_WORDS.get(kind, "report") if kind else ""


def article_meta(article: dict) -> list[str]:
    """What the reader needs to weigh an article, as plain strings (escape them to show them):
    outlet, date and type, each with how it was found when that is uncertain."""
    outlet = outlet_name(article) + (_how_found(article, "outlet") if article.get("outlet") else "")
    published = (article["published"] + _how_found(article, "published")) if article.get("published") else UNKNOWN_DATE
    parts = [outlet, published]
    kind = article_type_label(article)
    if kind:
        parts.append(kind + (_how_found(article, "article_type") if kind != "report" else ""))
    return parts


def is_opinion(article: dict | None) -> bool:
    """An op-ed, column or editorial: its advice and claims are the author's, not news."""
    return bool(article) and (article or {}).get("article_type") == "opinion"


def timeline_when(entry: dict) -> str:
    """An entry's date as shown: the date, or "date unknown" with the expression as written."""
    if entry.get("date"):
        return str(entry["date"])
    note = entry.get("note") or (f"{entry['relative']}, in an undated article" if entry.get("relative") else "")
    return f"{UNKNOWN_DATE} ({note})" if note else UNKNOWN_DATE


def split_timeline(entries: list[dict]) -> tuple[list[dict], list[dict]]:
    """The story's own events, and the background and planned entries kept apart from them."""
    own = [e for e in entries if e.get("kind", "event") == "event"]
    return own, [e for e in entries if e.get("kind", "event") != "event"]


KIND_WORDS = {"background": "background", "planned": "planned"}


def _date_range(story: dict) -> str:
    first, last = story.get("first_published"), story.get("last_published")
    if first and last and first != last:
        return f"{first} – {last}"
    return first or last or UNKNOWN_DATE


# --------------------------------------------------------------------------------------------
# Markdown
# --------------------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-!|~])")


def md(text: Any) -> str:
    """Escape text for Markdown: no markup, links or raw HTML can come through.

    ``&``, ``<`` and ``>`` become HTML entities (every Markdown renderer shows them as the
    characters); other markup characters are backslash-escaped.
    """
    text = str(text if text is not None else "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text).replace("\n", " ")


def render_markdown(view: ReportView) -> str:
    doc = view.document
    lines = ["# newsdesk brief", ""]
    run = doc.get("run")
    lines.append(
        f"{len(view.stories)} stories from {len(view.articles)} articles"
        f" ({sum(1 for a in view.articles.values() if a.get('duplicate_of'))} merged copies)."
    )
    if run:
        lines.append(f"Last run: {run['files']} files, {run['new_articles']} new articles, {run['rejected']} rejected.")
    lines.append("")
    for number, story in enumerate(view.stories, 1):
        lines += [f"## {number}. {md(story['title'])}", ""]
        lines.append(f"*{md(_date_range(story))}* · outlets: {md(', '.join(view.outlets(story)))}")
        lines.append("")
        lines += _story_markdown_sections(view, story)
        lines.append("### Articles")
        lines.append("")
        for article in view.story_articles(story):
            lines.append(
                f"- **{md(article.get('title') or '(untitled)')}** — {md(' · '.join(article_meta(article)))}"
                f"{', by ' + md(', '.join(article['authors'])) if article.get('authors') else ''}"
                f" (`{article['id']}`, {md(article['source']['path'])})"
            )
            for copy in view.copies(article):
                lines.append(f"  - copy: {md(outlet_name(copy))} (`{copy['id']}`, {md(copy['source']['path'])})")
        lines.append("")
    if view.unassigned():
        lines += ["## Articles in no story", ""]
        for article in view.unassigned():
            lines.append(f"- {md(article.get('title') or '(untitled)')} (`{article['id']}`)")
        lines.append("")
    if view.rejected:
        lines += ["## Rejected inputs", ""]
        for item in view.rejected:
            where = item["path"] + (f":{item['record']}" if item.get("record") else "")
            lines.append(f"- {md(where)}: {md(item['reason'])} ({item['code']})")
        lines.append("")
    return "\n".join(lines)


def _cites(view: ReportView, ids: list[str]) -> str:
    return ", ".join(f"[{md(view.article_label(i))}]" for i in ids)


def _story_markdown_sections(view: ReportView, story: dict) -> list[str]:
    lines: list[str] = []
    summary_lines = reader_summary(view, story)
    if summary_lines:
        lines += ["### Summary", ""]
        for kind, text, ids in summary_lines:
            label = f"{_LINE_LABELS[kind]}: " if _LINE_LABELS[kind] else ""
            lines.append(f"- {label}{md(text)} {_cites(view, ids)}")
        lines.append("")
    confirmed = confirmed_claims(view, story)
    if confirmed:
        lines += ["### Agreed by several outlets", ""]
        for claim in confirmed:
            text, cited = agreed_fact(view, claim)
            lines.append(f"- {md(text)} {_cites(view, cited)}")
        lines.append("")
    disputes = view.section(story, "disagreements")
    if disputes:  # side by side: one row per dispute
        lines += ["### Disputes", "", "| kind | one side | the other side |", "|---|---|---|"]
        for d in disputes:
            kind = md(_DISPUTE_KINDS.get(d.get("kind", ""), d.get("kind", "")))
            kind += f" ({md(d['explanation'])})" if d.get("explanation") else ""
            cells = [
                f"**{md(side_actor(side))}**: {md(whole_quote(side.get('words') or ''))} "
                f"{_cites(view, _source_ids(side.get('sources', [])))}"
                for side in d.get("sides", [])
            ]
            cells += [""] * (2 - len(cells))
            lines.append(f"| {kind} | {cells[0]} | {' · '.join(cells[1:])} |")
        lines.append("")
    timeline = view.section(story, "timeline")
    if timeline:
        own, apart = split_timeline(timeline)
        lines += ["### Timeline", ""]
        if not any(a.get("published") for a in view.story_articles(story)):
            lines += [
                "*No article of this story states its date: relative dates are kept as written, never guessed.*",
                "",
            ]
        for entry in own:
            lines.append(f"- **{md(timeline_when(entry))}** {md(entry['text'])} {_cites(view, entry['sources'])}")
        if not own:
            lines.append("- no dated event of the story itself")
        if apart:
            lines += ["", "Background and plans (not events of this story):", ""]
            for entry in apart:
                kind = KIND_WORDS.get(entry.get("kind", ""), entry.get("kind", ""))
                lines.append(
                    f"- *{md(kind)}* **{md(timeline_when(entry))}** {md(entry['text'])} {_cites(view, entry['sources'])}"
                )
        lines.append("")
    speakers = view.speakers(story)
    if speakers:
        lines += ["### Who said what", ""]
        for name, quotes in speakers:
            outlets = sorted({view.article_label(q["article"]) for q in quotes})
            lines.append(f"- **{md(name)}** — {len(quotes)} quote(s) in {md(', '.join(outlets))}")
            for quote in quotes:
                mark = "“" + md(quote["text"]) + "”" if quote.get("direct") else md(quote["text"])
                if quote.get("reported_by"):  # a statement quoted inside someone else's words
                    mark += f" (as {md(quote['reported_by'])} reports it)"
                lines.append(f"  - {mark} {_cites(view, [quote['article']])}")
        lines.append("")
    positions = view.section(story, "positions")
    if positions:
        lines += ["### Positions", "", "| actor | side | position | content | source |", "|---|---|---|---|---|"]
        for p in positions:
            content = p["content"] + (f" (condition: {p['condition']})" if p.get("condition") else "")
            content += f" (according to {p['reported_by']})" if p.get("reported_by") else ""
            lines.append(
                f"| {md(p.get('actor_name') or view.entity_name(p.get('actor'), p['actor_text']))} | {md(p.get('side') or '')} "
                f"| {md(p['kind'])} | {md(content)} | {_cites(view, [p['article']])} |"
            )
        lines.append("")
    return lines


def _source_ids(sources: list) -> list[str]:
    """Article ids of a claim's or dispute's sources (evidence objects or bare ids), in order."""
    ids: list[str] = []
    for source in sources:
        aid = (source.get("article_id") or source.get("article")) if isinstance(source, dict) else source
        if aid and aid not in ids:
            ids.append(aid)
    return ids


def _claim_articles(claim: dict) -> list[str]:
    return _source_ids(claim.get("sources", []))


#: How each kind of dispute is named in the brief.
_DISPUTE_KINDS = {
    "number": "different figures",
    "date_time": "different dates or times",
    "fact": "incompatible accounts",
    "reported_dispute": "reported dispute",
    "attribution": "words attributed to different people",
}


def _inside_quotation(text: str, start: int) -> bool:
    """Whether position ``start`` of an article's ``text`` lies inside a quotation opened earlier in
    its paragraph (a sentence of a quotation that runs over several sentences)."""
    before = text[text.rfind("\n", 0, max(start, 0)) + 1 : max(start, 0)]
    return before.count("“") > before.count("”") or before.count('"') % 2 == 1


def _shown_sentence(view: "ReportView", source: dict) -> str:
    """A claim source's sentence as the brief shows it: its quotation marks balanced
    (:func:`whole_quote`); a sentence from the middle of a quotation ("We're not here to serve the
    earth." inside "“I think that is a phony ideal. … We're not here to serve the earth.”") is shown
    as the quotation it is, never as the outlets' own statement."""
    text = " ".join(str(source.get("sentence") or "").split())
    body = str((view.articles.get(str(source.get("article_id"))) or {}).get("text") or "")
    start = source.get("start")
    if isinstance(start, int) and " ".join(body[start : start + len(text) + 20].split()).startswith(text[:20]):
        if _inside_quotation(body, start) and not text.startswith(("“", '"')):
            text = ('"… ' if text.count('"') % 2 else "“… ") + text
    return whole_quote(text)


def agreed_fact(view: "ReportView", claim: dict) -> tuple[str, list[str]]:
    """A claim as the brief shows it agreed: the sentence (of those its sources matched) that most of
    its articles state, and those articles. An article counts when it states the claim itself — not
    one that only relays it as contested (``stance_by_source``) — and one of its matched sentences
    holds the sentence's words (:func:`newsdesk.analysis.summary.stating_articles`, the rule the
    summary cites by): of "Holder met federal officials investigating the case, as well as Brown's
    parents." and "Holder met federal officials investigating the case.", the second is the fact both
    articles state. Ties: the claim's own sentence, then the shorter."""
    from .analysis.summary import stating_articles

    stances = claim.get("stance_by_source", {})
    relaying = [aid for aid in _claim_articles(claim) if stances.get(aid, "agree") == "agree"]
    sentences = _source_sentences(claim)
    own = " ".join(str(claim.get("text") or "").split())
    options = [
        (_shown_sentence(view, source), " ".join(str(source["sentence"]).split()) == own)
        for source in claim.get("sources", [])
        if isinstance(source, dict) and source.get("sentence") and source.get("article_id") in relaying
    ]
    if not any(is_own for _, is_own in options):
        options.insert(0, (whole_quote(own), True))
    scored = [(text, stating_articles(text, relaying, sentences), is_own) for text, is_own in options]
    text, cited, _ = max(scored, key=lambda o: (len(o[1]), o[2], -len(o[0])))
    return text, cited


#: How a dispute side with no named actor is shown: the article speaks in its own voice.
ARTICLE_VOICE = "the article's author / outlet"
_ARTICLE_ACTORS = frozenset({"", "the article", "article", "the author", "author"})


def side_actor(side: dict) -> str:
    """Who holds one side of a dispute: its actor, or the article's own voice (its author or
    outlet) when the statement is the article's, never "the article" as if it were an actor."""
    actor = " ".join(str(side.get("actor") or "").split())
    return ARTICLE_VOICE if actor.lower() in _ARTICLE_ACTORS else actor


def whole_quote(text: str) -> str:
    """``text`` with its quotation marks balanced: a statement cut from a longer quotation gets an
    ellipsis and the missing mark, so a reader sees where the quotation goes on."""
    text = " ".join(str(text or "").split())
    opened, closed = text.count("“"), text.count("”")
    if opened > closed:
        text += " …”"
    elif closed > opened:
        text = "“… " + text
    elif text.count('"') % 2:
        text = text + ' …"' if text.lstrip().startswith('"') else '"… ' + text
    return text


#: How each line of the summary a reader sees is labelled.
_LINE_LABELS = {"agreed": "Agreed", "disputed": "Disputed", "summary": ""}


def reader_summary(view: "ReportView", story: dict) -> list[tuple[str, str, list[str]]]:
    """The summary as a reader sees it (report.md, report.html, the web UI and ``newsdesk bench
    summary --as-reader``): (kind, text, cited article ids) lines — the agreed facts most outlets
    state themselves and the summary stage's sentences that add to them, in one word budget, then
    each dispute named with what its sides say (:func:`newsdesk.analysis.summary.compose_reader_summary`)."""
    from .analysis.summary import DisputeSides, compose_reader_summary

    agreed = confirmed_claims(view, story)
    pairs = [d.get("sides", [])[:2] for d in view.section(story, "disagreements")]
    disputes = [
        DisputeSides(
            side_actor(first),
            str(first.get("words") or ""),
            side_actor(second),
            str(second.get("words") or ""),
            tuple(dict.fromkeys(a for side in (first, second) for a in _source_ids(side.get("sources", [])))),
        )
        for first, second in (pair for pair in pairs if len(pair) == 2)
    ]
    facts = [(*agreed_fact(view, c), _source_sentences(c)) for c in agreed]
    return compose_reader_summary(facts, view.section(story, "summary"), disputes)


def _source_sentences(claim: dict) -> dict[str, list[str]]:
    """Each source article's sentences matched with a claim (all of them: an article may state the
    claim in its second matched sentence rather than its first)."""
    found: dict[str, list[str]] = {}
    for source in claim.get("sources", []):
        if isinstance(source, dict) and source.get("article_id") and source.get("sentence"):
            sentences = found.setdefault(str(source["article_id"]), [])
            if str(source["sentence"]) not in sentences:
                sentences.append(str(source["sentence"]))
    return found


def confirmed_claims(view: "ReportView", story: dict) -> list[dict]:
    """Claims that at least two articles of the story state themselves (:func:`agreed_fact`: one of
    their matched sentences holds the fact's words) and none disputes, most widely stated first."""
    confirmed = []
    for claim in view.section(story, "claims"):
        if "disagree" in claim.get("stance_by_source", {}).values():
            continue
        if len(agreed_fact(view, claim)[1]) >= 2:
            confirmed.append(claim)
    return sorted(confirmed, key=lambda c: -len(agreed_fact(view, c)[1]))


# --------------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------------


def esc(text: Any) -> str:
    """Escape for HTML text and attribute values."""
    return html.escape(str(text if text is not None else ""), quote=True)


_CSS = """
:root { --ink:#1d232a; --muted:#5b6570; --line:#d9dee3; --accent:#1f5fa8; --bg:#fbfbfa; }
* { box-sizing: border-box; }
body { margin:0; font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; color:var(--ink); background:var(--bg); }
main { max-width: 980px; margin: 0 auto; padding: 1rem 1.2rem 4rem; }
h1 { font-size: 1.7rem; margin: 1rem 0 .3rem; }
h2 { font-size: 1.35rem; margin: 2.2rem 0 .4rem; border-top: 2px solid var(--line); padding-top: 1rem; }
h3 { font-size: 1.05rem; margin: 1.3rem 0 .4rem; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
.meta { color: var(--muted); font-size: .92rem; }
.card { background:#fff; border:1px solid var(--line); border-radius:8px; padding:.7rem .9rem; margin:.5rem 0; }
.copy { margin:.3rem 0 0 1rem; font-size:.9rem; color:var(--muted); }
details summary { cursor: pointer; color: var(--accent); }
.text p { margin: .5rem 0; }
table { border-collapse: collapse; width: 100%; font-size: .93rem; }
th, td { text-align: left; vertical-align: top; border-bottom: 1px solid var(--line); padding: .35rem .4rem; }
nav ol { padding-left: 1.2rem; }
code { font-size: .82rem; color: var(--muted); }
.rejected li { color: #8a2b2b; }
.type-opinion { color: #8a4b00; text-transform: uppercase; font-size: .8rem; letter-spacing: .05em; }
table.disputes td, table.disputes th { width: 41%; }
table.disputes td:first-child, table.disputes th:first-child { width: 18%; }
.timeline td.when { white-space: nowrap; font-variant-numeric: tabular-nums; }
.timeline td.undated { white-space: normal; color: var(--muted); }
.timeline mark { background: none; color: inherit; }
.timeline mark.event { font-weight: 600; border-bottom: 2px solid var(--accent); }
.timeline mark.time { border-bottom: 1px dotted var(--muted); }
@media (max-width: 600px) { body { font-size: 15px; } main { padding: .6rem; } table { font-size: .85rem; } }
"""


def html_page(title: str, body: str, *, extra_css: str = "") -> str:
    """A complete, self-contained HTML page around ``body`` (``title`` is escaped here)."""
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            # No network and no script, whatever the article text holds.
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">",
            f"<title>{esc(title)}</title>",
            f"<style>{_CSS}{extra_css}</style></head><body><main>",
            body,
            "</main></body></html>",
        ]
    )


def render_html(view: ReportView) -> str:
    """The whole brief as one self-contained page."""
    return html_page("newsdesk brief", render_html_body(view))


def overview_html(view: ReportView) -> str:
    """Counts of the brief and the coverage-over-time plot (shared by the report and the web UI)."""
    copies = sum(1 for a in view.articles.values() if a.get("duplicate_of"))
    parts = [
        f'<p class="meta">{len(view.stories)} stories · {len(view.articles)} articles · {copies} merged copies · '
        f"{len(view.rejected)} rejected inputs</p>"
    ]
    plot = coverage_svg(list(view.articles.values()))
    if plot:
        parts.append(f"<h3>Coverage over time</h3>{plot}")
    return "".join(parts)


def render_html_body(view: ReportView) -> str:
    parts = ["<h1>newsdesk brief</h1>", overview_html(view)]
    if view.stories:
        parts.append("<nav><ol>")
        for number, story in enumerate(view.stories, 1):
            parts.append(
                f'<li><a href="#story-{number}">{esc(story["title"])}</a> <span class="meta">{esc(_date_range(story))}</span></li>'
            )
        parts.append("</ol></nav>")
    for number, story in enumerate(view.stories, 1):
        parts.append(story_section_html(view, story, number))
    if view.unassigned():
        parts.append("<h2>Articles in no story</h2>")
        parts.extend(article_card_html(view, a) for a in view.unassigned())
    if view.rejected:
        parts.append('<h2>Rejected inputs</h2><ul class="rejected">')
        for item in view.rejected:
            where = item["path"] + (f":{item['record']}" if item.get("record") else "")
            parts.append(f"<li><code>{esc(where)}</code>: {esc(item['reason'])} ({esc(item['code'])})</li>")
        parts.append("</ul>")
    parts.append(
        f'<p class="meta">Generated by newsdesk {esc(view.document.get("newsdesk_version"))} on {date.today().isoformat()}.</p>'
    )
    return "\n".join(parts)


def story_section_html(view: ReportView, story: dict, number: int) -> str:
    """One story: title, dates, outlets, then each later stage's section, then its articles."""
    parts = [
        f'<section id="story-{number}"><h2>{number}. {esc(story["title"])}</h2>',
        f'<p class="meta">{esc(_date_range(story))} · {len(story["articles"])} articles · outlets: '
        f"{esc(', '.join(view.outlets(story)))}</p>",
    ]
    parts.append(_story_sections_html(view, story))
    parts.append("<h3>Articles</h3>")
    parts.extend(article_card_html(view, article) for article in view.story_articles(story))
    parts.append("</section>")
    return "\n".join(parts)


def _cite_links(view: ReportView, ids: list[str]) -> str:
    return " ".join(f'<a class="cite" href="#article-{esc(aid)}">[{esc(view.article_label(aid))}]</a>' for aid in ids)


def _story_sections_html(view: ReportView, story: dict) -> str:
    parts: list[str] = []
    summary_lines = reader_summary(view, story)
    if summary_lines:
        parts.append('<h3>Summary</h3><ul class="summary">')
        for kind, text, ids in summary_lines:
            label = f"<b>{_LINE_LABELS[kind]}:</b> " if _LINE_LABELS[kind] else ""
            parts.append(f"<li>{label}{esc(text)} {_cite_links(view, ids)}</li>")
        parts.append("</ul>")
    confirmed = confirmed_claims(view, story)
    if confirmed:
        parts.append("<h3>Agreed by several outlets</h3><ul>")
        for claim in confirmed:
            text, cited = agreed_fact(view, claim)
            parts.append(f"<li>{esc(text)} {_cite_links(view, cited)}</li>")
        parts.append("</ul>")
    disputes = view.section(story, "disagreements")
    if disputes:
        parts.append(
            '<h3>Disputes</h3><table class="disputes"><tr><th>kind</th><th>one side</th><th>the other side</th></tr>'
        )
        for d in disputes:
            cells = [
                f"<td><b>{esc(side_actor(side))}</b>: {esc(whole_quote(side.get('words') or ''))} "
                f"{_cite_links(view, _source_ids(side.get('sources', [])))}</td>"
                for side in d.get("sides", [])[:2]
            ]
            kind = _DISPUTE_KINDS.get(d.get("kind", ""), d.get("kind", ""))
            explanation = f'<br><span class="meta">{esc(d["explanation"])}</span>' if d.get("explanation") else ""
            parts.append(f"<tr><td>{esc(kind)}{explanation}</td>{''.join(cells)}</tr>")
        parts.append("</table>")
    timeline = view.section(story, "timeline")
    if timeline:
        parts.append(timeline_html(view, story, timeline))
    speakers = view.speakers(story)
    if speakers:
        parts.append("<h3>Who said what</h3>")
        for name, quotes in speakers:
            outlets = sorted({view.article_label(q["article"]) for q in quotes})
            parts.append(
                f"<details><summary><strong>{esc(name)}</strong> — {len(quotes)} quote(s) in {esc(', '.join(outlets))}</summary><ul>"
            )
            for quote in quotes:
                text = f"“{esc(quote['text'])}”" if quote.get("direct") else esc(quote["text"])
                if quote.get("reported_by"):
                    text += f" (as {esc(quote['reported_by'])} reports it)"
                parts.append(
                    f'<li>{text} <span class="meta">({esc(quote.get("speaker_text") or "")} {esc(quote.get("cue") or "")})</span> {_cite_links(view, [quote["article"]])}</li>'
                )
            parts.append("</ul></details>")
    positions = view.section(story, "positions")
    if positions:
        parts.append(
            "<h3>Positions</h3><table><tr><th>actor</th><th>side</th><th>position</th><th>content</th><th>source</th></tr>"
        )
        for p in positions:
            condition = f'<br><span class="meta">condition: {esc(p["condition"])}</span>' if p.get("condition") else ""
            if p.get("reported_by"):
                condition += f'<br><span class="meta">according to {esc(p["reported_by"])}</span>'
            actor = p.get("actor_name") or view.entity_name(p.get("actor"), p["actor_text"])
            parts.append(
                f"<tr><td>{esc(actor)}</td><td>{esc(p.get('side') or '')}</td><td>{esc(p['kind'])}</td>"
                f"<td>{esc(p['content'])}{condition}</td><td>{_cite_links(view, [p['article']])}</td></tr>"
            )
        parts.append("</table>")
    return "\n".join(parts)


def event_html(entry: dict) -> str:
    """An entry's sentence, escaped, with its event word and its time expression marked: the
    occurrence of the event word nearest the expression (a sentence can tell several events)."""
    text = entry.get("text") or ""
    spans: list[tuple[int, int, str]] = []
    expression, trigger = entry.get("expression") or "", entry.get("trigger") or ""
    when = text.find(expression) if expression else -1
    if when >= 0:
        spans.append((when, when + len(expression), "time"))
    if trigger:
        found = [m for m in re.finditer(rf"(?<!\w){re.escape(trigger)}(?!\w)", text)
                 if when < 0 or m.end() <= when or m.start() >= when + len(expression)]  # fmt: skip
        if found:
            best = min(found, key=lambda m: abs(m.start() - max(when, 0)))
            spans.append((best.start(), best.end(), "event"))
    out, position = [], 0
    for start, end, css in sorted(spans):
        if start < position:
            continue
        out += [esc(text[position:start]), f'<mark class="{css}">{esc(text[start:end])}</mark>']
        position = end
    out.append(esc(text[position:]))
    return "".join(out)


def _timeline_row(view: ReportView, entry: dict, *, kind: bool = False) -> str:
    if entry.get("date"):
        when = f'<td class="when">{esc(entry["date"])}</td>'
    else:
        when = f'<td class="when undated"><em>{esc(UNKNOWN_DATE)}</em><br><span class="meta">{esc(timeline_when(entry)[len(UNKNOWN_DATE) :].strip(" ()"))}</span></td>'
    label = f"<td>{esc(KIND_WORDS.get(entry.get('kind', ''), entry.get('kind', '')))}</td>" if kind else ""
    return f"<tr>{when}{label}<td>{event_html(entry)}</td><td>{_cite_links(view, entry['sources'])}</td></tr>"


def timeline_html(view: ReportView, story: dict, entries: list[dict]) -> str:
    """A story's timeline: its own events, then (folded) background and plans."""
    own, apart = split_timeline(entries)
    parts = ["<h3>Timeline</h3>"]
    if not any(a.get("published") for a in view.story_articles(story)):
        parts.append(
            '<p class="meta">No article of this story states its date: relative dates are kept as written, never guessed.</p>'
        )
    if own:
        parts.append('<table class="timeline"><tr><th>when</th><th>what happened</th><th>sources</th></tr>')
        parts += [_timeline_row(view, entry) for entry in own]
        parts.append("</table>")
    else:
        parts.append('<p class="meta">No dated event of the story itself.</p>')
    if apart:
        parts.append(
            f'<details class="timeline-apart"><summary>Background and plans ({len(apart)}), not events of this story</summary>'
        )
        parts.append('<table class="timeline"><tr><th>when</th><th>kind</th><th>what</th><th>sources</th></tr>')
        parts += [_timeline_row(view, entry, kind=True) for entry in apart]
        parts.append("</table></details>")
    return "".join(parts)


def _meta_html(article: dict) -> list[str]:
    """:func:`article_meta` escaped, with an opinion piece's type marked out."""
    parts = [esc(part) for part in article_meta(article)]
    if is_opinion(article) and len(parts) > 2:
        parts[2] = f'<strong class="type-opinion">{parts[2]}</strong>'
    return parts


def article_card_html(view: ReportView, article: dict) -> str:
    """One article with its metadata, merged copies and (folded) text."""
    byline = ", ".join(article.get("authors") or [])
    paragraphs = "".join(f"<p>{esc(p)}</p>" for p in (article.get("text") or "").split("\n\n") if p.strip())
    copies = "".join(
        f'<div class="copy">merged copy: {esc(outlet_name(c))} · <code>{esc(c["source"]["path"])}</code> · <code>{esc(c["id"])}</code></div>'
        for c in view.copies(article)
    )
    url = (article.get("source") or {}).get("url")
    return (
        f'<div class="card" id="article-{esc(article["id"])}"><strong>{esc(article.get("title") or "(untitled)")}</strong>'
        f'<div class="meta">{" · ".join(_meta_html(article))}'
        f"{' · by ' + esc(byline) if byline else ''} · <code>{esc(article['source']['path'])}</code>"
        f"{' · ' + esc(url) if url else ''}</div>"
        f'{copies}<details><summary>text</summary><div class="text">{paragraphs}</div></details></div>'
    )


# --------------------------------------------------------------------------------------------
# Coverage over time: an inline SVG, so the page stays self-contained
# --------------------------------------------------------------------------------------------

_PALETTE = ["#1f5fa8", "#c2571a", "#2e8b57", "#8e44ad", "#b8860b", "#c0392b", "#16a085", "#7f8c8d"]


def coverage_svg(articles: list[dict], *, width: int = 640, row_height: int = 26) -> str:
    """Articles per day per outlet as a dot timeline (one row per outlet); '' when nothing is dated."""
    dated = [(a["published"], outlet_name(a)) for a in articles if a.get("published")]
    if not dated:
        return ""
    days = sorted({d for d, _ in dated})
    outlets = sorted({o for _, o in dated})
    start, end = date.fromisoformat(days[0]), date.fromisoformat(days[-1])
    span = max((end - start).days, 1)
    label_width, pad = 170, 16
    plot_width = width - label_width - 2 * pad
    height = row_height * len(outlets) + 40
    counts = Counter(dated)
    parts = [
        f'<svg class="coverage" role="img" viewBox="0 0 {width} {height}" width="100%" '
        f'xmlns="http://www.w3.org/2000/svg"><title>Coverage over time per outlet</title>'
    ]
    for row, outlet in enumerate(outlets):
        y = 20 + row * row_height
        colour = _PALETTE[row % len(_PALETTE)]
        parts.append(f'<text x="{pad}" y="{y + 5}" font-size="12" fill="#1d232a">{esc(outlet[:28])}</text>')
        parts.append(f'<line x1="{label_width}" x2="{width - pad}" y1="{y}" y2="{y}" stroke="#d9dee3"/>')
        for (day, name), n in sorted(counts.items()):
            if name != outlet:
                continue
            x = label_width + plot_width * ((date.fromisoformat(day) - start).days / span if len(days) > 1 else 0.5)
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y}" r="{4 + 2 * min(n, 5)}" fill="{colour}" fill-opacity="0.8">'
                f"<title>{esc(outlet)}: {n} on {esc(day)}</title></circle>"
            )
    axis_y = height - 8
    parts.append(f'<text x="{label_width}" y="{axis_y}" font-size="11" fill="#5b6570">{esc(days[0])}</text>')
    if len(days) > 1:
        parts.append(
            f'<text x="{width - pad}" y="{axis_y}" font-size="11" fill="#5b6570" text-anchor="end">{esc(days[-1])}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
