// Renders the API contract (/openapi.json, the JSON form of api/openapi.yaml)
// for API consumers: every operation with its parameters, body, responses,
// API-key requirement and a curl example.
//
// What it leaves out on purpose: the x-amazon-apigateway-* and x-shop-*
// extensions (gateway wiring, not part of the public contract) and the OPTIONS
// preflight operations, which the CORS paragraph describes instead. No
// libraries, no innerHTML: every string from the document becomes text.

import { $, el } from "../assets/dom.js";

const SPEC_URL = new URL("../openapi.json", import.meta.url);
const CONFIG_URL = new URL("../config.json", import.meta.url);
const METHODS = ["get", "post", "put", "patch", "delete", "head"]; // "options" = preflights, skipped
const PLACEHOLDER_BASE = "https://<api-id>.execute-api.<region>.amazonaws.com/<stage>";
const MAX_DEPTH = 6;

// ---------------------------------------------------------------- text

/** Return inline nodes for `text` with `code` spans (the only markdown the contract uses inline). */
function inline(text) {
  const parts = String(text).split(/(`[^`]+`)/);
  return parts.filter(Boolean).map((part) =>
    part.startsWith("`") && part.endsWith("`") && part.length > 1 ? el("code", { text: part.slice(1, -1) }) : part);
}

/** Return paragraphs for a (CommonMark-lite) description: blank lines split paragraphs. */
function prose(text) {
  if (!text) return [];
  return String(text).trim().split(/\n\s*\n/).map((para) => el("p", {}, inline(para.replace(/\s*\n\s*/g, " "))));
}

// ---------------------------------------------------------------- references

let spec = null;

function resolvePointer(ref) {
  if (typeof ref !== "string" || !ref.startsWith("#/")) throw new Error(`unsupported $ref ${ref}`);
  let node = spec;
  for (const raw of ref.slice(2).split("/")) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (node === null || typeof node !== "object" || !(key in node)) throw new Error(`$ref ${ref} does not resolve`);
    node = node[key];
  }
  return node;
}

/** Return [object, name]: `obj` with its $ref (if any) followed; name is the ref's last segment. */
function deref(obj) {
  let name = null;
  let current = obj;
  const seen = new Set();
  while (current && typeof current === "object" && typeof current.$ref === "string") {
    if (seen.has(current.$ref)) throw new Error(`circular $ref ${current.$ref}`);
    seen.add(current.$ref);
    name = current.$ref.split("/").pop();
    current = resolvePointer(current.$ref);
  }
  return [current || {}, name];
}

function refName(obj) {
  return obj && typeof obj.$ref === "string" ? obj.$ref.split("/").pop() : null;
}

// ---------------------------------------------------------------- schemas

function typeOf(schema) {
  if (schema.type) return schema.format ? `${schema.type} (${schema.format})` : schema.type;
  if (schema.properties) return "object";
  if (schema.items) return "array";
  if (schema.oneOf || schema.anyOf || schema.allOf) return "composite";
  return "any";
}

function isStructured(schema) {
  return typeOf(schema) === "object" || typeOf(schema) === "array" || Boolean(schema.allOf || schema.oneOf || schema.anyOf);
}

/** Return the human-readable constraints of a schema. */
function constraints(schema) {
  const out = [];
  const range = (low, high, unit) => {
    if (low !== undefined && high !== undefined) return low === high ? `exactly ${low} ${unit}` : `${low}–${high} ${unit}`;
    if (low !== undefined) return `at least ${low} ${unit}`;
    if (high !== undefined) return `at most ${high} ${unit}`;
    return null;
  };
  if (Array.isArray(schema.enum)) out.push(`one of: ${schema.enum.map((v) => JSON.stringify(v)).join(", ")}`);
  const length = range(schema.minLength, schema.maxLength, "characters");
  if (length) out.push(length);
  if (schema.pattern) out.push(`pattern ${schema.pattern}`);
  if (schema.minimum !== undefined || schema.maximum !== undefined) {
    const low = schema.minimum !== undefined ? `${schema.minimum} ${schema.exclusiveMinimum === true ? "<" : "≤"} ` : "";
    const high = schema.maximum !== undefined ? ` ${schema.exclusiveMaximum === true ? "<" : "≤"} ${schema.maximum}` : "";
    out.push(`${low}value${high}`);
  }
  if (typeof schema.exclusiveMinimum === "number") out.push(`value > ${schema.exclusiveMinimum}`);
  if (typeof schema.exclusiveMaximum === "number") out.push(`value < ${schema.exclusiveMaximum}`);
  const items = range(schema.minItems, schema.maxItems, "items");
  if (items) out.push(items);
  if (schema.uniqueItems) out.push("unique items");
  if (schema.additionalProperties === false) out.push("no other properties");
  if (schema.nullable) out.push("nullable");
  if (schema.readOnly) out.push("read-only");
  if (schema.default !== undefined) out.push(`default ${JSON.stringify(schema.default)}`);
  if (schema.example !== undefined) out.push(`example ${JSON.stringify(schema.example)}`);
  return out;
}

/** Return a one-line summary (type, link to a named schema, constraints). */
function typeLine(original) {
  const [schema, name] = deref(original);
  const nodes = [el("span", { class: "type", text: typeOf(schema) })];
  if (typeOf(schema) === "array" && schema.items) {
    const [item, itemName] = deref(schema.items);
    nodes.push(" of ", itemName ? schemaLink(itemName) : el("span", { class: "type", text: typeOf(item) }));
  }
  if (name) nodes.push(" ", el("span", { class: "meta" }, "(", schemaLink(name), ")"));
  const rules = constraints(schema);
  if (rules.length) nodes.push(" ", el("span", { class: "constraints", text: rules.join("; ") }));
  return nodes;
}

function schemaLink(name) {
  return el("a", { href: `#schema-${name}`, class: "schema-link" }, el("code", { text: name }));
}

/**
 * Return a tree of a schema: objects list their properties (required ones
 * marked) and arrays their items, recursively; named schemas are linked.
 */
function schemaTree(original, depth = 0, trail = []) {
  const [schema, name] = deref(original);
  if (name && trail.includes(name)) return el("p", {}, "Recursive: see ", schemaLink(name), ".");
  const path = name ? [...trail, name] : trail;
  const box = el("div", { class: "schema" });
  box.append(el("p", { class: "schema-head" }, typeLine(original)));
  if (schema.description) box.append(...prose(schema.description));
  if (depth >= MAX_DEPTH) return box;
  if (schema.properties) {
    const required = new Set(schema.required || []);
    const list = el("ul", { class: "props" });
    for (const [prop, sub] of Object.entries(schema.properties)) {
      const [resolved] = deref(sub);
      const item = el("li", { "data-property": prop },
        el("code", { class: "prop-name", text: prop }), " ",
        required.has(prop) ? el("span", { class: "req", text: "required" }) : el("span", { class: "opt", text: "optional" }),
        " ", typeLine(sub));
      if (resolved.description) item.append(...prose(resolved.description));
      const nested = typeOf(resolved) === "array" ? deref(resolved.items || {})[0] : resolved;
      if (nested.properties) item.append(schemaTree(typeOf(resolved) === "array" ? resolved.items : sub, depth + 1, path));
      list.append(item);
    }
    box.append(list);
  } else if (schema.items && isStructured(deref(schema.items)[0])) {
    box.append(el("p", { class: "meta", text: "Each item:" }), schemaTree(schema.items, depth + 1, path));
  }
  for (const key of ["allOf", "oneOf", "anyOf"]) {
    if (Array.isArray(schema[key])) {
      box.append(el("p", { class: "meta", text: `${key}:` }), ...schema[key].map((s) => schemaTree(s, depth + 1, path)));
    }
  }
  return box;
}

// ---------------------------------------------------------------- samples for curl

/** Return a valid sample value for a schema (for curl examples). */
function sample(original, name = "", depth = 0) {
  const [schema] = deref(original);
  if (schema.example !== undefined) return schema.example;
  if (schema.default !== undefined) return schema.default;
  if (Array.isArray(schema.enum) && schema.enum.length) return schema.enum[0];
  const type = typeOf(schema).split(" ")[0];
  if (type === "object" || schema.properties) {
    const out = {};
    if (depth < MAX_DEPTH) for (const [prop, sub] of Object.entries(schema.properties || {})) out[prop] = sample(sub, prop, depth + 1);
    return out;
  }
  if (type === "array") {
    const count = Math.max(1, schema.minItems || 0);
    return Array.from({ length: count }, () => sample(schema.items || {}, name, depth + 1));
  }
  if (type === "integer" || type === "number") return schema.minimum !== undefined ? Math.max(schema.minimum, 1) : 1;
  if (type === "boolean") return true;
  if (schema.format === "email" || /email/i.test(name)) return "ada@example.com";
  if (schema.format === "date-time") return "2026-01-01T12:00:00Z";
  if (schema.format === "uuid") return crypto.randomUUID();
  const fromPattern = sampleFromPattern(schema.pattern);
  if (fromPattern !== null) return fromPattern;
  const text = `example-${name || "value"}`;
  return schema.maxLength ? text.slice(0, schema.maxLength) : text;
}

/** Return a string matching ^[class]{n}$ or ^[class]+$, or null for other patterns. */
function sampleFromPattern(pattern) {
  const match = pattern ? /^\^\[([^\]]+)\](?:\{(\d+)\}|\+)\$$/.exec(pattern) : null;
  if (!match) return null;
  const chars = [];
  for (const [, from, to] of match[1].matchAll(/(.)(?:-(.))?/g)) {
    if (to) for (let c = from.charCodeAt(0); c <= to.charCodeAt(0); c += 1) chars.push(String.fromCharCode(c));
    else chars.push(from);
  }
  const length = match[2] ? Number(match[2]) : 8;
  return Array.from({ length }, (_, i) => chars[i % chars.length]).join("");
}

