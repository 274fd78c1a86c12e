"""Positions: who wants what, as the text states it.

Each :class:`Position` says that an actor (a person, institution or country) demands, proposes,
agrees to, rejects, warns of, asserts or denies a proposition, with the condition the text
attaches to it and the sentence that says so::

    positions = extract_positions(article, doc=None, resolve_actor=None, options=PositionOptions())

How it works: the article is parsed with the bundled spaCy pipeline; every token whose lemma is
a cue of our lexicon (verbs such as *demand, insist on, call for, agree to, reject, warn*;
nouns such as *demand, stipulation, proposal, refusal, goal*; adjectives such as *willing*)
opens a candidate. The dependency parse gives the actor (subject, passive agent, possessor,
the subject inherited by participles, infinitives and coordinated verbs, the subject of a light
verb such as *issue a warning*), the content (the clausal complement, object or prepositional
object, up to the end of the cue's clause) and the condition (*if/unless/before/until* clauses,
*as a precondition for*, *in exchange for*), which is moved out of the content. Negation flips
*agree* into *rejects* and drops the other kinds; cues in hypothetical (*should, could*) or
conditional (*if the Kremlin does not agree*) clauses are not positions.

Actors are named by an :data:`ActorResolver`. The pipeline passes the entities stage's resolver;
without one, :func:`default_actor_resolver` is used: spaCy entity labels, title patterns
("Russian President X", "X of Russia", "White House Press Secretary X"), seats of power
("the Kremlin", "Moscow", "the White House") and in-article co-reference of surnames to full
names decide the side an actor speaks for.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Sequence

from ..errors import AnalysisError, OptionsError
from ..models import Article
from .sentences import Sentence, article_sentences

if TYPE_CHECKING:  # pragma: no cover
    from spacy.tokens import Doc, Span, Token

    from .context import StoryContext

__all__ = [
    "KINDS",
    "ActorRef",
    "ActorResolver",
    "Position",
    "PositionOptions",
    "default_actor_resolver",
    "extract_positions",
    "evaluate",
    "run",
]

log = logging.getLogger(__name__)

#: The stage's name (``--stages``) and the ``analysis.json`` sections it fills.
NAME = "positions"
SECTIONS = ("positions",)

KINDS = ("demands", "proposes", "agrees", "rejects", "warns", "asserts", "denies")


# --- public types -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ActorRef:
    """Who an actor mention is: an entity id when known, a display name, and its side.

    ``side`` is the country or bloc the actor speaks for ("Russia", "United States", "Ukraine",
    "European Union"), or None when the text does not say (an independent analyst).
    """

    entity_id: str | None
    name: str
    side: str | None


#: (mention text, start char, end char in article.text) -> ActorRef, or None when unknown.
ActorResolver = Callable[[str, int, int], "ActorRef | None"]


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

    def to_json(self) -> dict:
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
        resolve_pronouns: replace "he", "it", "its"… by the nearest earlier fitting actor
            mention before resolving it (default True).
    """

    kinds: tuple[str, ...] = KINDS
    require_side: bool = False
    require_actor: bool = True
    max_content_chars: int = 400
    min_content_words: int = 1
    resolve_pronouns: bool = True

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
            raise OptionsError(
                f"min_content_words={self.min_content_words} must be at least 1", hint="use e.g. 1"
            )


# --- cue lexicon ------------------------------------------------------------------------------

# Verb lemma -> kind. Phrasal cues (verb + particle/preposition) are in _PHRASAL_VERBS and win.
_VERB_CUES: dict[str, str] = {
    # demands
    "demand": "demands", "insist": "demands", "want": "demands", "seek": "demands",
    "stipulate": "demands", "require": "demands", "urge": "demands", "request": "demands",
    "press": "demands", "push": "demands", "aim": "demands", "pressure": "demands",
    # proposes
    "propose": "proposes", "offer": "proposes", "suggest": "proposes", "recommend": "proposes",
    "float": "proposes",
    # agrees
    "agree": "agrees", "accept": "agrees", "back": "agrees", "support": "agrees",
    "endorse": "agrees", "approve": "agrees", "welcome": "agrees", "embrace": "agrees",
    "consent": "agrees", "echo": "agrees",
    # rejects
    "reject": "rejects", "refuse": "rejects", "dismiss": "rejects", "oppose": "rejects",
    "decline": "rejects", "rebuff": "rejects", "veto": "rejects", "condemn": "rejects",
    "resist": "rejects", "spurn": "rejects",
    # warns
    "warn": "warns", "threaten": "warns", "caution": "warns",
    # asserts
    "say": "asserts", "claim": "asserts", "assert": "asserts", "state": "asserts",
    "maintain": "asserts", "argue": "asserts", "stress": "asserts", "emphasize": "asserts",
    "emphasise": "asserts", "note": "asserts", "declare": "asserts", "announce": "asserts",
    "tell": "asserts", "believe": "asserts", "contend": "asserts", "allege": "asserts",
    "signal": "asserts", "confirm": "asserts", "reiterate": "asserts", "acknowledge": "asserts",
    "admit": "asserts", "write": "asserts", "add": "asserts", "indicate": "asserts",
    "accuse": "asserts", "predict": "asserts", "think": "asserts",
    "vow": "asserts", "pledge": "asserts", "promise": "asserts", "report": "asserts",
    # denies
    "deny": "denies", "dispute": "denies", "refute": "denies", "contest": "denies",
}

# (verb lemma, particle or preposition) -> kind.
_PHRASAL_VERBS: dict[tuple[str, str], str] = {
    ("call", "for"): "demands", ("call", "on"): "demands", ("call", "upon"): "demands",
    ("push", "for"): "demands", ("press", "for"): "demands", ("ask", "for"): "demands",
    ("insist", "on"): "demands", ("insist", "upon"): "demands", ("appeal", "for"): "demands",
    ("lobby", "for"): "demands", ("argue", "for"): "demands", ("hold", "out"): "demands",
    ("put", "forward"): "proposes", ("lay", "out"): "proposes", ("set", "out"): "proposes",
    ("agree", "to"): "agrees", ("agree", "on"): "agrees", ("agree", "with"): "agrees",
    ("sign", "on"): "agrees", ("sign", "off"): "agrees", ("settle", "for"): "agrees",
    ("go", "along"): "agrees",
    ("rule", "out"): "rejects", ("turn", "down"): "rejects", ("object", "to"): "rejects",
    ("push", "back"): "rejects", ("argue", "against"): "rejects", ("warn", "against"): "warns",
    ("warn", "of"): "warns", ("point", "out"): "asserts",
}

# Verbs that are cues only in their phrasal use.
_PHRASAL_ONLY = {"call", "ask", "appeal", "lobby", "put", "lay", "set", "sign", "settle", "go",
                 "rule", "turn", "object", "hold"}

# Noun lemma -> kind. Nouns need an actor (possessor, "by/from X", a side modifier, or the
# subject of a light verb) to count.
_NOUN_CUES: dict[str, str] = {
    "demand": "demands", "stipulation": "demands", "requirement": "demands",
    "precondition": "demands", "insistence": "demands", "ultimatum": "demands",
    "goal": "demands", "aim": "demands", "objective": "demands", "request": "demands",
    "call": "demands", "condition": "demands",
    "proposal": "proposes", "offer": "proposes", "suggestion": "proposes", "plan": "proposes",
    "initiative": "proposes", "proposition": "proposes",
    "willingness": "agrees", "readiness": "agrees", "support": "agrees", "acceptance": "agrees",
    "consent": "agrees", "agreement": "agrees",
    "rejection": "rejects", "refusal": "rejects", "opposition": "rejects", "veto": "rejects",
    "warning": "warns", "threat": "warns",
    "claim": "asserts", "assertion": "asserts", "view": "asserts", "position": "asserts",
    "stance": "asserts", "argument": "asserts",
    "denial": "denies",
}

# Nouns whose content must be a clause ("the view that …"), not a prepositional phrase.
_CLAUSE_NOUNS = {"view", "position", "stance", "claim", "assertion", "argument"}

_ADJ_CUES: dict[str, str] = {
    "willing": "agrees", "ready": "agrees", "prepared": "agrees", "open": "agrees",
    "opposed": "rejects", "unwilling": "rejects",
}

# Light verbs whose subject holds the nominal cue they govern ("Russia issued a warning").
_LIGHT_VERBS = {"make", "issue", "present", "submit", "table", "repeat", "reiterate", "voice",
                "express", "lay", "set", "send", "deliver", "signal", "confirm", "renew",
                "announce", "unveil", "outline", "float", "maintain", "restate", "reaffirm"}
# Verbs under which "with <noun cue>" belongs to the verb's subject ("seeks to shape X with
# stipulations that ...") — any verb, but only through these prepositions.
_HOLDER_PREPS = {"with", "through", "via"}

# Speech verbs need a clause (or a quotation) as content; an object alone is not a claim.
_NEEDS_CLAUSE = {"say", "tell", "add", "write", "note", "state", "think", "believe", "argue", "report",
                 "stress", "emphasize", "emphasise", "indicate", "signal", "predict", "maintain",
                 "declare", "announce"}

_CONTENT_PREPS: dict[str, set[str]] = {
    # preposition lemmas introducing the content of a verb cue (beside the phrasal ones)
    "warn": {"of", "against", "about"},
    "accuse": {"of"},
    "seek": set(),
    "back": set(),
    "agree": {"to", "on", "with", "upon"},
    "insist": {"on", "upon"},
    "push": {"for"},
    "press": {"for"},
    "aim": {"at", "for"},
}

_HYPOTHETICAL_MODALS = {"should", "could", "might", "may", "would", "ought"}
_CONDITION_MARKS = {"if", "unless", "until", "till", "before", "once", "provided", "providing",
                    "whether"}
