"""``vendors: {talend: {...}}`` in the ``--config`` file: the JSON Schema it must meet (models.py's docstring says
what each key does). ``engine/config.py`` assembles every vendor's part into one schema, compiled once."""

_STRINGS = {"type": "array", "items": {"type": "string"}}

CONFIG_SCHEMA: dict = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "ip_limit": {"type": "integer", "minimum": 0, "description": "entries the policy may hold (default 100)"},
        "rate_limit": {
            "description": "requests per token per window; absent or null: off",
            "anyOf": [
                {"type": "null"},
                {"type": "object", "additionalProperties": False, "required": ["requests"],
                 "properties": {"requests": {"type": "integer", "minimum": 1},
                                "window_seconds": {"type": "number", "exclusiveMinimum": 0}}},
            ],
        },
        "tokens": {"type": "object", "description": "extra bearer tokens → their permissions",
                   "propertyNames": {"minLength": 1}, "additionalProperties": _STRINGS},
        "service_accounts": {
            "type": "object", "description": "extra service accounts (id → secret, permissions) for POST /security/oauth/token",
            "propertyNames": {"minLength": 1},
            "additionalProperties": {"type": "object", "additionalProperties": False, "required": ["secret"],
                                     "properties": {"secret": {"type": "string"}, "permissions": _STRINGS}},
        },
        "policy": {
            "type": "object", "description": "the policy every namespace starts with", "additionalProperties": False,
            "required": ["enabled"],
            "properties": {
                "enabled": {"type": "boolean"},
                "description": {"type": "string"},
                "ips": {"type": "array", "items": {
                    "type": "object", "additionalProperties": False, "required": ["ip"],
                    "properties": {"ip": {"type": "string"}, "description": {"type": "string"}, "id": {"type": "string"}}}},
            },
        },
    },
}