function shellQuote(text) {
  return `'${String(text).replace(/'/g, "'\\''")}'`;
}

/** Return a curl command for an operation against `base`. */
function curlFor(method, path, op, params, base, apiKeyHeaders) {
  let url = path;
  const query = new URLSearchParams();
  const headers = [];
  for (const param of params) {
    const [schema] = deref(param.schema || {});
    if (param.in === "path") {
      url = url.replace(`{${param.name}}`, encodeURIComponent(String(sample(schema, param.name))));
    } else if (param.in === "query" && (param.required || schema.default !== undefined)) {
      query.set(param.name, String(sample(schema, param.name)));
    } else if (param.in === "header" && param.name.toLowerCase() !== "origin") {
      // Optional headers appear only when there is a meaningful sample: an
      // Idempotency-Key is a fresh UUID per logical request, reused on retry.
      if (/idempotency/i.test(param.name)) headers.push([param.name, crypto.randomUUID(), "Reuse this key to retry safely; use a new one for a new request."]);
      else if (param.required || param.example !== undefined || schema.example !== undefined) headers.push([param.name, String(param.example ?? sample(schema, param.name))]);
    }
  }
  const qs = query.toString();
  const lines = [];
  const comments = [];
  lines.push(`curl -sS -i${method === "get" ? "" : ` -X ${method.toUpperCase()}`} ${shellQuote(`${base}${url}${qs ? `?${qs}` : ""}`)}`);
  for (const header of apiKeyHeaders) lines.push(`-H "${header}: $API_KEY"`);
  for (const [name, value, comment] of headers) {
    lines.push(`-H ${shellQuote(`${name}: ${value}`)}`);
    if (comment) comments.push(`# ${name}: ${comment}`);
  }
  const body = op.requestBody ? deref(op.requestBody)[0] : null;
  if (body && body.content) {
    const [mediaType, media] = Object.entries(body.content)[0];
    lines.push(`-H ${shellQuote(`Content-Type: ${mediaType}`)}`);
    if (media.schema) lines.push(`--data ${shellQuote(JSON.stringify(sample(media.schema)))}`);
  }
  const prefix = apiKeyHeaders.length ? ["# API_KEY: this stage's admin API key (from its usage plan)"] : [];
  return [...prefix, ...comments, lines.join(" \\\n  ")].join("\n");
}

