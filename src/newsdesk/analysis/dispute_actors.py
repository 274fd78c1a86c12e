"""Who holds a side of a dispute: :class:`ActorFinder` names the speaker, claimant, denier or
subject of a statement (the story's actor resolver names the entity and the side it speaks for),
and :func:`same_actor` tells whether two names are one party ("Mr. Pence" / "Gov. Mike Pence")."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

from ..models import Article
from .claim_types import Side, Statement, cue_words, lower_words
from .sentences import Sentence
from .sides import side_of

if TYPE_CHECKING:  # pragma: no cover
    from spacy.tokens import Doc

__all__ = ["ActorFinder", "names_a_party", "same_actor", "speaks_for", "surname"]


def statement_span(docs: Mapping[str, Any], statement: Statement) -> Any:
    """The statement's words in its article's parse, or None when the article has no parse."""
    doc = docs.get(statement.article_id)
    return doc.char_span(statement.start, statement.end, alignment_mode="expand") if doc is not None else None


def surname(actor: str) -> str:
    """The last word of an actor's name, lowercased ("Mr. Pence" and "Mike Pence": "pence")."""
    words = lower_words(actor)
    return words[-1] if words else ""


def names_a_party(actor: str, side: str | None) -> bool:
    """Whether an actor is a named party: it speaks for a known side ("the American side"), or a
    word of it past the first is capitalised ("the Kremlin", "Mr. Weiner"), or it is one
    capitalised word that is no function word ("Pence"; not "Many", "officials", "others")."""
    from spacy.lang.en.stop_words import STOP_WORDS

    words = actor.split()
    if side is not None or any(w[:1].isupper() for w in words[1:]):
        return True
    return len(words) == 1 and words[0][:1].isupper() and words[0].lower() not in STOP_WORDS


def same_actor(a: str, b: str) -> bool:
    """Whether two actor names are one party: equal, one inside the other, or two names ending
    in the same surname ("Mr. Pence" / "Gov. Mike Pence")."""
    a, b = a.lower().strip(), b.lower().strip()
    if not a or not b:
        return False
    if a == b or a in b or b in a:
        return True
    # "Mr. Pence" and "Gov. Mike Pence": one person when both are names ending alike
    last_a, last_b = surname(a), surname(b)
    return len(last_a) > 2 and last_a == last_b


def speaks_for(mention: str, party: str) -> bool:
    """Whether an actor's mention names them as speaking for ``party``, so that the two hold one
    side: the party named before a role of theirs ("AARP CEO Barry Rand", "Moore's campaign",
    "Trump campaign manager …") or after a role with "for", "to" or "of" ("a spokesman for Mr.
    Moore", "Senior aides to Ms. Pelosi"). The roles are ``disputes_speaking_roles``; someone a
    mention calls former ("Trump's former lawyer") no longer speaks for the party, and a critic,
    rival or accuser ("Moore's accuser") never did (no such word is a role)."""
    from ..resources import pair_lexicon

    roles = frozenset(pair_lexicon().get("disputes_speaking_roles", ()))
    name = surname(party)
    words = lower_words(mention)
    if len(name) < 3 or any(w in ("former", "ex", "onetime", "one-time") for w in words):
        return False
    for k, word in enumerate(words):
        if word not in (name, name + "'s"):
            continue
        if any(w in roles for w in words[k + 1 : k + 4]):
            return True  # "AARP CEO …", "Moore's campaign", "the Trump campaign's spokesman"
        before = words[max(0, k - 5) : k]
        for j, w in enumerate(before):
            if w in ("for", "to", "of") and j > 0 and before[j - 1] in roles:
                return True  # "a spokesman for Mr. Moore", "aides to Ms. Pelosi"
    return False


