"""The replay report: summary figures computed from the parts, a self-contained HTML page, and the
page rendered by a real headless Chromium without errors or outside requests."""

from __future__ import annotations

import html
import json
import os
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
from payfix.rules.bundled import bundled_pack

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
        assert fees["rows_fee_assumed"] == sum(1 for r in rows if r["currency"] == currency
                                               and r["fee_total"] and r["fee_assumed"])
    days = summary["over_time"]["day"]
    assert {d: c["rows"] for d, c in days.items()} == dict(Counter(r["at"][:10] for r in rows))
    assert {d: c["escalated"] for d, c in days.items()} == {
        d: sum(1 for r in rows if r["at"][:10] == d and r["escalate"]) for d in days}
    assert summary["over_time"]["hour"] == dict(Counter(r["at"][11:13] for r in rows))
    assert list(days) == sorted(days)
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
    assert len(by["country"]) >= 5
    assert len(by["app_version"]) >= 2
    assert len(summary["over_time"]["hour"]) >= 12
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
               "over_time": {"day": {}, "hour": {}},
               "fees": {"JPY": {"rows": 4, "rows_with_fee": 2, "rows_fee_assumed": 2,
                                "fee_total": "1200", "amount_total": "1582514586"},
                        "EUR": {"rows": 6, "rows_with_fee": 6, "rows_fee_assumed": 1,
                                "fee_total": "3.5", "amount_total": "12345.6"}},
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
               "over_time": {"day": {"2026-03-01": {"rows": 1, "escalated": 0,
                                                    "escalation_rate": 0.0}}, "hour": {"23": 1}},
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
    itself, shows every section, lays out every chart with a visible size, and a screenshot is
    saved as a test artefact (and, with PAYFIX_WRITE_DOC_IMAGES=1, the top of the page as
    docs/images/replay-report.png)."""
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
            sections = page.eval_on_selector_all("h2", "els => els.map(e => e.textContent)")
            page.screenshot(path=str(shot), full_page=True)
            if os.environ.get("PAYFIX_WRITE_DOC_IMAGES") == "1":
                page.screenshot(path=str(ROOT / "docs" / "images" / "replay-report.png"),
                                full_page=True, clip={"x": 0, "y": 0, "width": 1100, "height": 1500})
        finally:
            browser.close()
    print(f"report screenshot: {shot}")
    assert errors == []
    assert requests == [url]
    assert heading == "payfix replay report"
    assert sections[:3] == ["Failures over time", "Failure reasons", "Top remedies"]
    assert {f"By {h.lower()}" for h in DIMENSIONS.values()} <= set(sections)
    assert {"Fees", "Codes without a map", "Rejected rows"} <= set(sections)
    assert sections[-1] == "What-if: new rules against the baseline"
    assert len(sizes) >= 11
    assert all(w > 100 and h > 50 for w, h in sizes)
    assert shot.stat().st_size > 10_000


def test_time_axis_country_app_version_and_assumed_allowance_come_from_each_report(
        tmp_path: Path) -> None:
    """A row's day and hour are those its report wrote, in its own UTC offset (23:30 at +08:00 is
    1 March, hour 23, not 15:30 UTC); country and app version are the account's and the device's;
    a fee quoted without ``fee_usage`` counts as priced on an assumed unused allowance, one with
    it does not."""
    base = json.loads((ROOT / "examples" / "reports" / "balance_fee_pushes_over.json").read_text("utf-8"))
    reports = []
    for i, (at, usage) in enumerate((("2026-03-01T23:30:00+08:00", False),
                                     ("2026-03-01T23:30:00+08:00", True),
                                     ("2026-03-02T01:05:00-05:00", False))):
        report = json.loads(json.dumps(base))
        report["attempt"]["id"] = f"t-{i}"
        report["attempt"]["at"] = at
        report["account"] = {**report.get("account", {}), "country": ["DE", "CN", "DE"][i]}
        report["device"] = {**report.get("device", {}), "app_version": ["4.6.2", "4.6.2", "3.1"][i]}
        report["attempt"].pop("fee_usage", None)
        if usage:
            report["attempt"]["fee_usage"] = {"free_transfers_used": 99}
        reports.append(report)
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in reports), encoding="utf-8")
    replay([source], tmp_path / "out", tmp_path / "rej.jsonl", workers=1)
    rows = read_output(tmp_path / "out").to_pylist()
    assert [r["at"] for r in rows] == [r["attempt"]["at"] for r in reports]
    assert all(r["fee_total"] is not None for r in rows)
    assert [r["fee_assumed"] for r in rows] == [True, False, True]
    summary = write_report(tmp_path / "out", tmp_path / "report.html")
    assert {d: c["rows"] for d, c in summary["over_time"]["day"].items()} == {
        "2026-03-01": 2, "2026-03-02": 1}
    assert summary["over_time"]["hour"] == {"01": 1, "23": 2}
    assert {k: v["rows"] for k, v in summary["by"]["country"].items()} == {"DE": 2, "CN": 1}
    assert {k: v["rows"] for k, v in summary["by"]["app_version"].items()} == {"4.6.2": 2, "3.1": 1}
    (fees,) = summary["fees"].values()
    assert (fees["rows_with_fee"], fees["rows_fee_assumed"]) == (3, 2)
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Failed payments by day" in page
    assert "assumed unused allowance" in page


def test_replay_report_and_closing_lines_speak_the_locale_asked_for(tmp_path: Path) -> None:
    """``payfix replay --locale zh-CN --report``: the page (headings, cards, charts, tables, the
    what-if) and the lines printed at the end are Chinese; what stays Latin is the data itself
    (reason, remedy and code ids, currencies, hashes, the engine) and the names payfix, JSON and
    fee_usage. Without --locale both are English, as before."""
    from payfix.cli import main

    source = tmp_path / "in.jsonl"
    write_reports(source, 300, 5, 0.05)
    runs = {}
    for locale in ("zh-CN", None):
        out = tmp_path / f"out-{locale}"
        args = ["replay", str(source), "--out", str(out), "--rejects", str(tmp_path / f"r-{locale}.jsonl"),
                "--report", str(tmp_path / f"report-{locale}.html"), "--baseline-rules", "bundled"]
        code = main([*args, "--locale", locale] if locale else args)
        assert code == 0
        runs[locale] = (tmp_path / f"report-{locale}.html").read_text(encoding="utf-8")
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    page = runs["zh-CN"]
    assert '<html lang=zh-CN>' in page
    assert "失败随时间的分布" in page
    assert "payfix 回放报告" in page
    text = re.sub(r"<style[^>]*>.*?</style>|<[^>]+>", " ", page, flags=re.S)
    allowed = set(re.findall(r"[A-Za-z][A-Za-z\-]+", json.dumps(summary, ensure_ascii=False)))
    allowed |= {"payfix", "JSON", "fee", "usage", "sha"}  # fee_usage, a field name
    allowed |= {w for r in bundled_pack().remedies.values()  # the pack's own zh titles (VPN, App)
                for w in re.findall(r"[A-Za-z][A-Za-z\-]+", r.texts["zh-CN"].title)}
    assert [w for w in re.findall(r"[A-Za-z][A-Za-z\-]+", html.unescape(text)) if w not in allowed] == []
    assert "Failures over time" in runs[None]
    assert '<html lang=en>' in runs[None]
    # a reason is written by its Chinese name, with the id the data holds; English keeps the id
    first = next(iter(summary["failure_reasons"]))
    name = bundled_pack().settings.reason_names["zh-CN"][first]
    assert f"<td>{html.escape(name)} ({first})</td>" in page
    assert f"<td>{first}</td>" in runs[None]
    # a remedy by its Chinese title, with its id (a title quoting a figure keeps the id alone)
    top = next(k for k in summary["top_remedies"]
               if "{" not in bundled_pack().remedies[k].texts["zh-CN"].title)
    title = bundled_pack().remedies[top].texts["zh-CN"].title
    assert f"<td>{html.escape(title)} ({top})</td>" in page
    assert f"<td>{top}</td>" in runs[None]


def test_replay_closing_lines_in_chinese(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The lines ``payfix replay --locale zh-CN`` prints when done (what-if, report, rows) are
    Chinese apart from numbers, paths and ids."""
    from payfix.cli import main

    source = tmp_path / "in.jsonl"
    write_reports(source, 80, 6, 0.1)
    assert main(["replay", str(source), "--out", str(tmp_path / "out"), "--rejects",
                 str(tmp_path / "r.jsonl"), "--report", str(tmp_path / "r.html"),
                 "--baseline-rules", "bundled", "--locale", "zh-CN"]) == 0
    out = capsys.readouterr().out.replace(str(tmp_path), "")
    assert "输入 80 行，输出 72 行，拒收 8 行" in out
    assert "假设分析：共比较 72 条诊断" in out
    assert re.findall(r"[A-Za-z][A-Za-z\-]+", out) == ["html"]  # the report path


