// payfix support console: asks for the API key once per tab, sends a report (pasted, uploaded or
// built by the form) to /v1/diagnose twice — agent and customer audiences — and shows both.

import { ApiError, checkKey, diagnose, fieldLoc, keyStore, lookupCode } from "./api.js";
import { fill, h } from "./dom.js";
import { applyStatic, DEFAULT_LOCALE, LOCALES, t } from "./i18n.js";
import { renderAgent, renderCustomer, renderLookup } from "./render.js";
import { buildReport, clearProblems, CODE_FIELDS, prefill, problemNode, showProblems } from "./report-form.js";

const $ = (selector) => document.querySelector(selector);
const LOCALE_SLOT = "payfix.console.locale";

const state = {
  locale: DEFAULT_LOCALE,
  last: null, // {text, parsed, source} of the last report sent
  lookup: null, // {scheme, code, brand} of the last look-up
  seq: 0,
};

function say(key, vars) {
  $("#status").textContent = t(state.locale, key, vars);
}

// --- tabs (WAI-ARIA tabs: arrow keys, Home and End move between tabs) -------------------------

function selectTab(tab, focus = false) {
  const list = tab.closest("[role=tablist]");
  for (const other of list.querySelectorAll("[role=tab]")) {
    const on = other === tab;
    other.setAttribute("aria-selected", String(on));
    other.tabIndex = on ? 0 : -1;
    document.getElementById(other.getAttribute("aria-controls")).hidden = !on;
  }
  if (focus) tab.focus();
}

function setUpTabs(list) {
  const tabs = [...list.querySelectorAll("[role=tab]")];
  list.addEventListener("click", (event) => {
    const tab = event.target.closest("[role=tab]");
    if (tab) selectTab(tab);
  });
  list.addEventListener("keydown", (event) => {
    const i = tabs.indexOf(document.activeElement);
    if (i < 0) return;
    const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    selectTab(tabs[(next + tabs.length) % tabs.length], true);
  });
}

// --- the key ----------------------------------------------------------------------------------

function showGate(messageKey) {
  $("#workspace").hidden = true;
  $("#forget-key").hidden = true;
  $("#key-gate").hidden = false;
  const problem = $("#key-problem");
  problem.hidden = !messageKey;
  if (messageKey) problem.textContent = t(state.locale, messageKey);
  $("#api-key").value = "";
  $("#api-key").focus();
}

function showWorkspace() {
  $("#key-gate").hidden = true;
  $("#workspace").hidden = false;
  $("#forget-key").hidden = false;
}

async function onKeySubmit(event) {
  event.preventDefault();
  const input = $("#api-key");
  const problem = $("#key-problem");
  const key = input.value.trim();
  if (!key) {
    problem.hidden = false;
    problem.textContent = t(state.locale, "keyMissing");
    input.setAttribute("aria-invalid", "true");
    return;
  }
  problem.hidden = false;
  problem.textContent = t(state.locale, "keyChecking");
  try {
    await checkKey(key);
  } catch (err) {
    input.setAttribute("aria-invalid", "true");
    const refused = err instanceof ApiError && (err.status === 401 || err.status === 403);
    fill(problem, refused ? t(state.locale, "keyRefused") : t(state.locale, "failed", { msg: err.message }),
      refused && err.problems.length > 0 ? [" ", h("span", { class: "problem-meta" }, err.problems[0].msg)] : null);
    input.select();
    return;
  }
  input.removeAttribute("aria-invalid");
  problem.hidden = true;
  keyStore.set(key);
  input.value = "";
  showWorkspace();
  say("keyAccepted");
  $("#report-json").focus();
}

function forgetKey() {
  keyStore.clear();
  showGate(null);
}

// --- diagnosing -------------------------------------------------------------------------------

function clearPasteProblems() {
  const list = $("#report-json-problems");
  fill(list);
  list.hidden = true;
  $("#report-json").removeAttribute("aria-invalid");
}

function showPasteProblems(problems) {
  const list = $("#report-json-problems");
  fill(list, problems.map((p) => problemNode("li", p)));
  list.hidden = false;
  $("#report-json").setAttribute("aria-invalid", "true");
}

/** Forget the diagnosis on screen (both tabs, the customer reply and its reference). Any new input
 * calls it before it is checked, so a reply can only be copied for the report that produced it. */
