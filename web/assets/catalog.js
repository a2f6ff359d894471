// The catalogue (filters, pages, product cards) and the product view.

import { ApiError } from "./api.js";
import * as cart from "./cart.js";
import { display, isMoney } from "./money.js";
import { $, clearError, el, fieldError, navigate, rerender, setStatus, settleFocus, showError, state, viewData } from "./page.js";

const FILTER_NAMES = ["q", "category", "min_price", "max_price", "sort", "page", "page_size"];
const DEFAULTS = { sort: "name", page: "1", page_size: "20" };

function filtersFrom(params) {
  const filters = {};
  for (const name of FILTER_NAMES) {
    const value = (params.get(name) || "").trim();
    if (value) filters[name] = value;
  }
  return { ...DEFAULTS, ...filters };
}

function fillFilterForm(filters) {
  const form = $("filters");
  for (const name of FILTER_NAMES) {
    const input = form.elements.namedItem(name);
    if (input) input.value = filters[name] || DEFAULTS[name] || "";
  }
}

function catalogHash(filters) {
  const query = new URLSearchParams();
  for (const name of FILTER_NAMES) {
    const value = filters[name];
    if (value && value !== DEFAULTS[name]) query.set(name, value);
  }
  const text = query.toString();
  return text ? `#/?${text}` : "#/";
}

export async function renderCatalog(params, current) {
  document.title = "Products · Shop";
  const filters = filtersFrom(params);
  fillFilterForm(filters);
  const list = $("product-list");
  list.setAttribute("aria-busy", "true");
  setStatus("Loading products…");
  let page;
  try {
    page = (await state.api.listProducts(filters)).data;
  } catch (error) {
    if (!current()) return;
    list.removeAttribute("aria-busy");
    list.replaceChildren();
    $("result-summary").textContent = "";
    $("pager").hidden = true;
    showError(error, () => rerender());
    return;
  }
  if (!current()) return;
  list.removeAttribute("aria-busy");
  state.products = new Map(page.items.map((p) => [p.id, p]));
  for (const product of page.items) rememberCategory(product.category);
  list.replaceChildren(...page.items.map(productCard));

  const first = (page.page - 1) * page.page_size + 1;
  const last = first + page.items.length - 1;
  let summary;
  if (page.total === 0) summary = "No products match these filters.";
  else if (page.items.length === 0) summary = `Page ${page.page} is past the end: there ${page.total_pages === 1 ? "is 1 page" : `are ${page.total_pages} pages`}.`;
  else summary = `Showing ${first}–${last} of ${page.total} product${page.total === 1 ? "" : "s"}.`;
  $("result-summary").textContent = summary; // a live region of its own
  setStatus("");

  $("pager").hidden = page.total_pages <= 1 && page.page <= 1;
  $("page-info").textContent = `Page ${page.page} of ${Math.max(page.total_pages, 1)}`;
  $("page-prev").disabled = page.page <= 1;
  $("page-next").disabled = page.page >= page.total_pages;
}

function rememberCategory(category) {
  if (!category || state.categories.has(category)) return;
  state.categories.add(category);
  const options = [...state.categories].sort().map((name) => el("option", { value: name }));
  $("category-options").replaceChildren(...options);
}

function productCard(product) {
  const inStock = product.stock > 0;
  return el(
    "li",
    { class: "card", "data-product-id": product.id },
    el("h2", { class: "card-title" }, el("a", { href: `#/product/${product.id}`, text: product.name })),
    el("p", { class: "meta", text: product.category }),
    el("p", { class: "price", text: display(product.price, product.currency) }),
    el("p", { class: inStock ? "stock" : "stock out", text: inStock ? `${product.stock} in stock` : "Out of stock" }),
    el("button", {
      type: "button",
      "data-add": product.id,
      disabled: !inStock,
      "aria-label": inStock ? `Add ${product.name} to cart` : `${product.name} is out of stock`,
      text: inStock ? "Add to cart" : "Out of stock",
    }),
  );
}