def test_the_report_takes_its_words_from_the_replays_own_pack(tmp_path: Path) -> None:
    """With ``--rules``, the report's words come from that pack: the French example pack, given a
    French report title in its texts, titles a ``--locale fr`` report in French (the texts it lacks
    are the default locale's)."""
    import shutil

    from payfix.cli import main

    pack = tmp_path / "pack"
    shutil.copytree(ROOT / "examples" / "custom_pack", pack)
    with (pack / "texts.yaml").open("a", encoding="utf-8") as texts:
        texts.write('\nreport:\n  fr:\n    title: "rapport de relecture payfix"\n')
    source = tmp_path / "in.jsonl"
    write_reports(source, 40, 7, 0.0)
    assert main(["replay", str(source), "--out", str(tmp_path / "out"), "--rejects",
                 str(tmp_path / "r.jsonl"), "--report", str(tmp_path / "r.html"), "--rules", str(pack),
                 "--locale", "fr"]) == 0
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "<h1>rapport de relecture payfix</h1>" in page
    assert "<h2>Failures over time</h2>" in page


def test_the_progress_bar_speaks_the_locale_asked_for() -> None:
    """The live progress line of ``payfix replay --locale zh-CN`` is Chinese; without a locale it is
    as before."""
    from payfix.batch.cli import progress_line
    from payfix.batch.report import report_texts
    from payfix.batch.summary import Progress

    event = Progress(3, 20000, 19000, 1000, 4.0, 5000.0, 0.5, 4.0)
    line = progress_line(event, width=10, words=report_texts("zh-CN"))
    assert line == "[#####.....]  50.0%  已处理     20,000 行     5,000 行/秒  预计剩余 0:04  拒收 1,000 行"
    assert progress_line(event, width=10) == (
        "[#####.....]  50.0%      20,000 rows     5,000 rows/s  ETA 0:04  1,000 rejected")


def test_synth_says_what_it_wrote_in_the_locale_asked_for(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    """``payfix synth --locale zh-CN`` closes in Chinese; without a locale, as before."""
    from payfix.cli import main

    assert main(["synth", "--rows", "3", "--seed", "1", "--out", str(tmp_path / "a.jsonl"),
                 "--locale", "zh-CN"]) == 0
    assert main(["synth", "--rows", "3", "--seed", "1", "--out", str(tmp_path / "b.jsonl")]) == 0
    assert capsys.readouterr().out == (f"已写入 3 行：{tmp_path / 'a.jsonl'}\n"
                                       f"wrote 3 rows to {tmp_path / 'b.jsonl'}\n")
