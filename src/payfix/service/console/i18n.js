// The console's own words, in every locale of the rule pack: the service makes strings.js from
// the pack's texts (section `console`), the default locale first. Texts from the service
// (remedies, hand-off, labels of the items to have ready) arrive already in the chosen locale.

import STRINGS from "./strings.js";

export const LOCALES = Object.freeze(Object.keys(STRINGS));
export const DEFAULT_LOCALE = LOCALES[0];

/** The text for `key` in `locale`, with `{name}` placeholders filled from `vars`. */
export function t(locale, key, vars = {}) {
  const table = STRINGS[locale] || STRINGS[DEFAULT_LOCALE];
  const text = key in table ? table[key] : STRINGS[DEFAULT_LOCALE][key];
  if (text === undefined) return key;
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
}

/** Rewrites every element carrying `data-i18n` in `root` to `locale`, and sets `<html lang>`. */
export function applyStatic(root, locale) {
  root.documentElement.lang = locale;
  for (const el of root.querySelectorAll("[data-i18n]")) {
    el.textContent = t(locale, el.dataset.i18n);
  }
}

/** A wait in seconds as "1 day 2 hours" / "1天2小时" (the two largest units). */
export function duration(locale, seconds) {
  if (seconds === null || seconds === undefined) return "";
  let rest = Math.max(0, Math.round(seconds));
  const parts = [];
  for (const [unit, size] of [["d", 86400], ["h", 3600], ["min", 60], ["s", 1]]) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      const plural = n !== 1 && t(locale, "plural") === "true";
      parts.push(t(locale, plural ? `unit.${unit}.other` : `unit.${unit}`, { n }));
      rest -= n * size;
    }
    if (parts.length === 2) break;
  }
  if (parts.length === 0) parts.push(t(locale, t(locale, "plural") === "true" ? "unit.s.other" : "unit.s", { n: 0 }));
  return parts.join(t(locale, "joiner"));
}
