"""The replay report: summary figures computed from the parts, a self-contained HTML page, and the
page rendered by a real headless Chromium without errors or outside requests."""

from __future__ import annotations

import json
import re
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pyarrow")
pytest.importorskip("matplotlib")

from payfix.batch.replay import read_output, replay
from payfix.batch.report import DIMENSIONS, render_html, write_report
from payfix.batch.synthfiles import write_reports

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """2,000 synthetic rows (5% corrupted) replayed in chunks of 300 with a what-if baseline, and
    the report written."""
    root = tmp_path_factory.mktemp("report")
    source = root / "in.parquet"
    write_reports(source, 2000, 17, 0.05)
    replay([source], root / "out", root / "rej.jsonl", workers=1, chunk_rows=300,
           rules=ROOT / "examples" / "custom_pack", baseline="bundled")
    summary = write_report(root / "out", root / "site" / "report.html")
    return {"root": root, "summary": summary, "html": root / "site" / "report.html"}


def test_summary_figures_equal_a_count_over_the_whole_output(replayed: dict[str, Any]) -> None:
    """The streamed summary (part by part) gives the same totals, reasons, remedies, breakdowns and
    exact fee sums as counting over all output rows at once; summary.json holds the same."""
    summary = replayed["summary"]
    rows = read_output(replayed["root"] / "out").to_pylist()
    totals = summary["totals"]
    assert (totals["rows_in"], totals["rows_out"], totals["rows_rejected"]) == (2000, len(rows), 100)
    assert totals["escalated"] == sum(r["escalate"] for r in rows)
    assert summary["failure_reasons"] == dict(Counter(r["failure_reason"] for r in rows))
    assert summary["top_remedies"] == dict(Counter(r["top_remedy"] or "(none)" for r in rows))
    for name in DIMENSIONS:
        counts = Counter(r[name] or "(none)" for r in rows)
        assert {k: v["rows"] for k, v in summary["by"][name].items()} == dict(counts)
        escalated = Counter(r[name] or "(none)" for r in rows if r["escalate"])
        assert {k: v["escalated"] for k, v in summary["by"][name].items()} == {
            k: escalated[k] for k in counts}
    for currency, fees in summary["fees"].items():
        quoted = [Decimal(r["fee_total"]) for r in rows if r["currency"] == currency and r["fee_total"]]
        assert Decimal(fees["fee_total"]) == sum(quoted, Decimal(0))
        assert fees["rows_with_fee"] == len(quoted)
    assert sum(summary["reject_types"].values()) >= 100
    assert summary["whatif"]["rows_compared"] == len(rows)
    written = json.loads((replayed["html"].parent / "summary.json").read_text())
    assert written == json.loads(json.dumps(summary))


def test_synthetic_rows_cover_every_breakdown(replayed: dict[str, Any]) -> None:
    """2,000 synthetic rows reach every payment kind, method, currency and code family of the
    bundled pack, many failure reasons and remedies, rows without a processor answer, escalations,
    fee quotes in several currencies, and rejects of at least four problem types."""
    from payfix.rules.loader import load_pack

    summary = replayed["summary"]
    by = summary["by"]
    assert set(by["kind"]) == {"purchase", "p2p_transfer", "bill_payment", "withdrawal", "top_up"}
    assert set(by["method"]) == {"wallet_balance", "debit_card", "credit_card", "prepaid_card",
                                 "bank_account"}
    assert set(by["currency"]) == {"EUR", "USD", "GBP", "CNY", "JPY"}
    assert set(by["code_family"]) == {*load_pack().codemaps, "(none)"}
    assert len(summary["failure_reasons"]) >= 20
    assert len(summary["top_remedies"]) >= 15
    assert 0 < summary["totals"]["escalated"] < summary["totals"]["rows_out"]
    assert sum(1 for f in summary["fees"].values() if f["rows_with_fee"]) >= 2
    assert len(summary["reject_types"]) >= 4


