// The cart lives in localStorage so it survives reloads; it also remembers the
// Idempotency-Key of the checkout attempt in progress, so a retry (after a
// timeout, a 503 or a reload) sends the same key and can never order twice.

import { lineCents } from "./money.js";

const KEY = "shop.cart.v1";
export const MAX_QUANTITY = 100; // contract: items[].quantity maximum
export const MAX_LINES = 50; // contract: items maxItems

let memory = { lines: [], checkout: null }; // used when storage is unavailable

function read() {
  try {
    const raw = window.localStorage.getItem(KEY);
    if (!raw) return { lines: [], checkout: null };
    const data = JSON.parse(raw);
    const lines = Array.isArray(data.lines) ? data.lines.filter(validLine) : [];
    return { lines, checkout: data.checkout && typeof data.checkout.key === "string" ? data.checkout : null };
  } catch {
    return memory;
  }
}

function write(cart) {
  memory = cart;
  try {
    window.localStorage.setItem(KEY, JSON.stringify(cart));
  } catch {
    // Private mode or a full quota: the cart still works for this page view.
  }
  window.dispatchEvent(new CustomEvent("cart-changed"));
}

function validLine(line) {
  return line && Number.isInteger(line.product_id) && Number.isInteger(line.quantity) &&
    line.quantity >= 1 && typeof line.unit_price === "string" && typeof line.name === "string";
}

/** Return the cart's lines (copies). */
export function lines() {
  return read().lines.map((line) => ({ ...line }));
}

/** Return the number of units in the cart. */
export function count() {
  return read().lines.reduce((sum, line) => sum + line.quantity, 0);
}

/** Return the highest quantity allowed for a product with `stock` units left. */
export function maxQuantity(stock) {
  return Number.isInteger(stock) ? Math.max(0, Math.min(MAX_QUANTITY, stock)) : MAX_QUANTITY;
}

/**
 * Add `quantity` of `product` (an API Product) to the cart and return the line's new quantity.
 * Throws RangeError when the cart is full or nothing more can be added.
 */
export function add(product, quantity) {
  const cart = read();
  const limit = maxQuantity(product.stock);
  let line = cart.lines.find((l) => l.product_id === product.id);
  if (!line) {
    if (cart.lines.length >= MAX_LINES) throw new RangeError(`A cart holds at most ${MAX_LINES} different products.`);
    line = { product_id: product.id, quantity: 0 };
    cart.lines.push(line);
  }
  const wanted = line.quantity + quantity;
  if (wanted > limit) {
    throw new RangeError(limit === 0
      ? `${product.name} is out of stock.`
      : `You can order at most ${limit} of ${product.name}; the cart already has ${line.quantity}.`);
  }
  Object.assign(line, {
    name: product.name,
    sku: product.sku,
    unit_price: product.price,
    currency: product.currency,
    stock: product.stock,
    quantity: wanted,
  });
  write(cart);
  return wanted;
}

/** Set a line's quantity (removing it at 0). */
export function setQuantity(productId, quantity) {
  const cart = read();
  cart.lines = cart.lines
    .map((l) => (l.product_id === productId ? { ...l, quantity } : l))
    .filter((l) => l.quantity > 0);
  write(cart);
}

/** Refresh a line's name, price and stock from the API's current product. */
export function refresh(product) {
  const cart = read();
  const line = cart.lines.find((l) => l.product_id === product.id);
  if (!line) return;
  Object.assign(line, { name: product.name, sku: product.sku, unit_price: product.price, currency: product.currency, stock: product.stock });
  write(cart);
}

export function remove(productId) {
  setQuantity(productId, 0);
}

/** Empty the cart and forget the finished checkout attempt. */
export function clear() {
  write({ lines: [], checkout: null });
}

/** Return [[currency, BigInt cents], ...]: the cart total per currency. */
export function totals(cartLines = lines()) {
  const sums = new Map();
  for (const line of cartLines) {
    const currency = line.currency || "";
    sums.set(currency, (sums.get(currency) || 0n) + lineCents(line.unit_price, line.quantity));
  }
  return [...sums.entries()];
}

/** Return the POST /v1/orders body for this cart. */
export function orderBody(email, cartLines = lines()) {
  return {
    customer_email: email,
    items: cartLines.map((line) => ({ product_id: line.product_id, quantity: line.quantity })),
  };
}

/**
 * Return the Idempotency-Key of this checkout attempt.
 *
 * The same body gets the same key until the order succeeds, so a double
 * click, a retry after a 503 or a timeout, or a reload-and-resubmit replays
 * the first order instead of placing a second one. A changed cart or e-mail
 * is a new attempt with a new key (the API refuses a key reused with another body).
 */
export function checkoutKey(body) {
  const cart = read();
  const fingerprint = JSON.stringify(body);
  if (cart.checkout && cart.checkout.body === fingerprint) return cart.checkout.key;
  cart.checkout = { key: newKey(), body: fingerprint };
  write(cart);
  return cart.checkout.key;
}

function newKey() {
  if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
  // Non-secure contexts lack randomUUID; build a v4 UUID from getRandomValues instead.
  const bytes = window.crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