// ---------------------------------------------------------------- operations

function securityOf(op) {
  const requirements = op.security !== undefined ? op.security : spec.security || [];
  const schemes = (spec.components && spec.components.securitySchemes) || {};
  const headers = [];
  const labels = [];
  for (const requirement of requirements) {
    for (const key of Object.keys(requirement)) {
      const [scheme] = deref(schemes[key] || {});
      if (scheme.type === "apiKey") {
        labels.push(`API key in the ${scheme.name} ${scheme.in}`);
        if (scheme.in === "header") headers.push(scheme.name);
      } else {
        labels.push(`${key} (${scheme.type || "unknown"})`);
      }
    }
  }
  return { headers, labels };
}

function parametersOf(pathItem, op) {
  const merged = new Map();
  for (const raw of [...(pathItem.parameters || []), ...(op.parameters || [])]) {
    const [param] = deref(raw);
    merged.set(`${param.in}:${param.name}`, param);
  }
  return [...merged.values()];
}

/** Return [{path, method, op, pathItem}] in document order, without OPTIONS. */
export function operationsOf(document) {
  const out = [];
  for (const [path, pathItem] of Object.entries(document.paths || {})) {
    for (const method of METHODS) {
      if (pathItem[method]) out.push({ path, method, op: pathItem[method], pathItem });
    }
  }
  return out;
}

