"""The replay report's page: a summary (:func:`payfix.batch.report.summarize`) as one self-contained
HTML document, its words from the rule pack's texts (``texts.yaml`` section ``report``, per locale).

Inline CSS, charts as inline SVG (:mod:`payfix.batch.charts`), no script, no external URL. Every
text is escaped; the few that carry markup (a link, a code name) get it after escaping.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from payfix.batch.charts import bars, columns
from payfix.money import minor_unit_exponent
from payfix.rules.bundled import pack_of
from payfix.rules.pack import RulePack

__all__ = ["reason_names", "remedy_names", "render_html", "report_texts"]

#: How a summary writes a missing value (no remedy, no processor answer).
NONE = "(none)"

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


def report_texts(locale: str | None = None, pack: RulePack | None = None) -> Mapping[str, str]:
    """The report's words in ``locale`` (else the pack's default locale) from ``pack``'s texts
    (``None``: the bundled pack's)."""
    pack = pack_of(pack)
    return pack.texts_in("report", (locale,) if locale else ())[1]


def reason_names(locale: str | None = None, pack: RulePack | None = None) -> Mapping[str, str]:
    """Failure reasons by their names in the language :func:`report_texts` writes the page in
    (``pack``'s ``reason_names``; empty where it writes reasons as their ids, as English does)."""
    pack = pack_of(pack)
    language = pack.texts_in("report", (locale,) if locale else ())[0]
    return pack.settings.reason_names.get(language, {})


def remedy_names(locale: str | None = None, pack: RulePack | None = None) -> Mapping[str, str]:
    """Remedies by their titles in the language :func:`report_texts` writes the page in, where
    that is not the pack's default locale (English writes remedies as their ids, as it does
    reasons); a title that quotes a figure (``{fee}``) has none to quote here, so that remedy
    keeps its id."""
    pack = pack_of(pack)
    language = pack.texts_in("report", (locale,) if locale else ())[0]
    if language == pack.settings.default_locale:
        return {}
    return {remedy.id: text.title for remedy in pack.remedies.values()
            if (text := remedy.texts.get(language)) is not None and "{" not in text.title}


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _marked(template: str, marks: Mapping[str, str], **values: Any) -> str:
    """``template`` filled with ``values`` and escaped, then each ``{mark}`` replaced by its
    markup (markup the pack's text cannot inject: it is escaped before)."""
    text = _e(template.format(**values, **{name: "\x00" + name + "\x00" for name in marks}))
    for name, markup in marks.items():
        text = text.replace("\x00" + name + "\x00", markup)
    return text


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


def render_html(summary: dict[str, Any], title: str | None = None,
                texts: Mapping[str, str] | None = None,
                reasons: Mapping[str, str] | None = None,
                remedies: Mapping[str, str] | None = None) -> str:
    """The report page for ``summary``: one self-contained HTML document, in the words of
    ``texts`` (:func:`report_texts`; ``None``: the bundled pack's default locale); a failure
    reason ``reasons`` names (:func:`reason_names`), or a remedy ``remedies`` names
    (:func:`remedy_names`), is written as its name, with its id."""
    t = report_texts() if texts is None else texts
    names = reasons or {}
    titles = remedies or {}

    def reason(key: Any) -> str:  # the locale's name of a reason, and the id the data holds
        return f"{names[key]} ({key})" if key in names else shown(key)

    def remedy(key: Any) -> str:  # the locale's title of a remedy, and its id
        return f"{titles[key]} ({key})" if key in titles else shown(key)

    def shown(key: Any) -> str:  # a summary's "(none)" in the page's language
        return t["none"] if key == NONE or key is None else str(key)

    def counts(mapping: Mapping[str, int]) -> list[list[Any]]:
        return [[shown(k), f"{v:,}"] for k, v in mapping.items()]

    totals = summary["totals"]
    title = t["title"] if title is None else title
    job = t["job"].format(engine=summary["job"].get("engine"), hash=summary["job"].get("pack_hash"))
    body = [f"<h1>{_e(title)}</h1>", f"<p class=muted>{_e(job)}</p>", '<div class="cards">']
    for label, value in ((t["card_rows_in"], f'{totals["rows_in"]:,}'),
                         (t["card_diagnosed"], f'{totals["rows_out"]:,}'),
                         (t["card_rejected"], f'{totals["rows_rejected"]:,} ({_pct(totals["reject_rate"])})'),
                         (t["card_escalated"], f'{totals["escalated"]:,}'),
                         (t["card_escalation_rate"], _pct(totals["escalation_rate"]))):
        body.append(f'<div class="card">{_e(label)}<b>{_e(value)}</b></div>')
    body.append("</div>")
    whatif = summary.get("whatif")
    if whatif is not None:  # the answer to the question the what-if run asked, first
        link = f'<a href="#whatif">{_e(t["details_below"])}</a>'
        body.append('<p class="headline">' + _marked(
            t["headline"], {"link": link}, changed=f'{whatif["top_remedy_changed"]:,}',
            compared=f'{whatif["rows_compared"]:,}', escalation=f'{whatif["escalation_changed"]:,}')
            + "</p>")
    days, hours = summary["over_time"]["day"], summary["over_time"]["hour"]
    body.append(f'<h2>{_e(t["over_time"])}</h2><p class=muted>{_e(t["over_time_note"])}</p>')
    if days:
        by_day = {day: cell["rows"] for day, cell in days.items()}
        body.append(f'<figure>{columns(t["by_day"], by_day, t["axis_failed"], t["axis_day"])}</figure>')
    day_table = _table([t["col_day"], t["col_rows"], t["col_escalated"], t["col_escalation_rate"]],
                       [[d, f'{c["rows"]:,}', f'{c["escalated"]:,}', _pct(c["escalation_rate"])]
                        for d, c in days.items()], {1, 2, 3})
    # more than a month of days: the table folds away under its chart (no script: <details>)
    body.append(day_table if len(days) <= 31 else
                f'<details><summary>{_e(t["days_table"].format(days=f"{len(days):,}"))}</summary>'
                f"{day_table}</details>")
    if hours:
        body.append(f'<figure>{columns(t["by_hour"], hours, t["axis_failed"], t["axis_hour"])}</figure>')
    body.append(_table([t["col_hour"], t["col_rows"]], [[h, f"{n:,}"] for h, n in hours.items()], {1}))
    listed: list[tuple[str, str, str, Callable[[Any], str]]] = [
        ("failure_reasons", "reasons_chart", "col_reason", reason),
        ("top_remedies", "remedies_chart", "col_top_remedy", remedy)]
    for key, chart, column, write in listed:
        body.append(f'<h2>{_e(t[key])}</h2>')
        if summary[key]:
            bars_of = {write(k): v for k, v in summary[key].items()}
            body.append(f'<figure>{bars(t[chart], bars_of, t["axis_rows"])}</figure>')
        body.append(_table([t[column], t["col_rows"]],
                           [[write(k), f"{v:,}"] for k, v in summary[key].items()], {1}))
    body.append(f'<h2>{_e(t["escalation"])}</h2>')
    body.append(_table([t["col_escalation_code"], t["col_rows"]], counts(summary["escalation_codes"]), {1}))
    body.append(_table([t["col_retry_verdict"], t["col_rows"]], counts(summary["retry_verdicts"]), {1}))
    for name, cells in summary["by"].items():
        dimension = t[f"dim_{name}"]
        body.append(f'<h2>{_e(t["by"].format(dimension=dimension))}</h2>')
        if cells:
            rates = {shown(k): c["escalation_rate"] for k, c in cells.items()}
            chart = bars(t["by_chart"].format(dimension=dimension), rates, t["axis_escalated"],
                         percent=True)
            body.append(f"<figure>{chart}</figure>")
        body.append(_table([dimension, t["col_rows"], t["col_escalated"], t["col_escalation_rate"]],
                           [[shown(k), f'{c["rows"]:,}', f'{c["escalated"]:,}', _pct(c["escalation_rate"])]
                            for k, c in cells.items()], {1, 2, 3}))
    body.append(_fees(summary["fees"], t))
    unmapped = summary["unmapped_codes"]
    body.append(f'<h2>{_e(t["unmapped"])}</h2><p class=muted>' + _e(t["unmapped_note"].format(
        distinct=f"{len(unmapped):,}", rows=f'{sum(u["rows"] for u in unmapped):,}')) + "</p>")
    body.append(_table([t["col_family"], t["col_field"], t["col_code"], t["col_rows"]],
                       [[shown(u["scheme"]), shown(u["field"]), u["code"], f'{u["rows"]:,}']
                        for u in unmapped[:50]], {3}))
    body.append(f'<h2>{_e(t["rejected"])}</h2>')
    body.append(_table([t["col_problem_type"], t["col_problems"]], counts(summary["reject_types"]), {1}))
    if whatif is not None:
        body.append(_whatif_html(whatif, t, shown, remedy))
    return (f'<!DOCTYPE html><html lang={_e(t["lang"])}><head><meta charset=utf-8>'
            "<meta name=viewport content='width=device-width, initial-scale=1'>"
            f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>"
            + "\n".join(body) + "</body></html>\n")


def _fees(fees: Mapping[str, Any], t: Mapping[str, str]) -> str:
    body = [f'<h2>{_e(t["fees"])}</h2><p class=muted>'
            + _marked(t["fees_note"], {"fee_usage": "<code>fee_usage</code>"}) + "</p>"]
    body.append(_table([t["col_currency"], t["col_rows"], t["col_with_fee"], t["col_assumed"],
                        t["col_fees"], t["col_amount"]],
                       [[cur, f'{f["rows"]:,}', f'{f["rows_with_fee"]:,}', f'{f["rows_fee_assumed"]:,}',
                         _money(f["fee_total"], cur), _money(f["amount_total"], cur)]
                        for cur, f in fees.items()], {1, 2, 3, 4, 5}))
    if fees:
        shares = {cur: (f["rows_with_fee"] / f["rows"] if f["rows"] else 0.0) for cur, f in fees.items()}
        body.append(f'<figure>{bars(t["fees_chart"], shares, t["axis_rows"], percent=True)}</figure>')
    return "".join(body)


def _whatif_html(whatif: dict[str, Any], t: Mapping[str, str], shown: Any, remedy: Any) -> str:
    def flag(value: Any) -> str:
        return t["yes"] if value is True else t["no"] if value is False else shown(value)

    body = [f'<h2 id="whatif">{_e(t["whatif"])}</h2>',
            "<p>" + _e(t["whatif_line"].format(
                compared=f'{whatif["rows_compared"]:,}', changed=f'{whatif["top_remedy_changed"]:,}',
                escalation=f'{whatif["escalation_changed"]:,}', gained=f'{whatif["escalation_gained"]:,}',
                lost=f'{whatif["escalation_lost"]:,}')) + "</p>"]
    body.append(_table([t["col_baseline_top"], t["col_new_top"], t["col_rows"]],
                       [[remedy(x["from"]), remedy(x["to"]), f'{x["rows"]:,}']
                        for x in whatif["top_remedy_transitions"]], {2}))
    for kind, heading in (("top_remedy", "examples_top"), ("escalation", "examples_escalation")):
        body.append(f"<h3>{_e(t[heading])}</h3>")
        body.append(_table([t["col_row"], t["col_attempt"], t["col_reason"], t["col_baseline"],
                            t["col_new"], t["col_baseline_escalates"], t["col_escalates"]],
                           [[x["row"], x["attempt_id"], x["failure_reason"], remedy(x["baseline_top_remedy"]),
                             remedy(x["top_remedy"]), flag(x["baseline_escalate"]), flag(x["escalate"])]
                            for x in whatif["examples"][kind]], {0}))
    return "".join(body)
