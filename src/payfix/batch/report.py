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

import html
import json
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from payfix.batch.charts import bars as _bars
from payfix.batch.charts import columns as _columns
from payfix.batch.parts import (
    UNMAPPED_COLUMNS,
    Unmapped,
    count_unmapped,
    read_manifest,
    read_part,
    unmapped_list,
    write_atomic,
)
from payfix.money import minor_unit_exponent

__all__ = ["DIMENSIONS", "render_html", "summarize", "write_report"]

#: Breakdowns of the report: output column -> heading.
DIMENSIONS: dict[str, str] = {"kind": "Payment kind", "method": "Payment method",
                              "code_family": "Processor code family", "currency": "Currency",
                              "country": "Payer's country", "app_version": "App version"}
_COUNTED = ("failure_reason", "top_remedy", "retry_verdict")
_COLUMNS = list(dict.fromkeys(["escalate", "escalation_codes", "fee_total", "fee_assumed", "amount",
                               "at", *_COUNTED, *DIMENSIONS, *UNMAPPED_COLUMNS]))
_NONE = "(none)"


@dataclass(slots=True)
class _Fees:
    rows: int = 0
    with_fee: int = 0
    assumed: int = 0  # of with_fee: priced without fee_usage, on an assumed unused allowance
    fee: Decimal = Decimal(0)
    amount: Decimal = Decimal(0)


def _label(value: Any) -> str:
    return _NONE if value is None else str(value)


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