function onFiltersSubmit(event) {
  event.preventDefault();
  clearError();
  const form = $("filters");
  const values = {};
  for (const name of FILTER_NAMES) {
    const input = form.elements.namedItem(name);
    if (input) values[name] = input.value.trim();
  }
  let bad = null;
  for (const name of ["min_price", "max_price"]) {
    const input = form.elements.namedItem(name);
    if (values[name] && !isMoney(values[name])) {
      fieldError(input, "Enter an amount such as 12 or 12.50.");
      bad = bad || input;
    }
  }
  if (bad) {
    bad.focus();
    setStatus("Please correct the highlighted price.");
    return;
  }
  values.page = "1"; // new filters start at the first page
  navigate(catalogHash(values));
}

function onFiltersReset(event) {
  event.preventDefault();
  navigate("#/");
}

function goToPage(delta) {
  const filters = filtersFrom(new URLSearchParams(window.location.hash.split("?")[1] || ""));
  filters.page = String(Math.max(1, Number.parseInt(filters.page, 10) + delta || 1));
  navigate(catalogHash(filters));
  $("catalog-title").focus();
}

function onListClick(event) {
  const button = event.target.closest("button[data-add]");
  if (!button) return;
  const product = state.products.get(Number(button.dataset.add));
  if (product) addToCart(product, 1);
}

function addToCart(product, quantity) {
  clearError();
  try {
    const total = cart.add(product, quantity);
    setStatus(`Added ${quantity} × ${product.name} to your cart (${total} in cart).`);
  } catch (error) {
    showError(new ApiError({ code: "cart_limit", message: error.message }));
  }
}

// ---------------------------------------------------------------- product

export async function renderProduct(id, current) {
  document.title = "Product · Shop";
  const detail = $("product-detail");
  detail.hidden = true;
  setStatus("Loading the product…");
  const product = await viewData(() => state.api.getProduct(id), current);
  if (product === undefined) return;
  state.products = new Map([[product.id, product]]);
  cart.refresh(product);
  document.title = `${product.name} · Shop`;
  $("product-title").textContent = product.name;
  $("product-description").textContent = product.description || "";
  $("product-price").textContent = display(product.price, product.currency);
  $("product-category").textContent = product.category;
  $("product-sku").textContent = product.sku;
  const limit = cart.maxQuantity(product.stock);
  $("product-stock").textContent = product.stock > 0 ? `${product.stock} in stock` : "Out of stock";
  const quantity = $("add-quantity");
  quantity.max = String(Math.max(limit, 1));
  quantity.value = "1";
  quantity.disabled = limit === 0;
  $("add-to-cart").disabled = limit === 0;
  $("add-to-cart").textContent = limit === 0 ? "Out of stock" : "Add to cart";
  $("add-form").dataset.productId = String(product.id);
  detail.hidden = false;
  setStatus("");
  settleFocus();
}

function onAddSubmit(event) {
  event.preventDefault();
  clearError();
  const product = state.products.get(Number($("add-form").dataset.productId));
  const input = $("add-quantity");
  const quantity = Number(input.value);
  if (!product) return;
  if (!Number.isInteger(quantity) || quantity < 1 || quantity > Number(input.max)) {
    fieldError(input, `Enter a whole number from 1 to ${input.max}.`);
    input.focus();
    return;
  }
  addToCart(product, quantity);
}

/** Offer the categories of the first 100 products as suggestions; a failure only costs the hints. */
export async function suggestCategories() {
  try {
    const page = (await state.api.listProducts({ page_size: "100", sort: "name" })).data;
    for (const product of page.items) rememberCategory(product.category);
  } catch {
    // The category field still takes free text.
  }
}

/** Wire the catalogue's and the product view's controls. */
export function bindCatalog() {
  $("filters").addEventListener("submit", onFiltersSubmit);
  $("filters").addEventListener("reset", onFiltersReset);
  $("page-prev").addEventListener("click", () => goToPage(-1));
  $("page-next").addEventListener("click", () => goToPage(1));
  $("product-list").addEventListener("click", onListClick);
  $("add-form").addEventListener("submit", onAddSubmit);
}
