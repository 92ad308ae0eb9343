"""``vendors: {hdp: {...}}`` in the ``--config`` file: the JSON Schema it must meet (models.py's docstring says what
each key does). ``engine/config.py`` assembles every vendor's part into one schema, compiled once."""

_IDS = {"type": "array", "items": {"type": "integer"}}
_RANGES = {"anyOf": [{"type": "null"}, {"type": "array", "items": {
    "type": "object", "additionalProperties": False, "required": ["startAddress"],
    "properties": {"startAddress": {"type": "string"}, "endAddress": {"type": ["string", "null"]}}}}]}
_DOCUMENT = {"type": "object", "additionalProperties": False,
             "properties": {name: _RANGES for name in ("managementAPI", "adminAPI", "dataAccess", "webUI")}}

CONFIG_SCHEMA: dict = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "tenants": {"type": "array", "description": "extra tenants (or new names for 1-3)", "items": {
            "type": "object", "additionalProperties": False, "required": ["id", "name"],
            "properties": {"id": {"type": "integer"}, "name": {"type": "string", "minLength": 1}}}},
        "users": {"type": "array", "description": "extra users (one named like a demo user replaces it)", "items": {
            "type": "object", "additionalProperties": False, "required": ["id", "name", "password", "tenant"],
            "properties": {"id": {"type": "integer"}, "name": {"type": "string", "minLength": 1},
                           "password": {"type": "string"}, "tenant": {"type": "integer"},
                           "permissions": _IDS, "administers": _IDS}}},
        "whitelists": {
            "type": "object", "description": "lists present at start", "additionalProperties": False,
            "properties": {
                "system": {"anyOf": [{"type": "null"}, _DOCUMENT]},
                "tenants": {"type": "object", "propertyNames": {"pattern": "^[0-9]+$"}, "additionalProperties": _DOCUMENT},
                "users": {"type": "object", "additionalProperties": _DOCUMENT},
            },
        },
        "filtering": {"type": ["string", "boolean"], "enum": ["true", "false", True, False],
                      "description": "configuration 8 (default \"true\")"},
        "configurations": {"type": "object", "description": "configurations 1-8 by id (values as GET /api/admin/configurations shows)",
                           "propertyNames": {"pattern": "^[1-8]$"}, "additionalProperties": {"type": ["string", "null"]}},
    },
}
