"""From candidates to :class:`Position` records: the positions of one article, in text order.

Each candidate's actor mention is named by an :data:`~newsdesk.analysis.sides.ActorResolver`
(the story's, or the article's own :class:`~newsdesk.analysis.sides.ArticleSides`), pronouns are
replaced by their antecedents, and content and condition are rendered from their tokens.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterator, Sequence

from ...coref import GROUP
from ...errors import AnalysisError, OptionsError
from ...models import Article
from ...resources import doc_text
from ..quotes import holder_verbs, is_opinion, verb_in
from ..sentences import Sentence, article_sentences
from ..sides import ActorRef, ActorResolver, ArticleSides, side_of, strip_determiner
from ..speakers import ArticleSpeakers, Referent, is_anchor
from .actors import bound_antecedent, find_antecedent, is_actor_mention, mention_tokens
from .candidates import Candidate, find_candidates
from .lexicon import PRONOUNS_GROUP, PRONOUNS_PERSON
from .syntax import with_conjuncts

if TYPE_CHECKING:  # pragma: no cover
    from spacy.tokens import Doc, Span, Token

log = logging.getLogger(__name__)

KINDS = ("demands", "proposes", "agrees", "rejects", "warns", "asserts", "denies")


@dataclass(frozen=True, slots=True)
class Position:
    """One actor's stated position: ``actor_text`` ``kind`` ``content`` (if ``condition``).

    ``start``/``end`` are the character offsets of ``evidence`` (the sentence) in ``article.text``.
    ``cue`` is the word that signalled the position (its lemma, e.g. "insist", "demand").
    """

    article: str
    actor: str | None
    actor_text: str
    side: str | None
    kind: str
    content: str
    condition: str | None
    evidence: str
    start: int
    end: int
    cue: str = ""
    actor_name: str | None = None
    reported_by: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "article": self.article,
            "actor": self.actor,
            "actor_text": self.actor_text,
            "actor_name": self.actor_name,
            "side": self.side,
            "kind": self.kind,
            "content": self.content,
            "condition": self.condition,
            "evidence": self.evidence,
            "start": self.start,
            "end": self.end,
            "cue": self.cue,
            "reported_by": self.reported_by,
        }


@dataclass(frozen=True, kw_only=True)
class PositionOptions:
    """What counts as a position.

    Attributes:
        kinds: the kinds to report (default all seven: demands, proposes, agrees, rejects,
            warns, asserts, denies). Drop "asserts" to keep only stances on proposals.
        require_side: keep only positions whose actor speaks for a known side (country or bloc).
            Default False: analysts and unnamed officials are kept with side None.
        require_actor: drop positions whose actor could not be found at all (no subject,
            possessor or agent). Default True: a position nobody holds is not a position.
        max_content_chars: longer contents are cut at a word boundary and end with "…".
            Default 400 characters (a long sentence).
        min_content_words: contents with fewer words are dropped (default 1).
        resolve_pronouns: replace "he", "it", "its"… by the actor they refer to before resolving
            it (default True): with the trained speaker coreference when the caller passes the
            article's :class:`~newsdesk.analysis.speakers.ArticleSpeakers` (the stage does; it
            also resolves descriptions such as "the spokesman" and abstains when unsure), else
            the nearest earlier fitting actor mention.
        coref: in the stage, resolve pronouns and descriptions with the speaker coreference
            (default True); False keeps the nearest-mention rule (for comparison).
        quoted_by: in the stage, a stance inside a direct quotation whose holder is not the
            quoted speaker carries the speaker as ``reported_by`` ("the Kremlin's press release
            states that Russia demands …" in Tryukhan's words) (default True).
    """

    kinds: tuple[str, ...] = KINDS
    require_side: bool = False
    require_actor: bool = True
    max_content_chars: int = 400
    min_content_words: int = 1
    resolve_pronouns: bool = True
    coref: bool = True
    quoted_by: bool = True

    def __post_init__(self) -> None:
        unknown = [k for k in self.kinds if k not in KINDS]
        if not self.kinds or unknown:
            raise OptionsError(
                f"kinds={self.kinds!r} must be a non-empty tuple of known kinds (unknown: {unknown})",
                hint=f"use kinds among {', '.join(KINDS)}",
            )
        if self.max_content_chars < 20:
            raise OptionsError(
                f"max_content_chars={self.max_content_chars} is too small to hold a proposition",
                hint="use at least 20 (default 400)",
            )
        if self.min_content_words < 1:
            raise OptionsError(f"min_content_words={self.min_content_words} must be at least 1", hint="use e.g. 1")


def extract_positions(
    article: Article,
    doc: "Doc | None" = None,
    resolve_actor: ActorResolver | None = None,
    options: PositionOptions | None = None,
    *,
    sentences: Sequence[Sentence] | None = None,
    speakers: ArticleSpeakers | None = None,
    quoted_by: Sequence[tuple[int, int, str]] = (),
) -> list[Position]:
    """Every position stated in ``article``, in text order.

    ``doc`` is the spaCy parse of ``article.text`` when the caller already has one (made by
    :func:`newsdesk.resources.parse`); ``sentences`` its sentences (default: from ``doc``,
    :func:`newsdesk.analysis.sentences.article_sentences`); ``resolve_actor`` names actors
    (default: a :func:`default_actor_resolver` built for this article); ``speakers`` resolves
    pronoun and description actors (default: the rule of :func:`.actors.find_antecedent`);
    ``quoted_by`` the article's quotations as (start, end, speaker name): a stance inside one
    whose holder is someone else is that holder's as the quoted speaker tells it (``reported_by``).

    Raises:
        AnalysisError: ``doc`` is not a parse of the article's text.
    """
    options = options or PositionOptions()
    if not article.text or not article.text.strip():
        return []
    if doc is None:
        from ...resources import parse

        (doc,) = parse([article.text])
    if doc_text(doc) != article.text:
        raise AnalysisError(
            f"article {article.id}: the parse passed as doc is not of article.text",
            hint="pass doc=parse([article.text])[0], or doc=None to parse here",
        )
    if sentences is None:
        sentences = article_sentences(article.text, doc)
    resolver = resolve_actor or ArticleSides(doc)
    surnames = frozenset(
        e[-1].lower_ for e in doc.ents if e.label_ == "PERSON" and len(e) > 1 and not side_of(e[-1].text)
    )
    fallback = resolver if isinstance(resolver, ArticleSides) else None
    positions: list[Position] = []
    seen: set[tuple[int, str, str, str]] = set()
    for sentence in sentences:
        sent = doc.char_span(sentence.start, sentence.end, alignment_mode="expand")
        if sent is None:
            continue
        found: list[Position] = []
        for cand in find_candidates(sent):
            quoted = next((name for q0, q1, name in quoted_by if q0 <= cand.cue.idx < q1), None)
            for position in _to_positions(
                article, doc, sent, cand, resolver, fallback, options, surnames, speakers, quoted
            ):
                key = (position.start, position.kind, position.actor_text, position.content)
                if key not in seen:
                    seen.add(key)
                    found.append(position)
        positions.extend(_drop_reporting(found))
    return positions


def _drop_reporting(found: list[Position]) -> list[Position]:
    """ "Putin said Russia would agree to X": the agreement is the position; the saying adds
    nothing when both speak for the same side."""
    kept = []
    for pos in found:
        if pos.kind == "asserts" and any(
            other.kind != "asserts"
            and other.content in pos.content
            and (pos.side and other.side == pos.side or pos.actor_name and other.actor_name == pos.actor_name)
            for other in found
        ):
            continue
        kept.append(pos)
    return kept


def _to_positions(
    article: Article,
    doc: "Doc",
    sent: "Span",
    cand: Candidate,
    resolver: ActorResolver,
    fallback: ArticleSides | None,
    options: PositionOptions,
    surnames: frozenset[str] = frozenset(),
    speakers: ArticleSpeakers | None = None,
    quoted: str | None = None,
) -> Iterator[Position]:
    if cand.kind not in options.kinds or not cand.actor_tokens and options.require_actor:
        return
    inference, thought = holder_verbs()
    if (
        cand.kind == "asserts"
        and verb_in(cand.cue, inference)
        or is_opinion(article)
        and verb_in(cand.cue, inference | thought)
    ):
        return  # the writer's reading of the actor's mind ("Putin hopes", in an op-ed "he believes")
    named = (
        _pronoun_names(cand.content_tokens, speakers, resolver, fallback, surnames)
        if speakers is not None and options.resolve_pronouns
        else {}
    )
    content = _render(cand.content_tokens, options.max_content_chars, named)
    if len(content.split()) < options.min_content_words or not stands_alone(content):
        return
    condition = _render(cand.condition_tokens, options.max_content_chars) or None
    if condition:
        condition = condition.lstrip(",;: ")
    ev_start, ev_end = _trimmed(sent)
    evidence = doc_text(doc)[ev_start:ev_end]
    heads: list[Token | None] = list(cand.actor_tokens)
    if not heads:
        if options.require_actor:
            return
        heads = [None]
    pairs: list[tuple[Token | None, Token | Referent | None]] = []
    for head in heads:
        anchor = _anchor_span(head) if head is not None and speakers is not None and options.resolve_pronouns else None
        bound = (
            bound_antecedent(head, surnames)
            if anchor is not None and head is not None and head.lower_ in PRONOUNS_PERSON | PRONOUNS_GROUP
            else None
        )
        if bound is not None and head is not None:
            # bound in its own sentence by the syntax ("Paul, who offered his support"; "X said
            # they were willing"): the parse is surer than any model
            plural = head.lower_ in ("they", "them", "their", "theirs")
            described = _description_span(bound) if not plural and speakers is not None else None
            referent = speakers.refers_to(*described) if described is not None and speakers is not None else None
            if referent is not None:
                # bound to a description ("attacked the Ukrainian leader, saying he …"): who it names
                pairs.extend((head, member) for member in referent.members)
            else:
                pairs.extend((head, t) for t in (with_conjuncts(bound) if plural else [bound]))
        elif head is not None and anchor is not None and speakers is not None:
            referent = speakers.refers_to(*anchor)
            if referent is not None:
                pairs.extend((head, member) for member in referent.members)
                continue
            if head.lower_ in PRONOUNS_PERSON | PRONOUNS_GROUP:
                continue  # the resolver abstained: nobody rather than a wrong actor
            pairs.append((head, head))  # a description it could not resolve names a role ("the spokesman")
        elif head is not None and head.lower_ in PRONOUNS_PERSON | PRONOUNS_GROUP and options.resolve_pronouns:
            antecedent = find_antecedent(head, surnames)
            if antecedent is not None:
                plural = head.lower_ in ("they", "them", "their", "theirs")
                pairs.extend((head, t) for t in (with_conjuncts(antecedent) if plural else [antecedent]))
        elif head is not None and len(parts := _coordinated_names(head)) > 1:
            # "Trump and Vice President J.D. Vance": the parser may fold both names into one
            # noun phrase; each holds the position
            pairs.extend((head, part.root) for part in parts)
        else:
            pairs.append((head, head))
    reported_by = _reporter_name(cand.reporter_tokens, resolver, fallback, options, surnames, speakers)
    if cand.reporter_tokens and reported_by is None:
        return  # a stance someone else reports, and we cannot say who: not shown as a fact
    for head, target in pairs:
        if isinstance(target, Referent):
            if head is None:
                continue
            actor_text, ref = _resolve_referent(head, target, resolver, fallback)
        else:
            actor_text, ref = _resolve(head, resolver, fallback, options, surnames, target)
        if head is not None and ref is None and actor_text is None:
            continue
        side = ref.side if ref else None
        if options.require_side and side is None:
            continue
        holder = ref.name if ref and ref.name else actor_text
        if any(name.removesuffix("’s") == holder for name in named.values()):
            # "Trump said he would …": the holder's own pronoun stays a pronoun
            own = {i: name for i, name in named.items() if name.removesuffix("’s") != holder}
            content = _render(cand.content_tokens, options.max_content_chars, own)
        reporter = reported_by if reported_by != holder else None
        if reporter is None and quoted and holder != quoted:
            reporter = quoted  # a stance inside someone's quotation, held by someone else
        yield Position(
            article=article.id,
            actor=ref.entity_id if ref else None,
            actor_text=actor_text or "",
            side=side,
            kind=cand.kind,
            content=content,
            condition=condition,
            evidence=evidence,
            start=ev_start,
            end=ev_end,
            cue=cand.cue.lemma_.lower(),
            actor_name=ref.name if ref else None,
            reported_by=reporter,
        )


def _reporter_name(
    tokens: list["Token"],
    resolver: ActorResolver,
    fallback: ArticleSides | None,
    options: PositionOptions,
    surnames: frozenset[str],
    speakers: ArticleSpeakers | None,
) -> str | None:
    """Who reports a nested stance, as a name ("Donald Trump and J.D. Vance"); None when a
    reporter is a pronoun or description nobody resolves."""
    names: list[str] = []
    for head in tokens:
        anchor = _anchor_span(head) if speakers is not None else None
        if anchor is not None and speakers is not None:
            referent = speakers.refers_to(*anchor)
            if referent is None:
                return None
            for member in referent.members:
                text, ref = _resolve_referent(head, member, resolver, fallback)
                name = ref.name if ref and ref.name else text
                if name and name not in names:
                    names.append(name)
            continue
        if head.lower_ in PRONOUNS_PERSON | PRONOUNS_GROUP:
            return None
        parts = _coordinated_names(head)
        if len(parts) == 1:
            text, ref = _resolve(head, resolver, fallback, options, surnames, head)
            name = ref.name if ref and ref.name else text
            if name and name not in names:
                names.append(name)
            continue
        for span in parts:
            try:
                ref = resolver(span.text, span.start_char, span.end_char)
            except Exception:  # a faulty external resolver must not lose the position
                log.exception("actor resolver failed on %r", span.text)
                ref = None
            name = ref.name if ref and ref.name else span.text
            if name not in names:
                names.append(name)
    return " and ".join(names) or None


def _coordinated_names(head: "Token") -> list["Span"]:
    """The names of a mention that coordinates several ("Trump and Vice President J.D. Vance",
    which the parser may fold into one noun phrase with "Trump" as a compound of "Vance")."""
    tokens = mention_tokens(head)
    if not any(t.lower_ == "and" for t in tokens):
        return [head.doc[head.i : head.i + 1]]
    ids = {t.i for t in tokens}
    names = [e for e in head.doc.ents if e.label_ in ("PERSON", "ORG") and e.start in ids and e.end - 1 in ids]
    return names if len(names) > 1 else [head.doc[head.i : head.i + 1]]


_REFERRING = re.compile(
    r"^(?:it|this|that|these|those|so|the same|(?:this|that|these|those|its|their|his|her)(?:\s+[\w’'-]+){1,3}"
    r"|(?:[\w’'.-]+\s+){0,3}to do (?:the same|so|likewise))$",
    re.IGNORECASE,
)


#: "support at least some of these goals": a plural demonstrative points at what came before
_POINTING_BACK = re.compile(r"\b(?:these|those)\s+(?!who\b|which\b|that\b|of\b)[a-z][\w’'-]*", re.IGNORECASE)


def stands_alone(content: str) -> bool:
    """Whether a position's content means something without the sentences before it: "These
    demands", "its cessation", "this stance", "the same" only point back at what was said; such a
    position is dropped rather than shown as a proposition nobody can read."""
    bare = content.strip(" .,;:“”\"'")
    # a short content built around "these goals" says nothing alone; a long one ("as the Marines carried
    # those flag-draped caskets off the plane") does
    return not _REFERRING.match(bare) and not (len(bare.split()) <= 8 and _POINTING_BACK.search(bare))


def _description_span(head: "Token") -> tuple[int, int] | None:
    """The span of a description of a person ("the Ukrainian leader", a nationality adjective
    allowed), or None when ``head`` is a name or no description."""
    if head.pos_ != "NOUN":
        return None
    tokens = mention_tokens(head)
    if not tokens or any(t.ent_type_ in ("PERSON", "ORG", "GPE") for t in tokens):
        return None
    start, end = tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)
    return (start, end) if is_anchor(doc_text(head.doc)[start:end]) else None


def _anchor_span(head: "Token") -> tuple[int, int] | None:
    """The character span of an actor written as a pronoun or a description ("he", "they",
    "the spokesman"): what the speaker coreference resolves; None for any other mention."""
    if head.lower_ == "it" and (head.head.lemma_ == "be" or head.head.lower_ in ("’s", "'s")):
        return None  # "it is hard to say": no one
    if head.lower_ in PRONOUNS_PERSON | PRONOUNS_GROUP:
        return head.idx, head.idx + len(head.text)
    tokens = mention_tokens(head)
    if not tokens or any(t.ent_type_ in ("PERSON", "ORG", "GPE", "NORP") for t in tokens):
        return None
    start, end = tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)
    return (start, end) if is_anchor(doc_text(head.doc)[start:end]) else None


def _resolve_referent(
    head: "Token", referent: Referent, resolver: ActorResolver, fallback: ArticleSides | None
) -> tuple[str | None, ActorRef | None]:
    """Actor text and reference of a pronoun or description resolved to ``referent``: a named
    antecedent is named by the resolver; a group phrase ("Ukraine's European backers") is its own
    actor, its side read from its own words, never the entity of a name inside it."""
    anchor = _anchor_span(head)
    written = doc_text(head.doc)[anchor[0] : anchor[1]] if anchor else head.text
    actor_text = f"{written} ({referent.text})"
    if referent.kind == GROUP:
        own = fallback or ArticleSides(head.doc)
        ref = own(referent.text, referent.start, referent.end)
        return actor_text, ref or ActorRef(None, strip_determiner(referent.text), side_of(referent.text))
    try:
        ref = resolver(referent.text, referent.start, referent.end)
    except Exception:  # a faulty external resolver must not lose the position
        log.exception("actor resolver failed on %r", referent.text)
        ref = None
    if ref is None:
        ref = ActorRef(referent.entity, strip_determiner(referent.text), side_of(referent.text))
    return actor_text, ref


def _resolve(
    head: "Token | None",
    resolver: ActorResolver,
    fallback: ArticleSides | None,
    options: PositionOptions,
    surnames: frozenset[str] = frozenset(),
    target: "Token | None" = None,
) -> tuple[str | None, ActorRef | None]:
    if head is None:
        return None, None
    target = target if target is not None else head
    if (
        head.lower_ == "it"
        and (head.head.lemma_ == "be" or head.head.lower_ in ("’s", "'s"))
        and any(c.dep_ in ("acomp", "attr") for c in head.head.children)
    ):
        return None, None  # "it is hard to say": no one
    if target is head and head.lower_ in PRONOUNS_PERSON | PRONOUNS_GROUP:
        return None, None  # a pronoun left unresolved names no one
    tokens = mention_tokens(target)
    if target is not head and target.ent_iob_ != "O":
        ent = next((e for e in target.doc.ents if e.start <= target.i < e.end), None)
        if ent is not None:
            tokens = list(ent)
    if not tokens or not is_actor_mention(target, tokens, surnames):
        return None, None
    start, end = tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)
    text = doc_text(head.doc)[start:end]
    actor_text = text if target is head else f"{head.text} ({text})"
    try:
        ref = resolver(text, start, end)
    except Exception:  # a faulty external resolver must not lose the position
        log.exception("actor resolver failed on %r", text)
        ref = None
    if ref is None and fallback is None and target.ent_type_ in ("PERSON", "ORG", "GPE", "NORP"):
        ref = ActorRef(None, strip_determiner(text), None)
    possessor = next((c for c in target.children if c.dep_ == "poss"), None)
    if possessor is not None and target.pos_ == "NOUN" and target.tag_ == "NNS":
        # "Ukraine's European backers" are their own actor, not Ukraine: named by the whole
        # phrase, their side read from their own words ("European"), never from the possessor's
        own = [t for t in tokens if t.i > possessor.right_edge.i]
        side = side_of(" ".join(t.text for t in own)) if own else None
        side = side or next((found for t in own if (found := side_of(t.text))), None)
        ref = ActorRef(None, strip_determiner(text), side)
    return actor_text, ref


_CONTENT_PRONOUNS = frozenset({"he", "she", "they", "his", "her", "its", "their"})


def _pronoun_names(
    tokens: list["Token"],
    speakers: ArticleSpeakers,
    resolver: ActorResolver,
    fallback: ArticleSides | None,
    surnames: frozenset[str] = frozenset(),
) -> dict[int, str]:
    """Third-person pronouns of a content, outside quotation marks, that the speaker coreference
    resolves to one named actor: token index -> the name ("he was not ready for peace" ->
    "Volodymyr Zelensky was not ready for peace"; "its worldview" -> "Moscow’s worldview"), so that
    the content means something on its own. A pronoun whose antecedent the content already names
    ("Kyiv stop arming its soldiers") stays."""
    names: dict[int, str] = {}
    ordered = sorted(tokens, key=lambda t: t.i)
    for tok in ordered:
        if tok.lower_ not in _CONTENT_PRONOUNS or tok.lower_ == "her" and tok.tag_ != "PRP$":
            continue
        start, end = tok.idx, tok.idx + len(tok.text)
        if speakers.quoted(start, end):
            continue  # the speaker's own words stay as said
        referent: Referent | None = None
        ref: ActorRef | None = None
        bound = bound_antecedent(tok, surnames)
        described = _description_span(bound) if bound is not None else None
        if described is not None:
            referent = speakers.refers_to(*described)  # "attacked the Ukrainian leader, saying he …"
            if referent is None:
                try:
                    ref = resolver(doc_text(tok.doc)[described[0] : described[1]], *described)
                except Exception:  # a faulty external resolver must not lose the position
                    log.exception("actor resolver failed on %r", doc_text(tok.doc)[described[0] : described[1]])
                if ref is None or ref.entity_id is None:
                    continue  # a description no entity stands behind: keep the pronoun
        elif tok.lower_ in ("he", "she", "his", "her"):
            # persons only: "its"/"their" outside a bound description stay (the coreference is
            # trained on names; "its worldview" given to the wrong owner is worse than none)
            referent = speakers.refers_to(start, end)
        if ref is None:
            if referent is None or referent.parts or referent.kind == GROUP:
                continue
            _, ref = _resolve_referent(tok, referent, resolver, fallback)
        name = ref.name if ref is not None and ref.name else None
        if not name:
            continue
        before = " ".join(t.text for t in ordered if t.i < tok.i)
        if any(word in before for word in {name, name.split()[-1], referent.text if referent else name}):
            continue
        names[tok.i] = name + "’s" if tok.tag_ == "PRP$" else name
    return names


def _render(tokens: list["Token"], max_chars: int, names: dict[int, str] | None = None) -> str:
    if not tokens:
        return ""
    names = names or {}
    ordered = sorted({t.i: t for t in tokens}.values(), key=lambda t: t.i)
    # drop a leading complementiser/infinitive marker/preposition and edge punctuation
    while ordered and ordered[0].is_space:
        ordered = ordered[1:]
    while ordered and (
        ordered[0].dep_ in ("mark", "aux", "punct", "cc")
        and ordered[0].lower_
        in ("that", "to", ",", ";", ":", "—", "–", "-", "and", "but", "“", "”", '"', "‘", "’", "'")
        or ordered[0].dep_ in ("prep", "agent")
        and ordered[0].lower_ in ("for", "on", "to", "upon", "with", "of", "against", "about", "by")
        and len(ordered) > 1
    ):
        ordered = ordered[1:]
    while ordered and (
        ordered[-1].is_punct and ordered[-1].text not in ")]" or ordered[-1].dep_ == "cc" or ordered[-1].is_space
    ):
        ordered = ordered[:-1]
    # "unchanged: either …", "non-negotiable: no NATO membership; …": a predicate word before a
    # colon belongs to the sentence's frame, the content is what the colon introduces
    colon = next((n for n, t in enumerate(ordered[:5]) if t.text == ":"), None)
    if (
        colon
        and colon + 1 < len(ordered)
        and all(t.pos_ in ("ADJ", "ADV", "PUNCT", "DET", "VERB") and t.tag_ != "VBZ" for t in ordered[:colon])
    ):
        ordered = ordered[colon + 1 :]
    # "…, with influential commentators praising the president": an absolute "with" clause after a
    # comma is the writer's addition, not the content; so is a participle closing the content
    # ("… an “illegitimate” leader, at one point even calling on him to step down": Trump's act)
    for n, tok in enumerate(ordered):
        if n > 1 and tok.lower_ == "with" and ordered[n - 1].text == "," and any(t.tag_ == "VBG" for t in tok.subtree):
            ordered = ordered[: n - 1]
            break
        if n > 2 and tok.text == "," and _participle_tail(ordered[n + 1 :]):
            ordered = ordered[:n]
            break
    if not ordered:
        return ""
    pieces: list[str] = []
    for n, tok in enumerate(ordered):
        nxt = ordered[n + 1] if n + 1 < len(ordered) else None
        ws = tok.whitespace_ if nxt is not None and nxt.i == tok.i + 1 else (" " if nxt is not None else "")
        pieces.append(names.get(tok.i, tok.text) + ws)
    text = re.sub(r"\s+", " ", "".join(pieces)).strip()
    text = _balance_quotes(text)
    if len(text) > max_chars:
        cut = text[: max_chars - 1].rsplit(" ", 1)[0]
        text = cut + "…"
    return text


def _participle_tail(tail: list["Token"]) -> bool:
    """Whether ``tail`` (what follows a comma at the end of a content) is a subjectless participle
    clause, with at most a short adverbial lead (", at one point even calling on him to …")."""
    verb = next((t for t in tail[:6] if t.tag_ == "VBG"), None)
    if verb is None or verb.dep_ not in ("advcl", "acl", "xcomp") or verb.head.pos_ == "ADP":
        return False  # ", as well as on halting …" coordinates a second content
    if any(c.dep_ in ("nsubj", "nsubjpass") for c in verb.children) or any(t.lower_ == "as" for t in tail[:6]):
        return False
    clause = {t.i for t in verb.subtree}
    lead = [t for t in tail if t.i < verb.left_edge.i]
    if not all(t.pos_ in ("ADV", "ADP", "DET", "NUM", "NOUN") for t in lead):
        return False
    return all(t.i in clause or t in lead or t.is_punct for t in tail)


def _balance_quotes(text: str) -> str:
    """Drop quotation marks left dangling by a content that starts or ends inside a quotation."""
    chars = list(text)
    opened: list[int] = []
    for n, ch in enumerate(chars):
        if ch == "“":
            opened.append(n)
        elif ch == "”":
            if opened:
                opened.pop()
            else:
                chars[n] = ""
    for n in opened:
        chars[n] = ""
    text = "".join(chars)
    if text.count('"') % 2 == 1:
        text = text.replace('"', "", 1) if text.startswith('"') else text[::-1].replace('"', "", 1)[::-1]
    return re.sub(r"\s+", " ", text).strip()


def _trimmed(sent: "Span") -> tuple[int, int]:
    text = sent.text
    start = sent.start_char + (len(text) - len(text.lstrip()))
    end = sent.end_char - (len(text) - len(text.rstrip()))
    return start, end
