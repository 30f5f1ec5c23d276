// The form for tickets that carry only prose: it builds a report (schema version 1) from the common
// fields, and puts each {type, loc, msg} problem the service returns next to the field it concerns.

import { fill, h } from "./dom.js";

// Locations the form has no input of its own for, and the input that stands for them.
const ALIASES = {
  "attempt.amount": "f-amount",
  "attempt.method": "f-method",
  "attempt.method.card": "f-brand",
  "attempt.processor": "f-scheme",
  "attempt.balance": "f-balance",
  "attempt.balance.available": "f-balance",
  "attempt.balance.available.currency": "f-balance",
};

const value = (form, id) => form.querySelector(`#${id}`).value.trim();

/** The report the form describes. Empty fields are left out, so the service names what is missing. */
export function buildReport(form) {
  const get = (id) => value(form, id);
  const currency = get("f-currency").toUpperCase();
  const at = get("f-at");
  const attempt = {};
  if (get("f-id")) attempt.id = get("f-id");
  if (at) attempt.at = `${at.length === 16 ? `${at}:00` : at}Z`; // datetime-local, read as UTC
  attempt.kind = get("f-kind");
  attempt.amount = {};
  if (get("f-amount")) attempt.amount.value = get("f-amount");
  if (currency) attempt.amount.currency = currency;
  attempt.method = { type: get("f-method") };
  if (get("f-brand")) attempt.method.card = { brand: get("f-brand") };
  if (get("f-balance")) attempt.balance = { available: { value: get("f-balance"), currency } };
  const scheme = get("f-scheme");
  const code = get("f-code");
  if (scheme || code) {
    attempt.processor = { scheme, codes: {} };
    if (code) attempt.processor.codes[get("f-code-field")] = code;
  }
  const report = { schema_version: "1", attempt };
  const device = {};
  if (get("f-online")) device.online = get("f-online") === "true";
  if (get("f-connection")) device.connection = get("f-connection");
  const latency = get("f-latency");
  if (latency) device.latency_ms = /^\d+$/.test(latency) ? Number(latency) : latency;
  if (Object.keys(device).length > 0) report.device = device;
  return report;
}

/** The form input a problem location belongs to (the longest matching path), or null. */
export function fieldFor(form, loc) {
  const byPath = new Map();
  for (const el of form.querySelectorAll("[data-path]")) byPath.set(el.dataset.path, el.id);
  const parts = loc.map(String);
  for (let n = parts.length; n > 0; n -= 1) {
    const path = parts.slice(0, n).join(".");
    if (byPath.has(path)) return form.querySelector(`#${byPath.get(path)}`);
    if (path in ALIASES) return form.querySelector(`#${ALIASES[path]}`);
    if (path.startsWith("attempt.processor.codes")) return form.querySelector("#f-code");
  }
  return null;
}

/** One problem as shown to an agent: the message, then its type and location. */
export function problemNode(tagName, problem, withLoc = true) {
  return h(tagName, { class: "problem-item", dataset: { type: problem.type, loc: problem.loc.join(".") } },
    h("span", { class: "problem-msg" }, problem.msg), " ",
    h("span", { class: "problem-meta" },
      h("code", {}, problem.type),
      withLoc && problem.loc.length > 0 ? [" @ ", h("code", {}, problem.loc.join("."))] : null));
}

/** Removes every problem shown in the form. */
export function clearProblems(form) {
  for (const el of form.querySelectorAll(".field-problem")) el.remove();
  for (const el of form.querySelectorAll("[aria-invalid]")) {
    el.removeAttribute("aria-invalid");
    const described = (el.getAttribute("aria-describedby") || "").split(" ").filter((id) => !id.endsWith("-problem"));
    if (described.length > 0) el.setAttribute("aria-describedby", described.join(" "));
    else el.removeAttribute("aria-describedby");
  }
  const rest = form.querySelector("#form-problems");
  fill(rest);
  rest.hidden = true;
}

/** Shows each problem under its field (or in the list at the end); returns the first field at fault. */
export function showProblems(form, problems) {
  clearProblems(form);
  let first = null;
  const rest = form.querySelector("#form-problems");
  for (const problem of problems) {
    const input = fieldFor(form, problem.loc);
    if (!input) {
      rest.append(problemNode("li", problem));
      rest.hidden = false;
      continue;
    }
    const id = `${input.id}-problem`;
    let box = form.querySelector(`#${id}`);
    if (!box) {
      box = h("ul", { class: "problems field-problem", id });
      input.insertAdjacentElement("afterend", box);
      const described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
      input.setAttribute("aria-describedby", [...described, id].join(" "));
    }
    box.append(problemNode("li", problem));
    input.setAttribute("aria-invalid", "true");
    first = first || input;
  }
  return first || (rest.hidden ? null : rest);
}

/** Sets the form's time field to now (UTC, whole seconds) and a fresh payment id if empty. */
export function prefill(form, now = new Date()) {
  const at = form.querySelector("#f-at");
  if (!at.value) at.value = now.toISOString().slice(0, 19);
  const id = form.querySelector("#f-id");
  if (!id.value) id.value = `ticket_${now.toISOString().slice(0, 10).replaceAll("-", "")}`;
}

/** The usual code field for a scheme (the first field its code map reads). */
export const CODE_FIELDS = {
  iso8583: "response_code",
  stripe: "decline_code",
  paypal: "decline_code",
  wechatpay: "decline_code",
  alipay: "sub_code",
  mastercard_mac: "merchant_advice_code",
};
