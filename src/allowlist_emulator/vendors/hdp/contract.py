"""The contract suite's view of HDP: demo credentials (HTTP Basic), the adapter, and the live-target safety.

Live-target guard: ``updateConfiguration`` (configuration 8 switches whitelist filtering on) is never run. The
whitelist create/update operations only run when configuration 8 reads ``"false"``: with filtering on, a generated
list would be enforced at once and could leave out this client. Deletes always run (they only widen access).
"""

from __future__ import annotations

import requests

from ...contract.auth import BasicAuth, Credentials, VendorAuth
from ...contract.safety import ABSENT, NOTHING, RestoreError, Safety, Scope

DEMO = Credentials(user="d2cadmin", password="d2cadmin")
OPTIONS = {"user": "HDP user", "password": "HDP password"}  # the credential fields (CLI options) this vendor uses


def make_auth(base_url: str, given: Credentials, headers: dict[str, str] | None, verify: bool | str) -> VendorAuth:
    if given.user is None and given.password is None:
        given = DEMO
    return BasicAuth(given.user, given.password)


class HdpSafety(Safety):
    WL = "/api/admin/security/whitelist"

    def caller(self) -> str | None:
        return self.auth.user if isinstance(self.auth, BasicAuth) else None

    def scope_for(self, method, path, query):
        if path == f"{self.WL}/system":
            return ("system",)
        if path.startswith(f"{self.WL}/tenants/"):
            return ("tenant", int(path.rsplit("/", 1)[1]))
        if path == "/api/mgmt/security/whitelist/user":
            names = query.get("user")
            return ("user", names[0] if names else self.caller())
        if path.startswith("/api/admin/configurations/"):
            return ("configuration", int(path.rsplit("/", 1)[1]))
        return None

    def _path(self, scope: Scope) -> tuple[str, dict]:
        kind = scope[0]
        if kind == "system":
            return f"{self.WL}/system", {}
        if kind == "tenant":
            return f"{self.WL}/tenants/{scope[1]}", {}
        if kind == "user":
            return "/api/mgmt/security/whitelist/user", ({"user": scope[1]} if scope[1] is not None else {})
        return f"/api/admin/configurations/{scope[1]}", {}

    def read(self, scope):
        path, params = self._path(scope)
        response = self.call("GET", path, params=params)
        if response.status_code in (400, 403, 404):
            code = ((self.body(response) or {}).get("error") or {}).get("code")
            if code in (222208719, 222208728):  # no whitelist record (tenant / system or user)
                return ABSENT
            # Unknown tenant, user or configuration, an invalid id, or a target the caller may not administer (HDP
            # asks the same permissions for reading and writing): nothing can be written there.
            return NOTHING
        body = self.body(self.expect(response, 200))
        return body.get("value") if scope[0] == "configuration" else body

    def write_back(self, scope, wanted, current):
        path, params = self._path(scope)
        if scope[0] == "configuration":
            self.expect(self.call("PUT", path, json={"value": wanted}), 200)
        elif wanted == ABSENT:
            self.expect(self.call("DELETE", path, params=params), 204, 404)
        elif current == ABSENT:
            self.expect(self.call("POST", path, params=params, json=wanted), 201)
        else:
            self.expect(self.call("PUT", path, params=params, json=wanted), 200)

    def restore_order(self, scopes):
        # Filtering switched off first (so the lists can be written back), switched on last (over restored lists).
        off = [s for s in scopes if s[0] == "configuration" and self.snapshots.get(s) == "false"]
        on = [s for s in scopes if s[0] == "configuration" and s not in off]
        return off + [s for s in scopes if s[0] != "configuration"] + on

    def exclusions(self):
        if not self.live:
            return {}
        out = {"updateConfiguration": "configuration 8 switches IP whitelist filtering on; never changed on a live target"}
        try:
            value = self.read(("configuration", 8))
            if value is NOTHING:
                value = "unreadable"
        except (RestoreError, requests.RequestException, AttributeError) as exc:
            value = f"unreadable ({exc})"
        if value != "false":
            reason = (f"IP whitelist filtering (configuration 8) is {value!r}: a generated list would be enforced at once "
                      "and could leave out this client; set it to \"false\" to run the whitelist writes")
            for op in ("createSystemWhitelist", "updateSystemWhitelist", "createTenantWhitelist",
                       "updateTenantWhitelist", "createUserWhitelist", "updateUserWhitelist"):
                out[op] = reason
        return out


SAFETY = HdpSafety
