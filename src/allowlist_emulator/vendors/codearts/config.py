"""``vendors: {codearts: {...}}`` in the ``--config`` file: the JSON Schema it must meet (models.py's docstring says
what each key does). ``engine/config.py`` assembles every vendor's part into one schema, compiled once."""

_STATUS = {"enum": ["admin", "expired", "no_permission"]}
_FLAG = {"enum": [0, 1]}
_RULES = {"type": "array", "items": {
    "type": "object", "additionalProperties": False, "required": ["ip_type", "ip_start"],
    "properties": {"id": {"type": "integer"}, "ip_type": {"enum": [0, 1, 2]}, "ip_start": {"type": "string"},
                   "ip_end": {"type": ["string", "null"]}, "remark": {"type": "string", "maxLength": 200},
                   "view_flag": _FLAG, "download_flag": _FLAG, "upload_flag": _FLAG, "order_flag": _FLAG}}}

CONFIG_SCHEMA: dict = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "domain_id": {"type": "string", "pattern": "^[0-9a-fA-F]{32}$", "description": "the tenant (32 hex digits)"},
        "user_id": {"type": "integer", "description": "user id of the demo identities (default 9155)"},
        "credentials": {"type": "array", "description": "extra AK/SK pairs", "items": {
            "type": "object", "additionalProperties": False, "required": ["ak", "sk"],
            "properties": {"ak": {"type": "string", "minLength": 1}, "sk": {"type": "string", "minLength": 1},
                           "user_id": {"type": "integer"}, "status": _STATUS}}},
        "tokens": {"type": "array", "description": "extra X-Auth-Token values", "items": {
            "type": "object", "additionalProperties": False, "required": ["token"],
            "properties": {"token": {"type": "string", "minLength": 1}, "user_id": {"type": "integer"}, "status": _STATUS}}},
        "repositories": {"type": "array", "description": "extra repositories: an id, or {id, owner, visibility}", "items": {
            "anyOf": [{"type": "integer", "minimum": 1, "maximum": 2147483647},
                      {"type": "object", "additionalProperties": False, "required": ["id"],
                       "properties": {"id": {"type": "integer", "minimum": 1, "maximum": 2147483647},
                                      "owner": {"type": "integer", "minimum": 0},
                                      "visibility": {"enum": ["private", "project-read-only", "tenant-read-only", "public"]}}}]}},
        "max_entries": {"type": "integer", "minimum": 1, "description": "rules per list (default 100000)"},
        "whitelists": {
            "type": "object", "description": "rules present at start", "additionalProperties": False,
            "properties": {"tenant": _RULES,
                           "repositories": {"type": "object", "propertyNames": {"pattern": "^[0-9]+$"},
                                            "additionalProperties": _RULES}},
        },
    },
}
