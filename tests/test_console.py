"""End-to-end tests of the support console (``/console``) in headless Chromium.

One ``payfix serve`` process and one browser serve the whole module. Each test opens a fresh
browser context (its own sessionStorage and clipboard), so no key or result leaks between tests.
Screenshots are kept under ``tests/artifacts/console/`` (git-ignored).
"""

from __future__ import annotations

import functools
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

import pytest

from payfix import Diagnoser
from payfix.models.report import AttemptReport

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(f"console browser tests need Chromium at {CHROMIUM}", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="console browser tests need playwright")
expect = sync_api.expect

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "reports"
ARTIFACTS = ROOT / "tests" / "artifacts" / "console"
API_KEY = "console-test-key-1"
# Words that would give a hidden fraud reason away, in both locales.
FRAUD_WORDS = ("fraud", "fraudulent", "stolen", "risk", "欺诈", "盗", "风控", "风险")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_ready(base: str, proc: subprocess.Popen[bytes], log: IO[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            pytest.fail(f"payfix serve exited with {proc.returncode}:\n{log.read().decode(errors='replace')}")
        try:
            with urllib.request.urlopen(f"{base}/readyz", timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    pytest.fail("payfix serve did not become ready within 60 s")


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    """A real ``payfix serve`` on a free localhost port, with one API key."""
    port = _free_port()
    env = {**os.environ, "PAYFIX_API_KEYS": f"{API_KEY},another-key"}
    # The service logs a line per request: into a file, never an unread pipe that would fill up.
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "payfix", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_ready(base, proc, log)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium for the module."""
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield b
        b.close()


@pytest.fixture
def requests_seen() -> list[str]:
    return []


@pytest.fixture
def page(browser: Any, base_url: str, requests_seen: list[str]) -> Iterator[Any]:
    """A fresh context (clipboard allowed) and page on the console; every request URL recorded."""
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-US")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    pg = context.new_page()
    pg.on("request", lambda request: requests_seen.append(request.url))
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.on("console", lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None)
    pg.goto(f"{base_url}/console")
    yield pg
    context.close()
    assert errors == [], f"script errors or CSP violations on the page: {errors}"


def shot(pg: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def enter_key(pg: Any, key: str = API_KEY, *, accepted: bool = True) -> None:
    """Enter ``key`` at the gate; for a key the service accepts, wait until the page has checked it
    with the server and shows the workspace (its status line and focus change then, so a step
    taken earlier could be overwritten)."""
    pg.get_by_label("API key", exact=True).fill(key)
    pg.get_by_role("button", name="Use key").click()
    if accepted:
        expect(pg.locator("#workspace")).to_be_visible()


def diagnose_example(pg: Any, name: str, *, key: bool = True) -> None:
    if key:
        enter_key(pg)
    pg.get_by_label("Report (JSON)").fill((EXAMPLES / name).read_text(encoding="utf-8"))
    pg.locator("#paste-form").get_by_role("button", name="Diagnose").click()
    expect(pg.locator("#status")).to_contain_text("ready")


def term(container: Any, label: str) -> Any:
    """The value shown for a term in a definition list inside ``container``."""
    return container.locator(f'dt:text-is("{label}") + dd')


@functools.cache
def _diagnoser(audience: str, locale: str) -> Diagnoser:
    return Diagnoser(engine="compiled", audience=audience, locale=locale, replies=True)


def expected(name: str, audience: str = "agent", locale: str = "en") -> Any:
    """What the library itself answers for an example report (the service runs the same pack)."""
    return _diagnoser(audience, locale).diagnose((EXAMPLES / name).read_text(encoding="utf-8"))


def test_wrong_key_is_refused(page: Any) -> None:
    """A key the service does not know is refused at the gate and the workspace stays hidden."""
    enter_key(page, "not-a-key", accepted=False)
    expect(page.locator("#key-problem")).to_contain_text("refused")
    expect(page.get_by_label("API key", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#workspace")).to_be_hidden()
    shot(page, "wrong-key")
    enter_key(page)
    expect(page.locator("#workspace")).to_be_visible()


def test_pasted_report_shows_top_remedy_with_evidence_and_fees(page: Any) -> None:
    """A pasted example report gives the library's top remedy first, the rule that fired on which
    facts, the fee breakdown with the shortfall, and the retry advice with how to retry."""
    want = expected("balance_fee_pushes_over.json")
    diagnose_example(page, "balance_fee_pushes_over.json")
    agent = page.locator("#panel-agent")
    first = agent.locator(".remedy").first
    expect(first).to_have_attribute("data-remedy", want.remedies[0].id)
    expect(first.locator(".remedy-title")).to_have_text(want.remedies[0].title)
    hit = want.fired[0]
    expect(first.locator(".evidence")).to_contain_text(hit.rule_id)
    for fact, value in hit.facts.items():
        shown = json.dumps(value) if isinstance(value, bool) or value is None else str(value)
        expect(first.locator(".evidence")).to_contain_text(f"{fact} = {shown}")
    fees = agent.locator("dl.fees")
    expect(fees).to_contain_text(f"{want.fees.fee} EUR")
    expect(term(fees, "Shortfall")).to_have_text("0.60 EUR")
    assert (want.retry.verdict, want.retry.how) == ("now", "after_top_up")
    expect(agent).to_contain_text("Retry now")
    expect(agent).to_contain_text("after topping up")
    expect(agent).to_contain_text("Escalate to a human: No")
    shot(page, "agent-en")


def test_uploaded_report_file_is_diagnosed(page: Any) -> None:
    """A report file chosen with the upload control fills the JSON box and is diagnosed like a
    pasted one: the funds-debited example escalates with high priority and a hand-off."""
    want = expected("escalate_funds_debited.json")
    enter_key(page)
    page.get_by_label("Or load a report file").set_input_files(str(EXAMPLES / "escalate_funds_debited.json"))
    expect(page.locator("#status")).to_contain_text("escalate_funds_debited.json")
    expect(page.get_by_label("Report (JSON)")).to_have_value(re.compile(r"pay_20260501_0101"))
    page.locator("#paste-form").get_by_role("button", name="Diagnose").click()
    agent = page.locator("#panel-agent")
    expect(agent.locator(".remedy").first).to_have_attribute("data-remedy", want.remedies[0].id)
    expect(agent.locator(".escalate-flag")).to_contain_text("Yes")
    expect(agent.locator(".reasons")).to_contain_text(f"{want.escalation_reasons[0].code} — Priority: high")
    expect(term(agent, "Reference").first).to_have_text(want.handoff.reference)
    expect(term(agent, "Verdict")).to_have_text("Hold: do not pay again until resolved")


def test_switch_to_chinese_rediagnoses_in_that_locale(page: Any) -> None:
    """Choosing 简体中文 relabels the page and asks the service again with locale=zh-CN."""
    want = expected("balance_fee_pushes_over.json", locale="zh-CN")
    diagnose_example(page, "balance_fee_pushes_over.json")
    page.get_by_label("Language").select_option("zh-CN")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_role("tab", name="客服视图")).to_be_visible()
    expect(page.locator("#panel-agent .remedy-title").first).to_have_text(want.remedies[0].title)
    page.get_by_role("tab", name="客户视图").click()
    expect(page.locator("#reply-text")).to_contain_text(want.remedies[0].title)
    shot(page, "customer-zh")


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_customer_tab_never_shows_the_hidden_fraud_reason(page: Any, locale: str) -> None:
    """For a suspected-fraud report the agent tab names the reason and code, while the customer
    tab (the service's customer-audience answer) shows neither the code nor any fraud wording."""
    diagnose_example(page, "escalate_suspected_fraud.json")
    if locale != "en":
        page.get_by_label("Language").select_option(locale)
        expect(page.locator("#status")).to_contain_text("的诊断已完成")
    agent = page.locator("#panel-agent")
    expect(agent).to_contain_text("suspected_fraud")
    expect(agent).to_contain_text("stripe:fraudulent")
    page.locator("#tab-customer").click()
    customer = page.locator("#panel-customer")
    expect(customer).to_be_visible()
    expect(page.locator("#reply-text")).to_contain_text(expected("escalate_suspected_fraud.json").handoff.reference)
    text = f"{customer.inner_text()}\n{page.locator('#status').inner_text()}".lower()
    leaked = [w for w in FRAUD_WORDS if w in text]
    assert leaked == [], f"customer tab or status line shows {leaked}"
    shot(page, f"customer-fraud-{locale}")


def test_copy_reply_puts_the_customer_text_on_the_clipboard(page: Any) -> None:
    """"Copy reply" writes exactly the reply the service worded from the pack for the customer
    audience to the clipboard: a message a person would send (greeting, what happened, the
    reference, what we do, when they hear back, the channels, the warning, a signature), with
    no fraud wording, no raw e-mail, and no "contact support" to someone talking to support."""
    want = expected("escalate_suspected_fraud.json", audience="customer")
    assert want.reply is not None
    assert want.reply.message is not None
    diagnose_example(page, "escalate_suspected_fraud.json")
    page.locator("#tab-customer").click()
    page.get_by_role("button", name="Copy reply").click()
    expect(page.locator("#status")).to_have_text("Copied to the clipboard.")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == want.reply.message == page.locator("#reply-text").inner_text()
    assert copied.startswith("Hello,\n")
    assert copied.endswith("Kind regards,\nCustomer support")
    assert want.handoff is not None
    assert want.handoff.reference in copied
    assert "we will never ask for your password" in copied.lower()
    assert "sam.lee@example.com" not in copied
    assert "contact customer support" not in copied.lower()
    assert not [w for w in FRAUD_WORDS if w in copied.lower()]


def test_copy_note_puts_the_ticket_note_on_the_clipboard(page: Any) -> None:
    """The agent tab shows the internal ticket note (codes, advice, escalation, what the
    customer was told) and "Copy note" copies exactly it; the customer tab has no note."""
    want = expected("escalate_funds_debited.json")
    assert want.reply is not None
    assert want.reply.note is not None
    diagnose_example(page, "escalate_funds_debited.json")
    expect(page.locator("#note-text")).to_have_text(want.reply.note)
    page.get_by_role("button", name="Copy note").click()
    expect(page.locator("#status")).to_have_text("Copied to the clipboard.")
    assert page.evaluate("navigator.clipboard.readText()") == want.reply.note
    assert "funds_debited" in want.reply.note
    expect(page.locator("#panel-customer #note-text")).to_have_count(0)


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
@pytest.mark.parametrize("audience", ["agent", "customer"])
def test_each_tab_in_each_language_reads_as_sent(page: Any, audience: str, locale: str) -> None:
    """The four views of a debited payment (agent and customer, English and Chinese): each shows
    the service's words for its audience and language; the screenshots in docs/images are these
    (written again with PAYFIX_WRITE_DOC_IMAGES=1)."""
    want = expected("escalate_funds_debited.json", audience=audience, locale=locale)
    assert want.reply is not None
    diagnose_example(page, "escalate_funds_debited.json")
    if locale != "en":
        page.locator("#locale").select_option(locale)
        expect(page.locator("#status")).to_contain_text("的诊断已完成")
    if audience == "customer":
        page.locator("#tab-customer").click()
        expect(page.locator("#reply-text")).to_have_text(str(want.reply.message))
    else:
        expect(page.locator("#note-text")).to_have_text(str(want.reply.note))
    if os.environ.get("PAYFIX_WRITE_DOC_IMAGES") == "1":
        page.set_viewport_size({"width": 1100, "height": 900})
        page.locator(f"#panel-{audience}").screenshot(
            path=str(ROOT / "docs" / "images" / f"console-{audience}-{locale}.png"))


def test_form_shows_each_problem_next_to_its_field(page: Any) -> None:
    """The form sends what it was given; the service's {type, loc, msg} problems appear under the
    field they concern, which is marked invalid."""
    enter_key(page)
    page.get_by_role("tab", name="Fill in a form").click()
    form = page.locator("#fields-form")
    form.get_by_label("Amount", exact=True).fill("12.345")
    form.get_by_label("Currency", exact=True).fill("EUR")
    form.get_by_label("Latency (ms)").fill("fast")
    form.get_by_role("button", name="Diagnose").click()
    amount_problem = page.locator("#f-amount + .field-problem")
    expect(amount_problem).to_contain_text("more than 2 decimal places")
    expect(amount_problem.locator("[data-type]").first).to_have_attribute("data-loc", "attempt.amount")
    expect(page.locator("#f-amount")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#f-latency + .field-problem")).to_contain_text("int_parsing")
    expect(page.locator("#f-currency")).not_to_have_attribute("aria-invalid", "true")
    shot(page, "form-problems")


def test_form_problems_are_written_in_the_page_language(page: Any) -> None:
    """In 简体中文 the service writes the problems under the fields in Chinese (their type and
    place stay as they are): a decimal place too many, and text where a number belongs."""
    enter_key(page)
    page.locator("#locale").select_option("zh-CN")
    page.get_by_role("tab", name="填写表单").click()
    form = page.locator("#fields-form")
    form.locator("#f-amount").fill("12.345")
    form.locator("#f-currency").fill("EUR")
    form.locator("#f-latency").fill("fast")
    form.get_by_role("button", name="诊断").click()
    amount_problem = page.locator("#f-amount + .field-problem")
    expect(amount_problem.locator(".problem-msg")).to_have_text("金额 12.345 的小数位多于 EUR 的 2 位")
    expect(amount_problem.locator("[data-type]").first).to_have_attribute("data-type", "value_error")
    latency = page.locator("#f-latency + .field-problem")
    expect(latency.locator(".problem-msg")).to_have_text("应为整数，无法把这段文本读成整数")
    expect(latency.locator("[data-type]").first).to_have_attribute("data-type", "int_parsing")
    shot(page, "form-problems-zh-CN")


def test_form_builds_a_valid_report(page: Any) -> None:
    """A ticket told in words (50 CNY from a 20 CNY balance, ISO 8583 code 51, online) becomes a
    valid report: the service diagnoses it with a balance remedy first."""
    enter_key(page)
    page.get_by_role("tab", name="Fill in a form").click()
    form = page.locator("#fields-form")
    form.get_by_label("Amount", exact=True).fill("50.00")
    form.get_by_label("Currency", exact=True).fill("CNY")
    form.get_by_label("Available balance (same currency)").fill("20.00")
    form.get_by_label("Code scheme").fill("iso8583")
    form.get_by_label("Code", exact=True).fill("51")
    form.get_by_label("Online").select_option("true")
    form.get_by_role("button", name="Diagnose").click()
    expect(page.locator("#status")).to_contain_text("ready")
    expect(page.locator("#panel-agent .remedy").first).to_have_attribute("data-remedy", "balance.top_up")
    expect(page.locator("#report-json-problems")).to_be_hidden()


def _schema_paths(schema: dict[str, Any], node: dict[str, Any], value: Any, path: str) -> list[str]:
    """Paths in ``value`` that ``payfix schema`` does not declare or whose required fields are absent."""
    if "$ref" in node:
        node = schema["$defs"][node["$ref"].rsplit("/", 1)[1]]
    if "anyOf" in node:
        objects = [n for n in node["anyOf"] if n.get("$ref") or n.get("type") == "object"]
        return _schema_paths(schema, objects[0], value, path) if objects and isinstance(value, dict) else []
    if not isinstance(value, dict) or "properties" not in node:
        return []
    bad = [f"{path}.{key} (required)" for key in node.get("required", []) if key not in value]
    for key, item in value.items():
        if key not in node["properties"]:
            bad.append(f"{path}.{key} (undeclared)")
        else:
            bad += _schema_paths(schema, node["properties"][key], item, f"{path}.{key}")
    return bad


def test_form_report_follows_the_published_schema(page: Any) -> None:
    """With every field filled in, the form's report uses only fields ``payfix schema`` declares,
    has every required one, and validates as an AttemptReport."""
    enter_key(page)
    page.get_by_role("tab", name="Fill in a form").click()
    form = page.locator("#fields-form")
    form.get_by_label("Kind").select_option("p2p_transfer")
    form.get_by_label("Amount", exact=True).fill("80")
    form.get_by_label("Currency", exact=True).fill("eur")
    form.get_by_label("Paid with").select_option("debit_card")
    form.get_by_label("Card brand").select_option("visa")
    form.get_by_label("Available balance (same currency)").fill("10.50")
    form.get_by_label("Code scheme").fill("stripe")
    form.get_by_label("Code scheme").dispatch_event("change")
    form.get_by_label("Code", exact=True).fill("insufficient_funds")
    form.get_by_label("Online").select_option("false")
    form.get_by_label("Connection").select_option("cellular")
    form.get_by_label("Latency (ms)").fill("2500")
    form.get_by_role("button", name="Show as JSON").click()
    built = json.loads(page.get_by_label("Report (JSON)").input_value())
    schema = json.loads(subprocess.run(
        [sys.executable, "-m", "payfix", "schema"], check=True, capture_output=True, text=True).stdout)
    assert _schema_paths(schema, schema, built, "report") == []
    report = AttemptReport.model_validate(built)
    assert report.attempt.processor is not None
    assert report.attempt.processor.codes.decline_code == "insufficient_funds"
    assert report.device is not None
    assert report.device.latency_ms == 2500


def test_code_lookup_answers_and_names_an_unknown_code(page: Any) -> None:
    """The look-up box shows reason, retry class, customer safety and who can fix a code; an unknown
    code's problem appears next to the code field."""
    enter_key(page)
    box = page.get_by_role("region", name="Code look-up")
    box.get_by_label("Code scheme").fill("iso8583")
    box.get_by_label("Code", exact=True).fill("51")
    box.get_by_role("button", name="Look up").click()
    result = page.locator("#lookup-result")
    expect(term(result, "Reason")).to_have_text("insufficient_funds")
    expect(term(result, "Retry class")).to_have_text("Retry after a wait (wait 1 day)")
    expect(term(result, "Who can fix it")).to_have_text("the customer")
    expect(term(result, "Customer-safe")).to_have_text("Yes")
    box.get_by_label("Code", exact=True).fill("zz")
    box.get_by_role("button", name="Look up").click()
    expect(page.locator("#l-code-problem")).to_contain_text("unknown_code")
    expect(page.locator("#l-code")).to_have_attribute("aria-invalid", "true")
    shot(page, "lookup")


def test_page_requests_only_its_own_origin(page: Any, base_url: str, requests_seen: list[str]) -> None:
    """Loading, diagnosing, switching language and looking up a code request nothing outside the
    service's own origin."""
    diagnose_example(page, "escalate_funds_debited.json")
    page.get_by_label("Language").select_option("zh-CN")
    expect(page.get_by_role("tab", name="客户视图")).to_be_visible()
    page.locator("#l-code").fill("51")
    page.locator("#lookup-form button[type=submit]").click()
    expect(page.locator("#lookup-result dl")).to_be_visible()
    origin = urlsplit(base_url)
    assert requests_seen, "no request recorded"
    foreign = [u for u in requests_seen if urlsplit(u)[:2] != origin[:2]]
    assert foreign == []


def test_key_lives_in_the_tab_only(page: Any, browser: Any, base_url: str) -> None:
    """The key is kept in sessionStorage (never localStorage or a cookie): a reload keeps it, a new
    browser context asks again, and "Forget key" drops it."""
    enter_key(page)
    expect(page.locator("#workspace")).to_be_visible()
    assert page.evaluate("localStorage.length") == 0
    assert page.context.cookies() == []
    page.reload()
    expect(page.locator("#workspace")).to_be_visible()
    other = browser.new_context()
    try:
        fresh = other.new_page()
        fresh.goto(f"{base_url}/console")
        expect(fresh.locator("#key-gate")).to_be_visible()
    finally:
        other.close()
    page.get_by_role("button", name="Forget key").click()
    expect(page.locator("#key-gate")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('payfix.console.apiKey')") is None


def test_console_answers_with_and_without_trailing_slash(page: Any, base_url: str) -> None:
    """/console/ serves the same page as /console, and its scripts load from either address."""
    page.goto(f"{base_url}/console/")
    expect(page.locator("body.ready")).to_be_attached()
    expect(page.get_by_label("API key", exact=True)).to_be_focused()


def test_keyboard_and_labels(page: Any) -> None:
    """Every control has a label, the arrow keys move between the result tabs, and the focused tab
    shows a visible focus ring."""
    enter_key(page)
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input, select, textarea')]
             .filter(el => el.type !== 'hidden')
             .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
             .map(el => el.id || el.name)"""
    )
    assert unlabelled == []
    page.locator("#tab-agent").focus()
    expect(page.locator("#tab-agent")).to_be_focused()
    page.keyboard.press("ArrowRight")
    expect(page.locator("#tab-customer")).to_be_focused()
    outline = page.evaluate(
        "(s => [s.outlineStyle, parseFloat(s.outlineWidth)])(getComputedStyle(document.activeElement))"
    )
    assert outline[0] != "none"
    assert outline[1] >= 2, "keyboard focus must be visible"
    expect(page.locator("#tab-customer")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#panel-customer")).to_have_js_property("hidden", False)
    expect(page.locator("#panel-agent")).to_have_js_property("hidden", True)
    expect(page.locator("#status")).to_have_attribute("aria-live", "polite")


def test_narrow_window_has_no_sideways_scroll(page: Any) -> None:
    """At phone width the console is one column with no horizontal scrolling."""
    page.set_viewport_size({"width": 390, "height": 844})
    diagnose_example(page, "escalate_funds_debited.json")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    shot(page, "narrow")


_CONTRAST_JS = """() => {
  const lum = (rgb) => {
    const [r, g, b] = rgb.map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const parse = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] === 1)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const bad = [];
  for (const el of document.querySelectorAll("body *")) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.checkVisibility()) continue;
    const style = getComputedStyle(el);
    const fg = parse(style.color).slice(0, 3);
    const [a, b] = [lum(fg), lum(background(el))].sort((x, y) => y - x);
    const ratio = (a + 0.05) / (b + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) bad.push(`${el.tagName}.${el.className} ${ratio.toFixed(2)}`);
  }
  return bad;
}"""


def test_text_contrast_meets_aa(page: Any) -> None:
    """Every visible text on the key gate and on a full diagnosis (agent and customer tabs, a
    field problem, a look-up) has WCAG AA contrast against its background."""
    assert page.evaluate(_CONTRAST_JS) == []
    enter_key(page)
    page.locator("#l-code").fill("05")
    page.locator("#lookup-form button[type=submit]").click()
    expect(page.locator("#lookup-result dl")).to_be_visible()
    diagnose_example(page, "escalate_funds_debited.json", key=False)
    page.locator("#panel-agent details.misses summary").click()
    assert page.evaluate(_CONTRAST_JS) == []
    page.locator("#tab-customer").click()
    assert page.evaluate(_CONTRAST_JS) == []


def test_no_stale_reply_can_be_copied_after_new_input(page: Any) -> None:
    """After one customer's diagnosis, an invalid report pasted for another ticket takes the
    previous result, reply and reference off the screen before it is checked: nothing is left to
    copy. Editing the box, or the form, takes the answer away too."""
    want = expected("escalate_suspected_fraud.json", audience="customer")
    reference = want.handoff.reference
    diagnose_example(page, "escalate_suspected_fraud.json")
    page.locator("#tab-customer").click()
    expect(page.locator("#reply-text")).to_contain_text(reference)
    page.get_by_label("Report (JSON)").fill('{"attempt": {"id": "other-ticket"')
    page.locator("#paste-form").get_by_role("button", name="Diagnose").click()
    expect(page.locator("#report-json-problems [data-type=json_invalid]")).to_be_visible()
    expect(page.locator("#reply-text")).to_have_count(0)
    expect(page.get_by_role("button", name="Copy reply")).to_have_count(0)
    assert reference not in page.locator("#results").inner_text()
    report = json.loads((EXAMPLES / "escalate_suspected_fraud.json").read_text(encoding="utf-8"))
    report["attempt"]["amount"]["currency"] = "EURO"  # valid JSON, invalid report
    diagnose_example(page, "escalate_suspected_fraud.json", key=False)
    page.get_by_label("Report (JSON)").fill(json.dumps(report))
    page.locator("#paste-form").get_by_role("button", name="Diagnose").click()
    expect(page.locator("#report-json-problems [data-loc='attempt.amount.currency']")).to_be_visible()
    expect(page.locator("#reply-text")).to_have_count(0)
    diagnose_example(page, "escalate_suspected_fraud.json", key=False)
    expect(page.locator("#panel-agent .remedy").first).to_be_attached()
    page.get_by_label("Report (JSON)").press("End")
    page.get_by_label("Report (JSON)").type(" ")
    expect(page.locator("#panel-agent .remedy")).to_have_count(0)
    expect(page.locator("#reply-text")).to_have_count(0)


@pytest.mark.parametrize(("locale", "label", "action"), [
    ("en", "Before a new attempt", "the payer updates the card details or uses the renewed card"),
    ("zh-CN", "再次尝试前", "付款方更新银行卡信息或使用换发的新卡"),
])
def test_the_retry_says_what_must_happen_before_a_new_attempt(page: Any, locale: str, label: str,
                                                              action: str) -> None:
    """An expired card: never retried as it was, and the agent tab says what comes first."""
    assert expected("method_expired_card.json").retry.after_action == "update_card"
    diagnose_example(page, "method_expired_card.json")
    if locale != "en":
        page.locator("#locale").select_option(locale)
    expect(term(page.locator("#panel-agent"), label)).to_have_text(action)


def test_pasted_report_problems_are_listed_under_the_box(page: Any) -> None:
    """A pasted report that is not JSON, or that breaks the schema, lists each problem with its
    type and location under the JSON box."""
    enter_key(page)
    box = page.get_by_label("Report (JSON)")
    box.fill('{"attempt": ')
    page.locator("#paste-form").get_by_role("button", name="Diagnose").click()
    problems = page.locator("#report-json-problems")
    expect(problems.locator("[data-type=json_invalid]")).to_be_visible()
    report = json.loads((EXAMPLES / "balance_fee_pushes_over.json").read_text(encoding="utf-8"))
    report["attempt"]["amount"]["currency"] = "EURO"
    box.fill(json.dumps(report))
    page.locator("#paste-form").get_by_role("button", name="Diagnose").click()
    expect(problems.locator("[data-loc='attempt.amount.currency']")).to_be_visible()
    expect(box).to_have_attribute("aria-invalid", "true")


def test_the_key_reaches_no_url_when_the_scripts_do_not_load(browser: Any, base_url: str) -> None:
    """With the console's scripts blocked (as before they load, or when one fails to), the key
    form cannot send the key: Enter in the box does nothing, "Use key" is disabled, and even a
    forced submission of the form puts the key in no URL and no request body."""
    context = browser.new_context()
    pg = context.new_page()
    seen: list[tuple[str, str]] = []
    pg.on("request", lambda request: seen.append((request.url, request.post_data or "")))
    pg.route("**/console/*.js", lambda route: route.abort())
    try:
        pg.goto(f"{base_url}/console")
        box = pg.locator("#api-key")
        box.fill(API_KEY)
        box.press("Enter")
        with pg.expect_navigation():  # the form, submitted regardless of its button
            pg.evaluate("document.getElementById('key-form').submit()")
        pg.wait_for_load_state()
        assert API_KEY not in pg.url
        assert seen, "the page made no request at all"
        for url, body in seen:
            assert API_KEY not in url
            assert API_KEY not in body
        pg.goto(f"{base_url}/console")
        expect(pg.get_by_role("button", name="Use key")).to_be_disabled()
    finally:
        context.close()


def test_a_pasted_processor_payload_is_read_and_the_page_says_which_source(page: Any) -> None:
    """A Stripe error body pasted with "Read it as: a processor's payload (detect which)" is
    diagnosed as the library diagnoses it; the status line names the source it detected and the
    agent tab shows where the deciding code was read and the answer's other codes."""
    payload = (ROOT / "examples" / "payloads" / "stripe_error_insufficient_funds.json").read_text(
        encoding="utf-8")
    want = _diagnoser("agent", "en").diagnose(payload, source="stripe")
    enter_key(page)
    page.get_by_label("Report (JSON)").fill(payload)
    page.get_by_label("Read it as").select_option("auto")
    page.locator("#paste-form").get_by_role("button", name="Diagnose").click()
    expect(page.locator("#status")).to_contain_text("Read a Stripe error (detected).")
    expect(page.locator("#status")).to_contain_text("ready")
    agent = page.locator("#panel-agent")
    assert want.failure.path is not None
    expect(agent.locator(".failure-path")).to_have_text(want.failure.path)
    expect(agent.locator(".evidence-codes li")).to_have_count(len(want.failure.evidence))
    expect(agent.locator(".remedy").first).to_have_attribute("data-remedy", want.remedies[0].id)
    shot(page, "payload-stripe")