_CONDITION_NOUNS = {"precondition", "condition", "prerequisite"}
_NEGATING_HEADS = {"refuse", "decline", "fail", "reluctant", "unable", "unwilling", "stop"}
_PRONOUNS_PERSON = {"he", "him", "his", "she", "her", "hers"}
_PRONOUNS_GROUP = {"it", "its", "they", "them", "their", "theirs"}
_DASHES = {"—", "–", "--", "―"}
_QUOTES = "\"'“”‘’«»"


# --- sides: seats, capitals, demonyms ---------------------------------------------------------

_SIDE_ALIASES: dict[str, tuple[str, ...]] = {
    "Russia": ("russia", "russian", "russians", "moscow", "kremlin", "russian federation",
               "the russian federation"),
    "United States": ("united states", "u.s.", "us", "usa", "u.s.a.", "america", "american",
                      "americans", "washington", "white house", "pentagon", "state department",
                      "u.s", "the united states", "united states of america", "oval office"),
    "Ukraine": ("ukraine", "ukrainian", "ukrainians", "kyiv", "kiev", "verkhovna rada"),
    "European Union": ("european union", "eu", "e.u.", "brussels", "european commission",
                       "europe", "european", "europeans", "european council"),
    "NATO": ("nato", "north atlantic treaty organization"),
    "United Nations": ("united nations", "un", "u.n."),
    "China": ("china", "chinese", "beijing"),
    "United Kingdom": ("united kingdom", "uk", "u.k.", "britain", "great britain", "british",
                       "london", "downing street", "whitehall"),
    "France": ("france", "french", "paris", "elysee", "élysée"),
    "Germany": ("germany", "german", "germans", "berlin", "bundestag"),
    "Israel": ("israel", "israeli", "israelis", "jerusalem"),
    "Iran": ("iran", "iranian", "iranians", "tehran"),
    "Turkey": ("turkey", "turkish", "ankara", "türkiye"),
    "India": ("india", "indian", "new delhi"),
    "Japan": ("japan", "japanese", "tokyo"),
    "North Korea": ("north korea", "north korean", "pyongyang"),
    "South Korea": ("south korea", "south korean", "seoul"),
    "Syria": ("syria", "syrian", "damascus"),
    "Poland": ("poland", "polish", "warsaw"),
    "Belarus": ("belarus", "belarusian", "minsk"),
    "Hungary": ("hungary", "hungarian", "budapest"),
    "Saudi Arabia": ("saudi arabia", "saudi", "riyadh"),
    "Qatar": ("qatar", "qatari", "doha"),
    "Egypt": ("egypt", "egyptian", "cairo"),
    "Palestine": ("palestine", "palestinian", "palestinians"),
    "Cuba": ("cuba", "cuban", "havana"),
    "Venezuela": ("venezuela", "venezuelan", "caracas"),
    "Mexico": ("mexico", "mexican"),
    "Canada": ("canada", "canadian", "ottawa"),
    "Italy": ("italy", "italian", "rome"),
    "Spain": ("spain", "spanish", "madrid"),
    "Taiwan": ("taiwan", "taiwanese", "taipei"),
    "Pakistan": ("pakistan", "pakistani", "islamabad"),
    "Afghanistan": ("afghanistan", "afghan", "kabul"),
    "Iraq": ("iraq", "iraqi", "baghdad"),
    "Lebanon": ("lebanon", "lebanese", "beirut"),
    "Greece": ("greece", "greek", "athens"),
    "Australia": ("australia", "australian", "canberra"),
}
_SIDE_BY_ALIAS = {alias: side for side, aliases in _SIDE_ALIASES.items() for alias in aliases}
_MAX_ALIAS_WORDS = max(len(a.split()) for a in _SIDE_BY_ALIAS)

# People who speak for themselves even when the text gives their nationality.
_INDEPENDENT_NOUNS = {"analyst", "expert", "scholar", "observer", "commentator", "professor",
                      "economist", "critic", "journalist", "researcher", "historian", "academic",
                      "scientist", "philosopher", "blogger", "pundit", "columnist", "lecturer"}

# Titles that, with a side word before them, make the next PERSON speak for that side.
_TITLE_WORDS = {"president", "prime", "minister", "chancellor", "secretary", "spokesman",
                "spokeswoman", "spokesperson", "ambassador", "envoy", "leader", "foreign",
                "defense", "defence", "press", "vice", "deputy", "premier", "king", "queen",
                "general", "gen.", "adviser", "advisor", "official", "negotiator", "diplomat",
                "senator", "sen.", "rep.", "representative", "chief", "head", "commander",
                "national", "security", "state", "pres.", "counterpart", "speaker", "mayor",
                "governor", "first", "deputy", "high", "representative", "commissioner"}

# Last resort only, after titles, appositions and co-reference: heads of state/government
# that articles routinely name without a title.
_KNOWN_LEADERS = {
    "trump": "United States", "biden": "United States", "obama": "United States",
    "vance": "United States", "rubio": "United States", "putin": "Russia", "lavrov": "Russia",
    "peskov": "Russia", "medvedev": "Russia", "zelensky": "Ukraine", "zelenskyy": "Ukraine",
    "zelenskiy": "Ukraine", "xi": "China", "macron": "France", "scholz": "Germany",
    "merz": "Germany", "starmer": "United Kingdom", "netanyahu": "Israel", "erdogan": "Turkey",
    "modi": "India", "von der leyen": "European Union", "orban": "Hungary", "lukashenko": "Belarus",
}


def _side_of_words(words: str) -> str | None:
    low = words.lower().strip()
    key = re.sub(r"['’]s$", "", low.removeprefix("the ").strip(" .,"))
    found = _SIDE_BY_ALIAS.get(key) or _SIDE_BY_ALIAS.get(low)
    if found is None and key.endswith("s") and len(key) > 4:
        found = _SIDE_BY_ALIAS.get(key[:-1])  # "the Saudis", "the Poles" stay unknown
    return found


# --- default actor resolver -------------------------------------------------------------------


