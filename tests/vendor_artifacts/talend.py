"""Talend's own OpenAPI documents, as facts written down for the tests (not copies of the files).

Sources, read for this table (the rendered pages and the public mirror of the raw files):
- "Ip Allowlist", OpenAPI 3.0.1, version 2021-03, contact "TPSVC Team": https://api.talend.com/apis/ip-allowlist/2021-03/
  (mirror: github.com/api-evangelist/talend, openapi/_original/ip-allowlist-openapi.json)
- "OAuth", OpenAPI 3.0.1, version 2021-03: https://api.talend.com/apis/oauth/2021-03/
  (mirror: openapi/_original/oauth-openapi.json)
- The general "Error handling" page: https://help.qlik.com/talend/en-US/api-user-guide/Cloud/error-handling

They describe the ``/security/...`` family only. Response media type ``*/*``; security: bearer (allowlist), basic (OAuth).
"""

# -- schemas (components.schemas of the two documents; OpenAPI 3.0 schemas, valid JSON Schema as written) -----------------
IP_ENTRY = {"type": "object", "required": ["description", "ip"],
            "properties": {"description": {"type": "string"}, "ip": {"type": "string"}}}
IP_ALLOWLIST = {"type": "object", "required": ["enabled"],
                "properties": {"description": {"type": "string"}, "enabled": {"type": "boolean"},
                               "ips": {"type": "array", "items": IP_ENTRY}}}
IP_ALLOWLIST_SETTINGS = {"type": "object", "required": ["enabled"], "properties": {"enabled": {"type": "boolean"}}}
TOKEN_REQUEST = {"type": "object", "required": ["audience", "grant_type"],
                 "properties": {"grant_type": {"type": "string"}, "audience": {"type": "string"}}}
TOKEN_RESPONSE = {"type": "object", "required": ["access_token", "token_type"],
                  "properties": {"access_token": {"type": "string"}, "token_type": {"type": "string"},
                                 "expires_in": {"type": "string"}}}  # a string: example "3600"
ENTRIES = {"type": "array", "items": IP_ENTRY}

# -- operations: (operationId, method, path, request body schema, {status: response body schema or None}) --------------------
_ERRORS = (400, 401, 403, 404, 429, 500)


def _statuses(success: int, body, *errors: int) -> dict:
    return {success: body, **{status: None for status in errors}}


OPERATIONS = [
    ("retrieveIpAllowlistCfg", "GET", "/security/ip-allowlist", None,
     _statuses(200, IP_ALLOWLIST, 400, 401, 403, 404, 429, 500)),
    ("createANewIpAllowlistCfg", "POST", "/security/ip-allowlist", IP_ALLOWLIST,
     _statuses(201, IP_ALLOWLIST, 400, 401, 403, 409, 429, 500)),
    ("updateIpAllowlistConfig", "PUT", "/security/ip-allowlist", IP_ALLOWLIST,
     _statuses(200, IP_ALLOWLIST, 400, 401, 402, 403, 404, 429, 500)),
    ("deleteIpAllowlistCfg", "DELETE", "/security/ip-allowlist", None,
     _statuses(204, None, 400, 401, 403, 500)),
    ("enableDisableIpAllowlistConfig", "PATCH", "/security/ip-allowlist", IP_ALLOWLIST_SETTINGS,
     _statuses(200, None, 400, 401, 402, 403, 404, 429, 500)),  # 200 without a body
    ("retrieveIpEntries", "GET", "/security/ip-allowlist/ips", None,
     _statuses(200, ENTRIES, 400, 401, 403, 429, 500)),
    ("createANewIpEntries", "POST", "/security/ip-allowlist/ips", ENTRIES,
     _statuses(201, ENTRIES, 400, 401, 403, 409, 429, 500)),
    ("updateIpEntriesSet", "PUT", "/security/ip-allowlist/ips", ENTRIES,
     _statuses(200, ENTRIES, 400, 401, 402, 403, 404, 429, 500)),
    ("retrieveIpEntry", "GET", "/security/ip-allowlist/ips/{ipEntryId}", None,
     _statuses(200, IP_ENTRY, 400, 401, 403, 404, 429, 500)),
    ("updateIpEntry", "PUT", "/security/ip-allowlist/ips/{ipEntryId}", IP_ENTRY,
     _statuses(200, IP_ENTRY, 400, 401, 402, 403, 404, 429, 500)),
    ("deleteIpEntry", "DELETE", "/security/ip-allowlist/ips/{ipEntryId}", None,
     _statuses(204, None, 400, 401, 403, 500)),
    # the OAuth document declares no operationId; the emulator's is generateServiceAccountToken
    ("generateServiceAccountToken", "POST", "/security/oauth/token", TOKEN_REQUEST,
     _statuses(200, TOKEN_RESPONSE, 401, 403, 500)),
]

# The OAuth document declares these two optional parameters (components.parameters talendVersion, talend-version: "API
# version", any string); the emulator accepts them on every Talend operation.
VERSION_QUERY = "talendVersion"
VERSION_HEADER = "talend-version"

# The "Error handling" page's table (name, code): the statuses Talend APIs use in general.
GENERAL_ERRORS = {400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found",
                  405: "Method not allowed", 409: "Conflict", 415: "Unsupported media type",
                  500: "Internal server error"}
# The page's sample error body
GENERAL_ERROR_SAMPLE = {"status": 401, "message": "Unauthorized"}

# Documented request samples (seed 000 / the API pages)
SAMPLES = [
    ("POST", "/security/ip-allowlist", {"description": "Paris office", "enabled": False,
                                        "ips": [{"description": "Data Prep user1", "ip": "230.65.223.167"}]}),
    ("POST", "/security/ip-allowlist/ips", [{"description": "Data Prep user1", "ip": "230.65.223.167"},
                                            {"description": "Data Prep user2", "ip": "230.65.223.169"}]),
    ("POST", "/security/oauth/token", {"audience": "https://api.eu.cloud.talend.com/", "grant_type": "client_credentials"}),
]

# The documents above, as recorded in specs/talend.yaml x-vendor-artifacts
SOURCES = ("https://api.talend.com/apis/ip-allowlist/2021-03/", "https://api.talend.com/apis/oauth/2021-03/",
           "https://help.qlik.com/talend/en-US/api-user-guide/Cloud/error-handling")