function parameterTable(params) {
  if (params.length === 0) return el("p", { class: "meta", text: "No parameters." });
  const rows = params.map((param) => {
    const schema = param.schema || {};
    return el("tr", { "data-param": `${param.in}:${param.name}` },
      el("th", { scope: "row" }, el("code", { text: param.name })),
      el("td", { text: param.in }),
      el("td", { text: param.required ? "required" : "optional" }),
      el("td", {}, typeLine(schema)),
      el("td", {}, inline(param.description || deref(schema)[0].description || "")),
    );
  });
  return el("div", { class: "table-wrap" },
    el("table", { class: "params" },
      el("thead", {}, el("tr", {}, ...["Name", "In", "Required", "Schema", "Description"].map((h) => el("th", { scope: "col", text: h })))),
      el("tbody", {}, rows)));
}

function requestBodyView(op) {
  if (!op.requestBody) return null;
  const [body] = deref(op.requestBody);
  const out = el("div", { class: "request-body" }, el("h4", { text: "Request body" }));
  if (body.description) out.append(...prose(body.description));
  for (const [mediaType, media] of Object.entries(body.content || {})) {
    out.append(el("p", {}, el("code", { text: mediaType }), body.required ? " — required" : " — optional"));
    if (media.schema) out.append(schemaTree(media.schema));
  }
  return out;
}

function responsesView(op) {
  const list = el("dl", { class: "responses" });
  for (const [status, raw] of Object.entries(op.responses || {})) {
    const [response] = deref(raw);
    const dd = el("dd", {}, inline(response.description || ""));
    const headers = Object.entries(response.headers || {});
    if (headers.length) {
      dd.append(el("div", { class: "resp-headers" }, "Headers: ",
        ...headers.flatMap(([name, rawHeader], index) => {
          const [header] = deref(rawHeader);
          return [index ? ", " : "", el("code", { text: name }), " (", typeLine(header.schema || {}), ")"];
        })));
    }
    for (const [mediaType, media] of Object.entries(response.content || {})) {
      if (!media.schema) continue;
      const name = refName(media.schema) || typeOf(deref(media.schema)[0]);
      dd.append(el("details", { class: "resp-body" },
        el("summary", {}, "Body ", el("code", { text: mediaType }), ": ", name),
        schemaTree(media.schema)));
    }
    const kind = status.startsWith("2") ? "ok" : status.startsWith("4") ? "client" : "server";
    list.append(el("dt", { "data-status": status }, el("span", { class: `status-code ${kind}`, text: status })), dd);
  }
  return list;
}

