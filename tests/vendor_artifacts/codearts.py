"""Huawei Cloud CodeArts Repo (API v4, trusted IP addresses): the samples and limits on Huawei's pages, written down
for the tests.

Pages read (support.huaweicloud.com, api-codeartsrepo, English; 2025-03 and 2026-01 editions):
- ListTenantTrustedIpAddresses (seed 003), AddTenantTrustedIpAddress, UpdateTenantTrustedIpAddress,
  DeleteTenantTrustedIpAddress, ListTrustedIpAddresses ("Obtaining the Repository IP Address Whitelist"),
  AddTrustedIpAddress, UpdateTrustedIpAddress, DeleteTrustedIpAddress; the Error Codes page.
- User guide, "Configuring an IP Whitelist" (usermanual-codeartsrepo/codeartsrepo_03_0138.html, 2025) and "IP Address
  Whitelist" (codeartsrepo_03_0084.html, 2023).
Samples the pages show only in part (the reference search returned the page's opening only) are kept as PARTIAL: the
fields shown are checked against the spec's types, the missing ones are not invented.
"""

TENANT_LIST = "/v4/tenant/trusted-ip-addresses"
REPOSITORY_LIST = "/v4/projects/{id}/trusted-ip-addresses"
TENANT_ITEM = "/v4/tenant/trusted-ip-addresses/{ip_id}"
REPOSITORY_ITEM = "/v4/projects/{id}/trusted-ip-addresses/{ip_id}"
SEED_EXAMPLE_PATH = "/v4/tenant/setting/ip_addresses"  # seed 003's "Example Requests", beside its URI
# The 2025 "Adding a Tenant IP Address Whitelist" page's example request: POST to this path (not served; x-fidelity)
ADD_EXAMPLE_PATH = "/v4/tenant/setting/trusted-ip-addresses"

# Value ranges on the pages ("Value range: 1~2147483647" etc.)
BOUNDS = {"id": (1, 2147483647), "ip_id": (1, 2147483647), "offset": (0, 2147483647), "limit": (1, 100)}
DEFAULTS = {"offset": 0, "limit": 20}

_SEED_ITEM = {"id": 1998, "user_id": 9155, "ip_range": "1.1.1.1", "ip_start": "1.1.1.1", "ip_end": "1.1.1.1",
              "created_at": "Aug 21, 2023 10:27:09 PM", "updated_at": "Jul 1, 2024 4:19:31 PM", "ip_type": 3,
              "view_flag": 1, "download_flag": 1, "upload_flag": 1, "order_flag": 0,
              "domain_id": "159b65b41ead484d8ddff250a4731781", "remark": ""}

# (method, spec path, status, body): complete samples, verbatim
SAMPLES = [
    ("GET", TENANT_LIST, 200, [_SEED_ITEM, {**_SEED_ITEM, "id": 1999}]),
    ("GET", TENANT_LIST, 401, {"error_code": "DEV.00000003", "error_msg": "Authentication information expired."}),
    ("GET", TENANT_LIST, 403, {"error_code": "CH.004403",
                               "error_msg": "Insufficient permissions. Apply for the required permissions and try again."}),
    ("GET", REPOSITORY_LIST, 200, [{"id": 19324, "repository_id": 2111897848, "ip_range": "255.255.255.255",
                                    "ip_start": "255.255.255.255", "ip_end": "255.255.255.255",
                                    "created_at": "Jul 22, 2024 2:42:46 PM", "updated_at": "Jul 22, 2024 2:42:46 PM",
                                    "ip_type": 3, "view_flag": 1, "download_flag": 1, "upload_flag": 1,
                                    "order_flag": 0}]),
]

# The repository delete page's sample is `{ status: success }` (not JSON: unquoted); read as what it means
SAMPLES.append(("DELETE", REPOSITORY_ITEM, 200, {"status": "success"}))

# (method, spec path, status, the fields the page shows): samples cut short where the reference text ends
PARTIAL = [
    ("POST", TENANT_LIST, 200, {"id": "58119", "remark": "", "ip_range": "2.2.2.5", "ip_type": 0, "ip_start": "2.2.2.5",
                                "ip_end": "2.2.2.5"}),
    ("POST", REPOSITORY_LIST, 200, {"id": "61366", "remark": "test12123", "ip_range": "1.0.0.1", "ip_type": 0}),
    ("PUT", REPOSITORY_ITEM, 200, {"id": "61366"}),
]

# The Error Codes page's own sample contradicts its text and the seed (error_code/error_msg): recorded, not followed.
ERROR_CODES_PAGE_SAMPLE = {"error": {"code": "DEV.CH.10001", "message": "Param invalid"}, "status": "failed"}

# User guide: where the whitelist applies, and who is exempt
RESTRICTED_VISIBILITIES = ("Private", "Read-only for project members", "Read-only for tenant members")
OWNER_EXEMPT_ACTIONS = ("view",)  # "Only whitelisted IP addresses and the repository owner can access the repository"

# The pages above, as recorded in specs/codearts.yaml x-vendor-artifacts
SOURCES = ("https://support.huaweicloud.com/intl/en-us/api-codeartsrepo/ListTenantTrustedIpAddresses.html",
           "https://support.huaweicloud.com/intl/en-us/api-codeartsrepo/ListTrustedIpAddresses.html",
           "https://support.huaweicloud.com/intl/en-us/api-codeartsrepo/ErrorCode.html",
           "https://support.huaweicloud.com/intl/tr-tr/usermanual-codeartsrepo/codeartsrepo_03_0138.html")
