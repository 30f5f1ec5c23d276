// Calls to the payfix service on this page's own origin. Every failure becomes an ApiError that
// carries the service's problems ({type, loc, msg}) so the page can show each next to its field.

const KEY_SLOT = "payfix.console.apiKey";

/** An answer other than 2xx, or no answer at all (status 0). */
export class ApiError extends Error {
  constructor(status, problems) {
    super(problems.map((p) => p.msg).join("; ") || `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.problems = problems;
  }
}

/** The key for this tab: sessionStorage (dropped when the tab closes), memory as fallback. */
export const keyStore = {
  memory: null,
  get() {
    try {
      return sessionStorage.getItem(KEY_SLOT) || this.memory;
    } catch {
      return this.memory;
    }
  },
  set(value) {
    this.memory = value;
    try {
      sessionStorage.setItem(KEY_SLOT, value);
    } catch {
      // storage disabled: the key lives in memory only
    }
  },
  clear() {
    this.memory = null;
    try {
      sessionStorage.removeItem(KEY_SLOT);
    } catch {
      // nothing stored
    }
  },
};

function problemsOf(status, data) {
  if (data && Array.isArray(data.problems) && data.problems.length > 0) {
    return data.problems.map((p) => ({
      type: String(p.type ?? "error"),
      loc: Array.isArray(p.loc) ? p.loc : [],
      msg: String(p.msg ?? ""),
    }));
  }
  return [{ type: "http_error", loc: [], msg: `HTTP ${status}` }];
}

/** Sends one request; resolves to the parsed JSON body, rejects with an ApiError. */
export async function request(path, options = {}) {
  return (await requestWithHeaders(path, options)).data;
}

/** As `request`, resolving to `{data, headers}` (the response's headers). */
export async function requestWithHeaders(path, { method = "GET", body, key = keyStore.get() } = {}) {
  const headers = { Accept: "application/json" };
  if (key) headers["X-API-Key"] = key;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body,
      cache: "no-store",
      credentials: "same-origin",
      redirect: "error",
    });
  } catch (err) {
    throw new ApiError(0, [{ type: "network_error", loc: [], msg: String(err.message || err) }]);
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) throw new ApiError(response.status, problemsOf(response.status, data));
  return { data, headers: response.headers };
}

/** Checks a key against the service (any authenticated read will do: the rule list). */
export function checkKey(key) {
  return request("/v1/rules", { key });
}

/** POST /v1/diagnose for one audience and locale; `reportText` is sent exactly as given. With
 *  `source` (a processor's name, or "auto") it is that processor's payload. Resolves to
 *  `{diagnosis, read}`: `read` is the Payfix-Source header (what the service read), or null. */
export async function diagnose(reportText, audience, locale, source = "") {
  const query = new URLSearchParams({ audience, locale });
  if (source) query.set("from", source);
  const answer = await requestWithHeaders(`/v1/diagnose?${query}`, { method: "POST", body: reportText });
  return { diagnosis: answer.data, read: answer.headers.get("Payfix-Source") };
}

/** GET /v1/codes/{scheme}/{code}. */
export function lookupCode(scheme, code, brand, locale) {
  const query = new URLSearchParams({ locale });
  if (brand) query.set("brand", brand);
  const path = `/v1/codes/${encodeURIComponent(scheme)}/${encodeURIComponent(code)}?${query}`;
  return request(path);
}

/** A problem's location without the transport's leading "body"/"path"/"query" part. */
export function fieldLoc(loc) {
  const parts = Array.isArray(loc) ? [...loc] : [];
  if (parts.length > 0 && ["body", "path", "query"].includes(parts[0])) parts.shift();
  return parts;
}