class _DefaultResolver:
    """Side and canonical name of actor mentions in one article, from its parse alone."""

    def __init__(self, doc: "Doc") -> None:
        self.doc = doc
        self.full_names: dict[str, str] = {}  # surname (lower) -> longest full name
        self.person_sides: dict[str, str] = {}  # full name -> side
        persons = [e for e in doc.ents if e.label_ == "PERSON"]
        for ent in persons:
            name = _clean_name(ent.text)
            if not name:
                continue
            surname = name.split()[-1].lower()
            known = self.full_names.get(surname)
            if known is None or len(name) > len(known):
                self.full_names[surname] = name
        for ent in persons:
            side = self._side_from_context(ent)
            if side:
                full = self.canonical_person(ent.text)
                self.person_sides.setdefault(full, side)

    def canonical_person(self, text: str) -> str:
        name = _clean_name(text)
        if not name:
            return text.strip()
        return self.full_names.get(name.split()[-1].lower(), name)

    def _side_from_context(self, ent: "Span") -> str | None:
        doc = self.doc
        # "Russian President Vladimir Putin", "White House Press Secretary X", "U.S. President X"
        i = ent.start - 1
        saw_title = False
        while i >= 0 and ent.start - i <= 6:
            tok = doc[i]
            low = tok.text.lower()
            if low in _TITLE_WORDS or tok.ent_type_ == "" and tok.is_title and low in _TITLE_WORDS:
                saw_title = True
                i -= 1
                continue
            if tok.text in ("'s", "’s"):
                i -= 1
                continue
            # multiword seats ("White House", "State Department") end here
            for width in range(_MAX_ALIAS_WORDS, 0, -1):
                if i - width + 1 < 0:
                    continue
                side = _side_of_words(doc[i - width + 1 : i + 1].text)
                if side:
                    return side if saw_title else None
            break
        # "Putin of Russia"; "X, Russia's foreign minister"; "X, the Russian president"
        after = ent.end
        if after + 1 < len(doc) and doc[after].lower_ == "of":
            side = _side_of_words(doc[after + 1].text)
            if side and doc[after + 1].ent_type_ in ("GPE", "NORP", "ORG"):
                return side
        root = ent.root
        for child in root.children:
            if child.dep_ == "appos" and child.lower_ in _TITLE_WORDS:
                for tok in child.subtree:
                    if tok.dep_ in ("poss", "amod", "compound") and tok.head.i == child.i:
                        side = _side_of_words(tok.text)
                        if side:
                            return side
        return None

    def __call__(self, text: str, start: int, end: int) -> ActorRef | None:
        span = self.doc.char_span(start, end, alignment_mode="expand")
        if span is None or not text.strip():
            return None
        return self.resolve_span(span)

    def resolve_span(self, span: "Span") -> ActorRef | None:
        root = span.root
        # a person (or an institution named after one: "the Trump administration")
        person_tokens = [t for t in span if t.ent_type_ == "PERSON" or (
            t.pos_ in ("PROPN", "NOUN") and t.is_title and t.lower_ in self.full_names and not _side_of_words(t.text))]
        if _side_of_words(root.text) and not any(t.ent_type_ == "PERSON" and t.i != root.i for t in span):
            person_tokens = []
        elif root.ent_type_ == "PERSON" or (root in person_tokens) or (person_tokens and root.lemma_ in
                                           {"administration", "government", "team", "camp",
                                            "regime", "cabinet", "side", "office"}):
            ents = [e for e in span.ents if e.label_ == "PERSON"] or [
                self.doc[person_tokens[0].i : person_tokens[-1].i + 1]
            ]
            ent = ents[-1]
            full = self.canonical_person(ent.text)
            side = self.person_sides.get(full) or self._side_from_context(ent)
            if side is None:
                # a title inside the mention itself: "Russian President Putin"
                side = self._side_in_tokens([t for t in span if t.i < ent.start])
            if side is None:
                side = _KNOWN_LEADERS.get(full.split()[-1].lower()) or _KNOWN_LEADERS.get(full.lower())
            is_person = root.ent_type_ == "PERSON" or root in person_tokens
            name = full if is_person else _strip_det(span.text)
            return ActorRef(None, name, side)
        return self._resolve_group(span, root)

    def _resolve_group(self, span: "Span", root: "Token") -> ActorRef:
        name = _strip_det(span.text)
        if root.lemma_.lower() in _INDEPENDENT_NOUNS:
            return ActorRef(None, name, None)  # "Russian analysts" speak for themselves
        side = self._side_of_head(root)
        if side is None:
            # a title noun without a person: "the U.S. president", "officials in Kyiv"
            side = self._side_in_tokens(list(span))
        if side is None and root.pos_ == "PROPN":
            side = _KNOWN_LEADERS.get(root.lower_)  # a leader's surname the tagger took for a place
        if side is None and root.ent_type_ == "GPE":
            side = _clean_name(self.doc[root.i : root.i + 1].text) or None
        return ActorRef(None, name, side)

    def _side_of_head(self, root: "Token") -> str | None:
        doc = self.doc
        # the head noun itself, possibly multiword ("the White House", "the Kremlin")
        lo = root.i
        while lo > 0 and doc[lo - 1].dep_ == "compound" and doc[lo - 1].head.i == root.i:
            lo -= 1
        for width_start in range(lo, root.i + 1):
            side = _side_of_words(doc[width_start : root.i + 1].text)
            if side:
                return side
        # its own modifiers first ("Ukraine's European backers" speak for Europe), then the
        # possessor, then prepositional attachments ("officials in Kyiv")
        ordered = sorted(root.children, key=lambda c: {"amod": 0, "compound": 0, "nmod": 1,
                                                        "poss": 2, "prep": 3}.get(c.dep_, 9))
        for child in ordered:
            if _is_pro_anti(child):
                continue  # "the pro-Russia camp" is not Russia
            if child.dep_ in ("amod", "compound", "nmod"):
                for tok in [child, *[c for c in child.children if c.dep_ == "conj"]]:
                    side = _side_of_words(tok.text) or self._side_of_head_words(tok)
                    if side is None and tok.pos_ == "PROPN" and tok.i < root.i:
                        ref = self.resolve_span(doc[tok.left_edge.i : tok.i + 1])
                        side = ref.side if ref else None
                    if side:
                        return side
            elif child.dep_ == "poss":
                ref = self.resolve_span(doc[child.left_edge.i : child.i + 1])
                if ref and ref.side:
                    return ref.side
            elif child.dep_ == "prep" and child.lower_ in ("in", "from", "of", "at", "within", "inside"):
                for obj in child.children:
                    if obj.dep_ == "pobj":
                        side = self._side_of_head(obj)
                        if side:
                            return side
        return None

    def _side_of_head_words(self, tok: "Token") -> str | None:
        lo = tok.i
        while lo > 0 and self.doc[lo - 1].head.i == tok.i and self.doc[lo - 1].dep_ == "compound":
            lo -= 1
        return _side_of_words(self.doc[lo : tok.i + 1].text)

    @staticmethod
    def _side_in_tokens(tokens: list["Token"]) -> str | None:
        for tok in tokens:
            if _is_pro_anti(tok):
                continue
            side = _side_of_words(tok.text)
            if side:
                return side
        for a, b in zip(tokens, tokens[1:]):
            side = _side_of_words(f"{a.text} {b.text}")
            if side:
                return side
        return None


def _is_pro_anti(tok: "Token") -> bool:
    doc = tok.doc
    return tok.i >= 2 and doc[tok.i - 1].text in ("-", "–") and doc[tok.i - 2].lower_ in ("pro", "anti")


def default_actor_resolver(article: Article | str, doc: "Doc | None" = None) -> ActorResolver:
    """A self-contained resolver for one article: mention (text, start, end) -> ActorRef.

    Uses spaCy entity labels (PERSON/GPE/NORP/ORG), title patterns ("Russian President X",
    "X of Russia", "X, Russia's foreign minister"), seats of power ("the Kremlin", "Moscow",
    "the White House", "Kyiv", "Washington"), demonyms ("European backers"), and co-reference of
    a surname to the fullest name the article gives it ("Putin" -> "Vladimir Putin", whose side
    comes from "Russian President Vladimir Putin"). A few well-known leaders' surnames are the
    last resort when the article gives no title at all. ``entity_id`` is always None.
    """
    text = article.text if isinstance(article, Article) else article
    if doc is None:
        from ..resources import parse

        (doc,) = parse([text])
    return _DefaultResolver(doc)


# --- extraction -------------------------------------------------------------------------------


@dataclass
class _Candidate:
    cue: "Token"
    kind: str
    actor_tokens: list["Token"]  # heads of the actor mention(s) (conjuncts give several)
    content_tokens: list["Token"] = field(default_factory=list)
    condition_tokens: list["Token"] = field(default_factory=list)
    inner: bool = False  # the content holds another cue (reported stance) of the same actor


Options = PositionOptions


@dataclass(frozen=True)
class PositionFindings:
    """The positions of one story, article by article in the story's order, each in text order."""

    positions: tuple[Position, ...]

    def sections(self) -> dict[str, Sequence[Position]]:
        return {"positions": self.positions}


def run(context: "StoryContext", options: PositionOptions) -> PositionFindings:
    """Who wants what in the story: :func:`extract_positions` on each member article, actors
    named by the story's entities and sides (:meth:`StoryContext.actor_resolver`)."""
    return PositionFindings(tuple(
        position for article in context.articles
        for position in extract_positions(
            article, context.doc(article.id), context.actor_resolver(article.id), options,
            sentences=context.sentences[article.id],
        )
    ))


def extract_positions(
    article: Article,
    doc: "Doc | None" = None,
    resolve_actor: ActorResolver | None = None,
    options: PositionOptions | None = None,
    *,
    sentences: Sequence[Sentence] | None = None,
) -> list[Position]:
    """Every position stated in ``article``, in text order.

    ``doc`` is the spaCy parse of ``article.text`` when the caller already has one (made by
    :func:`newsdesk.resources.parse`); ``sentences`` its sentences (default: from ``doc``,
    :func:`newsdesk.analysis.sentences.article_sentences`); ``resolve_actor`` names actors
    (default: a :func:`default_actor_resolver` built for this article).

    Raises:
        AnalysisError: ``doc`` is not a parse of the article's text.
    """
    options = options or PositionOptions()
    if not article.text or not article.text.strip():
        return []
    if doc is None:
        from ..resources import parse

        (doc,) = parse([article.text])
    if doc.text != article.text:
        raise AnalysisError(
            f"article {article.id}: the parse passed as doc is not of article.text",
            hint="pass doc=parse([article.text])[0], or doc=None to parse here",
        )
    if sentences is None:
        sentences = article_sentences(article.text, doc)
    resolver = resolve_actor or _DefaultResolver(doc)
    surnames = frozenset(
        e[-1].lower_ for e in doc.ents if e.label_ == "PERSON" and len(e) > 1 and not _side_of_words(e[-1].text)
    )
    fallback = resolver if isinstance(resolver, _DefaultResolver) else None
    positions: list[Position] = []
    seen: set[tuple] = set()
    for sentence in sentences:
        sent = doc.char_span(sentence.start, sentence.end, alignment_mode="expand")
        if sent is None:
            continue
        found: list[Position] = []
        for cand in _candidates(sent):
            for position in _to_positions(article, doc, sent, cand, resolver, fallback, options, surnames):
                key = (position.start, position.kind, position.actor_text, position.content)
                if key not in seen:
                    seen.add(key)
                    found.append(position)
        positions.extend(_drop_reporting(found))
    return positions


def _drop_reporting(found: list[Position]) -> list[Position]:
    """"Putin said Russia would agree to X": the agreement is the position; the saying adds
    nothing when both speak for the same side."""
    kept = []
    for pos in found:
        if pos.kind == "asserts" and any(
            other.kind != "asserts" and other.content in pos.content and (
                pos.side and other.side == pos.side or pos.actor_name and other.actor_name == pos.actor_name)
            for other in found
        ):
            continue
        kept.append(pos)
    return kept


def _candidates(sent: "Span") -> Iterator[_Candidate]:
    found: list[_Candidate] = []
    for tok in sent:
        cand = _verb_candidate(tok) or _noun_candidate(tok) or _adj_candidate(tok)
        if cand is not None:
            found.append(cand)
    # A reported stance ("the Kremlin noted that it had agreed to X") is the inner stance; the
    # outer speech verb adds nothing when both have the same actor.
    by_cue = {c.cue.i: c for c in found}
    for cand in found:
        if cand.actor_tokens and all(t.lower_ in _FIRST_PERSON for t in cand.actor_tokens):
            speaker = _quoting_speech_verb(cand.cue, by_cue)
            cand.actor_tokens = speaker.actor_tokens if speaker is not None else []
    drop: set[int] = set()
    for cand in found:
        for tok in cand.content_tokens:
            inner = by_cue.get(tok.i)
            if inner is None or inner is cand or not _same_actor(cand, inner):
                continue
            if cand.kind == "asserts" or inner.cue.head.i == cand.cue.i:
                # "noted that it had agreed to X", "offered its support for X", "refused to agree"
                drop.add(cand.cue.i)
    for cand in found:
        if cand.cue.i not in drop:
            yield cand


