// The dashboard's view of B2Core's state (GET /_emulator/state, redacted): served at
// /_emulator/ui/vendors/b2core/view.js. kit: { el, table, mono, empty, relative, clock } from the page (control/static/app.js).

export const title = "B2Broker B2Core IB";

export function render(state, { el, table, mono, empty, relative, clock }) {
  const now = clock() ? Date.parse(clock().now) : Date.now();
  const policies = state.policies || [];
  // ttl 0 never expires: its expireTime is the API's stand-in, 9999-12-31T23:59:59+00:00, not a date to count down to
  const never = (p) => !p.ttl || !p.expireTime;
  const live = (p) => never(p) || Date.parse(p.expireTime) > now;
  return [
    el("p", { class: "summary" }, `${policies.filter(live).length} of ${policies.length} ${policies.length === 1 ? "policy" : "policies"} in force on the emulator clock; `,
      `${(state.tokens || []).length} bearer token${(state.tokens || []).length === 1 ? "" : "s"} issued (values hidden)`),
    table(["ipAddress", "policy", "ttl", "expires (emulator clock)"], policies, (p) => [
      mono(p.ipAddress), el("td", {}, el("span", { class: `pill ${live(p) ? p.policy : "expired"}` }, p.policy)),
      p.ttl ? `${p.ttl} s` : "0 (never)",
      el("td", { class: live(p) ? "" : "empty", title: p.expireTime || "" },
        never(p) ? "never" : `${live(p) ? "" : "expired "}${relative((Date.parse(p.expireTime) - now) / 1000)} (${p.expireTime.replace(/\.\d+/, "")})`)])
      || empty("No policies: every address is admitted."),
  ];
}