def test_report_page_is_self_contained(replayed: dict[str, Any]) -> None:
    """The page has inline SVG charts and no script, no external reference of any kind (no
    http(s) URL, no src/href to another resource), and names every breakdown."""
    page = replayed["html"].read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert page.count("<svg") >= 7
    assert "<script" not in page.lower()
    assert not re.search(r"https?:", page)
    # the only link is the what-if headline's, to its section on the same page
    assert re.findall(r"\s(?:src|href)=\"?([^\s\">]*)", page) == ["#whatif"]
    assert "@import" not in page
    assert re.findall(r"url\((.)", page) == ["#"] * page.count("url(")  # only clip paths in the page
    for heading in DIMENSIONS.values():
        assert heading.lower() in page
    assert "What-if" in page


def test_report_leads_with_the_what_if_and_writes_money_as_money() -> None:
    """With a baseline, the page opens (before any section) with the what-if answer and a link to
    its section; fee and amount sums are grouped and carry their currency's minor digits."""
    summary = {"totals": {"rows_in": 10, "rows_out": 10, "rows_rejected": 0, "reject_rate": 0.0,
                          "escalated": 1, "escalation_rate": 0.1, "chunks": 1},
               "failure_reasons": {}, "top_remedies": {}, "retry_verdicts": {},
               "escalation_codes": {}, "by": {name: {} for name in DIMENSIONS},
               "fees": {"JPY": {"rows": 4, "rows_with_fee": 2, "fee_total": "1200",
                                "amount_total": "1582514586"},
                        "EUR": {"rows": 6, "rows_with_fee": 6, "fee_total": "3.5",
                                "amount_total": "12345.6"}},
               "reject_types": {}, "unmapped_codes": [],
               "whatif": {"rows_compared": 10, "top_remedy_changed": 3, "escalation_changed": 1,
                          "escalation_gained": 1, "escalation_lost": 0,
                          "top_remedy_transitions": [], "examples": {"top_remedy": [],
                                                                     "escalation": []}},
               "job": {"engine": "compiled", "pack_hash": "x"}}
    page = render_html(summary)
    headline = page.index('class="headline"')
    assert headline < page.index("<h2")
    assert "3 of 10 diagnoses change their top remedy and 1 their escalation" in page
    assert '<a href="#whatif">' in page
    assert '<h2 id="whatif">' in page
    for money in ("1,582,514,586 JPY", "1,200 JPY", "12,345.60 EUR", "3.50 EUR"):
        assert money in page


def test_report_escapes_what_it_shows() -> None:
    """Values are HTML-escaped: a reason or example id that looks like markup appears as text."""
    summary = {"totals": {"rows_in": 1, "rows_out": 1, "rows_rejected": 0, "reject_rate": 0.0,
                          "escalated": 0, "escalation_rate": 0.0, "chunks": 1},
               "failure_reasons": {"<script>alert(1)</script>": 1}, "top_remedies": {},
               "retry_verdicts": {}, "escalation_codes": {},
               "by": {name: {} for name in DIMENSIONS}, "fees": {}, "reject_types": {},
               "unmapped_codes": [{"scheme": "iso8583", "field": "response_code",
                                   "code": "<img src=x>", "rows": 1}],
               "job": {"engine": "<b>", "pack_hash": "x"}}
    page = render_html(summary)
    assert "<script>" not in page
    assert "<img" not in page
    assert "&lt;img src=x&gt;" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed")
def test_report_renders_in_headless_chromium(replayed: dict[str, Any]) -> None:
    """Chromium opens the report offline with no console error and no request beyond the file
    itself, lays out every chart with a visible size, and a screenshot is saved as a test artefact."""
    sync_api = pytest.importorskip("playwright.sync_api")
    url = replayed["html"].resolve().as_uri()
    requests: list[str] = []
    errors: list[str] = []
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "replay-report.png"
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM),
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            page.on("request", lambda request: requests.append(request.url))
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(url, wait_until="load")
            sizes = page.eval_on_selector_all(
                "svg", "els => els.map(e => [e.getBoundingClientRect().width,"
                       " e.getBoundingClientRect().height])")
            heading = page.text_content("h1")
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    print(f"report screenshot: {shot}")
    assert errors == []
    assert requests == [url]
    assert heading == "payfix replay report"
    assert len(sizes) >= 7
    assert all(w > 100 and h > 50 for w, h in sizes)
    assert shot.stat().st_size > 10_000