_FIRST_PERSON = {"we", "i", "us", "me", "our", "my"}


def _quoting_speech_verb(cue: "Token", by_cue: dict[int, _Candidate]) -> _Candidate | None:
    """The speech act whose quotation holds ``cue`` ("“We will never accept X,” Zelensky said")."""
    cur = cue
    while cur.head.i != cur.i:
        parent = cur.head
        if cur.dep_ in ("ccomp", "parataxis") and parent.i in by_cue and by_cue[parent.i].kind == "asserts":
            return by_cue[parent.i]
        cur = parent
    return None


def _same_actor(outer: _Candidate, inner: _Candidate) -> bool:
    if {t.i for t in outer.actor_tokens} & {t.i for t in inner.actor_tokens}:
        return True
    outer_words = {t.lower_ for a in outer.actor_tokens for t in _mention_tokens(a)}
    inner_words = {t.lower_ for a in inner.actor_tokens for t in _mention_tokens(a)}
    if outer_words & inner_words:
        return True
    outer_sides = {_side_of_words(t.text) for a in outer.actor_tokens for t in _mention_tokens(a)}
    inner_sides = {_side_of_words(t.text) for a in inner.actor_tokens for t in _mention_tokens(a)}
    outer_sides.discard(None)
    inner_sides.discard(None)
    if outer_sides & inner_sides:
        return True
    # a pronoun inner actor usually refers back to the outer one ("X said it would …"), unless
    # it resolves to someone else ("Trump and Vance attacked the Ukrainian leader, saying he …")
    outer_ids = {t.i for a in outer.actor_tokens for t in _mention_tokens(a)}
    for tok in inner.actor_tokens:
        if tok.lower_ in _PRONOUNS_PERSON | _PRONOUNS_GROUP:
            antecedent = _antecedent(tok)
            if antecedent is None or antecedent.i in outer_ids or antecedent.lower_ in outer_words:
                return True
    return False


# -- verbs


def _verb_candidate(tok: "Token") -> _Candidate | None:
    if tok.pos_ not in ("VERB", "AUX") and not (tok.tag_.startswith("VB")):
        return None
    lemma = tok.lemma_.lower()
    particle = _phrasal_particle(tok)
    kind = _PHRASAL_VERBS.get((lemma, particle)) if particle else None
    if kind is None:
        if lemma in _PHRASAL_ONLY:
            return None
        kind = _VERB_CUES.get(lemma)
    if kind is None or _is_hypothetical(tok) or _in_condition_clause(tok):
        return None
    if tok.dep_ == "amod" or (tok.dep_ == "acl" and tok.tag_ == "VBG" and lemma not in ("demand", "insist")):
        # "a proposed deal", "the ensuing talks": a modifier, not a statement
        if not _has_agent(tok):
            return None
    if lemma == "insist" and not particle:
        # "insist that Kyiv withdraw" (subjunctive) demands; "insist that it did" asserts
        comp = _first_child(tok, ("ccomp",))
        if comp is not None and not (comp.tag_ == "VB" or any(c.lower_ in ("must", "should") for c in comp.children)):
            kind = "asserts"
    if lemma in ("back", "support", "push", "press") and particle is None and not any(
        c.dep_ in ("dobj", "xcomp", "ccomp", "nsubjpass", "agent") for c in tok.children
    ):
        if lemma not in ("push", "press") or not _first_child(tok, ("prep",)):
            return None
    if lemma in ("seek", "aim") and not any(c.dep_ == "dobj" for c in tok.children) and not particle:
        if not any(c.dep_ == "prep" and c.lower_ in _CONTENT_PREPS.get(lemma, set()) for c in tok.children):
            return None  # "sought to explain": an attempt, not a demand
    if tok.dep_ == "xcomp" and tok.head.pos_ == "ADJ" and tok.head.lemma_.lower() not in (
        set(_ADJ_CUES) | _NEGATING_HEADS
    ):
        return None  # "it is crucial to note", "Moscow is unlikely to accept": no one's stance
    if tok.dep_ == "xcomp" and any(
        c.dep_ == "acomp" and c.lemma_.lower() not in set(_ADJ_CUES) | _NEGATING_HEADS for c in tok.head.children
    ):
        return None  # "it's hard to say"
    if tok.dep_ == "xcomp" and any(c.dep_ == "dobj" and _actorish(c) for c in tok.head.children):
        return None  # "compel Ukraine to accept": the object's stance is not stated
    negated = _is_negated(tok)
    stranded = _stranded_passive(tok)
    if stranded is not None:
        subject, agent = stranded
        kind = _apply_negation(kind, negated)
        if kind is None:
            return None
        content = [t for t in subject.subtree]
        return _Candidate(tok, kind, _split_modifier_conjuncts(agent), content, _condition_tokens(tok, []))
    kind = _apply_negation(kind, negated)
    if kind is None:
        return None
    actors = _verb_actors(tok)
    content, condition = _verb_content(tok, lemma, particle)
    if lemma in _NEEDS_CLAUSE and not any(t.dep_ in ("ccomp", "parataxis") or t.tag_.startswith("VB") for t in content):
        if not _content_is_quoted(content):
            return None
    if not content:
        return None
    return _Candidate(tok, kind, actors, content, condition)


def _phrasal_particle(tok: "Token") -> str | None:
    for child in tok.children:
        if child.dep_ == "prt":
            return child.lower_
    for child in tok.children:
        if child.dep_ in ("prep", "agent") and (tok.lemma_.lower(), child.lower_) in _PHRASAL_VERBS:
            return child.lower_
    return None


def _stranded_passive(tok: "Token") -> "tuple[Token, Token] | None":
    """("the truce, agreed to by both sides, …" parsed as active): (subject, agent head)."""
    subject = _first_child(tok, ("nsubj",))
    if subject is None or tok.tag_ != "VBD" and tok.tag_ != "VBN":
        return None
    by = next((c for c in tok.children if c.dep_ == "prep" and c.lower_ == "by"), None)
    if by is None:
        return None
    stranded = any(c.dep_ == "prep" and not any(True for _ in c.children) and c.i < by.i for c in tok.children)
    if not stranded:
        return None
    objs = [c for c in by.children if c.dep_ == "pobj"]
    return (subject, objs[0]) if objs else None


def _split_modifier_conjuncts(head: "Token") -> list["Token"]:
    """"the Russian and American sides" are two actors; "Putin and Trump" too."""
    for child in head.children:
        if child.dep_ in ("amod", "compound") and any(c.dep_ == "conj" for c in child.children):
            parts = [child, *[c for c in child.children if c.dep_ == "conj"]]
            if all(_side_of_words(p.text) for p in parts):
                return parts
    return _with_conjuncts(head)


def _named_agent(tok: "Token") -> bool:
    for agent in tok.children:
        if agent.dep_ == "agent":
            for obj in agent.children:
                if any(t.ent_type_ in ("PERSON", "ORG", "GPE", "NORP") or _side_of_words(t.text) for t in obj.subtree):
                    return True
    return False


def _has_agent(tok: "Token") -> bool:
    return any(c.dep_ == "agent" for c in tok.children)


def _first_child(tok: "Token", deps: tuple[str, ...]) -> "Token | None":
    for child in tok.children:
        if child.dep_ in deps:
            return child
    return None


def _verb_chain(tok: "Token") -> list["Token"]:
    """The verb and the verbs it inherits its clause from (xcomp/conj heads, copulas)."""
    chain = [tok]
    cur = tok
    while cur.head.i != cur.i and (
        cur.dep_ in ("xcomp", "conj", "acomp")
        or cur.dep_ == "advcl" and cur.tag_ == "VB" and not any(c.dep_.startswith("nsubj") for c in cur.children)
    ):
        cur = cur.head
        chain.append(cur)
    return chain


def _is_hypothetical(tok: "Token") -> bool:
    for verb in _verb_chain(tok):
        for child in verb.children:
            if child.dep_ == "aux" and child.lower_ in _HYPOTHETICAL_MODALS:
                if child.lower_ == "would" and verb.dep_ == "ccomp" and verb.head.lemma_.lower() in _VERB_CUES:
                    continue  # "said Russia would agree": reported future, not a hypothesis
                return True
    return False


def _in_condition_clause(tok: "Token") -> bool:
    cur = tok
    while cur.head.i != cur.i:
        if cur.dep_ in ("advcl", "ccomp") and any(
            c.dep_ == "mark" and c.lower_ in ("if", "unless", "whether") for c in cur.children
        ):
            return True
        if cur.dep_ == "pcomp" and cur.head.lower_ == "without":
            return True
        cur = cur.head
    return False


def _is_negated(tok: "Token") -> bool:
    for verb in [tok, *([tok.head] if tok.head.pos_ == "AUX" or tok.dep_ == "acomp" else [])]:
        for child in verb.children:
            if child.dep_ == "neg" or child.lower_ in ("never", "n't", "not"):
                return True
    if tok.dep_ == "xcomp" and tok.head.lemma_.lower() in _NEGATING_HEADS:
        return True
    if tok.dep_ == "xcomp" and tok.head.dep_ == "acomp" and tok.head.lemma_.lower() in _NEGATING_HEADS:
        return True
    return False


def _apply_negation(kind: str, negated: bool) -> str | None:
    if not negated:
        return kind
    # "did not agree / will not accept" is a rejection; a negated demand, warning or claim
    # states nothing (the negation belongs to the proposition only when it sits inside it).
    return "rejects" if kind == "agrees" else None


