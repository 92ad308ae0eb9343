// The allowlist-emulator dashboard: plain DOM, no framework, no build step.
// Every call goes to the control plane, relative to this page's own URL, so the page works unchanged at
// /_emulator/ui and at /_ns/<name>/_emulator/ui. Text from the emulator is put in the page with textContent only.

const page = new URL(location.href);
const base = new URL(page.pathname.replace(/ui\/?$/, ""), page); // .../_emulator/
const urlMatch = page.pathname.match(/\/_ns\/([^/]+)\/_emulator\/ui\/?$/);
const urlNamespace = urlMatch ? decodeURIComponent(urlMatch[1]) : null;
const MAX_ROWS = 500;

const $ = (selector) => document.querySelector(selector);
let namespace = urlNamespace || page.searchParams.get("namespace") || "default";
let vendors = [];
let clock = null;
let feed = null;
let rows = [];
let open = null; // seq of the row whose detail is shown
let refreshTimer = null;

// -- helpers ----------------------------------------------------------------------------------------------------------
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

async function api(method, path, body) {
  const headers = { "X-Emulator-Namespace": namespace, "X-Emulator-UI": "1" };
  const init = { method, headers, credentials: "same-origin" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(new URL(path, base), init);
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = text; }
  if (!response.ok) {
    const message = (data && data.error && data.error.message) || text || response.statusText;
    throw new Error(`${method} ${path}: ${response.status} ${message}`);
  }
  return data;
}

function say(message, kind = "error") {
  const status = $("#status");
  status.textContent = message;
  status.className = kind === "error" ? "" : "info";
  clearTimeout(say.timer);
  say.timer = setTimeout(() => status.classList.add("hidden"), kind === "error" ? 8000 : 2500);
}

function guarded(fn) {
  return async (event) => {
    if (event) event.preventDefault();
    try { await fn(event); } catch (error) { say(error.message); }
  };
}

const MAX_TABLE_ROWS = 200; // a list of 100,000 rules shows its first 200 and says how many more there are

function table(headers, items, cells) {
  if (!items.length) return null;
  const shown = items.slice(0, MAX_TABLE_ROWS).map((item) =>
    el("tr", {}, cells(item).map((c) => c instanceof Node && c.tagName === "TD" ? c : el("td", {}, c))));
  if (items.length > MAX_TABLE_ROWS) {
    shown.push(el("tr", {}, el("td", { colspan: headers.length, class: "empty" }, `… and ${items.length - MAX_TABLE_ROWS} more (GET /_emulator/state has them all)`)));
  }
  return el("table", {}, el("thead", {}, el("tr", {}, headers.map((h) => el("th", {}, h)))), el("tbody", {}, shown));
}

const mono = (text) => el("td", { class: "mono" }, text);
const empty = (text) => el("p", { class: "empty" }, text);

function relative(seconds) {
  const abs = Math.abs(seconds);
  const text = abs < 90 ? `${Math.round(abs)} s` : abs < 5400 ? `${Math.round(abs / 60)} min`
    : abs < 172800 ? `${Math.round(abs / 3600)} h` : `${Math.round(abs / 86400)} d`;
  return seconds >= 0 ? `in ${text}` : `${text} ago`;
}

// -- vendor state, in each vendor's own terms: each vendor folder's view.js ------------------------------------------
const VIEWS = {}; // vendor key → its view module (title, render(state, kit), decideFields(kit)), or null
const kit = { el, table, mono, empty, relative, clock: () => clock };

async function loadViews(keys) {
  await Promise.all(keys.map(async (key) => {
    try {
      VIEWS[key] = await import(new URL(`ui/vendors/${encodeURIComponent(key)}/view.js`, base).href);
    } catch (error) {
      VIEWS[key] = null; // shown as JSON
      say(`${key}: no view (${error.message})`);
    }
  }));
}

function decideRows() { // each vendor's extra inputs for the decide form, shown while that vendor is chosen
  const submit = $("#decide-form button[type=submit]");
  for (const key of vendors) {
    const fields = VIEWS[key] && VIEWS[key].decideFields ? VIEWS[key].decideFields(kit) : [];
    if (fields.length) submit.before(el("div", { class: "row vendor-extra", "data-vendor": key }, fields));
  }
}

async function loadState() {
  const [state, clockNow] = await Promise.all([api("GET", "state?redact=true"), api("GET", "clock")]);
  showClock(clockNow);
  const box = $("#vendors");
  box.replaceChildren(...Object.entries(state.vendors).map(([key, vendorState]) =>
    el("div", { class: "card vendor", id: `vendor-${key}`, "data-vendor": key },
      el("h2", {}, (VIEWS[key] && VIEWS[key].title) || key, el("span", { class: "key" }, key)),
      (VIEWS[key] && VIEWS[key].render ? VIEWS[key].render(vendorState, kit) : [el("pre", {}, JSON.stringify(vendorState, null, 2))]))));
}

function showClock(data) {
  clock = data;
  $("#clock-now").textContent = data.now.replace(/\.\d+/, "").replace("+00:00", "Z");
  $("#clock-frozen").classList.toggle("hidden", !data.frozen);
  $("#clock-freeze").textContent = data.frozen ? "Unfreeze" : "Freeze";
}

