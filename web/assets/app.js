// The storefront: a hash-routed single page over the products-and-orders API.
//
// Routes: #/?<filters> (catalogue), #/product/<id>, #/cart, #/order/<id>.
// The page never uses innerHTML, inline handlers or inline styles, so it runs
// under CloudFront's Content-Security-Policy (script-src 'self'; no
// 'unsafe-inline', no eval). Prices are decimal strings from the API; totals
// are computed in integer cents (see money.js). This module routes and boots;
// the views live in catalog.js and checkout.js, shared plumbing in page.js.

import { createClient, loadConfig } from "./api.js";
import * as cart from "./cart.js";
import { bindCatalog, renderCatalog, renderProduct, suggestCategories } from "./catalog.js";
import { bindCheckout, drawCart, renderCart, renderOrder } from "./checkout.js";
import { $, bindFeedback, clearError, setStatus, settleFocus, showError, state } from "./page.js";

function parseRoute() {
  const hash = window.location.hash.replace(/^#/, "") || "/";
  const [path, query = ""] = hash.split("?", 2);
  const params = new URLSearchParams(query);
  let match;
  if (path === "/" || path === "") return { name: "catalog", params };
  if ((match = /^\/product\/(\d{1,10})$/.exec(path))) return { name: "product", id: Number(match[1]) };
  if (path === "/cart") return { name: "cart" };
  if ((match = /^\/order\/([0-9a-f]{32})$/.exec(path))) return { name: "order", id: match[1] };
  return { name: "missing" };
}

function showView(name) {
  const changed = state.view !== name;
  for (const section of document.querySelectorAll(".view")) section.hidden = section.id !== `view-${name}`;
  for (const link of document.querySelectorAll("[data-nav]")) {
    if (link.dataset.nav === name) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  // Move focus to the new view's heading so keyboard and screen-reader users land there
  // (once the heading is visible: a product's heading shows when the product has loaded).
  if (changed && state.view !== null) state.focusPending = true;
  state.view = name;
  settleFocus();
}

async function render() {
  if (!state.api) return undefined; // still loading config.json; boot() renders when ready
  const seq = ++state.seq;
  const route = parseRoute();
  clearError();
  setStatus(state.flash || "");
  state.flash = null;
  showView(route.name);
  const current = () => seq === state.seq;
  switch (route.name) {
    case "catalog":
      return renderCatalog(route.params, current);
    case "product":
      return renderProduct(route.id, current);
    case "cart":
      return renderCart(current);
    case "order":
      return renderOrder(route.id, current);
    default:
      document.title = "Page not found · Shop";
      return undefined;
  }
}

function updateCartCount() {
  $("cart-count").textContent = String(cart.count());
}

function bindEvents() {
  window.addEventListener("hashchange", () => render());
  window.addEventListener("cart-changed", updateCartCount);
  window.addEventListener("storage", (event) => {
    // Another tab changed the cart.
    if (event.key === null || event.key.startsWith("shop.cart")) {
      updateCartCount();
      if (state.view === "cart") drawCart();
    }
  });
  bindFeedback();
  bindCatalog();
  bindCheckout();
}

async function start() {
  state.render = render;
  bindEvents();
  updateCartCount();
  await boot();
}

async function boot() {
  setStatus("Loading…");
  let config;
  try {
    config = await loadConfig();
  } catch (error) {
    showError(error, () => boot());
    return;
  }
  state.api = createClient(config.apiBaseUrl);
  if (config.stage && config.stage !== "prod") {
    $("stage-badge").textContent = config.stage;
    $("stage-badge").hidden = false;
  }
  await render();
  suggestCategories();
}

start();
