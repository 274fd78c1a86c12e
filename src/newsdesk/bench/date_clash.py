"""Date contradictions on hand-annotated pairs: which gold pairs the resolved-date rule flags.

On brief_basil, every annotated contradiction and every annotated not-contradiction is a pair of
verbatim sentences of two dated articles. Each pair is encoded twice by the sentence-pair model
(:mod:`newsdesk.nli`): with each article's publication date (dates resolved to calendar days) and
without (dates compared as written). For each, counts of pairs where the two sentences' dates
clash in one slot (``date_clash``, the model's signal and the grouping veto) and where one event
is dated on incompatible days (``date_event_clash``, what the claims stage reports as a
``date_time`` dispute).
"""

from __future__ import annotations

HELP = "date contradictions on brief_basil's annotated pairs: gold date_time flagged, not-contradictions flagged"


def add_arguments(parser) -> None:
    parser.add_argument("dataset", help="a brief dataset (brief_basil/dev.jsonl)")


def run(args):
    from ..nli import PairModel, features_of
    from . import BenchReport, BenchTable, read_jsonl

    pairs: list[tuple[str, str, str, str, str]] = []  # group, text a, date a, text b, date b
    for record in read_jsonl(args.dataset):
        dates = {a["key"]: a.get("date") for a in record["articles"]}
        annotated = [(f"contradiction: {c['type']}", c) for c in record.get("contradictions", [])]
        annotated += [("not a contradiction", c) for c in record.get("not_contradictions", [])]
        for group, pair in annotated:
            a, b = pair["a"], pair["b"]
            pairs.append((group, a["text"], dates.get(a["article"]), b["text"], dates.get(b["article"])))
    texts = [text for _, a, _, b, _ in pairs for text in (a, b)]
    anchors = [day for _, _, da, _, db in pairs for day in (da, db)]
    model = PairModel.load()
    rows = []
    flagged: list[dict[str, str]] = []
    for mode, given in (("resolved", anchors), ("as written", None)):
        encoded = model.encode(texts, anchors=given)
        _, seen = features_of(encoded, [(2 * k, 2 * k + 1) for k in range(len(pairs))])
        counts: dict[str, list[int]] = {}
        for (group, a, _, b, _), evidence in zip(pairs, seen):
            key = group if group in ("contradiction: date_time", "not a contradiction") else "contradiction: other"
            count = counts.setdefault(key, [0, 0, 0])
            count[0] += 1
            count[1] += bool(evidence.date_clash)
            count[2] += bool(evidence.date_event_clash)
            if mode == "resolved" and evidence.date_event_clash:
                flagged.append({"group": group, "a": a, "b": b, "dates": " vs ".join(evidence.date_event_clash)})
        for key in sorted(counts):
            total, clash, event = counts[key]
            rows.append({"dates": mode, "pairs": key, "n": total, "date_clash": clash, "date_event_clash": event})
    return BenchReport(
        name="date_clash",
        dataset=str(args.dataset),
        tables=[
            BenchTable(
                title="Annotated pairs with a date clash (date_event_clash = reported as a date_time dispute)",
                columns=["dates", "pairs", "n", "date_clash", "date_event_clash"],
                rows=rows,
            )
        ],
        notes=[f"flagged ({f['group']}, {f['dates']}): {f['a'][:80]} | {f['b'][:80]}" for f in flagged],
        metrics={"rows": rows, "flagged": flagged},
    )
