// JSON calls to the till API: session cookie + CSRF token in the X-CSRFToken header.
import { csrfToken } from "../app.js";

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** A till request gives up after this long without an answer (a Wi-Fi that holds requests without a route): the
 * till then works offline. */
export const TIMEOUT_MS = 10000;

export async function api(method, url, body, { timeoutMs = TIMEOUT_MS } = {}) {
  const options = {
    method,
    headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
    credentials: "same-origin",
  };
  if (timeoutMs && typeof AbortSignal !== "undefined" && AbortSignal.timeout) options.signal = AbortSignal.timeout(timeoutMs);
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, options);
  } catch (error) {
    throw new ApiError(0, "network", document.body.dataset.msgNetwork || document.getElementById("till")?.dataset.msgNetwork || "Network error");
  }
  let data = null;
  try {
    data = await response.json();
  } catch (error) {
    data = null;
  }
  if (!response.ok) {
    throw new ApiError(response.status, data?.error || "http_" + response.status, data?.message || response.statusText);
  }
  return { status: response.status, data };
}

/** A random v4 UUID, also on plain-HTTP tablets where crypto.randomUUID is not available. */
export function newUuid() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
