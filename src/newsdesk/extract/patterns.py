"""General boilerplate vocabulary shared by the text and HTML paths.

These are patterns of *kinds* of page chrome found across news sites (subscription and donation
appeals, share/follow prompts, "read more" teasers, photo credits, comment invitations), not
strings of any particular site. They are evidence that feeds a score, never a verdict on their
own for long prose lines, except for the appeal patterns, which are chrome at any length.
"""

from __future__ import annotations

import re

#: English function words; their share in a line separates prose from menus and link lists.
STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had
    has have having he her here hers herself him himself his how i if in into is it its itself just
    me more most my myself no nor not now of off on once only or other our ours ourselves out over
    own same she should so some such than that the their theirs them themselves then there these
    they this those through to too under until up very was we were what when where which while who
    whom why will with would you your yours yourself yourselves also said says would may might must
    shall us one two new like even still yet since although though however""".split()
)

#: Short interface text: menus, prompts, share buttons, account links, cookie banners.
CHROME_PHRASES = re.compile(
    r"""\b(
        subscribe|subscription|subscriber|newsletter|sign[\s-]?(up|in)|log[\s-]?(in|out)|
        register|my\s+account|cookies?|privacy\s+(policy|notice|settings)|terms\s+(of|and)\s+
        (use|service|conditions)|all\s+rights\s+reserved|copyright|advertis(e|ing|ement)|
        sponsored|follow\s+us|share\s+(this|on|via|article|story)|
        (tweet|pin|email)\s+(this|it)|print\s+(this|article)|
        read\s+(more|next|full|also)|keep\s+reading|continue\s+reading|show\s+(more|less)|
        load\s+more|see\s+(more|all)|view\s+(more|all|comments)|click\s+here|
        related\s+(articles?|stories|posts|content|coverage|topics)|recommended|trending|
        most\s+(popular|read|viewed|shared)|top\s+stories|latest\s+(news|stories|posts)|
        comments?|join\s+the\s+(discussion|conversation)|leave\s+a\s+(comment|reply)|
        skip\s+to|back\s+to\s+top|jump\s+to|menu|search|home\s*page|
        download\s+(the|our)\s+app|get\s+the\s+app|preferred\s+source|
        watch\s+(now|live|video)|listen\s+(now|to\s+this)|play\s+now|
        reading\s+time|min(ute)?s?\s+read|hours?\s+ago|minutes?\s+ago
    )\b""",
    re.I | re.X,
)

#: Appeals for money, membership or subscription: chrome at any length.
APPEAL = re.compile(
    r"""(
        ^dear\s+(\w+\s+){0,2}readers\b|
        \bplease\s+consider\s+(making|supporting|a\s|donating|subscribing|becoming)|
        \b(make|making)\s+a\s+([\w-]+\s+){0,3}(contribution|donation|gift)\b|
        \bsupport\s+(our|independent|quality|local)\s+(\w+\s+)?journalism\b|
        \bbecom(e|ing)\s+a\s+(paid\s+)?(member|subscriber|supporter|patron)\b|
        \bdonate\s+(now|today)\b|
        \bsubscribe\s+(now|today)\b|
        \b(sign\s+up|subscribe)\s+(for|to)\s+(our|the)\s+([\w-]+\s+){0,3}(newsletter|round-?up|digest|briefing|emails?)\b|
        \bdon'?t\s+miss\s+a\s+beat\b|
        \bsubscriber-only\b|
        \bjoin\s+like[\s-]minded\s+readers\b|
        \bto\s+join\s+the\s+discussion\b|
        \b(is|are|was)\s+republished\s+(here\s+)?with\s+permission\b|
        \bappears?\s+originally\s+(at|in|on)\b|
        \bwe\s+may\s+earn\s+(an?\s+)?(affiliate\s+)?commission\b|\bsupported\s+by\s+(its|our)\s+(audience|readers)\b|
        \bunsubscribe\s+at\s+any\s+time\b|^no\s+spam\b|
        ^(e-?mail|follow)\s+[A-Z][\w'-]*(\s+[A-Z][\w'-]*)?\s+(at|on)\s+\S+@|^follow\s+us\s+on\b
    )""",
    re.I | re.X,
)

#: Image and video captions and credits.
CAPTION = re.compile(
    r"""(
        ^\s*((top|featured|lead|main|header|cover)\s+)?(photo|image|picture|video|graphic|illustration)s?
            (\s+(credit|courtesy|by|source))?\s*[:|/]|
        ^\s*(credit|photo|image)s?\s*:|
        \b(photo|image|picture)s?\s+(by|credit|courtesy)\b|
        \(\s*(photo|image)[^)]*\)\s*$|
        \bgetty\s+images\b|\bshutterstock\b|\breuters/\w|\bap\s+photo\b|/\s*afp\b|\bvia\s+reuters\b|
        \bfile\s+photo\b|\bistock(photo)?\b|\bphotograph:\s|
        ^(image|photo|picture|slide)\s+\d+\s+(of|/)\s+\d+$|
        \b(official\s+)?white\s+house\s+photo\b
    )""",
    re.I | re.X,
)

#: Words that mark a link to another page rather than text of this one.
LINKLIKE = re.compile(r"(https?://|www\.|\.com\b|@\w|#\w|[|»›•▸►→]|\s-\s.*\s-\s)", re.I)

#: "2 min read", "Nov 18, 2019 at 9:24 pm ET" style metadata lines.
META_LINE = re.compile(
    r"""^(
        (by|written\s+by|posted\s+by|words\s+by)\s+.{2,60}|
        (updated|published|posted|last\s+updated|first\s+published)\b.{0,60}|
        .{0,40}\b\d{1,2}:\d{2}\s*(am|pm)?\b.{0,30}
    )$""",
    re.I | re.X,
)

SENTENCE_END = re.compile(r"""[.!?…]["'”’)\]]*\s*$""")
WORD = re.compile(r"\w+", re.UNICODE)

