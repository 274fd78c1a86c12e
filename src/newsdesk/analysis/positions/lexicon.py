"""The positions stage's cue lexicon: the words that open a candidate position, by kind, and the
function words its grammar rules read (modals, condition markers, pronouns…).

A cue is a verb lemma (*demand*, *agree*), a verb with its particle or preposition (*call for*,
*rule out*), a noun (*stipulation*, *refusal*) or an adjective (*willing*); its kind is one of
:data:`newsdesk.analysis.positions.KINDS`. Countries, seats of government, titles and roles are
in the shared gazetteer (:mod:`newsdesk.analysis.gazetteer`), not here.
"""

from __future__ import annotations

# Verb lemma -> kind. Phrasal cues (verb + particle/preposition) are in PHRASAL_VERBS and win.
VERB_CUES: dict[str, str] = {
    # demands
    "demand": "demands",
    "insist": "demands",
    "want": "demands",
    "seek": "demands",
    "stipulate": "demands",
    "require": "demands",
    "urge": "demands",
    "request": "demands",
    "press": "demands",
    "push": "demands",
    "aim": "demands",
    "pressure": "demands",
    # proposes
    "propose": "proposes",
    "offer": "proposes",
    "suggest": "proposes",
    "recommend": "proposes",
    "float": "proposes",
    # agrees
    "agree": "agrees",
    "accept": "agrees",
    "back": "agrees",
    "support": "agrees",
    "endorse": "agrees",
    "approve": "agrees",
    "welcome": "agrees",
    "embrace": "agrees",
    "consent": "agrees",
    "echo": "agrees",
    # rejects
    "reject": "rejects",
    "refuse": "rejects",
    "dismiss": "rejects",
    "oppose": "rejects",
    "decline": "rejects",
    "rebuff": "rejects",
    "veto": "rejects",
    "condemn": "rejects",
    "resist": "rejects",
    "spurn": "rejects",
    # warns
    "warn": "warns",
    "threaten": "warns",
    "caution": "warns",
    # asserts
    "say": "asserts",
    "claim": "asserts",
    "assert": "asserts",
    "state": "asserts",
    "maintain": "asserts",
    "argue": "asserts",
    "stress": "asserts",
    "emphasize": "asserts",
    "emphasise": "asserts",
    "note": "asserts",
    "declare": "asserts",
    "announce": "asserts",
    "tell": "asserts",
    "believe": "asserts",
    "contend": "asserts",
    "allege": "asserts",
    "signal": "asserts",
    "confirm": "asserts",
    "reiterate": "asserts",
    "acknowledge": "asserts",
    "admit": "asserts",
    "write": "asserts",
    "add": "asserts",
    "indicate": "asserts",
    "accuse": "asserts",
    "predict": "asserts",
    "think": "asserts",
    "vow": "asserts",
    "pledge": "asserts",
    "promise": "asserts",
    "report": "asserts",
    # denies
    "deny": "denies",
    "dispute": "denies",
    "refute": "denies",
    "contest": "denies",
}


# (verb lemma, particle or preposition) -> kind.
PHRASAL_VERBS: dict[tuple[str, str], str] = {
    ("call", "for"): "demands",
    ("call", "on"): "demands",
    ("call", "upon"): "demands",
    ("push", "for"): "demands",
    ("press", "for"): "demands",
    ("ask", "for"): "demands",
    ("insist", "on"): "demands",
    ("insist", "upon"): "demands",
    ("appeal", "for"): "demands",
    ("lobby", "for"): "demands",
    ("argue", "for"): "demands",
    ("hold", "out"): "demands",
    ("put", "forward"): "proposes",
    ("lay", "out"): "proposes",
    ("set", "out"): "proposes",
    ("agree", "to"): "agrees",
    ("agree", "on"): "agrees",
    ("agree", "with"): "agrees",
    ("sign", "on"): "agrees",
    ("sign", "off"): "agrees",
    ("settle", "for"): "agrees",
    ("go", "along"): "agrees",
    ("rule", "out"): "rejects",
    ("turn", "down"): "rejects",
    ("object", "to"): "rejects",
    ("push", "back"): "rejects",
    ("argue", "against"): "rejects",
    ("warn", "against"): "warns",
    ("warn", "of"): "warns",
    ("point", "out"): "asserts",
}


# Verbs that are cues only in their phrasal use.
PHRASAL_ONLY = {
    "call",
    "ask",
    "appeal",
    "lobby",
    "put",
    "lay",
    "set",
    "sign",
    "settle",
    "go",
    "rule",
    "turn",
    "object",
    "hold",
}