def _verb_actors(tok: "Token") -> list["Token"]:
    """Heads of the actor mention(s) of a verb cue."""
    agent = _first_child(tok, ("agent",))
    subjects = [c for c in tok.children if c.dep_ in ("nsubj", "csubj")]
    passive_subject = _first_child(tok, ("nsubjpass",))
    if agent is not None:
        objs = [c for c in agent.children if c.dep_ == "pobj"]
        if objs:
            return _split_modifier_conjuncts(objs[0])
    if subjects:
        if subjects[0].lower_ in ("who", "which", "that") and tok.dep_ == "relcl":
            return _split_modifier_conjuncts(tok.head)  # "members who wanted …"
        return _split_modifier_conjuncts(subjects[0])
    if passive_subject is not None:
        return []  # "X was proposed" without an agent: nobody holds it
    if tok.dep_ == "acl" and tok.tag_ == "VBG" and _actorish(tok.head):
        return _split_modifier_conjuncts(tok.head)  # "officials calling for X"
    if tok.dep_ in ("advcl", "acl") and tok.tag_ == "VBG":
        # a participle's subject is the nearest earlier actor subject ("…, while Putin has
        # shifted the onus, demanding …"), skipping subjects of reported content ("echoed the
        # assertion that Zelensky is X, calling for …" is the echoers' call)
        earlier = _nearest_earlier_subject(tok)
        if earlier is not None:
            return _split_modifier_conjuncts(earlier)
    cur = tok
    for _ in range(6):
        # (a ccomp without its own subject is an imperative or a misparse: it inherits no one)
        if cur.dep_ in ("xcomp", "conj", "acomp", "advcl", "pcomp", "prep") and cur.head.i != cur.i:
            parent = cur.head
            if cur.dep_ == "pcomp" or parent.pos_ == "ADP":
                if parent.pos_ == "ADP" and parent.lower_ in ("for", "of") and parent.head.pos_ == "VERB":
                    # "mocked him for opposing X", "accused Russia of backing Y": the object
                    obj = _first_child(parent.head, ("dobj",))
                    if obj is not None and _actorish(obj):
                        return [obj]
                cur = parent
                continue
            subj = _first_child(parent, ("nsubj",))
            if subj is not None:
                if cur.dep_ == "advcl" and not _actorish(subj):
                    # a participle's subject is the nearest earlier actor, not the noun the
                    # parser attached it to ("… an agreement was reached, while Putin …, demanding")
                    earlier = _nearest_earlier_subject(tok)
                    if earlier is not None:
                        return _with_conjuncts(earlier)
                return _with_conjuncts(subj)
            agent = _first_child(parent, ("agent",))
            if agent is not None:
                objs = [c for c in agent.children if c.dep_ == "pobj"]
                if objs:
                    return _with_conjuncts(objs[0])
            cur = parent
            continue
        if cur.dep_ == "relcl":
            return _with_conjuncts(cur.head)
        break
    return []


def _actorish(tok: "Token") -> bool:
    if tok.ent_type_ in ("PERSON", "ORG", "GPE", "NORP") or _side_of_words(tok.text) is not None:
        return True
    if tok.lower_ in _PRONOUNS_PERSON | _PRONOUNS_GROUP:
        return tok.lower_ != "it" or tok.head.lemma_ not in ("be", "’s", "'s")
    return tok.lemma_.lower() in _AGENT_NOUNS


def _nearest_earlier_subject(tok: "Token") -> "Token | None":
    for i in range(tok.i - 1, tok.sent.start - 1, -1):
        cand = tok.doc[i]
        if cand.dep_ == "nsubj" and _actorish(cand) and not _in_reported_content(cand):
            return cand
    return None


def _in_reported_content(tok: "Token") -> bool:
    verb = tok.head
    return verb.dep_ in ("ccomp", "acl", "relcl") and verb.head.i != verb.i


def _with_conjuncts(head: "Token") -> list["Token"]:
    heads = [head]
    for child in head.children:
        if child.dep_ == "conj" and child.pos_ in ("PROPN", "NOUN", "PRON"):
            heads.append(child)
            heads.extend(c for c in child.children if c.dep_ == "conj" and c.pos_ in ("PROPN", "NOUN"))
    return heads


def _verb_content(tok: "Token", lemma: str, particle: str | None) -> tuple[list["Token"], list["Token"]]:
    """Tokens of the proposition a verb cue governs, and of its condition."""
    roots: list["Token"] = []
    content_preps = _CONTENT_PREPS.get(lemma, set()) | ({particle} if particle else set())
    passive = _first_child(tok, ("nsubjpass",))
    has_clause = any(c.dep_ == "ccomp" for c in tok.children)
    for child in tok.children:
        if child.dep_ in ("dobj", "dative") and (has_clause or lemma in _NEEDS_CLAUSE):
            continue  # "told a gathering that …": the addressee
        if child.dep_ in ("ccomp", "xcomp", "dobj") and child.i > tok.i:
            roots.append(child)
        elif child.dep_ in ("ccomp", "parataxis") and child.i < tok.i and _VERB_CUES.get(lemma) == "asserts":
            roots.append(child)  # "“…,” Putin said"
        elif child.dep_ == "prep" and child.lower_ in content_preps:
            roots.append(child)
        elif child.dep_ == "prt" and particle and child.lower_ == particle:
            continue
    if tok.dep_ in ("acl", "relcl") and tok.head.pos_ in ("NOUN", "PROPN"):
        if tok.dep_ == "acl" and _has_agent(tok) and not _named_agent(tok):
            return [], []  # "a peace accepted by both sides": generic, the author's hypothesis
        if not any(r.dep_ in ("dobj", "ccomp", "xcomp") for r in roots):
            # "the ceasefire, agreed to by both sides": the modified noun is the content
            roots = [tok.head]
            return _span_tokens(tok.head, stop_at=tok), _condition_tokens(tok, [])
    if passive is not None and not roots:
        roots = [passive]
    if not roots and tok.dep_ in ("parataxis", "ccomp") and lemma in _NEEDS_CLAUSE and tok.head.pos_ in ("VERB", "AUX"):
        # "Rather than …, the president said, “we will …”": the parser made the quote the head
        skip = {t.i for t in tok.subtree}
        quoted = [t for t in tok.head.subtree if t.i not in skip and t.i > tok.i]
        if quoted:
            return _cut_at_dash(quoted), []
    if not roots and tok.dep_ == "relcl" and tok.head.pos_ in ("NOUN", "PROPN"):
        head = tok.head
        return [t for t in head.subtree if t.i < tok.left_edge.i or t.i > tok.right_edge.i and t.dep_ == "appos"
                or t.i > tok.right_edge.i and t.head.dep_ == "appos"], []
    if not roots:
        return [], []
    roots.sort(key=lambda t: t.i)
    if roots[0].i > tok.i:
        # from the content's start to the end of the cue's clause ("insists on A …, as well as on B")
        first = min(r.left_edge.i for r in roots if r.i > tok.i)
        tokens = _cut_at_dash([t for t in tok.subtree if t.i >= first])
        tokens = _drop_coordinated_clauses(tok, tokens)
    else:
        tokens = [t for r in roots for t in r.subtree]
    condition = _condition_tokens(tok, tokens)
    cond_ids = {t.i for t in condition}
    tokens = [t for t in tokens if t.i not in cond_ids]
    tokens = _cut_at_dash(tokens)
    return tokens, condition


def _drop_coordinated_clauses(cue: "Token", tokens: list["Token"]) -> list["Token"]:
    """Leave out later clauses coordinated with the cue ("agreed to A, but emphasized B")."""
    drop: set[int] = set()
    for child in cue.children:
        if child.dep_ == "conj" and child.pos_ in ("VERB", "AUX") and child.i > cue.i:
            drop.update(t.i for t in child.subtree)
            drop.update(c.i for c in cue.children if c.dep_ in ("cc", "punct") and child.i > c.i > cue.i
                        and all(not (cue.i < r.i < c.i and r.dep_ in ("dobj", "ccomp", "xcomp", "prep")) or r.i < c.i
                                for r in cue.children))
    content_ids = {t.i for t in tokens}
    for tok in [cue, *tokens]:
        if tok is not cue and tok.i not in content_ids:
            continue
        for child in tok.children:
            if child.dep_ != "advcl" or child.i <= cue.i:
                continue
            if any(m.dep_ == "mark" and m.lower_ in ("while", "as", "because", "since", "although", "though",
                                                      "when", "after", "whereas")
                   for m in child.children):
                drop.update(t.i for t in child.subtree)
            elif child.tag_ == "VBG" and _has_cue_lemma(child):
                drop.update(t.i for t in child.subtree)  # "…, pushing for sanctions" is its own stance
        for child in tok.children:
            if child.dep_ == "relcl" and child.i > cue.i and child.left_edge.i > 0:
                before = child.doc[child.left_edge.i - 1]
                if before.text == "," and child.left_edge.lower_ in ("which", "who", "whom", "whose"):
                    drop.update(t.i for t in child.subtree)  # ", which could include …": an aside
    kept = [t for t in tokens if t.i not in drop]
    # a conjoined clause also ends the content at its coordinator
    return kept


def _has_cue_lemma(tok: "Token") -> bool:
    return tok.lemma_.lower() in _VERB_CUES or (tok.lemma_.lower(), _phrasal_particle(tok) or "") in _PHRASAL_VERBS


