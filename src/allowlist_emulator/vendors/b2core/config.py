"""``vendors: {b2core: {...}}`` in the ``--config`` file: the JSON Schema it must meet (models.py's docstring says
what each key does). ``engine/config.py`` assembles every vendor's part into one schema, compiled once."""

CONFIG_SCHEMA: dict = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "clients": {"type": "object", "description": "extra API clients, client id → secret",
                    "propertyNames": {"minLength": 1}, "additionalProperties": {"type": "string"}},
        "token_ttl": {"type": "integer", "minimum": 1, "description": "bearer token lifetime in seconds (default 600)"},
        "max_entries": {"type": "integer", "minimum": 1, "description": "policies per namespace (default 100000)"},
        "policies": {"type": "array", "description": "policies every namespace starts with", "items": {
            "type": "object", "additionalProperties": False, "required": ["ipAddress", "policy"],
            "properties": {"ipAddress": {"type": "string"}, "policy": {"enum": ["allow", "deny"]},
                           "ttl": {"type": "integer", "minimum": 0, "maximum": 315360000}}}},
    },
}