class ActorFinder:
    """Who makes a statement: the subject of its reporting verb ("the Kremlin noted", "X said"),
    named by the story's actor resolver (entity and side) when it knows the mention."""

    _PRONOUNS = frozenset("it he she they we i you this that who which there".split())

    def __init__(
        self,
        articles: Mapping[str, Article],
        docs: Mapping[str, "Doc"],
        resolvers: Mapping[str, Callable[[str, int, int], Any]],
        sentences: Mapping[str, Sequence[Sentence]],
    ) -> None:
        self.articles, self.docs, self.sentences = articles, docs, sentences
        self.resolvers = dict(resolvers)

    def of(self, statement: Statement) -> tuple[str, str, str | None]:
        """(actor, the statement's words, side) of a whole statement."""
        inside = self._quotation_speaker(statement)
        if inside is not None:  # the tail of a quotation: "And Nancy said, …" is its speaker's account
            return inside[0] or self.outlet(statement), statement.text, inside[1]
        actor, side = self.speaker(statement.article_id, statement.start, statement.end)
        opens_quotation = statement.text.lstrip()[:1] in ('"', "“")
        if not actor and not opens_quotation:  # a quoted sentence's subject is not who speaks it
            actor, side = self.subject(statement)
        if not actor and any(mark in statement.text for mark in '"“”'):
            # a quoted sentence: its speaker is named in the sentence before or after ("…," Trump said.)
            own = self.sentences.get(statement.article_id, ())
            for neighbour in (statement.index - 1, statement.index + 1):
                if 0 <= neighbour < len(own) and any(mark in own[neighbour].text for mark in '"“”'):
                    actor, side = self._said_by(statement.article_id, neighbour)
                    if actor:
                        break
            if not actor and opens_quotation and not _closes_quotation(statement.text):
                # a quotation running over several sentences names its speaker where it closes
                for later in range(statement.index + 1, min(len(own), statement.index + 5)):
                    if _closes_quotation(own[later].text):
                        actor, side = self._said_by(statement.article_id, later)
                        break
        if not actor and opens_quotation:
            actor, side = self.subject(statement)
        return actor or self.outlet(statement), statement.text, side

    def _said_by(self, article_id: str, index: int) -> tuple[str, str | None]:
        """The speaker of sentence ``index`` of an article, read as :meth:`of` reads a statement's:
        the speaker of the quotation it continues, else the subject of its reporting verb."""
        sentence = self.sentences[article_id][index]
        inside = self._quotation_speaker(Statement(article_id, sentence.text, sentence.start, sentence.end, index))
        return inside if inside is not None else self.speaker(article_id, sentence.start, sentence.end)

    def _quotation_speaker(self, statement: Statement) -> tuple[str, str | None] | None:
        """Who speaks a statement that continues a quotation opened in an earlier sentence (its
        first quotation mark closes one: "And Nancy said, We're not looking to impeach you.”"):
        the speaker named after the closing mark, else the one named outside the quotation marks of
        the sentences before it in the same run of quoted sentences ("“We even talked about that
        today,” he told reporters … “I said, …"), a "he" or "she" read as the named subject of the
        sentence just before the run. A reporting verb inside the quotation ("Nancy said") reports
        what the speaker says someone else said: it is not the statement's speaker. ("", None) when
        no one is named; None when the statement continues no quotation."""
        text = statement.text
        marks = [k for k, c in enumerate(text) if c in "“”"]
        if not marks or text[marks[0]] != "”":
            return None
        article_id = statement.article_id
        actor, side = self.speaker(article_id, statement.start + marks[0] + 1, statement.end)
        if actor:
            return actor, side
        own = self.sentences.get(article_id, ())
        for back in range(statement.index - 1, max(-1, statement.index - 5), -1):
            if back >= len(own) or not any(c in own[back].text for c in "“”"):
                break  # the run of quoted sentences ends here
            sentence = own[back]
            for start, end in _outside_quotation(sentence.text):
                actor, side = self.speaker(article_id, sentence.start + start, sentence.start + end, pronouns=True)
                if actor.lower() in ("he", "she"):
                    actor, side = self._antecedent(article_id, back)
                if actor and actor.lower() not in self._PRONOUNS:
                    return actor, side
                if actor:
                    return "", None
        return "", None

    def _antecedent(self, article_id: str, index: int) -> tuple[str, str | None]:
        """The named party a "he" or "she" of sentence ``index`` stands for: the subject of the main
        verb of the sentence just before it, when it is a name ("… or outright fear that …, Mr.
        Trump dived into the conversation head first"); ``("", None)`` otherwise."""
        own = self.sentences.get(article_id, ())
        doc = self.docs.get(article_id)
        if doc is None or not 0 < index <= len(own):
            return "", None
        before = own[index - 1]
        span = doc.char_span(before.start, before.end, alignment_mode="expand")
        if span is None:
            return "", None
        subject = next((c for c in span.root.children if c.dep_ == "nsubj"), None)
        if subject is None or subject.pos_ != "PROPN" or _past_dateline(subject) is None:
            return "", None
        words = _noun_chunk(doc, subject)
        return self._resolve(article_id, words.text, words.start_char, words.end_char)

    def denier(self, statement: Statement) -> str:
        """Who denies or calls false in a statement: the named subject of its denial verb ("which
        Farenthold has repeatedly denied"), else the named speaker of the statement (the subject of
        its reporting verb: "Pence claims the law has been misconstrued"), else its subject when that
        names a party (:func:`names_a_party`); "" when no one is named.
        A denial word used as a noun ("the mosque dispute") or a denial verb in the passive with no
        agent ("from being dismissed as partisan") denies nothing; a falsity word
        (``disputes_falsity``: misconstrued, incorrect …) does, in any voice."""
        span = statement_span(self.docs, statement)
        if span is None:
            return ""
        doc = span.doc
        cues = cue_words()
        falsity = cues.falsity
        for token in span:
            if token.lower_ not in cues.counter:
                continue
            if any(
                t.lower_ in ("not", "n't", "never", "neither", "nor")
                for t in doc[max(span.start, token.i - 3) : token.i]
            ):
                continue  # "I can neither confirm nor deny": no denial
            if token.pos_ in ("NOUN", "PROPN"):
                continue  # "the mosque dispute": a noun, no one denies anything
            if (
                token.pos_ == "VERB"
                and token.lower_ not in falsity
                and any(c.dep_ in ("nsubjpass", "auxpass") for c in token.children)
                and not any(c.dep_ == "agent" for c in token.children)
            ):
                continue  # "from being dismissed as partisan", "if citizenship were denied": no denier
            if token.pos_ in ("VERB", "AUX"):
                objects = [c for c in token.children if c.dep_ in ("dobj", "obj")]
                if any(o.lower_ not in cues.contested_nouns and o.tag_ != "WDT" for o in objects):
                    continue  # "allow businesses to deny service": no claim is denied
                for child in map(_past_dateline, token.children):
                    if (
                        child is not None
                        and child.dep_ in ("nsubj", "appos")
                        and child.lower_ not in self._PRONOUNS
                        and child.pos_ in ("PROPN", "NOUN")
                    ):
                        words = _noun_chunk(doc, child)
                        return self._resolve(statement.article_id, words.text, words.start_char, words.end_char)[0]
            # who speaks the statement, else its subject ("Pence has defended …, claiming that the
            # measure has been misconstrued"), when that names a party: "The plan includes none of
            # the money … that he rejected" names no denier
            speaker = self.speaker(statement.article_id, statement.start, statement.end)[0]
            if not speaker:
                subject, side = self.subject(statement)
                speaker = subject if subject and names_a_party(subject, side) else ""
            if speaker:
                return speaker
        return ""

    def contested_owner(self, statement: Statement) -> str:
        """Whose words a denial contests when it names them with the contested thing: "a claim by an
        Obama aide … — a claim Romney rejected" (an Obama aide), "the false or misleading testimony
        by James Comey" (James Comey); "" when the denial names no owner ("the accusations, which
        Farenthold has denied"; "brazen and incorrect claims")."""
        span = statement_span(self.docs, statement)
        if span is None:
            return ""
        doc = span.doc
        counter = cue_words().counter
        for token in span:
            if token.lower_ not in counter:
                continue
            word = token
            while word.dep_ == "conj" and word.head.i != word.i:  # "false or misleading testimony"
                word = word.head
            targets = [word.head] if word.dep_ == "amod" else []
            agents: list[Any] = []
            if word.dep_ in ("oprd", "acomp") and word.head.i != word.i:
                # "what testimony he considered false by Mr. Comey", "calling the article misleading":
                # a falsity word said of the object of its verb, whose owner the verb's "by" names
                verb = word.head
                targets += [c for c in verb.children if c.dep_ in ("dobj", "obj", "nsubjpass")]
                agents = [g for c in verb.children if c.dep_ == "agent" for g in c.children if g.dep_ == "pobj"]
            if token.pos_ == "VERB":
                targets += [c for c in token.children if c.dep_ in ("dobj", "obj")]
                if token.dep_ in ("relcl", "acl"):  # "a claim Romney rejected"
                    targets.append(token.head)
            # "a claim by an Obama aide …, a claim Romney rejected": the thing named again
            lemmas = {n.lemma_ for n in targets if n.pos_ == "NOUN"}
            targets += [n for n in span if n.pos_ == "NOUN" and n.lemma_ in lemmas and n not in targets]
            for owner in agents:
                if owner.pos_ in ("PROPN", "NOUN") and owner.lower_ not in self._PRONOUNS:
                    words = _noun_chunk(doc, owner)
                    return self._resolve(statement.article_id, words.text, words.start_char, words.end_char)[0]
            for noun in targets:
                for child in noun.children:
                    owner = None
                    if child.dep_ == "prep" and child.lower_ == "by":
                        owner = next((g for g in child.children if g.dep_ == "pobj"), None)
                    elif child.dep_ == "poss" and child.pos_ == "PROPN":
                        owner = child
                    if owner is not None and owner.pos_ in ("PROPN", "NOUN"):
                        words = _noun_chunk(doc, owner)
                        return self._resolve(statement.article_id, words.text, words.start_char, words.end_char)[0]
        return ""

    def phrase(self, statement: Statement, actor: str) -> str:
        """The whole mention of ``actor`` in a statement, with what the parse hangs on it (its
        titles, its owner, "to Ms. Pelosi"), not a clause about it ("…, who was fired by …"): the
        words :func:`speaks_for` reads ("AARP CEO Barry Rand" for "Barry Rand"); "" when the
        statement does not name the actor."""
        span = statement_span(self.docs, statement)
        name = surname(actor)
        if span is None or not name:
            return ""
        for token in span:
            if token.lower_.replace("’", "'") not in (name, name + "'s") or token.pos_ not in ("PROPN", "NOUN"):
                continue
            while token.dep_ in ("compound", "poss") and token.head.i != token.i:
                token = token.head  # "AARP" in "AARP CEO Barry Rand": the mention is the whole name
            clauses = [c for c in token.children if c.dep_ in ("relcl", "acl")]
            kept = [
                t
                for t in token.subtree
                if not any(c.left_edge.i <= t.i <= c.right_edge.i for c in clauses) and span.start <= t.i < span.end
            ]
            return " ".join(t.text for t in kept)
        return ""

    def names(self, statement: Statement, actor: str) -> bool:
        """Whether a statement names ``actor`` itself, not only inside a clause about someone else
        ("…false by Mr. Comey, who was fired by Mr. Trump …" names Comey, not Trump, as the one it
        speaks of): some mention of the actor's surname has no relative clause, clause of a noun
        or apposition above it in the statement."""
        span = statement_span(self.docs, statement)
        name = surname(actor)
        if span is None or not name:
            return False
        for token in span:
            if token.lower_.replace("’", "'") not in (name, name + "'s"):
                continue
            current, background = token, False
            while current.head.i != current.i and span.start <= current.head.i < span.end:
                if current.dep_ in ("relcl", "acl", "appos"):
                    background = True
                    break
                current = current.head
            if not background:
                return True
        return False

    def claimant(self, statement: Statement) -> str:
        """Who makes the claim of a statement: the named subject of its claim verb ("… O'Rourke
        charged … that …", "Greene accused …"), not of an earlier clause ("one day before Barr
        released …"); "" when no claim verb has a named subject."""
        span = statement_span(self.docs, statement)
        if span is None:
            return ""
        doc = span.doc
        verbs = cue_words().claim_verbs
        for token in span:
            if token.lower_ not in verbs or token.pos_ not in ("VERB", "AUX"):
                continue
            subjects = [c for c in token.children if c.dep_ == "nsubj"]
            if token.dep_ == "acl" and token.head.i == token.i - 1 and token.head.pos_ in ("PROPN", "NOUN"):
                # "… Rep. Beto O'Rourke charged … that": the parser made the verb a clause of its subject
                subjects.append(token.head)
            for child in subjects:
                if child.pos_ in ("PROPN", "NOUN") and child.lower_ not in self._PRONOUNS:
                    words = _noun_chunk(doc, child)
                    return self._resolve(statement.article_id, words.text, words.start_char, words.end_char)[0]
        return ""

    def named(self, article_id: str, words: Any) -> tuple[str, str | None]:
        """The actor and side a span of an article names (the story's resolver, else its words)."""
        return self._resolve(article_id, words.text, words.start_char, words.end_char)

    def outlet(self, statement: Statement) -> str:
        """What names the article itself when no one else makes a statement."""
        article = self.articles.get(statement.article_id)
        return (article.outlet if article is not None else None) or "the article"

    def side(self, statement: Statement) -> Side:
        """A side of a dispute held by a whole statement (its speaker, its words, its sentence)."""
        actor, words, side = self.of(statement)
        return Side(actor, words, [statement.evidence()], side)

    def subject(self, statement: Statement) -> tuple[str, str | None]:
        """The first named or nominal subject of a statement ("Putin has made clear …",
        "Multiple independent analysts … contest …"), as its noun chunk, or ("", None)."""
        span = statement_span(self.docs, statement)
        if span is None:
            return "", None
        doc = span.doc
        for token in span[:12]:  # the main clause's subject, not one of a later clause
            # a noun the parser made the ROOT in the first words is a subject whose verb it misread
            # ("Multiple independent analysts … contest this characterization": "contest" as a noun)
            opening_root = token.dep_ == "ROOT" and token.i - span.start < 4 and token.pos_ == "NOUN"
            if (
                (token.dep_ == "nsubj" or opening_root)
                and token.pos_ in ("PROPN", "NOUN")
                and token.lower_ not in self._PRONOUNS
                and _past_dateline(token) is not None
            ):
                token = _past_dateline(token)
                words = _noun_chunk(doc, token)
                return self._resolve(statement.article_id, words.text, words.start_char, words.end_char)
        return "", None

    def is_attributed(self, statement: Statement) -> bool:
        """Whether a statement is someone's words: a quotation, or a reporting verb with a named subject."""
        if any(mark in statement.text for mark in '"“”'):
            return True
        return bool(self.speaker(statement.article_id, statement.start, statement.end, pronouns=True)[0])

    def speaker(
        self, article_id: str, start: int, end: int, *, leading: bool = False, pronouns: bool = False
    ) -> tuple[str, str | None]:
        """The speaker of the clause at ``start:end`` and its side, or ("", None). With ``leading``
        only a subject that opens the clause counts ("the Kremlin's press release clearly states …");
        with ``pronouns`` a pronoun subject counts too ("They argued …")."""
        doc = self.docs.get(article_id)
        if doc is None:
            return "", None
        span = doc.char_span(start, end, alignment_mode="expand")
        if span is None:
            return "", None
        reporting = cue_words().reporting
        for token in span:
            if token.lemma_.lower() not in reporting and token.lower_ not in reporting:
                continue
            for child in map(_past_dateline, token.children):
                if (
                    child is not None
                    and child.dep_ in ("nsubj", "nsubjpass", "appos")
                    and child.i >= span.start
                    and (pronouns or child.lower_ not in self._PRONOUNS)
                ):
                    if leading and child.left_edge.i > span.start + 2:
                        continue
                    words = _noun_chunk(doc, child)
                    return self._resolve(article_id, words.text, words.start_char, words.end_char)
            # "according to X"
        for token in span if not leading else ():
            if token.lower_ == "according" and token.i + 2 <= span.end and doc[token.i + 1].lower_ == "to":
                obj = [c for c in doc[token.i + 1].children if c.dep_ == "pobj"]
                if obj:
                    words = doc[obj[0].left_edge.i : obj[0].right_edge.i + 1]
                    return self._resolve(article_id, words.text, words.start_char, words.end_char)
        return "", None

    def _resolve(self, article_id: str, text: str, start: int, end: int) -> tuple[str, str | None]:
        resolver = self.resolvers.get(article_id)
        if resolver is None and article_id in self.articles and article_id in self.docs:
            from .sides import default_actor_resolver

            resolver = self.resolvers[article_id] = default_actor_resolver(
                self.articles[article_id], self.docs[article_id]
            )
        found = resolver(text, start, end) if resolver is not None else None
        if found is None:
            return text, side_of(text)
        name = found.name or text
        if name.lower() not in text.lower() and text.lower() not in name.lower():
            return text, side_of(text)  # the resolver named someone the mention does not name
        return _group_phrase(text, name), found.side


