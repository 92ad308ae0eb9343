// The dashboard's view of CodeArts' state (GET /_emulator/state, redacted): served at
// /_emulator/ui/vendors/codearts/view.js. kit: { el, table, mono, empty, relative, clock } from the page (control/static/app.js).

export const title = "Huawei Cloud CodeArts Repo";

function rulesTable(rules, { table, mono }) {
  return table(["id", "range", "view", "download", "upload", "remark"], rules, (r) => [
    mono(r.id), mono(r.ip_end && r.ip_end !== r.ip_start ? `${r.ip_start}–${r.ip_end}` : r.ip_start),
    r.view_flag ? "✓" : "·", r.download_flag ? "✓" : "·", r.upload_flag ? "✓" : "·", r.remark || ""]);
}

export function render(state, kit) {
  const { el, empty } = kit;
  const out = [el("h3", {}, `Tenant trusted IP addresses (${(state.tenant || []).length})`),
    rulesTable(state.tenant || [], kit) || empty("No tenant rules: the tenant list restricts nothing.")];
  for (const [id, rules] of Object.entries(state.repositories || {})) {
    out.push(el("h3", {}, `Repository ${id} (${rules.length})`), rulesTable(rules, kit) || empty("No rules: this repository's list restricts nothing."));
  }
  return out;
}

// The decide form's extra inputs (GET /_emulator/decide/codearts?action=&repository=&user=): each named after its query parameter.
export function decideFields({ el }) {
  return [
    el("select", { id: "decide-action", name: "action", "aria-label": "action" },
      ...["view", "download", "upload"].map((a) => el("option", {}, a))),
    el("input", { id: "decide-repository", name: "repository", placeholder: "repository (optional)", "aria-label": "repository" }),
    el("input", { id: "decide-user", name: "user", placeholder: "user id (optional)", "aria-label": "user" }),
  ];
}