# Noun lemma -> kind. Nouns need an actor (possessor, "by/from X", a side modifier, or the
# subject of a light verb) to count.
NOUN_CUES: dict[str, str] = {
    "demand": "demands",
    "stipulation": "demands",
    "requirement": "demands",
    "precondition": "demands",
    "insistence": "demands",
    "ultimatum": "demands",
    "goal": "demands",
    "aim": "demands",
    "objective": "demands",
    "request": "demands",
    "call": "demands",
    "condition": "demands",
    "proposal": "proposes",
    "offer": "proposes",
    "suggestion": "proposes",
    "plan": "proposes",
    "initiative": "proposes",
    "proposition": "proposes",
    "willingness": "agrees",
    "readiness": "agrees",
    "support": "agrees",
    "acceptance": "agrees",
    "consent": "agrees",
    "agreement": "agrees",
    "rejection": "rejects",
    "refusal": "rejects",
    "opposition": "rejects",
    "veto": "rejects",
    "warning": "warns",
    "threat": "warns",
    "claim": "asserts",
    "assertion": "asserts",
    "view": "asserts",
    "position": "asserts",
    "stance": "asserts",
    "argument": "asserts",
    "denial": "denies",
}


# Nouns whose content must be a clause ("the view that …"), not a prepositional phrase.
CLAUSE_NOUNS = {"view", "position", "stance", "claim", "assertion", "argument"}


ADJ_CUES: dict[str, str] = {
    "willing": "agrees",
    "ready": "agrees",
    "prepared": "agrees",
    "open": "agrees",
    "opposed": "rejects",
    "unwilling": "rejects",
}


# Light verbs whose subject holds the nominal cue they govern ("Russia issued a warning").
LIGHT_VERBS = {
    "make",
    "issue",
    "present",
    "submit",
    "table",
    "repeat",
    "reiterate",
    "voice",
    "express",
    "lay",
    "set",
    "send",
    "deliver",
    "signal",
    "confirm",
    "renew",
    "announce",
    "unveil",
    "outline",
    "float",
    "maintain",
    "restate",
    "reaffirm",
}


# Verbs under which "with <noun cue>" belongs to the verb's subject ("seeks to shape X with
# stipulations that ...") — any verb, but only through these prepositions.
HOLDER_PREPS = {"with", "through", "via"}


# Speech verbs need a clause (or a quotation) as content; an object alone is not a claim.
NEEDS_CLAUSE = {
    "say",
    "tell",
    "add",
    "write",
    "note",
    "state",
    "think",
    "believe",
    "argue",
    "report",
    "stress",
    "emphasize",
    "emphasise",
    "indicate",
    "signal",
    "predict",
    "maintain",
    "declare",
    "announce",
}


CONTENT_PREPS: dict[str, set[str]] = {
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


HYPOTHETICAL_MODALS = {"should", "could", "might", "may", "would", "ought"}


CONDITION_MARKS = {"if", "unless", "until", "till", "before", "once", "provided", "providing", "whether"}


CONDITION_NOUNS = {"precondition", "condition", "prerequisite"}


NEGATING_HEADS = {"refuse", "decline", "fail", "reluctant", "unable", "unwilling", "stop"}


PRONOUNS_PERSON = {"he", "him", "his", "she", "her", "hers"}


PRONOUNS_GROUP = {"it", "its", "they", "them", "their", "theirs"}


DASHES = {"—", "–", "--", "―"}


QUOTES = "\"'“”‘’«»"


FIRST_PERSON = {"we", "i", "us", "me", "our", "my"}


# Head nouns that name people or bodies able to hold a position without a named entity.
AGENT_NOUNS = {
    "leader",
    "official",
    "side",
    "government",
    "administration",
    "minister",
    "president",
    "backer",
    "ally",
    "analyst",
    "expert",
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "diplomat",
    "negotiator",
    "lawmaker",
    "legislator",
    "senator",
    "party",
    "parliament",
    "ministry",
    "authority",
    "country",
    "nation",
    "state",
    "union",
    "bloc",
    "alliance",
    "partner",
    "camp",
    "team",
    "delegation",
    "envoy",
    "ambassador",
    "chancellor",
    "premier",
    "king",
    "prime",
    "secretary",
    "general",
    "commander",
    "military",
    "army",
    "court",
    "council",
    "commission",
    "agency",
    "department",
    "office",
    "member",
    "critic",
    "opponent",
    "supporter",
    "activist",
    "group",
    "rebel",
    "militant",
    "regime",
    "cabinet",
    "prosecutor",
    "judge",
    "company",
    "firm",
    "organization",
    "organisation",
    "observer",
    "scholar",
    "professor",
    "economist",
    "source",
    "aide",
    "adviser",
    "advisor",
    "voter",
    "people",
    "public",
    "mayor",
    "governor",
    "counterpart",
    "head",
    "chief",
    "director",
    "board",
    "committee",
    "democrat",
    "republican",
    "politician",
    "ruler",
    "junta",
    "coalition",
    "kremlin",
    "readout",
    "read-out",
    "statement",
    "communique",
    "release",
    "spokesmen",
    "representative",
    "speaker",
    "insurgent",
    "fighter",
    "protester",
    "protestor",
}

# Titles whose holder a personal pronoun can refer back to ("the president … he").
PERSON_TITLES = {
    "president",
    "leader",
    "minister",
    "chancellor",
    "premier",
    "secretary",
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "ambassador",
    "envoy",
    "king",
    "queen",
    "senator",
    "diplomat",
    "negotiator",
    "official",
    "general",
    "adviser",
    "advisor",
}