def _condition_tokens(cue: "Token", content: list["Token"]) -> list["Token"]:
    """Conditional clauses and "as a precondition for …" phrases on the cue or in its content."""
    content_ids = {t.i for t in content}
    found: list["Token"] = []
    scope = [cue, *[t for t in content]]
    for head in scope:
        for child in head.children:
            if child.i in {t.i for t in found}:
                continue
            if head is not cue and head.i not in content_ids:
                continue
            if child.dep_ == "advcl" and any(
                m.dep_ == "mark" and m.lower_ in _CONDITION_MARKS for m in child.children
            ):
                found.extend(child.subtree)
            elif child.dep_ == "advcl" and any(
                m.dep_ in ("mark", "advmod") and m.lower_ == "as" for m in child.children
            ) and any(m.lower_ == "long" for m in child.subtree):
                found.extend(child.subtree)  # "as long as …"
            elif child.dep_ == "prep" and child.lower_ in ("as", "on", "in", "without", "upon"):
                objs = [c for c in child.children if c.dep_ == "pobj"]
                if not objs:
                    continue
                obj = objs[0]
                if obj.lemma_.lower() in _CONDITION_NOUNS or (
                    child.lower_ == "in" and obj.lower_ in ("exchange", "return")
                ) or (child.lower_ == "without" and head is cue):
                    found.extend(child.subtree)
    ids = sorted({t.i for t in found})
    doc = cue.doc
    return [doc[i] for i in ids]


def _cut_at_dash(tokens: list["Token"]) -> list["Token"]:
    """An author's aside after a dash is not part of the proposition."""
    for n, tok in enumerate(tokens):
        if n > 0 and tok.text in _DASHES and not _inside_quote(tok):
            return tokens[:n]
    return tokens


def _inside_quote(tok: "Token") -> bool:
    before = tok.doc[tok.sent.start : tok.i].text
    opens = before.count("“") + before.count('"') % 2
    closes = before.count("”")
    return opens > closes


def _content_is_quoted(tokens: list["Token"]) -> bool:
    return bool(tokens) and any(t.text in _QUOTES or t.is_quote for t in tokens)


def _span_tokens(head: "Token", stop_at: "Token") -> list["Token"]:
    return [t for t in head.subtree if t.i < stop_at.left_edge.i]


# -- nouns and adjectives


def _noun_candidate(tok: "Token") -> _Candidate | None:
    if tok.pos_ not in ("NOUN", "PROPN"):
        return None
    lemma = tok.lemma_.lower()
    kind = _NOUN_CUES.get(lemma)
    if kind is None or _in_condition_clause(tok) or tok.dep_ == "compound":
        return None
    if lemma == "call" and not any(c.dep_ == "prep" and c.lower_ in ("for", "on") for c in tok.children):
        return None  # a phone call
    governor = tok.head if tok.dep_ in ("dobj", "pobj", "nsubj", "attr") else None
    if governor is not None and _is_hypothetical(governor if governor.pos_ != "ADP" else governor.head):
        return None
    actors = _noun_actors(tok)
    content, condition = _noun_content(tok)
    if not content:
        return None
    if not actors:
        return None
    return _Candidate(tok, kind, actors, content, condition)


def _noun_actors(tok: "Token") -> list["Token"]:
    for child in tok.children:
        if child.dep_ == "poss":
            return [child]
    for child in tok.children:
        if child.dep_ in ("prep", "agent") and child.lower_ in ("by", "from"):
            objs = [c for c in child.children if c.dep_ == "pobj"]
            if objs:
                return _with_conjuncts(objs[0])
    for child in tok.children:
        if child.dep_ in ("compound", "amod", "nmod") and child.i < tok.i and (
            child.ent_type_ in ("GPE", "NORP", "ORG", "PERSON") or _side_of_words(child.text)
        ):
            return [child]
    # "Putin seeks … with stipulations that …"; "Russia issued a warning that …"
    head = tok.head
    if tok.dep_ == "pobj" and head.lower_ in _HOLDER_PREPS:
        verb = head.head
        for _ in range(4):  # the parser may attach "with …" to a noun inside the verb phrase
            if verb.pos_ in ("VERB", "AUX") or verb.head.i == verb.i:
                break
            verb = verb.head
        if verb.pos_ in ("VERB", "AUX"):
            return _verb_actors(verb)
    if tok.dep_ == "dobj" and head.lemma_.lower() in _LIGHT_VERBS and not _is_hypothetical(head):
        return _verb_actors(head)
    return []


def _noun_content(tok: "Token") -> tuple[list["Token"], list["Token"]]:
    roots: list["Token"] = []
    for child in tok.children:
        if child.dep_ in ("acl", "ccomp", "relcl") and child.i > tok.i:
            if child.dep_ == "relcl" and not any(m.lower_ == "that" and m.dep_ == "mark" for m in child.children):
                # "the demand that X" is a complement; "the demand which X made" is not
                if not any(m.dep_ == "mark" for m in child.children):
                    continue
            roots.append(child)
        elif child.dep_ == "prep" and child.lower_ in ("for", "to", "on", "of", "against", "about") and child.i > tok.i:
            if child.lower_ == "of" and tok.lemma_.lower() not in ("warning", "threat", "rejection", "acceptance", "denial", "support", "opposition"):
                continue
            roots.append(child)
        elif child.dep_ == "appos" and child.i > tok.i:
            roots.append(child)
    # "his goals are non-negotiable: A; B", "his goal was X"
    copula = tok.head if tok.head.lemma_ in ("be", "remain") else next(
        (c for c in tok.head.children if c.dep_ == "aux" and c.lemma_ == "be" and c.i > tok.i), None
    )
    if tok.dep_ == "nsubj" and copula is not None:
        verb = copula
        end = tok.sent.end
        if tok.head.i != verb.i:
            end = min(end, tok.head.right_edge.i + 1)
        if verb.dep_ in ("ccomp", "parataxis") and verb.head.i > verb.i and _VERB_CUES.get(verb.head.lemma_.lower()) == "asserts":
            end = verb.head.i  # "…, noted Andrianov"
            for sub in verb.head.children:
                if sub.dep_ in ("nsubj",) and verb.i < sub.i < end:
                    end = sub.left_edge.i
        tokens = [t for t in tok.doc[verb.i + 1 : end]]
        for n, t in enumerate(tokens):
            if n > 0 and _VERB_CUES.get(t.lemma_.lower()) == "asserts" and tokens[n - 1].text in (",", "”", '"'):
                tokens = tokens[: n - 1]  # "…, noted Andrianov": the reporting tail
                break
        if tok.lemma_.lower() in _CLAUSE_NOUNS and not any(t.text == ":" for t in tokens):
            return [], []  # "his views were in alignment …" describes, "his position is: X" states
        tokens = _cut_at_dash(tokens)
        condition = _condition_tokens(verb, tokens)
        ids = {t.i for t in condition}
        own = [t for r in roots for t in r.subtree]
        return [*own, *[t for t in tokens if t.i not in ids]] if tokens else own, condition
    doc = tok.doc
    if not roots and tok.i + 1 < len(doc) and doc[tok.i + 1].lower_ == "that":
        verb = doc[tok.i + 1].head
        if verb.i > tok.i + 1 and verb.pos_ in ("VERB", "AUX"):
            # "stipulations that the agreement must include X" attached to an earlier noun
            tokens = [t for t in verb.subtree if t.i > tok.i + 1]
            return _cut_at_dash(tokens), _condition_tokens(verb, tokens)
    if tok.lemma_.lower() in _CLAUSE_NOUNS and not any(r.dep_ in ("acl", "ccomp", "relcl") for r in roots):
        return [], []
    compounds = [c for c in tok.children if c.dep_ == "compound" and c.pos_ == "NOUN"]
    if not roots and compounds:
        # "Washington's ceasefire proposal"
        return [t for c in compounds for t in c.subtree], []
    if not roots:
        return [], []
    roots.sort(key=lambda t: t.i)
    tokens = _drop_coordinated_clauses(tok, _cut_at_dash(sorted((t for r in roots for t in r.subtree), key=lambda t: t.i)))
    condition = _condition_tokens(tok, tokens)
    ids = {t.i for t in condition}
    tokens = _cut_at_dash([t for t in tokens if t.i not in ids])
    return tokens, condition


def _adj_candidate(tok: "Token") -> _Candidate | None:
    if tok.pos_ != "ADJ":
        return None
    kind = _ADJ_CUES.get(tok.lemma_.lower())
    if kind is None or tok.dep_ not in ("acomp", "amod", "oprd") or _in_condition_clause(tok):
        return None
    if _is_hypothetical(tok.head) or _is_hypothetical(tok):
        return None
    content_root = _first_child(tok, ("xcomp", "prep"))
    if content_root is None:
        return None
    if content_root.dep_ == "prep" and content_root.lower_ not in ("to", "for"):
        return None
    kind = _apply_negation(kind, _is_negated(tok))
    if kind is None:
        return None
    actors = _verb_actors(tok.head) if tok.dep_ == "acomp" else []
    tokens = list(content_root.subtree)
    condition = _condition_tokens(tok, tokens)
    ids = {t.i for t in condition}
    tokens = _cut_at_dash([t for t in tokens if t.i not in ids])
    return _Candidate(tok, kind, actors, tokens, condition)


# -- from candidates to positions


def _mention_tokens(head: "Token") -> list["Token"]:
    """The actor noun phrase around its head: modifiers before it and "of/in/from X" after."""
    doc = head.doc
    if head.ent_type_ != "PERSON":
        for child in head.children:
            if child.dep_ == "appos" and child.ent_type_ == "PERSON":
                # "Alabama's state auditor, Jim Ziegler, told …": the name
                return [t for t in child.subtree if t.ent_type_ == "PERSON" or t.i == child.i]
    left = head.left_edge.i
    right = head.i
    # flat names and "officials in Kyiv"
    for child in head.rights:
        if child.dep_ in ("compound", "flat", "nummod"):
            right = max(right, child.right_edge.i)
        elif child.dep_ == "prep" and child.lower_ in ("of", "in", "from", "at") and child.i == right + 1:
            right = child.right_edge.i
        else:
            break
    tokens = [t for t in doc[left : right + 1] if not (t.dep_ == "cc" and t.head.i == head.i)]
    for n, tok in enumerate(tokens):
        if tok.pos_ in ("VERB", "AUX") and tok.i > head.i:
            tokens = tokens[:n]  # a misattached clause is not part of the name
            break
    # do not swallow conjoined actors into one mention ("Putin and Trump")
    conj_ids = {t.i for c in head.children if c.dep_ in ("conj", "cc") for t in c.subtree}
    tokens = [t for t in tokens if t.i not in conj_ids]
    while tokens and (tokens[0].is_punct or tokens[0].lower_ in ("both", "either")):
        tokens = tokens[1:]
    while tokens and tokens[-1].is_punct:
        tokens = tokens[:-1]
    return tokens


