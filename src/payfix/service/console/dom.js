// Building DOM from data: every text goes through textContent, never HTML, so nothing the service
// or a report says can become markup. No inline styles (the page's CSP forbids them): classes only.

/** `h("p", {class: "x"}, "text", child)`: an element with attributes and children. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") el.className = value;
    else if (name === "dataset") Object.assign(el.dataset, value);
    else if (name.startsWith("on") && typeof value === "function") el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces everything inside `el` with `children`. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A definition list from [term, value] rows; rows whose value is empty are left out. */
export function dl(rows, cls = "facts") {
  const list = h("dl", { class: cls });
  for (const [term, value] of rows) {
    if (value === null || value === undefined || value === "") continue;
    list.append(h("div", { class: "row" }, h("dt", {}, term), h("dd", {}, value)));
  }
  return list;
}

/** A section with a heading of the given level. */
export function section(level, title, ...children) {
  return h("section", { class: "result-section" }, h(`h${level}`, {}, title), ...children);
}

/** A fact value as the rules saw it: strings quoted-free, null as "missing". */
export function factText(value) {
  if (value === null || value === undefined) return "null";
  return String(value);
}
