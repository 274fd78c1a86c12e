"""Report: the analysis written as ``analysis.json``, ``report.md`` and a self-contained ``report.html``.

Article text is untrusted input: in HTML every article-derived string goes through
:func:`html.escape` (attributes included) and the page loads nothing from the network and runs
no script. In Markdown, characters that would turn into markup or raw HTML are escaped too.
"""

from __future__ import annotations

import html
import json
import logging
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
    """
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        document = analysis if isinstance(analysis, dict) else analysis.to_json()
        validate(document)
        view = ReportView(document)
        paths = [out_dir / "analysis.json", out_dir / "report.md", out_dir / "report.html"]
        paths[0].write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
        paths[1].write_text(render_markdown(view), encoding="utf-8")
        paths[2].write_text(render_html(view), encoding="utf-8")
    except OSError as exc:
        raise ReportError(f"cannot write the report into {str(out_dir)!r}: {exc}", hint="pass another --out folder") from exc
    return paths


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
            return f"{name}: {title}…" if title else name
        return name

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


def _date_range(story: dict) -> str:
    first, last = story.get("first_published"), story.get("last_published")
    if first and last and first != last:
        return f"{first} – {last}"
    return first or last or "undated"


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
                f"- **{md(article.get('title') or '(untitled)')}** — {md(outlet_name(article))}"
                f", {md(article.get('published') or 'undated')}"
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
    summary = view.section(story, "summary")
    if summary:
        lines += ["### Summary", ""]
        lines += [f"- {md(s['text'])} {_cites(view, s['citations'])}" for s in summary]
        lines.append("")
    timeline = view.section(story, "timeline")
    if timeline:
        lines += ["### Timeline", ""]
        for entry in timeline:
            when = entry.get("date") or f"undated ({entry.get('relative') or 'no date'})"
            lines.append(f"- **{md(when)}** {md(entry['text'])} {_cites(view, entry['sources'])}")
        lines.append("")
    speakers = view.speakers(story)
    if speakers:
        lines += ["### Who said what", ""]
        for name, quotes in speakers:
            outlets = sorted({view.article_label(q["article"]) for q in quotes})
            lines.append(f"- **{md(name)}** — {len(quotes)} quote(s) in {md(', '.join(outlets))}")
            for quote in quotes:
                mark = "“" + md(quote["text"]) + "”" if quote.get("direct") else md(quote["text"])
                lines.append(f"  - {mark} {_cites(view, [quote['article']])}")
        lines.append("")
    positions = view.section(story, "positions")
    if positions:
        lines += ["### Positions", "", "| actor | side | position | content | source |", "|---|---|---|---|---|"]
        for p in positions:
            content = p["content"] + (f" (condition: {p['condition']})" if p.get("condition") else "")
            lines.append(
                f"| {md(p.get('actor_name') or view.entity_name(p.get('actor'), p['actor_text']))} | {md(p.get('side') or '')} "
                f"| {md(p['kind'])} | {md(content)} | {_cites(view, [p['article']])} |"
            )
        lines.append("")
    claims = view.section(story, "claims")
    confirmed = confirmed_claims(view, story)
    if confirmed:
        lines += ["### Confirmed by several outlets", ""]
        for claim in confirmed:
            lines.append(f"- {md(claim['text'])} {_cites(view, _claim_articles(claim))}")
        lines.append("")
    disputes = view.section(story, "disagreements")
    if disputes:
        lines += ["### Disputed", ""]
        claims_by_id = {c["id"]: c for c in claims}
        for d in disputes:
            a, b = claims_by_id.get(d["claim_a"], {}), claims_by_id.get(d["claim_b"], {})
            lines.append(f"- ({md(d.get('kind', ''))}) {md(a.get('text', d['claim_a']))} ⟷ {md(b.get('text', d['claim_b']))} {_cites(view, _dispute_articles(d))}")
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


def _dispute_articles(dispute: dict) -> list[str]:
    return _source_ids(dispute.get("sources", []))


def confirmed_claims(view: "ReportView", story: dict) -> list[dict]:
    """Claims stated by at least two articles of the story that no source contradicts or disputes."""
    disputed = {cid for d in view.section(story, "disagreements") for cid in (d["claim_a"], d["claim_b"])}
    confirmed = []
    for claim in view.section(story, "claims"):
        stances = claim.get("stance_by_source", {}).values()
        if claim["id"] in disputed or "contradict" in stances:
            continue
        if sum(1 for stance in stances if stance in ("agree", "discuss")) >= 2:
            confirmed.append(claim)
    return confirmed


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
            parts.append(f'<li><a href="#story-{number}">{esc(story["title"])}</a> <span class="meta">{esc(_date_range(story))}</span></li>')
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
    parts.append(f'<p class="meta">Generated by newsdesk {esc(view.document.get("newsdesk_version"))} on {date.today().isoformat()}.</p>')
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
    return " ".join(
        f'<a class="cite" href="#article-{esc(aid)}">[{esc(view.article_label(aid))}]</a>' for aid in ids
    )


def _story_sections_html(view: ReportView, story: dict) -> str:
    parts: list[str] = []
    summary = view.section(story, "summary")
    if summary:
        parts.append("<h3>Summary</h3><ul class=\"summary\">")
        parts += [f"<li>{esc(s['text'])} {_cite_links(view, s['citations'])}</li>" for s in summary]
        parts.append("</ul>")
    timeline = view.section(story, "timeline")
    if timeline:
        parts.append("<h3>Timeline</h3><table><tr><th>when</th><th>what</th><th>sources</th></tr>")
        for entry in timeline:
            when = esc(entry.get("date")) if entry.get("date") else f"<em>undated</em> {esc(entry.get('relative') or '')}"
            parts.append(f"<tr><td>{when}</td><td>{esc(entry['text'])}</td><td>{_cite_links(view, entry['sources'])}</td></tr>")
        parts.append("</table>")
    speakers = view.speakers(story)
    if speakers:
        parts.append("<h3>Who said what</h3>")
        for name, quotes in speakers:
            outlets = sorted({view.article_label(q["article"]) for q in quotes})
            parts.append(f"<details><summary><strong>{esc(name)}</strong> — {len(quotes)} quote(s) in {esc(', '.join(outlets))}</summary><ul>")
            for quote in quotes:
                text = f"“{esc(quote['text'])}”" if quote.get("direct") else esc(quote["text"])
                parts.append(f"<li>{text} <span class=\"meta\">({esc(quote.get('speaker_text') or '')} {esc(quote.get('cue') or '')})</span> {_cite_links(view, [quote['article']])}</li>")
            parts.append("</ul></details>")
    positions = view.section(story, "positions")
    if positions:
        parts.append("<h3>Positions</h3><table><tr><th>actor</th><th>side</th><th>position</th><th>content</th><th>source</th></tr>")
        for p in positions:
            condition = f"<br><span class=\"meta\">condition: {esc(p['condition'])}</span>" if p.get("condition") else ""
            actor = p.get("actor_name") or view.entity_name(p.get("actor"), p["actor_text"])
            parts.append(
                f"<tr><td>{esc(actor)}</td><td>{esc(p.get('side') or '')}</td><td>{esc(p['kind'])}</td>"
                f"<td>{esc(p['content'])}{condition}</td><td>{_cite_links(view, [p['article']])}</td></tr>"
            )
        parts.append("</table>")
    claims = view.section(story, "claims")
    confirmed = confirmed_claims(view, story)
    if confirmed:
        parts.append("<h3>Confirmed by several outlets</h3><ul>")
        parts += [f"<li>{esc(c['text'])} {_cite_links(view, _claim_articles(c))}</li>" for c in confirmed]
        parts.append("</ul>")
    disputes = view.section(story, "disagreements")
    if disputes:
        claims_by_id = {c["id"]: c for c in claims}
        parts.append("<h3>Disputed</h3><table><tr><th>one account</th><th>the other</th><th>kind</th></tr>")
        for d in disputes:
            a, b = claims_by_id.get(d["claim_a"], {}), claims_by_id.get(d["claim_b"], {})
            parts.append(
                f"<tr><td>{esc(a.get('text', d['claim_a']))} {_cite_links(view, _claim_articles(a))}</td>"
                f"<td>{esc(b.get('text', d['claim_b']))} {_cite_links(view, _claim_articles(b))}</td><td>{esc(d.get('kind', ''))}</td></tr>"
            )
        parts.append("</table>")
    return "\n".join(parts)


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
        f'<div class="meta">{esc(outlet_name(article))} · {esc(article.get("published") or "undated")}'
        f"{' · by ' + esc(byline) if byline else ''} · <code>{esc(article['source']['path'])}</code>"
        f"{' · ' + esc(url) if url else ''}</div>"
        f"{copies}<details><summary>text</summary><div class=\"text\">{paragraphs}</div></details></div>"
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
        parts.append(f'<text x="{width - pad}" y="{axis_y}" font-size="11" fill="#5b6570" text-anchor="end">{esc(days[-1])}</text>')
    parts.append("</svg>")
    return "".join(parts)