def _dateline(token: Any) -> bool:
    """Whether a token is an article's dateline ("WASHINGTON — Representative …"), which the parser
    may make the subject of the first sentence: a word in capitals opening its sentence, then a dash."""
    doc = token.doc
    return (
        token.i == token.sent.start
        and len(token.text) > 1
        and token.text.isupper()
        and token.i + 1 < len(doc)
        and doc[token.i + 1].text in ("—", "–", "--", "-")
    )


def _past_dateline(token: Any) -> Any:
    """A subject as it should be read: a dateline the parser made the subject ("WASHINGTON —
    Representative Anthony D. Weiner … denied") gives way to the name set beside it (its
    apposition), or to nothing; any other token is itself."""
    if not _dateline(token):
        return token
    return next((c for c in token.children if c.dep_ == "appos"), None)


def _outside_quotation(text: str) -> list[tuple[int, int]]:
    """The character ranges of a sentence outside its typographic quotation marks (a quotation
    left open runs to the end of the sentence)."""
    ranges, start, inside = [], 0, False
    for k, c in enumerate(text):
        if c == "“" and not inside:
            if k > start:
                ranges.append((start, k))
            inside = True
        elif c == "”" and inside:
            start, inside = k + 1, False
    if not inside and start < len(text):
        ranges.append((start, len(text)))
    return [(a, b) for a, b in ranges if text[a:b].strip(" ,.;:—–-")]


def _closes_quotation(text: str) -> bool:
    """Whether a sentence closes a quotation: a closing mark after its first character."""
    body = text.strip()[1:]
    return "”" in body or '"' in body


def _group_phrase(mention: str, name: str) -> str:
    """How a reader should see an actor: a group a demonym only qualifies keeps its own words
    ("the American side", "Ukraine's European backers": not "American", "European"); a person or
    an institution named in the mention keeps the resolver's name."""
    from .gazetteer import gazetteer

    words = mention.split()
    if name.lower() in gazetteer().demonyms and len(words) > 1 and words[-1].lower().strip(".,") != name.lower():
        return " ".join(words)
    return name


def _noun_chunk(doc: "Doc", token: Any) -> Any:
    """The noun chunk a subject token heads ("Mr. McCulloch", not "Mr. McCulloch, speaking to a
    local radio station,"); its whole subtree when the parser made no chunk of it."""
    sentence = token.sent
    chunk = next((c for c in sentence.noun_chunks if c.start <= token.i < c.end), None)
    return chunk if chunk is not None else doc[token.left_edge.i : token.right_edge.i + 1]