function clearResult() {
  state.last = null;
  fill($("#panel-agent"));
  fill($("#panel-customer"));
}

async function run(last) {
  const seq = ++state.seq;
  clearResult();
  const results = $("#results");
  results.setAttribute("aria-busy", "true");
  say("working");
  clearPasteProblems();
  clearProblems($("#fields-form"));
  try {
    const [answer, other] = await Promise.all([
      diagnose(last.text, "agent", state.locale, last.from),
      diagnose(last.text, "customer", state.locale, last.from),
    ]);
    const agent = answer.diagnosis;
    const customer = other.diagnosis;
    if (seq !== state.seq) return;
    state.last = last;
    renderAgent($("#panel-agent"), agent, state.locale, last.parsed, copyReply);
    renderCustomer($("#panel-customer"), customer, state.locale, last.parsed, copyReply);
    // The status line is seen from both tabs, so it names and counts no remedy (an agent remedy
    // can give away a reason the customer must not see).
    say("done", { id: agent.attempt_id, esc: t(state.locale, agent.escalate ? "yes" : "no") });
    if (answer.read) $("#status").textContent = readFrom(answer.read) + $("#status").textContent;
  } catch (err) {
    if (seq !== state.seq) return;
    handleError(err, last.source);
  } finally {
    if (seq === state.seq) results.removeAttribute("aria-busy");
  }
}

function handleError(err, source) {
  if (err instanceof ApiError && err.status === 401) {
    keyStore.clear();
    showGate("keyExpired");
    return;
  }
  if (err instanceof ApiError && err.status === 422) {
    const problems = err.problems.map((p) => ({ ...p, loc: fieldLoc(p.loc) }));
    say("invalidReport");
    if (source === "form") {
      const first = showProblems($("#fields-form"), problems);
      if (first) first.focus();
    } else {
      showPasteProblems(problems);
      $("#report-json").focus();
    }
    return;
  }
  say("failed", { msg: err.message });
}

function onPasteSubmit(event) {
  event.preventDefault();
  clearResult();
  const text = $("#report-json").value;
  const from = $("#report-source").value;
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    clearPasteProblems();
    showPasteProblems([{ type: "json_invalid", loc: [], msg: t(state.locale, "jsonInvalid", { msg: err.message }) }]);
    say("invalidReport");
    return;
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    showPasteProblems([{ type: "model_type", loc: [], msg: t(state.locale, "jsonNotObject") }]);
    say("invalidReport");
    return;
  }
  run({ text, parsed: from ? null : parsed, source: "paste", from });
}

/** "stripe; kind=error; detected" as the status line says it: "Read a Stripe error (detected). " */
function readFrom(header) {
  const [name, ...rest] = header.split(";").map((part) => part.trim());
  const option = $(`#report-source option[value="${CSS.escape(name)}"]`);
  const kind = (rest.find((part) => part.startsWith("kind=")) || "kind=payload").slice(5);
  return t(state.locale, "readFrom", {
    source: option ? option.textContent : name,
    kind: kind.replaceAll("_", " "),
    how: rest.includes("detected") ? t(state.locale, "detected") : "",
  });
}

function onFormSubmit(event) {
  event.preventDefault();
  clearResult();
  const report = buildReport($("#fields-form"));
  run({ text: JSON.stringify(report), parsed: report, source: "form" });
}

function formToJson() {
  $("#report-json").value = JSON.stringify(buildReport($("#fields-form")), null, 2);
  selectTab($("#tab-paste"), true);
  say("formCopied");
}

async function onFile(event) {
  const file = event.target.files && event.target.files[0];
  if (!file) return;
  clearResult();
  $("#report-json").value = await file.text();
  clearPasteProblems();
  say("fileLoaded", { name: file.name });
}

/** Copy a reply or a note (``from``: the element that shows it, selected if the clipboard refuses). */
async function copyReply(text, from) {
  try {
    await navigator.clipboard.writeText(text);
    say("copied");
  } catch {
    const reply = $(from);
    const range = document.createRange();
    range.selectNodeContents(reply);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    say(document.execCommand && document.execCommand("copy") ? "copied" : "copyFailed");
  }
}

// --- code look-up -----------------------------------------------------------------------------

