// Plumbing every view shares: the DOM helpers (dom.js), the page's state, navigation,
// and the status and error regions. No view logic lives here.

import { ApiError } from "./api.js";
import { $, el } from "./dom.js";

export { $, el };

const MAX_RETRY_WAIT = 60; // seconds; a longer Retry-After still shows, the button just unlocks sooner

export const state = {
  api: null,
  view: null,
  seq: 0, // bumps on every render so late answers for an old view are dropped
  products: new Map(), // id -> product shown in the current list or detail
  categories: new Set(),
  lastOrder: null,
  placing: false,
  retryAction: null,
  render: null, // the router, set by app.js
  retryTimer: null,
  flash: null, // status to announce once the next view has rendered
  focusPending: false,
};

/** Go to `hash`, re-rendering when it is already the current one. */
export function navigate(hash) {
  if (window.location.hash === hash || (hash === "#/" && window.location.hash === "")) rerender();
  else window.location.hash = hash;
}

/** Render the current route again (after a retry or a repeated navigation). */
export function rerender() {
  return state.render ? state.render() : undefined;
}

/**
 * Return the data `request()` answers, or undefined when there is nothing to draw: the
 * view changed meanwhile, or the request failed (the error then shows, and its Retry
 * renders the view again).
 */
export async function viewData(request, current) {
  try {
    const answer = await request();
    return current() ? answer.data : undefined;
  } catch (error) {
    if (current()) showError(error, () => rerender());
    return undefined;
  }
}

/** Focus the current view's heading if a view change asked for it and it is visible. */
export function settleFocus() {
  const heading = document.querySelector(`#view-${state.view} h1`);
  if (state.focusPending && heading && heading.getClientRects().length > 0) {
    state.focusPending = false;
    heading.focus();
  }
}

// ---------------------------------------------------------------- status & errors

export function setStatus(text) {
  $("status").textContent = text;
}

export function clearError() {
  window.clearTimeout(state.retryTimer);
  $("error").hidden = true;
  $("error-retry").hidden = true;
  state.retryAction = null;
  for (const node of document.querySelectorAll("[aria-invalid='true']")) node.removeAttribute("aria-invalid");
  for (const node of document.querySelectorAll(".field-error")) {
    const input = document.querySelector(`[aria-describedby~="${node.id}"]`);
    if (input) {
      const rest = input.getAttribute("aria-describedby").split(" ").filter((id) => id && id !== node.id);
      if (rest.length) input.setAttribute("aria-describedby", rest.join(" "));
      else input.removeAttribute("aria-describedby");
    }
    node.remove();
  }
  for (const node of document.querySelectorAll(".row-invalid")) node.classList.remove("row-invalid");
}

/**
 * Show an error: the API's message, the field it names, its code and request id,
 * and for busy/throttled answers how long to wait, with a Retry button that
 * repeats `retry` (the same request, so the same Idempotency-Key for orders).
 */
export function showError(error, retry = null) {
  clearError();
  const err = error instanceof ApiError
    ? error
    : new ApiError({ code: "unexpected", message: error && error.message ? error.message : String(error) });
  $("error-title").textContent = titleFor(err);
  $("error-message").textContent = err.message;
  const details = $("error-details");
  details.replaceChildren();
  const facts = [
    ["Field", err.field],
    ["Code", err.code],
    ["HTTP status", err.status ? String(err.status) : null],
    ["Request id", err.requestId],
  ];
  for (const [term, value] of facts) {
    if (value) details.append(el("dt", { text: term }), el("dd", { "data-fact": term.toLowerCase() }, el("code", { text: value })));
  }
  const hint = $("error-hint");
  hint.hidden = true;
  if (err.retryable) {
    hint.hidden = false;
    hint.textContent = err.retryAfter !== null
      ? `The service is busy. Please retry in ${err.retryAfter} second${err.retryAfter === 1 ? "" : "s"}.`
      : "This is usually temporary. Please retry in a moment.";
  }
  const button = $("error-retry");
  if (retry && err.retryable) {
    button.hidden = false;
    state.retryAction = retry;
    const wait = Math.min(err.retryAfter || 0, MAX_RETRY_WAIT);
    if (wait > 0) {
      button.disabled = true;
      state.retryTimer = window.setTimeout(() => {
        button.disabled = false;
      }, wait * 1000);
    } else {
      button.disabled = false;
    }
  }
  markField(err.field, err.message);
  $("error").hidden = false;
  setStatus("");
}

function titleFor(err) {
  if (err.code && err.code.startsWith("config_")) return "The shop is not configured";
  if (err.status === 0) return "The shop could not reach its API";
  if (err.status === 429 || err.status === 503) return "The shop is busy";
  if (err.status === 404) return "Not found";
  if (err.status === 409) return "The order could not be placed";
  if (err.status === 422 || err.status === 400) return "Please check your input";
  return "Something went wrong";
}

/** Highlight the input (or cart row) an API error names, e.g. "min_price" or "items[0].quantity". */
export function markField(field, message) {
  if (!field) return;
  const item = /^items\[(\d+)\]/.exec(field);
  if (item) {
    const row = $("cart-lines").children[Number(item[1])];
    if (row) row.classList.add("row-invalid");
    return;
  }
  const input = document.querySelector(`.view:not([hidden]) [name="${CSS.escape(field)}"]`);
  if (!input) return;
  fieldError(input, message);
}

/** Mark `input` invalid and put `message` under it, tied to it with aria-describedby. */
export function fieldError(input, message) {
  const id = `${input.id}-error`;
  input.setAttribute("aria-invalid", "true");
  input.insertAdjacentElement("afterend", el("p", { class: "field-error", id, text: message }));
  const described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
  if (!described.includes(id)) input.setAttribute("aria-describedby", [...described, id].join(" "));
}

/** Wire the error box's Retry and Dismiss buttons. */
export function bindFeedback() {
  $("error-dismiss").addEventListener("click", () => clearError());
  $("error-retry").addEventListener("click", () => {
    const retry = state.retryAction;
    clearError();
    if (retry) retry();
  });
}
