// Exact decimal arithmetic for the fee panel (BigInt in minor units; never floating point).

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

/** Digits after the point in a decimal string ("120.60" → 2). */
export function exponentOf(text) {
  const m = DECIMAL.exec(String(text));
  return m && m[2] ? m[2].length : 0;
}

/** A decimal string or number as a BigInt of 10^-exp units; null when it does not fit exactly. */
export function toUnits(value, exp) {
  const m = DECIMAL.exec(String(value).trim());
  if (!m) return null;
  const frac = m[2] || "";
  if (frac.length > exp && /[1-9]/.test(frac.slice(exp))) return null;
  return BigInt(m[1] + frac.slice(0, exp).padEnd(exp, "0"));
}

/** A BigInt of 10^-exp units as a decimal string. */
export function fromUnits(units, exp) {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(exp + 1, "0");
  const text = exp === 0 ? digits : `${digits.slice(0, -exp)}.${digits.slice(-exp)}`;
  return negative ? `-${text}` : text;
}

/**
 * The shortfall behind a fee breakdown: the rules' own `balance.shortfall_minor` when a fired rule
 * read it, else what is to be debited minus the report's available balance (same currency only).
 * Returns a decimal string, "0" formatted when nothing is short, or null when it cannot be known.
 */
export function shortfall(diagnosis, report) {
  const fees = diagnosis.fees;
  if (!fees) return null;
  const exp = exponentOf(fees.debited);
  for (const hit of diagnosis.fired || []) {
    const minor = hit.facts ? hit.facts["balance.shortfall_minor"] : undefined;
    if (Number.isInteger(minor)) return fromUnits(BigInt(minor), exp);
  }
  const available = report && report.attempt && report.attempt.balance && report.attempt.balance.available;
  if (!available || available.currency !== fees.currency) return null;
  const have = toUnits(available.value, exp);
  const need = toUnits(fees.debited, exp);
  if (have === null || need === null) return null;
  return fromUnits(need > have ? need - have : 0n, exp);
}