function scheduleRefresh() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => { loadState().catch((e) => say(e.message)); }, 250);
}

// -- the journal -----------------------------------------------------------------------------------------------------
function statusClass(status) { return `status s${String(status)[0]}`; }

function journalRow(entry, fresh) {
  const error = entry.error ? `${entry.error.code ?? ""} ${entry.error.message ?? ""}`.trim() : "";
  return el("tr", { class: `entry${fresh ? " fresh" : ""}`, "data-seq": entry.seq, onclick: () => toggle(entry.seq) },
    mono(entry.seq), mono(entry.time.slice(11, 23)), el("td", {}, entry.vendor || ""), mono(entry.method),
    mono(entry.path + (entry.query ? `?${entry.query}` : "")),
    el("td", { class: statusClass(entry.status) }, entry.status),
    el("td", { class: "error" }, error), mono(entry.operationId || ""), mono(entry.client || ""), mono(entry.durationMs));
}

function renderJournal(freshSeq) {
  const body = $("#journal tbody");
  const out = [];
  for (const entry of rows) {
    out.push(journalRow(entry, entry.seq === freshSeq));
    if (entry.seq === open && open !== null && toggle.detail) out.push(toggle.detail);
  }
  body.replaceChildren(...out);
  $("#journal-count").textContent = `(${rows.length}${rows.length >= MAX_ROWS ? "+" : ""})`;
  if (!rows.length) body.append(el("tr", {}, el("td", { colspan: 10, class: "empty" }, "No requests in this namespace yet.")));
}

async function loadJournal() {
  const data = await api("GET", `requests?redact=true&limit=${MAX_ROWS}`);
  rows = data.requests.reverse();
  renderJournal(null);
}

function pretty(body) {
  if (body === null || body === undefined || body === "") return "(no body)";
  try { return JSON.stringify(JSON.parse(body), null, 2); } catch { return body; }
}

function headerText(headers) { return headers.map(([k, v]) => `${k}: ${v}`).join("\n") || "(none kept)"; }

async function toggle(seq) {
  if (open === seq) { open = null; toggle.detail = null; renderJournal(null); return; }
  try {
    const data = await api("GET", `requests/${seq}`);
    const request = data.request;
    const response = data.response;
    toggle.detail = el("tr", { class: "detail", "data-detail": seq }, el("td", { colspan: 10 }, el("div", { class: "pair" },
      el("div", {}, el("h3", {}, "Request"), el("pre", { class: "mono" }, `${request.method} ${request.uri}\n${headerText(request.headers)}`),
        el("pre", { class: "mono" }, pretty(request.body))),
      el("div", {}, el("h3", {}, "Answer"), response
        ? [el("pre", { class: "mono" }, `${response.status}\n${headerText(response.headers)}`), el("pre", { class: "mono" }, pretty(response.body))]
        : el("p", { class: "empty" }, "Not kept any more (the journal keeps the answers of the last 1,000 requests).")))));
    open = seq;
    renderJournal(null);
  } catch (error) { say(error.message); }
}

function connectFeed() {
  if (feed) feed.close();
  const live = $("#live");
  feed = new EventSource(new URL(`events?namespace=${encodeURIComponent(namespace)}`, base), { withCredentials: true });
  feed.addEventListener("hello", () => { live.textContent = "live"; live.className = "pill on"; });
  feed.addEventListener("request", (message) => {
    const entry = JSON.parse(message.data);
    rows.unshift(entry);
    if (rows.length > MAX_ROWS) rows.length = MAX_ROWS;
    renderJournal(entry.seq);
    if (entry.method !== "GET" && entry.status < 400) scheduleRefresh(); // only a successful write changes state
  });
  feed.addEventListener("control", (message) => {
    const data = JSON.parse(message.data);
    scheduleRefresh();
    if (data.path.endsWith("/faults") || data.path.includes("/faults/") || data.path.endsWith("/reset")) loadFaults().catch((e) => say(e.message));
    if (data.path.endsWith("/requests") || data.path.endsWith("/reset")) loadJournal().catch((e) => say(e.message));
    if (data.path.endsWith("/reset") && data.namespace === "*") loadNamespaces().catch((e) => say(e.message));
  });
  feed.addEventListener("reload", () => { loadJournal().catch((e) => say(e.message)); scheduleRefresh(); });
  feed.onerror = () => { live.textContent = "reconnecting…"; live.className = "pill off"; };
}

// -- controls --------------------------------------------------------------------------------------------------------
async function loadFaults() {
  const data = await api("GET", "faults");
  const list = $("#fault-list");
  list.replaceChildren(...data.faults.map((rule) => {
    const { id, ...rest } = rule;
    delete rest.namespace;
    return el("li", { "data-rule": id }, el("span", { class: "mono" }, Object.entries(rest).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(" ")),
      el("button", { type: "button", class: "link", onclick: guarded(async () => { await api("DELETE", `faults/${encodeURIComponent(id)}`); await loadFaults(); }) }, "remove"));
  }));
  if (!data.faults.length) list.append(el("li", { class: "empty" }, "No fault rules: requests are answered normally."));
}

