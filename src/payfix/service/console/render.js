// Diagnosis → DOM for the agent and customer tabs, the customer reply text, and the code look-up.
// Everything shown comes from the service's answer for that audience; personal data is shown as
// the service returns it (masked) and is never rebuilt from the report.

import { dl, factText, fill, h, section } from "./dom.js";
import { duration, t } from "./i18n.js";
import { shortfall } from "./money.js";

const pct = (basisPoints) => `${(basisPoints / 100).toFixed(2)}%`;
const yesNo = (locale, value) => (value === null || value === undefined ? "" : t(locale, value ? "yes" : "no"));

/** "2026-05-13T15:45:00+00:00" → "2026-05-13 15:45:00 UTC" (the service's instants are UTC). */
export function utc(text) {
  const when = new Date(text);
  if (Number.isNaN(when.getTime())) return String(text);
  return `${when.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

function tag(text, cls = "") {
  return h("span", { class: `tag ${cls}`.trim() }, text);
}

function remedyList(locale, diagnosis, withEvidence) {
  if (diagnosis.remedies.length === 0) return h("p", { class: "empty" }, t(locale, "noRemedies"));
  const hits = diagnosis.fired || [];
  return h("ol", { class: "remedies" }, diagnosis.remedies.map((remedy) => {
    const head = h("div", { class: "remedy-head" },
      h("span", { class: "rank", "aria-hidden": "true" }, String(remedy.rank)),
      h("h4", { class: "remedy-title" }, remedy.title));
    const meta = withEvidence
      ? h("p", { class: "remedy-meta" },
        h("code", {}, remedy.id), " ",
        tag(t(locale, "score", { pct: pct(remedy.score) })), " ",
        tag(t(locale, remedy.self_service ? "selfService" : "needsStaff"), remedy.self_service ? "ok" : "warn"))
      : null;
    const steps = h("ul", { class: "steps" }, remedy.steps.map((step) => h("li", {}, step)));
    let evidence = null;
    if (withEvidence) {
      const used = hits.filter((hit) => remedy.rules.includes(hit.rule_id) && hit.remedy === remedy.id);
      evidence = h("div", { class: "evidence" },
        h("h5", {}, t(locale, "evidence")),
        h("ul", {}, used.map((hit) => h("li", { class: "hit" },
          h("code", { class: "rule" }, hit.rule_id), " ",
          h("span", { class: "muted" }, `(${hit.ruleset}, ${t(locale, "confidence", { pct: `${hit.confidence}%` })})`),
          hit.escalate ? [" ", tag(t(locale, "escalatesTo", { code: hit.escalate }), "warn")] : null,
          h("div", { class: "facts-line" }, `${t(locale, "firedOn")}${t(locale, "colon")}`,
            Object.entries(hit.facts).map(([name, value], i) => [
              i > 0 ? ", " : "", h("code", {}, `${name} = ${factText(value)}`)]))))));
    }
    return h("li", { class: "remedy", dataset: { remedy: remedy.id } }, head, meta, steps, evidence);
  }));
}

function retryRows(locale, retry, forAgent) {
  return dl([
    [t(locale, "verdict"), h("strong", { class: `verdict verdict-${retry.verdict}` }, t(locale, `verdict.${retry.verdict}`))],
    [t(locale, "wait"), retry.wait_seconds === null ? "" : duration(locale, retry.wait_seconds)],
    [t(locale, "notBefore"), retry.not_before ? utc(retry.not_before) : ""],
    [t(locale, "how"), retry.how ? t(locale, `how.${retry.how}`) : ""],
    [t(locale, "afterAction"), retry.after_action && retry.verdict !== "hold" ? t(locale, `after.${retry.after_action}`) : ""],
    [t(locale, "attemptsLeft"), retry.attempts_left === null || retry.attempts_left === undefined ? "" : String(retry.attempts_left)],
    [t(locale, "basis"), forAgent && retry.basis ? h("code", {}, retry.basis) : ""],
  ]);
}

function feeSection(locale, diagnosis, report) {
  const fees = diagnosis.fees;
  if (!fees) return null;
  const money = (value, currency = fees.currency) => (value === null || value === undefined ? "" : `${value} ${currency}`);
  const short = shortfall(diagnosis, report);
  const rows = [
    [t(locale, "schedule"), h("code", {}, fees.schedule)],
    [t(locale, "amount"), money(fees.amount)],
    ...fees.components.map((line) => [`${t(locale, "fee")}${t(locale, "colon")}${t(locale, `fee.${line.name}`)}`, money(line.amount)]),
    [t(locale, "fee"), h("strong", {}, money(fees.fee))],
    [t(locale, "debited"), money(fees.debited)],
    [t(locale, "received"), money(fees.received, fees.received_currency)],
    [t(locale, "maxSendable"), money(fees.max_sendable)],
  ];
  if (short !== null) {
    const isShort = /[1-9]/.test(short);
    rows.push([t(locale, "shortfall"),
      h("strong", { class: isShort ? "shortfall" : "" }, isShort ? money(short) : t(locale, "shortfallNone"))]);
  }
  return section(3, t(locale, "fees"), dl(rows, "facts fees"));
}

function handoffSection(locale, handoff, forAgent) {
  if (!handoff) return null;
  return section(3, t(locale, "handoff"),
    dl([
      [t(locale, "reference"), h("code", { class: "reference" }, handoff.reference)],
      [t(locale, "priority"), forAgent ? t(locale, `priority.${handoff.priority}`) : ""],
      [t(locale, "when"), handoff.when === "now" ? t(locale, "immediately") : utc(handoff.not_before)],
      [t(locale, "statement"), handoff.statement],
    ]),
    h("h4", {}, t(locale, "prepare")),
    dl(handoff.prepare.map((item) => [item.label, item.value]), "facts prepare"),
    handoff.steps_tried.length > 0
      ? [h("h4", {}, t(locale, "stepsTried")), h("ul", {}, handoff.steps_tried.map((s) => h("li", {}, s)))]
      : null,
    forAgent && handoff.evidence.length > 0
      ? [h("h4", {}, t(locale, "evidence")), h("ul", { class: "evidence-lines" }, handoff.evidence.map((s) => h("li", {}, s)))]
      : null,
    h("h4", {}, t(locale, "channels")),
    h("ul", { class: "channels" }, handoff.channels.map((c) =>
      h("li", {}, h("strong", {}, c.address), c.hours ? ` (${c.hours})` : ""))),
    h("p", { class: "reminder" }, handoff.reminder));
}

/** The agent tab: failure, remedies with evidence, retry, escalation, fees, hand-off, misses. */
/** The agent's ticket note, as the service words it, with its copy button. */
function noteSection(locale, diagnosis, onCopy) {
  const note = diagnosis.reply && diagnosis.reply.note;
  if (!note) return null;
  return section(3, t(locale, "ticketNote"),
    h("pre", { class: "reply", id: "note-text", tabindex: "0", "aria-label": t(locale, "ticketNote") }, note),
    h("div", { class: "actions" },
      h("button", { type: "button", id: "copy-note", onclick: () => onCopy(note, "#note-text") }, t(locale, "copyNote"))));
}

export function renderAgent(panel, diagnosis, locale, report, onCopy) {
  const f = diagnosis.failure;
  const escalation = section(3, t(locale, "escalation"),
    h("p", { class: `escalate-flag ${diagnosis.escalate ? "on" : "off"}` },
      `${t(locale, "escalate")}${t(locale, "colon")}`, h("strong", {}, yesNo(locale, diagnosis.escalate))),
    diagnosis.escalation_reasons.length > 0
      ? h("ul", { class: "reasons" }, diagnosis.escalation_reasons.map((r) => h("li", {},
        h("code", {}, r.code), " — ",
        `${t(locale, "priority")}${t(locale, "colon")}`, h("strong", { class: `priority-${r.priority}` }, t(locale, `priority.${r.priority}`)), "; ",
        `${t(locale, "after")}${t(locale, "colon")}`, r.after_seconds === 0 ? t(locale, "immediately") : t(locale, "afterWait", { wait: duration(locale, r.after_seconds) }),
        r.rule_id ? ["; ", `${t(locale, "rule")}${t(locale, "colon")}`, h("code", {}, r.rule_id)] : null)))
      : null);
  const misses = diagnosis.not_fired || [];
  fill(panel,
    section(3, t(locale, "failure"), dl([
      [t(locale, "reason"), h("strong", {}, f.reason)],
      [t(locale, "code"), f.code === null ? "" : h("code", {}, `${f.scheme}:${f.code}`)],
      [t(locale, "codeField"), f.field || ""],
      [t(locale, "known"), yesNo(locale, f.known)],
      [t(locale, "customerSafe"), yesNo(locale, f.customer_safe)],
      [t(locale, "source"), f.source ? h("code", {}, f.source) : ""],
      ...(f.path ? [[t(locale, "readFromPath"), h("code", { class: "failure-path" }, f.path)]] : []),
      ...((f.evidence || []).length > 0 ? [[t(locale, "otherCodes"), h("ul", { class: "evidence-codes" },
        f.evidence.map((e) => h("li", {}, h("code", {}, `${e.scheme}:${e.code}`), ` ${e.reason || t(locale, "unmapped")}`,
          e.path ? [" — ", h("code", {}, e.path)] : null)))]] : []),
      ...((f.warnings || []).length > 0 ? [[t(locale, "warnings"), h("ul", { class: "failure-warnings" },
        f.warnings.map((w) => h("li", {}, w)))]] : []),
    ])),
    section(3, t(locale, "remedies"), remedyList(locale, diagnosis, true)),
    section(3, t(locale, "retry"), retryRows(locale, diagnosis.retry, true)),
    escalation,
    noteSection(locale, diagnosis, onCopy),
    feeSection(locale, diagnosis, report),
    handoffSection(locale, diagnosis.handoff, true),
    misses.length > 0
      ? h("details", { class: "misses" },
        h("summary", {}, t(locale, "notFired", { n: misses.length })),
        h("ul", {}, misses.map((m) => h("li", {}, h("code", {}, t(locale, "notFiredLine", {
          rule: m.rule_id, failed: m.failed, value: factText(m.value) }))))))
      : null,
    h("p", { class: "pack muted" }, t(locale, "pack", {
      name: diagnosis.pack.name, version: diagnosis.pack.version, hash: diagnosis.pack.hash, engine: diagnosis.engine })));
}

/** The reply an agent sends to the customer: the service words it from the pack's texts, out of
 * the customer-audience diagnosis only (no code, no rule, no fraud reason). */
export function customerReply(diagnosis) {
  return diagnosis.reply && diagnosis.reply.message ? diagnosis.reply.message : "";
}

/** The customer tab: the reply with its copy button, then what it is made of. No codes, no rules. */
export function renderCustomer(panel, diagnosis, locale, report, onCopy) {
  const reply = customerReply(diagnosis);
  fill(panel,
    section(3, t(locale, "reply"),
      h("pre", { class: "reply", id: "reply-text", tabindex: "0", "aria-label": t(locale, "reply") }, reply),
      h("div", { class: "actions" },
        h("button", { type: "button", class: "primary", id: "copy-reply", onclick: () => onCopy(reply, "#reply-text") }, t(locale, "copyReply")))),
    section(3, t(locale, "remedies"), remedyList(locale, diagnosis, false)),
    section(3, t(locale, "retry"), retryRows(locale, diagnosis.retry, false)),
    feeSection(locale, diagnosis, report),
    handoffSection(locale, diagnosis.handoff, false));
}

/** The code look-up answer. */
export function renderLookup(container, info, locale) {
  fill(container,
    h("h3", {}, t(locale, "lookupFor", { scheme: info.scheme, code: info.code })),
    dl([
      [t(locale, "reason"), h("strong", {}, info.reason)],
      [t(locale, "retryClass"), [t(locale, `verdict.${info.retry}`),
        info.wait_seconds ? t(locale, "waitFor", { wait: duration(locale, info.wait_seconds) }) : ""]],
      [t(locale, "customerSafe"), yesNo(locale, info.customer_safe)],
      [t(locale, "fixBy"), info.fix_by ? t(locale, `fix.${info.fix_by}`) : ""],
      [t(locale, "category"), info.category || ""],
      [t(locale, "escalations"), info.escalate ? (info.escalations || []).join(", ") || t(locale, "yes") : t(locale, "no")],
      [t(locale, "advice"), (info.remedies || []).length > 0
        ? h("ul", {}, info.remedies.map((r) => h("li", {}, r.title, " ", h("code", {}, r.id))))
        : ""],
      [t(locale, "note"), info.note || ""],
      [t(locale, "source"), info.source ? h("code", {}, info.source.at) : ""],
    ]));
}