# Head nouns that name people or bodies able to hold a position without a named entity.
_AGENT_NOUNS = {
    "leader", "official", "side", "government", "administration", "minister", "president",
    "backer", "ally", "analyst", "expert", "spokesman", "spokeswoman", "spokesperson", "diplomat",
    "negotiator", "lawmaker", "legislator", "senator", "party", "parliament", "ministry",
    "authority", "country", "nation", "state", "union", "bloc", "alliance", "partner", "camp",
    "team", "delegation", "envoy", "ambassador", "chancellor", "premier", "king", "prime",
    "secretary", "general", "commander", "military", "army", "army", "court", "council",
    "commission", "agency", "department", "office", "member", "critic", "opponent", "supporter",
    "activist", "group", "rebel", "militant", "regime", "cabinet", "prosecutor", "judge",
    "company", "firm", "union", "organization", "organisation", "observer", "scholar",
    "professor", "economist", "source", "aide", "adviser", "advisor", "voter", "people",
    "public", "mayor", "governor", "counterpart", "head", "chief", "director", "board",
    "committee", "democrat", "republican", "politician", "ruler", "junta", "coalition",
    "kremlin", "readout", "read-out", "statement", "communique", "release", "spokesmen",
    "representative", "speaker", "insurgent", "fighter", "protester", "protestor", "union",
}


def _is_actor_mention(head: "Token", tokens: list["Token"], surnames: frozenset[str] = frozenset()) -> bool:
    if head.lemma_.lower() in _AGENT_NOUNS or head.lower_ in _AGENT_NOUNS:
        return True
    if head.lower_ in ("some", "many", "others", "several", "most", "critics") and head.dep_ == "nsubj":
        return True  # "Some also said …"
    if head.pos_ == "PROPN" and head.is_title and head.ent_type_ not in ("DATE", "TIME", "CARDINAL", "ORDINAL"):
        return True  # a name the tagger did not label ("Lavrov denied …")
    for tok in tokens:
        if tok.ent_type_ in ("PERSON", "ORG", "GPE", "NORP") or _side_of_words(tok.text) or tok.lower_ in surnames:
            return True
    return False


_PERSON_NOUNS = {"president", "leader", "minister", "chancellor", "premier", "secretary",
                 "spokesman", "spokeswoman", "spokesperson", "ambassador", "envoy", "king", "queen",
                 "senator", "diplomat", "negotiator", "official", "general", "adviser", "advisor"}


def _person_like(tok: "Token", surnames: frozenset[str]) -> bool:
    if _side_of_words(tok.text):
        return False
    return tok.ent_type_ == "PERSON" and tok.pos_ in ("PROPN", "NOUN") or tok.lower_ in surnames or (
        tok.lemma_.lower() in _PERSON_NOUNS and tok.tag_ in ("NN", "NNP")
    )


def _group_like(tok: "Token") -> bool:
    if tok.dep_ == "compound" or tok.pos_ not in ("PROPN", "NOUN"):
        return False
    return tok.ent_type_ in ("ORG", "GPE", "NORP") and tok.tag_.startswith("NNP") or bool(_side_of_words(tok.text))


def _antecedent(pronoun: "Token", surnames: frozenset[str] = frozenset()) -> "Token | None":
    """The mention a pronoun most likely refers to: the nearest earlier subject that fits (a
    person for he/she, an institution or country for it/its), else the nearest fitting mention."""
    bound = _bound_antecedent(pronoun, surnames)
    if bound is not None:
        return bound
    if pronoun.lower_ in ("they", "them", "their", "theirs"):
        return None  # plural reference to several actors is beyond a nearest-mention rule
    doc = pronoun.doc
    want_person = pronoun.lower_ in _PRONOUNS_PERSON
    if not want_person:
        # "it" refers to things far more often than to countries: only the nearest earlier
        # subject of this or the previous sentence counts, and only if it is an actor
        first = pronoun.sent.start
        if first > 0:
            first = doc[first - 1].sent.start
        for i in range(pronoun.i - 1, first - 1, -1):
            tok = doc[i]
            if tok.dep_ in ("nsubj", "nsubjpass") and tok.pos_ != "PRON":
                return tok if (_group_like(tok) or tok.lemma_.lower() in _AGENT_NOUNS) else None
        return None
    fits = (lambda t: _person_like(t, surnames)) if want_person else _group_like
    limit = max(0, pronoun.i - 300)
    nearest = None
    reported = None
    for i in range(pronoun.i - 1, limit - 1, -1):
        tok = doc[i]
        if tok.dep_ in ("compound", "flat") and tok.head.i > tok.i and tok.head.ent_type_ and tok.head.ent_type_ == tok.ent_type_:
            continue  # take the head of a multiword name
        if not fits(tok):
            continue
        if tok.dep_ in ("nsubj", "nsubjpass"):
            if not _in_reported_content(tok):
                return tok  # a main-clause subject: the topic the next "he" most likely continues
            reported = reported or tok
        if nearest is None:
            nearest = tok
    return reported or nearest


def _bound_antecedent(pronoun: "Token", surnames: frozenset[str]) -> "Token | None":
    """The subject a pronoun is bound to in its own sentence: "who offered his support"
    (the relative clause's head), "X said they were willing" (the speaker), "X expressed its
    willingness" (the subject of the clause holding the possessive)."""
    plural = pronoun.lower_ in ("they", "them", "their", "theirs")
    want_person = pronoun.lower_ in _PRONOUNS_PERSON
    cur = pronoun
    for _ in range(8):
        if cur.head.i == cur.i:
            return None
        cur = cur.head
        if cur.pos_ not in ("VERB", "AUX"):
            continue
        if want_person and _VERB_CUES.get(cur.lemma_.lower()) == "asserts" and cur.i != pronoun.head.i:
            speakers = _verb_actors(cur)
            if len(speakers) > 1:
                # "Trump and Vance attacked the Ukrainian leader, saying he …": "he" is not one
                # of several speakers; it is the person mentioned in between
                taken = {t.i for s in speakers for t in s.subtree}
                for i in range(pronoun.i - 1, pronoun.sent.start - 1, -1):
                    tok = pronoun.doc[i]
                    if i not in taken and _person_like(tok, surnames) and tok.dep_ != "compound":
                        return tok
                return None
        subj = _first_child(cur, ("nsubj", "nsubjpass"))
        if subj is None or subj.i == pronoun.i or pronoun.i in {t.i for t in subj.subtree}:
            continue
        if subj.lower_ in ("who", "which", "that") and cur.dep_ == "relcl":
            subj = cur.head
        if subj.pos_ == "PRON":
            return None
        if plural:
            is_plural = subj.tag_ in ("NNS", "NNPS") or any(c.dep_ == "conj" for c in subj.children)
            if is_plural and cur.lemma_.lower() in _VERB_CUES and (_actorish(subj) or subj.tag_ == "NNS"):
                return subj
            return None
        if want_person and _person_like(subj, surnames) or not want_person and _group_like(subj):
            return subj
        if pronoun.dep_ != "poss":
            return None  # "Putin said he …": only the nearest clause binds a subject pronoun
    return None


def _to_positions(
    article: Article,
    doc: "Doc",
    sent: "Span",
    cand: _Candidate,
    resolver: ActorResolver,
    fallback: _DefaultResolver | None,
    options: PositionOptions,
    surnames: frozenset[str] = frozenset(),
) -> Iterator[Position]:
    if cand.kind not in options.kinds or not cand.actor_tokens and options.require_actor:
        return
    content = _render(cand.content_tokens, options.max_content_chars)
    if len(content.split()) < options.min_content_words:
        return
    condition = _render(cand.condition_tokens, options.max_content_chars) or None
    if condition:
        condition = condition.lstrip(",;: ")
    ev_start, ev_end = _trimmed(sent)
    evidence = doc.text[ev_start:ev_end]
    heads = cand.actor_tokens or []
    if not heads:
        if options.require_actor:
            return
        heads = [None]
    pairs: list[tuple] = []
    for head in heads:
        if head is not None and head.lower_ in _PRONOUNS_PERSON | _PRONOUNS_GROUP and options.resolve_pronouns:
            antecedent = _antecedent(head, surnames)
            if antecedent is not None:
                plural = head.lower_ in ("they", "them", "their", "theirs")
                pairs.extend((head, t) for t in (_with_conjuncts(antecedent) if plural else [antecedent]))
        else:
            pairs.append((head, head))
    for head, target in pairs:
        actor_text, ref = _resolve(head, resolver, fallback, options, surnames, target)
        if head is not None and ref is None and actor_text is None:
            continue
        side = ref.side if ref else None
        if options.require_side and side is None:
            continue
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
        )


