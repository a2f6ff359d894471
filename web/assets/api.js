// The storefront's only door to the API: finds the API through config.json and
// turns every failure (HTTP error, gateway error, network, timeout) into one
// ApiError shape the page can show.

const TIMEOUT_MS = 30000; // a little above API Gateway's 29 s integration limit

/** An error the page can show: the API's error document, or what went wrong reaching it. */
export class ApiError extends Error {
  constructor({ status = 0, code, message, field = null, requestId = null, retryAfter = null }) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.field = field;
    this.requestId = requestId;
    this.retryAfter = retryAfter;
  }

  /** True when the same request may succeed later (busy, throttled, unreachable). */
  get retryable() {
    return this.status === 0 || this.status === 429 || this.status === 502 ||
      this.status === 503 || this.status === 504;
  }
}

/**
 * Return {apiBaseUrl, stage} from config.json at the site root.
 *
 * The file sits next to index.html (the deploy writes it per stage), so it is
 * resolved against this module's URL: the site works at a domain root or
 * under a path prefix alike.
 */
export async function loadConfig(url = new URL("../config.json", import.meta.url)) {
  let response;
  try {
    response = await fetch(url, { cache: "no-store", headers: { Accept: "application/json" } });
  } catch (cause) {
    throw new ApiError({ code: "config_unreachable", message: `The shop configuration (${url}) could not be loaded: ${cause.message}` });
  }
  if (!response.ok) {
    throw new ApiError({
      status: response.status,
      code: "config_missing",
      message: `The shop configuration (${url}) could not be loaded: HTTP ${response.status}.`,
    });
  }
  let data;
  try {
    data = await response.json();
  } catch {
    throw new ApiError({ code: "config_invalid", message: `The shop configuration (${url}) is not valid JSON.` });
  }
  let base;
  try {
    base = new URL(data && data.apiBaseUrl, document.baseURI);
  } catch {
    base = null;
  }
  if (!data || typeof data.apiBaseUrl !== "string" || !base || !/^https?:$/.test(base.protocol)) {
    throw new ApiError({ code: "config_invalid", message: "The shop configuration has no usable apiBaseUrl (an http or https URL)." });
  }
  return {
    apiBaseUrl: base.href.replace(/\/+$/, ""),
    stage: typeof data.stage === "string" ? data.stage : "",
  };
}

/** Return seconds to wait from a Retry-After header (delta-seconds or HTTP date), or null. */
export function parseRetryAfter(value, now = Date.now()) {
  if (!value) return null;
  if (/^\s*\d+\s*$/.test(value)) return Number.parseInt(value, 10);
  const when = Date.parse(value);
  return Number.isNaN(when) ? null : Math.max(0, Math.ceil((when - now) / 1000));
}

/** Return a client bound to the stage's base URL (which may carry a path such as /qa). */
export function createClient(baseUrl) {
  async function request(method, path, { query = {}, body, headers = {} } = {}) {
    const url = new URL(baseUrl + path);
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined && value !== null && value !== "") url.searchParams.set(name, String(value));
    }
    const init = {
      method,
      mode: "cors",
      credentials: "omit",
      headers: { Accept: "application/json", ...headers },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(url, init);
    } catch (cause) {
      const timedOut = cause && cause.name === "TimeoutError";
      throw new ApiError({
        code: timedOut ? "timeout" : "network_error",
        message: timedOut
          ? `The API did not answer within ${TIMEOUT_MS / 1000} seconds.`
          : `Could not reach the API at ${new URL(baseUrl).origin}. Check your connection and retry.`,
      });
    }
    const text = await response.text();
    let data = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = null;
      }
    }
    if (!response.ok) {
      const detail = data && typeof data.error === "object" && data.error ? data.error : {};
      throw new ApiError({
        status: response.status,
        code: typeof detail.code === "string" ? detail.code : `http_${response.status}`,
        message: typeof detail.message === "string" && detail.message
          ? detail.message
          : `The API answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}.`,
        field: typeof detail.field === "string" ? detail.field : null,
        requestId: typeof detail.request_id === "string" ? detail.request_id : null,
        retryAfter: parseRetryAfter(response.headers.get("Retry-After")),
      });
    }
    return { status: response.status, data, headers: response.headers };
  }

  return {
    baseUrl,
    listProducts: (filters) => request("GET", "/v1/products", { query: filters }),
    getProduct: (id) => request("GET", `/v1/products/${encodeURIComponent(id)}`),
    createOrder: (order, idempotencyKey) =>
      request("POST", "/v1/orders", { body: order, headers: { "Idempotency-Key": idempotencyKey } }),
    getOrder: (id) => request("GET", `/v1/orders/${encodeURIComponent(id)}`),
  };
}