async function runLookup(query) {
  const out = $("#lookup-result");
  for (const id of ["l-scheme", "l-code"]) {
    $(`#${id}-problem`).hidden = true;
    $(`#${id}`).removeAttribute("aria-invalid");
  }
  out.setAttribute("aria-busy", "true");
  fill(out, h("p", { class: "muted" }, t(state.locale, "looking")));
  try {
    const info = await lookupCode(query.scheme, query.code, query.brand, state.locale);
    state.lookup = query;
    renderLookup(out, info, state.locale);
  } catch (err) {
    fill(out);
    if (err instanceof ApiError && err.status === 401) {
      handleError(err, "lookup");
      return;
    }
    for (const problem of err.problems || [{ type: "error", loc: [], msg: err.message }]) {
      const loc = fieldLoc(problem.loc);
      const target = loc[0] === "scheme" ? "l-scheme" : loc[0] === "code" ? "l-code" : null;
      if (target) {
        const box = $(`#${target}-problem`);
        fill(box, problemNode("span", { ...problem, loc }));
        box.hidden = false;
        $(`#${target}`).setAttribute("aria-invalid", "true");
      } else {
        out.append(h("p", { class: "problem" }, problemNode("span", { ...problem, loc })));
      }
    }
  } finally {
    out.removeAttribute("aria-busy");
  }
}

function onLookupSubmit(event) {
  event.preventDefault();
  const query = { scheme: $("#l-scheme").value.trim(), code: $("#l-code").value.trim(), brand: $("#l-brand").value };
  for (const [field, key] of [["scheme", "l-scheme"], ["code", "l-code"]]) {
    if (!query[field]) {
      const box = $(`#${key}-problem`);
      fill(box, problemNode("span", { type: "missing", loc: [field], msg: t(state.locale, "fieldMissing") }));
      box.hidden = false;
      $(`#${key}`).setAttribute("aria-invalid", "true");
      $(`#${key}`).focus();
      return;
    }
  }
  runLookup(query);
}

// --- locale -----------------------------------------------------------------------------------

function setLocale(locale) {
  state.locale = LOCALES.includes(locale) ? locale : DEFAULT_LOCALE;
  $("#locale").value = state.locale;
  try {
    sessionStorage.setItem(LOCALE_SLOT, state.locale);
  } catch {
    // not kept
  }
  applyStatic(document, state.locale);
  if (state.last && !$("#workspace").hidden) run(state.last);
  else if ($("#workspace").hidden === false) say("noResult");
  if (state.lookup) runLookup(state.lookup);
}

// --- start ------------------------------------------------------------------------------------

function start() {
  for (const list of document.querySelectorAll("[role=tablist]")) setUpTabs(list);
  $("#key-form").addEventListener("submit", onKeySubmit);
  $("#forget-key").addEventListener("click", forgetKey);
  $("#paste-form").addEventListener("submit", onPasteSubmit);
  $("#fields-form").addEventListener("submit", onFormSubmit);
  $("#form-to-json").addEventListener("click", formToJson);
  $("#report-file").addEventListener("change", onFile);
  // what is on screen belongs to the report as it was sent: editing it takes the answer away
  $("#paste-form").addEventListener("input", clearResult);
  $("#fields-form").addEventListener("input", clearResult);
  $("#lookup-form").addEventListener("submit", onLookupSubmit);
  $("#locale").addEventListener("change", (event) => setLocale(event.target.value));
  $("#f-scheme").addEventListener("change", (event) => {
    const field = CODE_FIELDS[event.target.value.trim()];
    if (field) $("#f-code-field").value = field;
  });
  prefill($("#fields-form"));
  // the language menu lists every locale of the pack, each named in its own language
  $("#locale").replaceChildren(...LOCALES.map((locale) => {
    const option = document.createElement("option");
    option.value = locale;
    option.textContent = t(locale, "languageName");
    return option;
  }));
  let saved = DEFAULT_LOCALE;
  try {
    saved = sessionStorage.getItem(LOCALE_SLOT) || DEFAULT_LOCALE;
  } catch {
    // default
  }
  setLocale(saved);
  if (keyStore.get()) showWorkspace();
  else showGate(null);
  $("#use-key").disabled = false; // only now can the key be sent, in a header
  document.body.classList.add("ready");
}

start();
