"""The report of a replay: totals, reasons, remedies, breakdowns, fees and charts, from the parts.

:func:`summarize` walks the committed parts of a replay's output directory one at a time (Arrow
``group_by`` per part, merged), so memory stays flat in the number of rows; :func:`render_html`
turns the summary into one self-contained HTML page: inline CSS, charts drawn with matplotlib as
inline SVG, no script, no external URL. Only aggregated, categorical values appear, plus the
what-if examples whose attempt ids are masked already.

Example:
    >>> import tempfile
    >>> from pathlib import Path
    >>> from payfix.batch.replay import replay
    >>> from payfix.batch.synthfiles import write_jsonl
    >>> tmp = Path(tempfile.mkdtemp())
    >>> _ = write_jsonl(tmp / "in.jsonl", rows=50, seed=3, corrupt_share=0.1)
    >>> _ = replay([tmp / "in.jsonl"], tmp / "out", tmp / "rej.jsonl", workers=1)
    >>> s = write_report(tmp / "out", tmp / "report.html")
    >>> (s["totals"]["rows_in"], s["totals"]["rows_out"], s["totals"]["rows_rejected"])
    (50, 45, 5)
    >>> "http" in (tmp / "report.html").read_text()
    False
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from payfix.batch.parts import (
    UNMAPPED_COLUMNS,
    Unmapped,
    count_unmapped,
    read_manifest,
    read_part,
    unmapped_list,
    write_atomic,
)
from payfix.batch.reportpage import NONE, reason_names, remedy_names, render_html, report_texts
from payfix.rules.pack import RulePack

__all__ = ["DIMENSIONS", "render_html", "report_texts", "summarize", "write_report"]

#: Breakdowns of the report: output column -> heading.
DIMENSIONS: dict[str, str] = {"kind": "Payment kind", "method": "Payment method",
                              "code_family": "Processor code family", "currency": "Currency",
                              "country": "Payer's country", "app_version": "App version"}
_COUNTED = ("failure_reason", "top_remedy", "retry_verdict")
_COLUMNS = list(dict.fromkeys(["escalate", "escalation_codes", "fee_total", "fee_assumed", "amount",
                               "at", *_COUNTED, *DIMENSIONS, *UNMAPPED_COLUMNS]))


@dataclass(slots=True)
class _Fees:
    rows: int = 0
    with_fee: int = 0
    assumed: int = 0  # of with_fee: priced without fee_usage, on an assumed unused allowance
    fee: Decimal = Decimal(0)
    amount: Decimal = Decimal(0)


def _label(value: Any) -> str:
    return NONE if value is None else str(value)


def summarize(out: Path) -> dict[str, Any]:
    """Aggregate the committed output of the replay in ``out`` (streamed, one part at a time).

    Returns a JSON-ready dict: ``totals``, ``failure_reasons``, ``top_remedies``,
    ``retry_verdicts``, ``escalation_codes``, ``by`` (rows, escalated and escalation rate per
    value of each of :data:`DIMENSIONS`), ``fees`` (per currency: rows with a fee quote, fee
    total, amount total, as exact decimal strings), ``reject_types`` (problem types of the
    rejected rows), ``unmapped_codes`` (every code family, field and code the pack has no map
    entry for, with its rows, as :func:`~payfix.batch.parts.unmapped_codes` lists them), ``job`` (engine, pack
    hash) and ``whatif`` when the replay had a baseline.
    """
    import pyarrow.compute as pc

    out = Path(out)
    manifest = read_manifest(out)
    rows_out = escalated = rows_rejected = 0
    counted: dict[str, Counter[str]] = {name: Counter() for name in _COUNTED}
    codes: Counter[str] = Counter()
    by: dict[str, dict[str, list[int]]] = {name: {} for name in DIMENSIONS}
    fees: dict[str, _Fees] = {}
    days: dict[str, list[int]] = {}
    hours: Counter[str] = Counter()
    reject_types: Counter[str] = Counter()
    unmapped: Unmapped = {}
    for chunk in sorted(manifest):
        entry = manifest[chunk]
        table = read_part(out / entry["part"], _COLUMNS)
        rows_out += table.num_rows
        count_unmapped(table, unmapped)
        escalated += int(pc.sum(table.column("escalate").cast("int64")).as_py() or 0)
        for name in _COUNTED:
            for item in pc.value_counts(table.column(name)).to_pylist():
                counted[name][_label(item["values"])] += item["counts"]
        flat = pc.list_flatten(table.column("escalation_codes"))
        for item in pc.value_counts(flat).to_pylist():
            codes[_label(item["values"])] += item["counts"]
        for name in DIMENSIONS:
            grouped = table.group_by(name).aggregate([("escalate", "count"), ("escalate", "sum")])
            for key, count, esc in zip(grouped.column(name).to_pylist(),
                                       grouped.column("escalate_count").to_pylist(),
                                       grouped.column("escalate_sum").to_pylist(), strict=True):
                cell = by[name].setdefault(_label(key), [0, 0])
                cell[0] += count
                cell[1] += int(esc or 0)
        _count_times(table, days, hours)
        for currency, fee, assumed, amount in zip(table.column("currency").to_pylist(),
                                                  table.column("fee_total").to_pylist(),
                                                  table.column("fee_assumed").to_pylist(),
                                                  table.column("amount").to_pylist(), strict=True):
            money = fees.setdefault(currency, _Fees())
            money.rows += 1
            money.amount += Decimal(amount)
            if fee is not None:
                money.with_fee += 1
                money.fee += Decimal(fee)
                money.assumed += bool(assumed)
        with (out / entry["rejects"]).open("rb") as handle:
            for line in handle:
                rows_rejected += 1
                for problem in json.loads(line)["problems"]:
                    reject_types[problem["type"]] += 1
    rows_in = rows_out + rows_rejected
    job_path = out / "_job.json"
    job = json.loads(job_path.read_text(encoding="utf-8")) if job_path.exists() else {}
    whatif_path = out / "_whatif.json"
    summary: dict[str, Any] = {
        "totals": {"rows_in": rows_in, "rows_out": rows_out, "rows_rejected": rows_rejected,
                   "reject_rate": _rate(rows_rejected, rows_in), "escalated": escalated,
                   "escalation_rate": _rate(escalated, rows_out), "chunks": len(manifest)},
        "failure_reasons": _ordered(counted["failure_reason"]),
        "top_remedies": _ordered(counted["top_remedy"]),
        "retry_verdicts": _ordered(counted["retry_verdict"]),
        "escalation_codes": _ordered(codes),
        "by": {name: {key: {"rows": n, "escalated": e, "escalation_rate": _rate(e, n)}
                      for key, (n, e) in sorted(cells.items(), key=lambda kv: (-kv[1][0], kv[0]))}
               for name, cells in by.items()},
        "over_time": {"day": {day: {"rows": n, "escalated": e, "escalation_rate": _rate(e, n)}
                              for day, (n, e) in sorted(days.items())},
                      "hour": {hour: hours[hour] for hour in sorted(hours)}},
        "fees": {cur: {"rows": f.rows, "rows_with_fee": f.with_fee,
                       "rows_fee_assumed": f.assumed, "fee_total": str(f.fee),
                       "amount_total": str(f.amount)} for cur, f in sorted(fees.items())},
        "reject_types": _ordered(reject_types),
        "unmapped_codes": unmapped_list(unmapped),
        "job": {key: job.get(key) for key in ("engine", "audience", "pack_hash", "baseline_hash",
                                              "output_format")},
    }
    if whatif_path.exists():
        summary["whatif"] = json.loads(whatif_path.read_text(encoding="utf-8"))
    return summary


def _count_times(table: Any, days: dict[str, list[int]], hours: Counter[str]) -> None:
    """Rows and escalations per day, and rows per hour of the day, of one part: read off ``at`` as
    each report wrote it, so in the data's own time zone (``2026-03-01T23:30:00+08:00`` is
    1 March, hour 23)."""
    import pyarrow.compute as pc

    at = table.column("at")
    day = pc.utf8_slice_codeunits(at, 0, 10)
    grouped = table.append_column("day", day).group_by("day").aggregate(
        [("escalate", "count"), ("escalate", "sum")])
    for key, count, esc in zip(grouped.column("day").to_pylist(),
                               grouped.column("escalate_count").to_pylist(),
                               grouped.column("escalate_sum").to_pylist(), strict=True):
        cell = days.setdefault(key, [0, 0])
        cell[0] += count
        cell[1] += int(esc or 0)
    for item in pc.value_counts(pc.utf8_slice_codeunits(at, 11, 13)).to_pylist():
        hours[item["values"]] += item["counts"]


def _rate(part: int, whole: int) -> float:
    return round(part / whole, 6) if whole else 0.0


def _ordered(counter: Counter[str]) -> dict[str, int]:
    return dict(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))


def write_report(out: Path, html_path: Path, summary_path: Path | None = None, *,
                 locale: str | None = None, pack: RulePack | None = None) -> dict[str, Any]:
    """Summarise the replay in ``out`` and write the HTML report to ``html_path``, its words in
    ``locale`` (``pack``'s texts, section ``report``; ``None``: the bundled pack's default
    locale), and the summary as JSON to ``summary_path`` (default: ``summary.json`` beside the
    report). Returns the summary."""
    summary = summarize(Path(out))
    html_path = Path(html_path)
    html_path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(html_path, render_html(summary, texts=report_texts(locale, pack),
                                        reasons=reason_names(locale, pack),
                                        remedies=remedy_names(locale, pack)))
    summary_path = html_path.with_name("summary.json") if summary_path is None else Path(summary_path)
    write_atomic(summary_path, json.dumps(summary, indent=1, ensure_ascii=False) + "\n")
    return summary