#: Comment widgets and buttons ("Comments", "View comments (12)"): chrome lines.
COMMENTS_START = re.compile(
    r"""^(
        \d+\s+(comments?|responses?|replies|reactions)\b.*|
        (comments?|responses?|replies|reader\s+comments|discussion)(\s*\(\d+\))?\s*:?|
        (leave|post|add|write|submit)\s+(a|your)\s+(comment|reply|response)\b.*|
        (join|start)\s+the\s+(discussion|conversation)\b.*|
        (show|view|read|load|see)\s+(all\s+)?(\d+\s+)?comments?\b.*|
        comments?\s+(are|have\s+been)\s+closed\.?|
        conversation\s*\(\d+\)|
        what\s+do\s+you\s+think\?
    )$""",
    re.I | re.X,
)

#: The unmistakable start of readers' comments: nothing after it is the article, so the
#: article run never crosses it (a bare "Comments" button can sit anywhere and is no wall).
COMMENTS_WALL = re.compile(
    r"""^(
        \d+\s+(comments?|responses?|replies|thoughts)\s+(to|on)\b.*|
        (leave|post|add|write)\s+a\s+(comment|reply)(\s+cancel\s+reply)?|
        comments?\s+(are|have\s+been)\s+closed\.?|
        (join|start)\s+the\s+(discussion|conversation)\b.{0,30}|
        to\s+join\s+the\s+(discussion|conversation)\b.*
    )$""",
    re.I | re.X,
)

# Cheap keyword gates: the regexes above are tried only on lines that contain one of these
# words, which keeps long article paragraphs from paying for dozens of alternatives.
_APPEAL_GATE = re.compile(
    r"dear|consider|contribut|donat|gift|journalism|become|becoming|subscri|sign up|beat|"
    r"like-minded|like minded|discussion|republished|originally|earn|supported|unsubscribe|spam|mail|follow",
    re.I,
)
_CAPTION_GATE = re.compile(
    r"photo|image|picture|slide|video|graphic|illustration|credit|getty|shutterstock|reuters|afp|istock",
    re.I,
)


#: The gates' words, searched as plain substrings of the lower-cased text (several times faster
#: than the case-insensitive alternations above, same answer).
_APPEAL_GATE_WORDS = tuple(_APPEAL_GATE.pattern.split("|"))
_CAPTION_GATE_WORDS = tuple(_CAPTION_GATE.pattern.split("|"))


def is_appeal(text: str) -> bool:
    """A subscription, donation or membership appeal (see :data:`APPEAL`)."""
    folded = text.lower()
    return any(word in folded for word in _APPEAL_GATE_WORDS) and bool(APPEAL.search(text))


def is_caption(text: str) -> bool:
    """An image or video caption or credit (see :data:`CAPTION`)."""
    folded = text.lower()
    return any(word in folded for word in _CAPTION_GATE_WORDS) and bool(CAPTION.search(text))


#: The heading of a block of links to other articles ("Related links:", "You may also like"):
#: what follows it is teasers, so the article run does not cross it.
RELATED_WALL = re.compile(
    r"""^(
        related(\s+(links|articles|stories|posts|news|content|coverage|reading|videos))?|
        read\s+(also|next)|also\s+read|see\s+also|further\s+reading|
        more\s+(stories|news|articles|headlines)|
        you\s+(may|might)\s+(also\s+)?(like|enjoy|be\s+interested\s+in)|
        recommended(\s+(for\s+you|stories|articles|reading))?|
        most\s+(popular|read|viewed|shared|commented)(\s+\w+)?|
        trending(\s+(now|stories|news))?|
        (latest|top|popular)\s+(news|stories|posts|articles)|
        don'?t\s+miss|editor'?s\s+picks?|what\s+to\s+read\s+next
    )\s*:?$""",
    re.I | re.X,
)
