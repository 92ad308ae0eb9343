"""Talend's operationIds: the vendor's own (its "Ip Allowlist" OpenAPI document, version 2021-03), and the names the
emulator used before it adopted them. Users wrote the old names into fault rules (``operationId``) and journal filters
(``?operationId=``); both still accept them and act on the vendor's name. The legacy path family takes the same names
with ``Legacy`` appended."""

# the emulator's first name → the vendor's operationId (/security/ip-allowlist...)
_RENAMED = {
    "getIpAllowlist": "retrieveIpAllowlistCfg",
    "createIpAllowlist": "createANewIpAllowlistCfg",
    "replaceIpAllowlist": "updateIpAllowlistConfig",
    "deleteIpAllowlist": "deleteIpAllowlistCfg",
    "setIpAllowlistEnabled": "enableDisableIpAllowlistConfig",
    "listIps": "retrieveIpEntries",
    "addIps": "createANewIpEntries",
    "updateIps": "updateIpEntriesSet",
    "getIp": "retrieveIpEntry",
    "updateIp": "updateIpEntry",
    "deleteIp": "deleteIpEntry",
}

OPERATION_ALIASES: dict[str, str] = {
    **_RENAMED,
    **{f"{old}Legacy": f"{new}Legacy" for old, new in _RENAMED.items()},
}
