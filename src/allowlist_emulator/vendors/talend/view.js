// The dashboard's view of Talend's state (GET /_emulator/state, redacted): served at
// /_emulator/ui/vendors/talend/view.js. kit: { el, table, mono, empty, relative, clock } from the page (control/static/app.js).

export const title = "Talend Cloud Management Console";

export function render(state, { el, table, mono, empty }) {
  const policy = state.policy;
  if (!policy) return [empty("No IP allowlist policy: every address is admitted.")];
  return [
    el("p", { class: "summary" }, "Policy ", el("span", { class: `pill ${policy.enabled ? "allow" : "expired"}` }, policy.enabled ? "enabled" : "disabled"),
      policy.description ? ` — ${policy.description}` : ""),
    el("h3", {}, `Entries (${(policy.ips || []).length})`),
    table(["ip", "description", "id"], policy.ips || [], (e) => [mono(e.ip), e.description || "", mono(e.id)])
      || empty("No entries."),
  ];
}