function operationView({ path, method, op, pathItem }, base) {
  const id = op.operationId || `${method}-${path}`;
  const params = parametersOf(pathItem, op);
  const security = securityOf(op);
  const section = el("section", { class: "operation", id, "data-operation-id": id, "aria-labelledby": `${id}-title` });
  section.append(
    el("h3", { id: `${id}-title`, class: "op-title" },
      el("span", { class: `method ${method}`, text: method.toUpperCase() }), " ",
      el("code", { class: "op-path", text: path })),
    el("p", { class: "op-summary" }, el("strong", { text: op.summary || "" }),
      op.deprecated ? el("span", { class: "badge warn", text: "deprecated" }) : null),
    el("p", { class: "meta" }, "operationId ", el("code", { class: "op-id", text: id }),
      (op.tags || []).length ? ` · tags: ${op.tags.join(", ")}` : ""),
  );
  section.append(security.labels.length
    ? el("p", { class: "auth needs-key", "data-auth": "api-key" }, el("strong", { text: "Needs an API key: " }), security.labels.join("; "), ".")
    : el("p", { class: "auth public", "data-auth": "public", text: "Public: no API key needed." }));
  section.append(...prose(op.description));
  section.append(el("h4", { text: "Parameters" }), parameterTable(params));
  const body = requestBodyView(op);
  if (body) section.append(body);
  section.append(el("h4", { text: "Responses" }), responsesView(op));
  const curl = curlFor(method, path, op, params, base, security.headers);
  const codeId = `${id}-curl`;
  section.append(
    el("div", { class: "curl-head" },
      el("h4", { text: "Example" }),
      el("button", { type: "button", class: "secondary small copy", "data-copy": codeId, text: "Copy" })),
    el("pre", { class: "code curl" }, el("code", { id: codeId, text: curl })));
  return section;
}

// ---------------------------------------------------------------- page

function renderBasics(ops, base, configured) {
  $("base-url").textContent = base;
  const servers = (spec.servers || []).map((s) => s.description).filter(Boolean);
  $("base-url-note").textContent = configured
    ? `This is the base URL of this site's stage. ${servers.join(" ")}`
    : `Replace the placeholders with your stage's API. ${servers.join(" ")}`;

  const keyed = ops.filter((entry) => securityOf(entry.op).labels.length > 0);
  const schemes = Object.entries((spec.components && spec.components.securitySchemes) || {});
  const auth = $("auth-text");
  auth.replaceChildren();
  for (const [name, raw] of schemes) {
    const [scheme] = deref(raw);
    if (scheme.type === "apiKey") {
      auth.append(el("p", {}, `Admin operations need an API key in the `, el("code", { text: scheme.name }),
        ` ${scheme.in} (security scheme `, el("code", { text: name }), "). Keys belong to a usage plan that throttles them; ask the API's operators for one. ",
        "Without a valid key the gateway answers 403 before the function runs."));
    }
  }
  auth.append(keyed.length
    ? el("p", {}, "Operations that need it: ", ...keyed.flatMap((entry, index) => [index ? ", " : "",
      el("a", { href: `#${entry.op.operationId}` }, el("code", { text: entry.op.operationId }))]), ". Every other operation is public.")
    : el("p", { text: "No operation needs an API key." }));

  const errors = $("errors-text");
  errors.replaceChildren(el("p", {}, "Every failure answers with the same JSON document; ",
    el("code", { text: "field" }), " names the offending parameter or body field when there is one, and ",
    el("code", { text: "request_id" }), " identifies the request in the logs:"));
  const errorSchema = spec.components && spec.components.schemas && spec.components.schemas.Error;
  if (errorSchema) {
    errors.append(el("pre", { class: "code" }, el("code", {
      text: JSON.stringify({ error: { code: "validation_error", message: "page_size must be at most 100", request_id: "c6af9ac6-7b61-11e6-9a41-93e8deadbeef", field: "page_size" } }, null, 2),
    })), el("p", {}, "Schema: ", schemaLink("Error"), "."));
  }
  errors.append(el("p", {}, "A ", el("code", { text: "503" }), " means the service is busy or its database is unreachable: wait the number of seconds in ",
    el("code", { text: "Retry-After" }), " and retry. Retrying a ", el("code", { text: "POST /v1/orders" }),
    " with the same ", el("code", { text: "Idempotency-Key" }), " never places a second order."));

  $("cors-text").replaceChildren(
    el("p", {}, "Browsers may call the API from the origins in the stage's allowlist only (never ", el("code", { text: "*" }),
      " in production). The gateway answers the ", el("code", { text: "OPTIONS" }),
      " preflight of every path itself: an allowed origin, method and request headers get ", el("code", { text: "204" }),
      " with ", el("code", { text: "Access-Control-Allow-Origin" }), " echoing the origin; anything else gets ", el("code", { text: "403" }),
      " without CORS headers."),
    el("p", {}, "Real responses, errors included, echo an allowed ", el("code", { text: "Origin" }), " and carry ",
      el("code", { text: "Vary: Origin" }), "; the response headers ", el("code", { text: "ETag" }), ", ",
      el("code", { text: "Location" }), " and ", el("code", { text: "Retry-After" }),
      " are exposed to scripts. Preflight operations are not listed below; server-to-server callers can ignore CORS."),
  );
}

