// The cart, the checkout and the order confirmation.

import { ApiError } from "./api.js";
import * as cart from "./cart.js";
import { display, formatCents, lineCents } from "./money.js";
import { $, clearError, el, fieldError, navigate, setStatus, showError, state, viewData } from "./page.js";

export async function renderCart(current) {
  document.title = "Cart · Shop";
  drawCart();
  const lines = cart.lines();
  if (lines.length === 0) return;
  // Refresh names, prices and stock; a product deleted since is flagged, not silently dropped.
  const answers = await Promise.allSettled(lines.map((line) => state.api.getProduct(line.product_id)));
  if (!current()) return;
  const gone = [];
  answers.forEach((answer, index) => {
    if (answer.status === "fulfilled") cart.refresh(answer.value.data);
    else if (answer.reason instanceof ApiError && answer.reason.status === 404) gone.push(lines[index].product_id);
  });
  drawCart(new Set(gone));
  if (gone.length) setStatus("Some products in your cart are no longer available; remove them to check out.");
}

export function drawCart(gone = new Set()) {
  const lines = cart.lines();
  $("cart-empty").hidden = lines.length > 0;
  $("cart-content").hidden = lines.length === 0;
  const rows = lines.map((line) => {
    const id = line.product_id;
    const qtyId = `qty-${id}`;
    const limit = cart.maxQuantity(line.stock);
    return el(
      "tr",
      { "data-product-id": id, class: gone.has(id) ? "row-invalid" : null },
      el("th", { scope: "row" },
        el("a", { href: `#/product/${id}`, text: line.name }),
        gone.has(id) ? el("span", { class: "badge warn", text: "no longer available" }) : null),
      el("td", { class: "num", text: display(line.unit_price, line.currency) }),
      el("td", { class: "num" },
        el("label", { for: qtyId, class: "visually-hidden", text: `Quantity of ${line.name}` }),
        el("input", {
          id: qtyId, type: "number", min: 1, max: Math.max(limit, line.quantity, 1), step: 1,
          value: line.quantity, class: "qty", "data-qty": id,
        })),
      el("td", { class: "num line-total", text: display(formatCents(lineCents(line.unit_price, line.quantity)), line.currency) }),
      el("td", {},
        el("button", { type: "button", class: "secondary small", "data-remove": id, "aria-label": `Remove ${line.name} from cart`, text: "Remove" })),
    );
  });
  $("cart-lines").replaceChildren(...rows);
  drawCartTotal();
}

function drawCartTotal() {
  const shown = cart.totals().map(([currency, cents]) => display(formatCents(cents), currency));
  $("cart-total").textContent = shown.join(" + ");
  const mixed = shown.length > 1;
  $("place-order").disabled = mixed;
  if (mixed) setStatus("An order takes one currency; split your cart into separate orders.");
}

function onCartInput(event) {
  const input = event.target.closest("input[data-qty]");
  if (!input) return;
  const id = Number(input.dataset.qty);
  const quantity = Number(input.value);
  input.removeAttribute("aria-invalid");
  if (!Number.isInteger(quantity) || quantity < 1 || quantity > Number(input.max)) {
    input.setAttribute("aria-invalid", "true");
    setStatus(`Enter a whole number from 1 to ${input.max}.`);
    return;
  }
  cart.setQuantity(id, quantity);
  const line = cart.lines().find((l) => l.product_id === id);
  input.closest("tr").querySelector(".line-total").textContent =
    display(formatCents(lineCents(line.unit_price, line.quantity)), line.currency);
  drawCartTotal();
}

function onCartClick(event) {
  const button = event.target.closest("button[data-remove]");
  if (!button) return;
  const line = cart.lines().find((l) => l.product_id === Number(button.dataset.remove));
  cart.remove(Number(button.dataset.remove));
  drawCart();
  setStatus(line ? `Removed ${line.name} from your cart.` : "");
  $("cart-title").focus();
}

function onCheckoutSubmit(event) {
  event.preventDefault();
  placeOrder();
}

async function placeOrder() {
  if (state.placing) return; // a second click while the first is in flight does nothing
  clearError();
  const email = $("checkout-email");
  email.value = email.value.trim();
  if (!email.checkValidity()) {
    fieldError(email, email.validity.valueMissing ? "Enter your e-mail address." : "Enter a valid e-mail address, like ada@example.com.");
    email.focus();
    return;
  }
  const lines = cart.lines();
  if (lines.length === 0) return;
  const body = cart.orderBody(email.value, lines);
  const key = cart.checkoutKey(body); // same cart + e-mail -> same key, so retries replay
  const button = $("place-order");
  state.placing = true;
  button.disabled = true;
  button.textContent = "Placing order…";
  $("checkout-form").setAttribute("aria-busy", "true");
  setStatus("Placing your order…");
  try {
    const answer = await state.api.createOrder(body, key);
    state.lastOrder = answer.data;
    state.flash = answer.status === 200
      ? `Order ${answer.data.id} had already been placed; here it is.`
      : `Order ${answer.data.id} placed.`;
    cart.clear();
    navigate(`#/order/${answer.data.id}`);
  } catch (error) {
    drawCart(); // stock or prices may have changed since the cart was drawn
    showError(error, () => placeOrder());
  } finally {
    state.placing = false;
    button.disabled = false;
    button.textContent = "Place order";
    $("checkout-form").removeAttribute("aria-busy");
  }
}

// ---------------------------------------------------------------- confirmation

export async function renderOrder(id, current) {
  document.title = "Order · Shop";
  let order = state.lastOrder && state.lastOrder.id === id ? state.lastOrder : null;
  if (!order) {
    for (const node of ["order-id", "order-email", "order-created", "order-status", "order-total", "order-intro"]) $(node).textContent = "";
    $("order-lines").replaceChildren();
    setStatus("Loading the order…");
    order = await viewData(() => state.api.getOrder(id), current);
    if (order === undefined) return;
    setStatus("");
  }
  document.title = `Order ${order.id} · Shop`;
  $("order-intro").textContent = `Thank you! A confirmation e-mail is on its way to ${order.customer_email}.`;
  $("order-id").textContent = order.id;
  $("order-email").textContent = order.customer_email;
  const created = new Date(order.created_at);
  $("order-created").replaceChildren(el("time", {
    datetime: order.created_at,
    text: Number.isNaN(created.getTime()) ? order.created_at : created.toLocaleString(),
  }));
  $("order-status").textContent = order.status;
  $("order-lines").replaceChildren(...order.items.map((line) => el(
    "tr",
    { "data-product-id": line.product_id },
    el("th", { scope: "row" }, `${line.name} `, el("span", { class: "meta", text: `(${line.sku})` })),
    el("td", { class: "num", text: display(line.unit_price, order.currency) }),
    el("td", { class: "num", text: String(line.quantity) }),
    el("td", { class: "num", text: display(line.line_total, order.currency) }),
  )));
  $("order-total").textContent = display(order.total, order.currency);
}

/** Wire the cart's and the checkout's controls. */
export function bindCheckout() {
  $("cart-lines").addEventListener("change", onCartInput);
  $("cart-lines").addEventListener("click", onCartClick);
  $("checkout-form").addEventListener("submit", onCheckoutSubmit);
}