async function addFault() {
  const rule = {};
  const vendor = $("#fault-vendor").value;
  if (vendor) rule.vendor = vendor;
  const operation = $("#fault-operation").value.trim();
  if (operation) rule.operationId = operation;
  for (const [id, key] of [["#fault-status", "status"], ["#fault-latency", "latencyMs"], ["#fault-probability", "probability"], ["#fault-times", "times"]]) {
    const value = $(id).value.trim();
    if (value !== "") rule[key] = Number(value);
  }
  if ($("#fault-drop").checked) rule.drop = true;
  await api("POST", "faults", rule);
  await loadFaults();
  say("Fault rule added.", "info");
}

async function decide() {
  const vendor = $("#decide-vendor").value;
  const query = new URLSearchParams({ ip: $("#decide-ip").value.trim() });
  for (const field of document.querySelectorAll(`.vendor-extra[data-vendor="${CSS.escape(vendor)}"] [name]`)) {
    if (field.value.trim()) query.set(field.name, field.value.trim()); // optional inputs left empty are left out
  }
  const box = $("#decide-result");
  try {
    const result = await api("GET", `decide/${vendor}?${query}`);
    const matched = result.matched === null || result.matched === undefined ? "" : JSON.stringify(result.matched);
    box.replaceChildren(el("strong", {}, result.allowed ? "Admitted" : "Refused"), ` — ${vendor} ${query.get("ip")}`,
      el("div", { class: "reason" }, result.reason), matched ? el("div", { class: "mono" }, `matched: ${matched}`) : null);
    box.className = `result ${result.allowed ? "allowed" : "refused"}`;
  } catch (error) {
    box.replaceChildren(error.message);
    box.className = "result refused";
  }
}

function showExtras() {
  const vendor = $("#decide-vendor").value;
  for (const row of document.querySelectorAll(".vendor-extra")) row.classList.toggle("hidden", row.dataset.vendor !== vendor);
}

async function loadNamespaces() {
  const data = await api("GET", "namespaces");
  const names = new Set(data.namespaces);
  names.add(namespace);
  $("#namespace").replaceChildren(...[...names].sort().map((name) => el("option", { value: name, selected: name === namespace }, name)));
}

function choose(name) {
  if (urlNamespace !== null) { // the namespace is in the URL: go to that namespace's own page
    location.href = new URL(`../../${encodeURIComponent(name)}/_emulator/ui`, base).href;
    return;
  }
  namespace = name;
  page.searchParams.set("namespace", name);
  history.replaceState(null, "", page);
  open = null;
  toggle.detail = null;
  connectFeed();
  Promise.all([loadState(), loadJournal(), loadFaults()]).catch((e) => say(e.message));
}

async function start() {
  const health = await api("GET", "health");
  vendors = health.vendors;
  $("#version").textContent = `v${health.version}`;
  await loadViews(vendors);
  decideRows();
  for (const select of ["#decide-vendor", "#fault-vendor", "#reset-vendor"]) {
    $(select).append(...vendors.map((key) => el("option", { value: key }, key)));
  }
  $("#decide-vendor").addEventListener("change", showExtras);
  showExtras();
  $("#namespace").addEventListener("change", (event) => choose(event.target.value));
  $("#decide-form").addEventListener("submit", guarded(decide));
  $("#fault-form").addEventListener("submit", guarded(addFault));
  $("#fault-clear").addEventListener("click", guarded(async () => { await api("DELETE", "faults"); await loadFaults(); }));
  $("#reset-form").addEventListener("submit", guarded(async () => {
    const vendor = $("#reset-vendor").value;
    await api("POST", vendor ? `reset?vendor=${encodeURIComponent(vendor)}` : "reset");
    await Promise.all([loadState(), loadFaults()]);
    say(`Reset ${vendor || "every vendor"} in namespace ${namespace}.`, "info");
  }));
  $("#clock-advance-form").addEventListener("submit", guarded(async () => {
    showClock(await api("POST", "clock", { advance: Number($("#clock-advance").value) }));
    await loadState();
  }));
  $("#clock-freeze").addEventListener("click", guarded(async () => {
    showClock(await api("POST", "clock", { freeze: !(clock && clock.frozen) }));
  }));
  $("#clock-set-form").addEventListener("submit", guarded(async () => {
    showClock(await api("POST", "clock", { set: $("#clock-set").value.trim() }));
    await loadState();
  }));
  $("#journal-clear").addEventListener("click", guarded(async () => { await api("DELETE", "requests"); await loadJournal(); }));
  connectFeed();
  await Promise.all([loadNamespaces(), loadState(), loadJournal(), loadFaults()]);
  setInterval(() => { if (clock && !clock.frozen) tick(); }, 1000);
  document.body.dataset.ready = "true";
}

function tick() { // the emulator clock moves with real time unless frozen
  const now = new Date(Date.parse(clock.now) + 1000).toISOString();
  clock = { ...clock, now };
  $("#clock-now").textContent = now.replace(/\.\d+/, "");
}

start().catch((error) => say(error.message));
