"""The contract suite's view of Talend: demo credentials (a bearer token), the adapter, and the live-target safety.

Live-target guard: ``enableDisableIpAllowlistConfig`` and ``createANewIpAllowlistCfg``/``updateIpAllowlistConfig``
(both path families) are never run, since their bodies switch the policy on. Entry operations run: Talend exempts holders of
"Users - Management" (which the suite's token needs anyway) from the policy.
"""

from __future__ import annotations

from ...contract.auth import BearerAuth, Credentials, VendorAuth
from ...contract.safety import ABSENT, Safety

DEMO = Credentials(token="talend-admin-token")
OPTIONS = {"token": "Talend bearer token"}  # the credential fields (CLI options) this vendor uses


def make_auth(base_url: str, given: Credentials, headers: dict[str, str] | None, verify: bool | str) -> VendorAuth:
    return BearerAuth(given.token or DEMO.token or "")


class TalendSafety(Safety):
    ROOTS = ("/security/ip-allowlist", "/v1/management/ip-allowlist")

    def scope_for(self, method, path, query):
        if any(path == root or path.startswith(root + "/") for root in self.ROOTS):
            return ("policy",)
        return None

    def read(self, scope):
        response = self.call("GET", "/security/ip-allowlist")
        if response.status_code == 404:
            return ABSENT
        data = self.body(self.expect(response, 200)) or {}
        return {
            "enabled": data.get("enabled"),
            "description": data.get("description", ""),
            "ips": [{"ip": e.get("ip"), "description": e.get("description", "")} for e in data.get("ips") or []],
        }

    def write_back(self, scope, wanted, current):
        if wanted == ABSENT:
            self.expect(self.call("DELETE", "/security/ip-allowlist"), 204, 404)
        elif current == ABSENT:
            self.expect(self.call("POST", "/security/ip-allowlist", json=wanted), 201)
        else:
            # PUT adds IPs to the existing list (it never removes one): delete the entries the run added or changed,
            # then PUT the wanted policy, which re-adds what is missing and sets `enabled` and `description`
            keep = {(e["ip"], e["description"]) for e in wanted["ips"]}
            listed = self.body(self.expect(self.call("GET", "/security/ip-allowlist/ips"), 200)) or []
            for entry in listed:
                if (entry.get("ip"), entry.get("description", "")) not in keep and entry.get("id"):
                    self.expect(self.call("DELETE", f"/security/ip-allowlist/ips/{entry['id']}"), 204)
            self.expect(self.call("PUT", "/security/ip-allowlist", json=wanted), 200)

    def exclusions(self):
        if not self.live:
            return {}
        reason = "its body can switch the allowlist policy on; never sent to a live target"
        return {op: reason for op in ("enableDisableIpAllowlistConfig", "enableDisableIpAllowlistConfigLegacy",
                                      "createANewIpAllowlistCfg", "createANewIpAllowlistCfgLegacy",
                                      "updateIpAllowlistConfig", "updateIpAllowlistConfigLegacy")}


SAFETY = TalendSafety