function renderToc(ops) {
  $("toc-list").replaceChildren(...ops.map(({ method, path, op }) => el("li", {},
    el("a", { href: `#${op.operationId}` },
      el("span", { class: `method ${method}`, text: method.toUpperCase() }), " ",
      el("code", { text: path }), " — ", op.summary || op.operationId))));
}

function renderSchemas() {
  const schemas = (spec.components && spec.components.schemas) || {};
  $("schema-list").replaceChildren(...Object.keys(schemas).map((name) => el("section", { id: `schema-${name}`, class: "schema-entry", "aria-labelledby": `schema-${name}-title` },
    el("h3", { id: `schema-${name}-title` }, el("code", { text: name })),
    schemaTree({ $ref: `#/components/schemas/${name}` }))));
}

async function loadBase() {
  try {
    const response = await fetch(CONFIG_URL, { cache: "no-store" });
    if (!response.ok) return null;
    const config = await response.json();
    return typeof config.apiBaseUrl === "string" && config.apiBaseUrl ? config.apiBaseUrl.replace(/\/+$/, "") : null;
  } catch {
    return null;
  }
}

function onCopy(event) {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const text = $(button.dataset.copy).textContent;
  const done = (message) => {
    $("docs-status").textContent = message;
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(() => done("Copied the example to the clipboard."), () => done("Copying failed; select the text instead."));
  } else {
    done("Copying needs a secure (https) page; select the text instead.");
  }
}

async function main() {
  document.addEventListener("click", onCopy);
  let response;
  try {
    response = await fetch(SPEC_URL, { cache: "no-store", headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(`${SPEC_URL} answered HTTP ${response.status}`);
    spec = await response.json();
    if (!spec || typeof spec.paths !== "object") throw new Error(`${SPEC_URL} is not an OpenAPI document`);
  } catch (error) {
    $("docs-status").textContent = "";
    $("docs-error-message").textContent = `Could not load the contract: ${error.message}.`;
    $("docs-error").hidden = false;
    return;
  }
  const configured = await loadBase();
  const base = configured || PLACEHOLDER_BASE;
  const info = spec.info || {};
  $("docs-title").textContent = `${info.title || "API"} documentation`;
  document.title = `${info.title || "API"} documentation · Shop`;
  $("docs-version").textContent = `Version ${info.version || "?"} · OpenAPI ${spec.openapi || "?"}`;
  // A paragraph about the contract's build-time {{placeholders}} is for the
  // project's engineers, not for API consumers.
  $("docs-description").replaceChildren(...prose(info.description).filter((p) => !p.textContent.includes("{{")));
  const ops = operationsOf(spec);
  try {
    renderBasics(ops, base, Boolean(configured));
    renderToc(ops);
    $("operation-list").replaceChildren(...ops.map((entry) => operationView(entry, base)));
    renderSchemas();
  } catch (error) {
    $("docs-status").textContent = "";
    $("docs-error-message").textContent = `The contract could not be rendered: ${error.message}.`;
    $("docs-error").hidden = false;
    return;
  }
  $("docs-content").hidden = false;
  $("docs-status").textContent = `${ops.length} operations.`;
  if (window.location.hash) {
    const target = document.getElementById(decodeURIComponent(window.location.hash.slice(1)));
    if (target) target.scrollIntoView();
  }
}

main();