# ---------------------------------------------------------------- HTML

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:64rem;
color:#1d2330;padding:0 1rem}h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2.2rem;
border-bottom:1px solid #d8dde6;padding-bottom:.2rem}table{border-collapse:collapse;margin:.6rem 0}
th,td{padding:.25rem .7rem;border-bottom:1px solid #e6e9ef;text-align:left}td.n{text-align:right;
font-variant-numeric:tabular-nums}.cards{display:flex;flex-wrap:wrap;gap:.8rem}.card{border:1px solid
#d8dde6;border-radius:6px;padding:.6rem 1rem;min-width:9rem}.card b{display:block;font-size:1.3rem}
figure{margin:.6rem 0}svg{max-width:100%;height:auto}.muted{color:#5b6475}
.headline{margin:1.2rem 0;padding:.6rem 1rem;border-left:4px solid #3b6fd8;background:#f2f5fb}
"""


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _table(head: list[str], rows: list[list[Any]], numeric: set[int] | None = None) -> str:
    numeric = numeric or set()
    parts = ["<table><thead><tr>", *(f"<th>{_e(h)}</th>" for h in head), "</tr></thead><tbody>"]
    for row in rows:
        parts.append("<tr>" + "".join(f'<td{" class=n" if i in numeric else ""}>{_e(v)}</td>'
                                      for i, v in enumerate(row)) + "</tr>")
    parts.append("</tbody></table>")
    return "".join(parts)


def _pct(rate: float) -> str:
    return f"{rate * 100:.1f}%"


def _money(value: str, currency: str) -> str:
    """An exact decimal sum as people read money: thousands grouped, the currency's own number of
    minor digits, and its code (``1,582,514,586 JPY``, ``12,345.60 EUR``)."""
    exponent = minor_unit_exponent(currency)
    if exponent is None:
        return f"{value} {currency}"
    return f"{Decimal(value):,.{exponent}f} {currency}"


def render_html(summary: dict[str, Any], title: str = "payfix replay report") -> str:
    """The report page for ``summary`` (from :func:`summarize`): one self-contained HTML document."""
    totals = summary["totals"]
    body = [f"<h1>{_e(title)}</h1>",
            f'<p class=muted>engine {_e(summary["job"].get("engine"))}, rule pack '
            f'{_e(summary["job"].get("pack_hash"))}</p>', '<div class="cards">']
    for label, value in (("rows in", f'{totals["rows_in"]:,}'), ("diagnosed", f'{totals["rows_out"]:,}'),
                         ("rejected", f'{totals["rows_rejected"]:,} ({_pct(totals["reject_rate"])})'),
                         ("escalated", f'{totals["escalated"]:,}'),
                         ("escalation rate", _pct(totals["escalation_rate"]))):
        body.append(f'<div class="card">{_e(label)}<b>{_e(value)}</b></div>')
    body.append("</div>")
    whatif = summary.get("whatif")
    if whatif is not None:  # the answer to the question the what-if run asked, first
        body.append(f'<p class="headline">What-if: {whatif["top_remedy_changed"]:,} of '
                    f'{whatif["rows_compared"]:,} diagnoses change their top remedy and '
                    f'{whatif["escalation_changed"]:,} their escalation under the new rules. '
                    '<a href="#whatif">Details below</a>.</p>')
    days, hours = summary["over_time"]["day"], summary["over_time"]["hour"]
    body.append("<h2>Failures over time</h2><p class=muted>Days and hours as each report wrote its "
                "time, so in the data's own time zone.</p>")
    if days:
        rows_by_day = {day: cell["rows"] for day, cell in days.items()}
        body.append(f"<figure>{_columns('Failed payments by day', rows_by_day, 'failed payments', 'day')}"
                    f"</figure>")
    day_table = _table(["day", "rows", "escalated", "escalation rate"],
                       [[d, f'{c["rows"]:,}', f'{c["escalated"]:,}', _pct(c["escalation_rate"])]
                        for d, c in days.items()], {1, 2, 3})
    # more than a month of days: the table folds away under its chart (no script: <details>)
    body.append(day_table if len(days) <= 31 else
                f"<details><summary>Table: {len(days):,} days</summary>{day_table}</details>")
    if hours:
        chart = _columns("Failed payments by hour of the day", hours, "failed payments", "hour")
        body.append(f"<figure>{chart}</figure>")
    body.append(_table(["hour", "rows"], [[h, f"{n:,}"] for h, n in hours.items()], {1}))
    body.append("<h2>Failure reasons</h2>")
    if summary["failure_reasons"]:
        body.append(f'<figure>{_bars("Rows by failure reason", summary["failure_reasons"], "rows")}</figure>')
    body.append(_table(["reason", "rows"], [[k, f"{v:,}"] for k, v in summary["failure_reasons"].items()],
                       {1}))
    body.append("<h2>Top remedies</h2>")
    if summary["top_remedies"]:
        body.append(f'<figure>{_bars("Rows by top-ranked remedy", summary["top_remedies"], "rows")}</figure>')
    body.append(_table(["top remedy", "rows"], [[k, f"{v:,}"] for k, v in summary["top_remedies"].items()],
                       {1}))
    body.append("<h2>Escalation and retry</h2>")
    body.append(_table(["escalation code", "rows"],
                       [[k, f"{v:,}"] for k, v in summary["escalation_codes"].items()], {1}))
    body.append(_table(["retry verdict", "rows"],
                       [[k, f"{v:,}"] for k, v in summary["retry_verdicts"].items()], {1}))
    for name, heading in DIMENSIONS.items():
        cells = summary["by"][name]
        body.append(f"<h2>By {_e(heading.lower())}</h2>")
        if cells:
            rates = {k: c["escalation_rate"] for k, c in cells.items()}
            chart = _bars(f"Escalation rate by {heading.lower()}", rates, "escalated", percent=True)
            body.append(f"<figure>{chart}</figure>")
        body.append(_table([heading.lower(), "rows", "escalated", "escalation rate"],
                           [[k, f'{c["rows"]:,}', f'{c["escalated"]:,}', _pct(c["escalation_rate"])]
                            for k, c in cells.items()], {1, 2, 3}))
    body.append("<h2>Fees</h2><p class=muted>Fee quotes of the pack's fee schedules, per currency "
                "(exact decimal sums). A row without <code>fee_usage</code> is priced as though none "
                "of the payer's free allowance had been used yet: its fee is the lowest it can be, "
                "and the column says how many such rows each sum holds.</p>")
    body.append(_table(["currency", "rows", "rows with a fee quote",
                        "of which priced on an assumed unused allowance", "fees quoted",
                        "amount attempted"],
                       [[cur, f'{f["rows"]:,}', f'{f["rows_with_fee"]:,}', f'{f["rows_fee_assumed"]:,}',
                         _money(f["fee_total"], cur), _money(f["amount_total"], cur)]
                        for cur, f in summary["fees"].items()], {1, 2, 3, 4, 5}))
    if summary["fees"]:
        shares = {cur: (f["rows_with_fee"] / f["rows"] if f["rows"] else 0.0)
                  for cur, f in summary["fees"].items()}
        body.append(f"<figure>{_bars('Rows with a fee quote, by currency', shares, 'rows', percent=True)}"
                    "</figure>")
    unmapped = summary["unmapped_codes"]
    body.append("<h2>Codes without a map</h2><p class=muted>Processor codes the rule pack has no "
                f"code-map entry for ({len(unmapped):,} distinct, "
                f'{sum(u["rows"] for u in unmapped):,} rows): these rows got the fallback '
                "checklist. Most rows first; the summary JSON lists them all.</p>")
    body.append(_table(["code family", "field", "code", "rows"],
                       [[_label(u["scheme"]), _label(u["field"]), u["code"], f'{u["rows"]:,}']
                        for u in unmapped[:50]], {3}))
    body.append("<h2>Rejected rows</h2>")
    body.append(_table(["problem type", "problems"],
                       [[k, f"{v:,}"] for k, v in summary["reject_types"].items()], {1}))
    if "whatif" in summary:
        body.append(_whatif_html(summary["whatif"]))
    return ("<!DOCTYPE html><html lang=en><head><meta charset=utf-8>"
            "<meta name=viewport content='width=device-width, initial-scale=1'>"
            f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>"
            + "\n".join(body) + "</body></html>\n")


def _whatif_html(whatif: dict[str, Any]) -> str:
    body = ['<h2 id="whatif">What-if: new rules against the baseline</h2>',
            f'<p>{whatif["rows_compared"]:,} diagnoses compared: {whatif["top_remedy_changed"]:,} change '
            f'their top remedy, {whatif["escalation_changed"]:,} their escalation '
            f'({whatif["escalation_gained"]:,} now escalate, {whatif["escalation_lost"]:,} no longer).</p>']
    body.append(_table(["baseline top remedy", "new top remedy", "rows"],
                       [[t["from"], t["to"], f'{t["rows"]:,}'] for t in whatif["top_remedy_transitions"]],
                       {2}))
    for kind, heading in (("top_remedy", "Examples: top remedy changed"),
                          ("escalation", "Examples: escalation changed")):
        body.append(f"<h3>{_e(heading)}</h3>")
        body.append(_table(["row", "attempt id", "reason", "baseline", "new", "baseline escalates",
                            "escalates"],
                           [[x["row"], x["attempt_id"], x["failure_reason"], _label(x["baseline_top_remedy"]),
                             _label(x["top_remedy"]), x["baseline_escalate"], x["escalate"]]
                            for x in whatif["examples"][kind]], {0}))
    return "".join(body)


def write_report(out: Path, html_path: Path, summary_path: Path | None = None) -> dict[str, Any]:
    """Summarise the replay in ``out`` and write the HTML report to ``html_path`` and the summary
    as JSON to ``summary_path`` (default: ``summary.json`` beside the report). Returns the summary."""
    summary = summarize(Path(out))
    html_path = Path(html_path)
    html_path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(html_path, render_html(summary))
    summary_path = html_path.with_name("summary.json") if summary_path is None else Path(summary_path)
    write_atomic(summary_path, json.dumps(summary, indent=1, ensure_ascii=False) + "\n")
    return summary
