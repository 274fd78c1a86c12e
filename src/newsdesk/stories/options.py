"""Options of the story stage."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import OptionsError


@dataclass(frozen=True, kw_only=True)
class StoryOptions:
    """How articles are grouped into stories.

    The score of two articles is ``(embedding_weight·e + names_weight·n + phrases_weight·p) / total``
    minus a date penalty, where ``e`` is the cosine of their title+lead embeddings, ``n`` and ``p``
    the cosines of their weighted anchor terms (names, figures) and key phrases. Stories are the
    average-link clusters of that score cut at ``join_threshold``.

    Attributes:
        embedding_weight: weight of the title+lead embedding cosine (default 0.2). It must stay
            below ``join_threshold`` × total weight: two articles sharing no term never link.
        names_weight: weight of the anchor-term cosine (proper names and figures, default 0.5).
        phrases_weight: weight of the key-phrase cosine (consecutive content words, default 0.3).
        join_threshold: average-link score at which articles and stories are one (default 0.26;
            chosen leaving one dataset out across ECB+, BASIL and AllSides dev,
            see docs/benchmarks/clustering.md).
        date_grace_days: days between two dated articles that cost nothing (default 2): wire
            copies, late follow-ups and time zones.
        date_penalty_per_day: score lost per day beyond the grace (default 0.05).
        max_gap_days: two articles dated further apart never link (default 14).
        max_event_gap_days: two articles whose first sentences date their event (the first day,
            week or month there, resolved against the publication date) this many days apart or
            more never link (default None: off). Two calls two months apart are then two stories
            even when both pages are undated or appeared the same week. Off by default because,
            chosen leaving one dataset out (ECB+, BASIL, AllSides dev), no gap helps: 3 to 365 days
            leave ECB+ at 0.9156 and BASIL at 0.9888 from 14 days up, and cost AllSides up to
            0.003 (see docs/benchmarks.md); the publication dates (``max_gap_days``) already part
            dated coverage.
        preview_days: a pre-event piece ("will speak later today") links with reports of an event
            only when both are dated and the report is 0 to this many days younger (default 1); an
            undated preview never joins reports (dates must say it is the event it anticipates).
        encoder: what embeds title+lead: ``"minilm"`` (newsdesk.resources.embed), a directory
            holding a model2vec static model distilled from MiniLM (about 100 times faster; build
            it with ``python -m newsdesk.stories build-encoder DIR``), or ``"auto"`` (default): the
            directory named by ``$NEWSDESK_STATIC_ENCODER`` or ``newsdesk/data/static_minilm``
            when either exists, else MiniLM.
        max_terms: anchor terms and key phrases kept per article, the rarest first (default 64
            each): bounds memory and time per article on long texts.
        key_terms: rarest terms (names and phrases each) an article is found by; two articles link
            only when they share one of them (default 16).
        max_holders: a key term held by this many articles already is no longer looked up
            (default 200): it names a topic, not an event, and would make every article a
            candidate. Stories are exactly independent of arrival order while no key term
            reaches it.
        max_component: size up to which a connected group of linked articles is re-clustered whole
            whenever it grows, which makes its stories independent of arrival order (default 300).
            Beyond it (a long stream linked day after day), an article re-clusters only the
            stories of the articles it links with, up to this many articles.
        batch_size: articles buffered before they are embedded in one batch (default 64);
            reading the index always flushes the buffer first.
        lead_chars: characters of text, after the title, that are embedded (default 400).
        names_chars: characters of text searched for names and phrases (default 3000).
    """

    embedding_weight: float = 0.2
    names_weight: float = 0.5
    phrases_weight: float = 0.3
    join_threshold: float = 0.26
    date_grace_days: float = 2.0
    date_penalty_per_day: float = 0.05
    max_gap_days: float = 14.0
    max_event_gap_days: float | None = None
    preview_days: float = 1.0
    encoder: str = "auto"
    max_terms: int = 64
    key_terms: int = 16
    max_holders: int = 200
    max_component: int = 300
    batch_size: int = 64
    lead_chars: int = 400
    names_chars: int = 3000

    def __post_init__(self) -> None:
        weights = ("embedding_weight", "names_weight", "phrases_weight")
        for name in weights:
            if getattr(self, name) < 0:
                raise OptionsError(f"{name}={getattr(self, name)} must not be negative", hint="weights are in [0, 1]")
        total = sum(getattr(self, name) for name in weights)
        if total <= 0:
            raise OptionsError(
                "all of embedding_weight, names_weight and phrases_weight are 0",
                hint="give at least one a positive weight",
            )
        if not 0.0 < self.join_threshold < 1.0:
            raise OptionsError(f"join_threshold={self.join_threshold} must be in (0, 1)", hint="the default is 0.26")
        if self.embedding_weight / total >= self.join_threshold:
            raise OptionsError(
                f"embedding_weight is {self.embedding_weight / total:.2f} of the total weight, not below join_threshold={self.join_threshold}",
                hint="articles are found by the terms they share: the embedding alone must not reach the threshold",
            )
        if self.max_event_gap_days is not None and self.max_event_gap_days < 0:
            raise OptionsError(
                f"max_event_gap_days={self.max_event_gap_days} must not be negative", hint="use None to switch it off"
            )
        for name in ("date_grace_days", "date_penalty_per_day", "max_gap_days", "preview_days"):
            if getattr(self, name) < 0:
                raise OptionsError(f"{name}={getattr(self, name)} must not be negative", hint="use 0 to switch it off")
        for name in ("max_terms", "key_terms", "max_holders", "batch_size", "lead_chars", "names_chars"):
            if getattr(self, name) < 1:
                raise OptionsError(
                    f"{name}={getattr(self, name)} must be at least 1", hint="see StoryOptions for the defaults"
                )
        if self.max_component < 2:
            raise OptionsError(f"max_component={self.max_component} must be at least 2", hint="the default is 300")
