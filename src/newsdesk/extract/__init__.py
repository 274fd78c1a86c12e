"""Extract: a raw document in, clean article text with its metadata out.

* HTML pages: trafilatura in configurable modes (:mod:`.html`), cleaned with the site's template
  and general chrome patterns; metadata from trafilatura and htmldate.
* Text dumps (whole pages flattened to text): a line classifier and best-run selection of our
  own (:mod:`.lines`); headline, byline and dateline from the lines around the article.

Both paths use :class:`SiteTemplates` learned with :func:`learn_templates` from the other pages
of the same site, when the pipeline has them::

    templates = learn_templates(docs)
    article = extract(doc, templates=templates, options=ExtractOptions())
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from ..errors import ExtractionError, NoArticleError, OptionsError
from ..models import Article, RawDocument
from . import lines as line_model
from .blocks import page_blocks
from .html import HTML_MODES, clean_paragraphs, parse_html, run_html, shrink_html
from .html_meta import page_metadata
from .metadata import byline_authors, clean_authors, crawl_date, headline_of
from .origin import resolve_origin
from .page_kind import PageVerdict, function_words, judge_dump, language_verdict
from .paragraphs import bundled_paragraph_model, filter_paragraphs, uses_dom
from .patterns import WORD
from .templates import SiteTemplates, learn_templates, site_key

__all__ = ["ExtractOptions", "SiteTemplates", "learn_templates", "extract", "site_key"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class ExtractOptions:
    """How article text and metadata are extracted.

    Attributes:
        html_modes: trafilatura modes tried in order on HTML pages until one gives at least
            ``min_words`` words: ``precision`` (favor_precision), ``balanced``, ``recall``
            (favor_recall), ``baseline`` (trafilatura's bare baseline). Default: recall first,
            chosen leave one dataset out over six extraction sets (docs/benchmarks/extraction.md).
        min_words: fewest words of article text; below it the page has no article
            (NoArticleError). Default 25: a news brief has more, a list page's leftovers fewer.
        line_threshold: article probability above which a dump line counts as prose
            (None: the trained model's own threshold, 0.5 for the hand-set score).
        use_trained_model: score dump lines with the bundled logistic model when it is present.
        keep_standfirst: keep a dump's summary line(s) between headline and body as first paragraph.
        max_html_chars: after scripts and styles are stripped, pages longer than this are
            truncated before parsing (10 MB pages stay fast). Default 3,000,000 characters.
        escalate_below_words: in each trafilatura mode a fast pass runs first; a result shorter
            than this is redone with trafilatura's readability/jusText comparison. Default 80
            (same F1 as always comparing on Scrapinghub dev, about twice as fast).
        languages: languages an article may be in (codes of ``data/extract/languages.json``);
            an article detected in another language or script is rejected with that reason
            (newsdesk's analysis reads English). Default ("en",); () accepts every language
            (the extraction benchmarks, whose sets are multilingual).
        reject_non_articles: reject page dumps that are link hubs, forum threads or paywall
            stubs, each with its reason (:mod:`.page_kind`), instead of extracting their chrome.
        paragraph_filter: on HTML pages, drop the paragraphs the bundled paragraph model scores
            as boilerplate (:mod:`.paragraphs`: text features and the features of the page
            elements each paragraph came from; trained on recall-first output). Default False:
            out of set it gains on all six extraction sets (L3S-GN1 +0.014 F1, CleanEval +0.007,
            CleanPortalEval +0.003, the others ≤ +0.001), but it costs ~30 ms a page, which puts
            newsdesk below trafilatura's speed on every set (docs/benchmarks/extraction.md).
    """

    html_modes: tuple[str, ...] = ("recall", "balanced", "precision", "baseline")
    min_words: int = 25
    line_threshold: float | None = None
    use_trained_model: bool = True
    keep_standfirst: bool = True
    max_html_chars: int = 3_000_000
    escalate_below_words: int = 80
    languages: tuple[str, ...] = ("en",)
    reject_non_articles: bool = True
    paragraph_filter: bool = False

    def __post_init__(self) -> None:
        known = function_words()
        if isinstance(self.languages, str) or any(code not in known for code in self.languages):
            raise OptionsError(
                f"languages={self.languages!r} is not a tuple of known language codes",
                hint=f"use codes among {', '.join(sorted(known))}, or () to accept every language",
            )
        if not self.html_modes or any(m not in HTML_MODES for m in self.html_modes):
            raise OptionsError(
                f"html_modes={self.html_modes!r} is not a non-empty sequence of known modes",
                hint=f"use modes among {', '.join(HTML_MODES)}",
            )
        if self.min_words < 1:
            raise OptionsError(f"min_words={self.min_words} must be at least 1", hint="use e.g. 25")
        if self.line_threshold is not None and not 0.0 < self.line_threshold < 1.0:
            raise OptionsError(
                f"line_threshold={self.line_threshold} must lie strictly between 0 and 1",
                hint="use None for the model's own threshold, or e.g. 0.5",
            )
        if self.escalate_below_words < 0:
            raise OptionsError(
                f"escalate_below_words={self.escalate_below_words} must be >= 0",
                hint="use 0 to never redo a short result, or e.g. 150",
            )
        if self.max_html_chars < 10_000:
            raise OptionsError(
                f"max_html_chars={self.max_html_chars} is too small to hold a page",
                hint="use at least 10000 (default 3000000)",
            )


def extract(
    doc: RawDocument, *, templates: SiteTemplates | None = None, options: ExtractOptions | None = None
) -> Article:
    """The article of one document: text (paragraphs separated by blank lines) and metadata.

    Raises:
        NoArticleError: the page holds no article text (empty, only chrome, too short).
        ExtractionError: the content could not be processed at all.
    """
    options = options or ExtractOptions()
    template_lines = templates.for_document(doc) if templates else frozenset()
    if not doc.content or not doc.content.strip():
        raise NoArticleError(
            "the document is empty",
            hint="check the input file; nothing to extract",
            source=doc.provenance.label(),
        )
    try:
        if doc.kind == "html":
            return _extract_html(doc, template_lines, options)
        return _extract_text(doc, template_lines, options)
    except (NoArticleError, ExtractionError):
        raise
    except RecursionError as exc:
        raise ExtractionError(
            f"the page is nested too deeply to parse ({exc})",
            hint="the markup is malformed; pass a cleaner copy of the page",
            source=doc.provenance.label(),
        ) from exc
    except Exception as exc:  # never let one document crash the batch
        log.debug("extraction failed on %s", doc.provenance.label(), exc_info=True)
        raise ExtractionError(
            f"extraction failed ({type(exc).__name__}: {exc})",
            hint="the document may be malformed; it is skipped",
            source=doc.provenance.label(),
        ) from exc


def _reject(doc: RawDocument, verdict: PageVerdict) -> NoArticleError:
    hints = {
        "foreign_language": "pass ExtractOptions(languages=()) to keep articles in every language",
        "link_hub": "the page lists other articles; ingest the articles themselves",
        "forum_thread": "forum posts are not articles; ingest the article the thread discusses",
        "paywall_stub": "the page shows only the start of the article; ingest a full copy",
    }
    return NoArticleError(
        f"no article found: {verdict.reason}", hint=hints.get(verdict.kind), source=doc.provenance.label()
    )


def _checked_language(doc: RawDocument, text: str, options: ExtractOptions) -> str | None:
    """The article's language; raises NoArticleError when it is not among ``options.languages``."""
    language, verdict = language_verdict(text, options.languages)
    if verdict is not None:
        raise _reject(doc, verdict)
    return language


def _require_words(doc: RawDocument, text: str, options: ExtractOptions, what: str) -> None:
    words = len(WORD.findall(text))
    if words < options.min_words:
        raise NoArticleError(
            f"no article found ({what} left {words} words of article text, fewer than min_words={options.min_words})",
            hint="the page is probably a home, list or error page; lower ExtractOptions.min_words to keep short items",
            source=doc.provenance.label(),
        )


def _extract_text(doc: RawDocument, template_lines: frozenset[str], options: ExtractOptions) -> Article:
    lines = line_model.split_lines(doc.content)
    model = line_model.bundled_model() if options.use_trained_model else None
    selection = line_model.select(
        lines,
        template_lines=template_lines,
        model=model,
        threshold=options.line_threshold,
        keep_standfirst=options.keep_standfirst,
        known_title=doc.hints.get("title"),
    )
    paragraphs = [lines[i].text for i in selection.standfirst] + [lines[i].text for i in selection.body]
    text = "\n\n".join(paragraphs)
    if options.reject_non_articles:
        verdict = judge_dump([line.text for line in lines], selection.body, selection.standfirst)
        if verdict is not None:
            raise _reject(doc, verdict)
    _require_words(doc, text, options, "line classification")
    language = _checked_language(doc, text, options)

    title = lines[selection.title].text if selection.title is not None else doc.hints.get("title") or None
    if selection.title is not None and not doc.hints.get("title"):  # a headline found in the dump itself
        title = headline_of(lines[selection.title].text, text)
    latest = crawl_date(doc.hints)
    body_start = selection.body[0] if selection.body else len(lines)
    header = [lines[i].text for i in range(max(0, body_start - 12), body_start)]
    authors: tuple[str, ...] = ()
    for line in header:
        if not authors:
            authors = byline_authors(line)
    if not authors:
        authors = clean_authors(doc.hints.get("author"))
    article = Article(
        id=doc.digest,
        provenance=doc.provenance,
        text=text,
        title=title,
        authors=authors,
        language=language,
        extractor="lines-model" if model is not None else "lines",
    )
    # date, outlet and type, each with its source (newsdesk.extract.origin)
    return resolve_origin(doc, text=text, title=title, latest=latest, header=header).apply(article)


def _extract_html(doc: RawDocument, template_lines: frozenset[str], options: ExtractOptions) -> Article:
    html = shrink_html(doc.content, options.max_html_chars)
    url = doc.provenance.url
    latest = crawl_date(doc.hints)
    tree = parse_html(html)
    if tree is None:
        raise NoArticleError(
            "no article found (the HTML holds no parsable document)",
            hint="check that the file is really an HTML page",
            source=doc.provenance.label(),
        )
    # metadata first: trafilatura works on a copy, but read the page before anything prunes it
    meta = page_metadata(tree, latest=latest.isoformat())
    result = run_html(tree, url, options.html_modes, options.min_words, options.escalate_below_words)
    if result is None or not result.text.strip():
        raise NoArticleError(
            f"no article found (trafilatura found no main text in any of the modes {', '.join(options.html_modes)})",
            hint="the page is probably a home, list or error page, or its text is built by scripts",
            source=doc.provenance.label(),
        )
    title = meta.title or doc.hints.get("title") or None
    paragraphs = [p.strip() for p in result.text.split("\n") if p.strip()]
    paragraphs = clean_paragraphs(paragraphs, title=title, template_lines=template_lines)
    model = bundled_paragraph_model() if options.paragraph_filter else None
    if model is not None and paragraphs:
        # trafilatura worked on a copy: ``tree`` is still the whole page
        blocks = page_blocks(tree) if uses_dom(model) else None
        paragraphs = filter_paragraphs(
            paragraphs, model, min_words=options.min_words, template_lines=template_lines, blocks=blocks
        )
    text = "\n\n".join(paragraphs)
    _require_words(doc, text, options, f"trafilatura ({result.mode})")
    language = _checked_language(doc, text, options)

    authors = meta.authors or clean_authors(doc.hints.get("author"))
    article = Article(
        id=doc.digest,
        provenance=doc.provenance,
        text=text,
        title=title,
        authors=authors,
        language=language,
        extractor=f"trafilatura-{result.mode}",
    )
    # date, outlet and type, each with its source (newsdesk.extract.origin)
    return resolve_origin(doc, text=text, title=title, latest=latest, page=meta, tree=tree, stripped_html=html).apply(
        article
    )