def _resolve(
    head: "Token | None",
    resolver: ActorResolver,
    fallback: _DefaultResolver | None,
    options: PositionOptions,
    surnames: frozenset[str] = frozenset(),
    target: "Token | None" = None,
) -> tuple[str | None, ActorRef | None]:
    if head is None:
        return None, None
    target = target if target is not None else head
    if head.lower_ == "it" and (head.head.lemma_ == "be" or head.head.lower_ in ("’s", "'s")) and any(c.dep_ in ("acomp", "attr") for c in head.head.children):
        return None, None  # "it is hard to say": no one
    if target is head and head.lower_ in _PRONOUNS_PERSON | _PRONOUNS_GROUP:
        return None, None  # a pronoun left unresolved names no one
    tokens = _mention_tokens(target)
    if target is not head and target.ent_iob_ != "O":
        ent = next((e for e in target.doc.ents if e.start <= target.i < e.end), None)
        if ent is not None:
            tokens = list(ent)
    if not tokens or not _is_actor_mention(target, tokens, surnames):
        return None, None
    start, end = tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)
    text = head.doc.text[start:end]
    actor_text = text if target is head else f"{head.text} ({text})"
    try:
        ref = resolver(text, start, end)
    except Exception:  # a faulty external resolver must not lose the position
        log.exception("actor resolver failed on %r", text)
        ref = None
    if ref is None and fallback is None and target.ent_type_ in ("PERSON", "ORG", "GPE", "NORP"):
        ref = ActorRef(None, _strip_det(text), None)
    return actor_text, ref


def _render(tokens: list["Token"], max_chars: int) -> str:
    if not tokens:
        return ""
    ordered = sorted({t.i: t for t in tokens}.values(), key=lambda t: t.i)
    # drop a leading complementiser/infinitive marker/preposition and edge punctuation
    while ordered and ordered[0].is_space:
        ordered = ordered[1:]
    while ordered and (ordered[0].dep_ in ("mark", "aux", "punct", "cc") and ordered[0].lower_ in (
        "that", "to", ",", ";", ":", "—", "–", "-", "and", "but", "“", "”", '"', "‘", "’", "'"
    ) or ordered[0].dep_ in ("prep", "agent") and ordered[0].lower_ in ("for", "on", "to", "upon", "with", "of", "against", "about", "by")
           and len(ordered) > 1):
        ordered = ordered[1:]
    while ordered and (ordered[-1].is_punct and ordered[-1].text not in ")]" or ordered[-1].dep_ == "cc"
                       or ordered[-1].is_space):
        ordered = ordered[:-1]
    if not ordered:
        return ""
    pieces: list[str] = []
    for n, tok in enumerate(ordered):
        nxt = ordered[n + 1] if n + 1 < len(ordered) else None
        ws = tok.whitespace_ if nxt is not None and nxt.i == tok.i + 1 else (" " if nxt is not None else "")
        pieces.append(tok.text + ws)
    text = re.sub(r"\s+", " ", "".join(pieces)).strip()
    text = _balance_quotes(text)
    if len(text) > max_chars:
        cut = text[: max_chars - 1].rsplit(" ", 1)[0]
        text = cut + "…"
    return text


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


def _clean_name(text: str) -> str:
    text = re.sub(r"['’]s$", "", text.strip())
    return " ".join(w for w in text.split() if w.strip(_QUOTES + ".,"))


def _strip_det(text: str) -> str:
    return re.sub(r"^(the|a|an|both|either)\s+", "", text.strip(), flags=re.I)


# --- evaluation on hand-labelled sentences ----------------------------------------------------


def evaluate(
    labels: Iterable[dict],
    articles: dict[str, dict],
    *,
    split: str | None = None,
    options: PositionOptions | None = None,
) -> dict:
    """Precision/recall of positions against hand labels on sentences of whole articles.

    ``labels``: records ``{"article", "sentence", "split", "positions": [{"kind", "actor":
    [names], "content": [start, end]}, …]}`` where offsets are in the labelled sentence;
    ``articles``: BASIL-format records by id (``text`` with one paragraph per line,
    ``sentences``). Each article is analysed whole (so pronouns can be resolved); predictions
    count for a labelled sentence when their evidence overlaps it by at least half.

    A prediction matches a gold position when one of the gold actor names occurs in its actor
    text and it covers at least half of the gold content's words while at least a third of its
    own content words are gold (so neither a fragment nor a whole paragraph passes). ``overall``
    also requires the same kind; ``any_kind`` does not (was the position found at all).
    """
    from ..resources import nlp

    nlp()  # load once, outside the per-article loop
    labels = [r for r in labels if split is None or r.get("split") == split]
    if not labels:
        raise AnalysisError(
            f"no labelled sentences{f' in split {split!r}' if split else ''}",
            hint="use split 'dev', 'heldout' or None (all), and the labels file of tests/fixtures/positions",
        )
    by_article: dict[str, list[dict]] = {}
    for record in labels:
        by_article.setdefault(record["article"], []).append(record)
    totals = {"tp": 0, "fp": 0, "fn": 0}
    any_kind = {"tp": 0, "fp": 0, "fn": 0}
    per_kind = {k: {"tp": 0, "fp": 0, "fn": 0} for k in KINDS}
    errors: list[dict] = []
    for article_id, records in sorted(by_article.items()):
        source = articles.get(article_id)
        if source is None:
            raise AnalysisError(
                f"labelled article {article_id} is not in the articles given",
                hint="pass the BASIL split the labels were made on (clustering_basil/dev.jsonl)",
            )
        text = "\n\n".join(line for line in source["text"].split("\n") if line.strip())
        article = Article(id=article_id, provenance=_EVAL_PROVENANCE, text=text)
        predicted = extract_positions(article, options=options)
        for record in records:
            sentence = source["sentences"][record["sentence"]]
            at = text.find(sentence)
            if at < 0:
                raise AnalysisError(f"sentence {record['sentence']} of {article_id} not found in its text")
            lo, hi = at, at + len(sentence)
            mine = [
                p for p in predicted
                if min(hi, p.end) - max(lo, p.start) >= 0.5 * min(hi - lo, p.end - p.start)
            ]
            gold = [
                {**g, "content_text": sentence[g["content"][0] : g["content"][1]]} for g in record["positions"]
            ]
            for strict, counts in ((True, totals), (False, any_kind)):
                used: set[int] = set()
                for pos in mine:
                    hit = next((n for n, g in enumerate(gold) if n not in used and _matches(pos, g, strict)), None)
                    if hit is None:
                        counts["fp"] += 1
                        if strict:
                            per_kind[pos.kind]["fp"] += 1
                            errors.append({"sentence": sentence, "type": "fp", "predicted": pos.to_json()})
                    else:
                        used.add(hit)
                        counts["tp"] += 1
                        if strict:
                            per_kind[pos.kind]["tp"] += 1
                for n, g in enumerate(gold):
                    if n not in used:
                        counts["fn"] += 1
                        if strict:
                            per_kind[g["kind"]]["fn"] += 1
                            errors.append({"sentence": sentence, "type": "fn", "gold": g})
    return {
        "sentences": len(labels),
        "gold_positions": sum(len(r["positions"]) for r in labels),
        "overall": _prf(totals),
        "any_kind": _prf(any_kind),
        "per_kind": {k: _prf(v) for k, v in per_kind.items()},
        "errors": errors,
    }


def _matches(pos: Position, gold: dict, strict: bool) -> bool:
    if strict and pos.kind != gold["kind"]:
        return False
    who = f"{pos.actor_text} {pos.actor_name or ''}".lower()
    if not any(name.lower() in who for name in gold["actor"]):
        return False
    gold_words = _content_words(gold["content_text"])
    mine = _content_words(pos.content)
    if not gold_words or not mine:
        return False
    shared = len(gold_words & mine)
    return shared >= 0.5 * len(gold_words) and shared >= len(mine) / 3


_STOP = {"the", "a", "an", "of", "to", "and", "or", "in", "on", "for", "that", "it", "its", "be",
         "is", "are", "was", "were", "with", "by", "as", "at", "from", "this", "their", "his", "her"}


def _content_words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in _STOP}


def _prf(c: dict) -> dict:
    p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0
    r = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {**c, "precision": round(p, 3), "recall": round(r, 3), "f1": round(f, 3)}


from ..models import Provenance as _Provenance  # noqa: E402  (evaluation only)

_EVAL_PROVENANCE = _Provenance(path="<labelled>")


def _read_jsonl(path: str) -> list[dict]:
    records = []
    with open(path, encoding="utf-8") as handle:
        for n, line in enumerate(handle, 1):
            if line.strip():
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise AnalysisError(f"{path}:{n} is not JSON ({exc})", hint="fix or remove the line") from exc
    return records


def _main(argv: list[str]) -> int:
    """Command line for measuring and inspecting (the pipeline never calls it).

    ``python -m newsdesk.positions evaluate LABELS.jsonl BASIL.jsonl [dev|heldout]`` prints the
    scores as JSON; ``python -m newsdesk.positions show FILE.txt`` prints a text's positions.
    """
    if len(argv) >= 3 and argv[0] == "evaluate":
        labels, articles = _read_jsonl(argv[1]), {r["id"]: r for r in _read_jsonl(argv[2])}
        result = evaluate(labels, articles, split=argv[3] if len(argv) > 3 else None)
        sys.stdout.write(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
        return 0
    if len(argv) == 2 and argv[0] == "show":
        with open(argv[1], encoding="utf-8") as handle:
            text = handle.read()
        article = Article(id=argv[1], provenance=_Provenance(path=argv[1]), text=text)
        for pos in extract_positions(article):
            sys.stdout.write(json.dumps(pos.to_json(), ensure_ascii=False) + "\n")
        return 0
    sys.stderr.write(
        "usage: python -m newsdesk.positions evaluate LABELS.jsonl BASIL.jsonl [dev|heldout]\n"
        "       python -m newsdesk.positions show FILE.txt\n"
    )
    return 2


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(_main(sys.argv[1:]))
