// The dashboard's view of HDP's state (GET /_emulator/state, redacted): served at /_emulator/ui/vendors/hdp/view.js.
// kit: { el, table, mono, empty, relative, clock } from the page (control/static/app.js).

export const title = "Progress DataDirect Hybrid Data Pipeline";

function ranges(list) {
  return (list || []).map((r) => r.endAddress && r.endAddress !== r.startAddress ? `${r.startAddress}–${r.endAddress}` : r.startAddress).join(", ");
}

export function render(state, { el, table, mono, empty }) {
  const tenants = Object.fromEntries((state.tenants || []).map((t) => [String(t.id), t.name]));
  const levels = [];
  const add = (level, doc) => {
    for (const [resource, list] of Object.entries(doc || {})) {
      levels.push({ level, resource, list });
    }
  };
  add("system", state.whitelists.system);
  for (const [id, doc] of Object.entries(state.whitelists.tenants || {})) add(`tenant ${id} (${tenants[id] || "?"})`, doc);
  for (const [name, doc] of Object.entries(state.whitelists.users || {})) add(`user ${name}`, doc);
  const on = state.filtering === "true";
  return [
    el("p", { class: "summary" }, "IP filtering (configuration 8): ", el("span", { class: `pill ${on ? "allow" : "expired"}` }, on ? "on" : "off"),
      on ? " — every level with a list for a resource must admit the caller" : " — the lists are kept but not enforced"),
    el("h3", {}, "Whitelists by level and resource"),
    table(["level", "resource", "ranges"], levels, (l) => [l.level, mono(l.resource),
      l.list && l.list.length ? mono(ranges(l.list)) : el("td", { class: "empty" }, l.list === null ? "null (no list)" : "[] (no list)")])
      || empty("No whitelist at any level: every address is admitted."),
    el("h3", {}, "Tenants and users"),
    table(["user", "tenant", "permissions", "administers"], state.users || [], (u) => [
      u.name, `${u.tenant} ${tenants[String(u.tenant)] || ""}`, mono((u.permissions || []).join(", ")), mono((u.administers || []).join(", "))]),
  ];
}

// The decide form's extra inputs (GET /_emulator/decide/hdp?resource=&user=): each named after its query parameter.
export function decideFields({ el }) {
  return [
    el("select", { id: "decide-resource", name: "resource", "aria-label": "resource" },
      ...["managementAPI", "adminAPI", "dataAccess", "webUI"].map((r) => el("option", {}, r))),
    el("input", { id: "decide-user", name: "user", placeholder: "user (optional)", "aria-label": "user" }),
  ];
}
