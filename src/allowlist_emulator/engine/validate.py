"""Request validation compiled once per operation.

Each parameter gets a converter (text → typed value) and a jsonschema validator; each request body gets one
validator. They are built when the spec is loaded. Per request, valid input costs a dictionary walk and a
``is_valid`` call (microseconds, in Rust). Only invalid input pays for describing the problem.

A problem is reported as :class:`Problem`: the field (``limit``, ``ips[1].ip``, ``filter[foo]``) and what is wrong.
The engine turns it into the vendor's own 400 error.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import jsonschema_rs
from multidict import MultiMapping

from ..errors import Problem

MISSING: Any = object()
_INT = re.compile(r"^-?[0-9]{1,30}$")
_MAX_MESSAGE = 300


class RequestInvalid(Exception):
    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


def compile_schema(schema: dict) -> jsonschema_rs.Draft202012Validator:
    return jsonschema_rs.Draft202012Validator(schema)


def field_name(parts: list | tuple, prefix: str = "") -> str:
    name = prefix
    for part in parts:
        if isinstance(part, int):
            name += f"[{part}]"
        elif prefix == "" and name == "":
            name = str(part)
        elif prefix and name == prefix and not prefix.endswith("]"):
            name += f"[{part}]"  # deepObject style: filter[ip]
        else:
            name += f".{part}"
    return name


def _shorten(text: str) -> str:
    """At most _MAX_MESSAGE characters; a long text keeps its end too, where a schema message says what is wrong
    (``1000…000 is not of type "string"``)."""
    if len(text) <= _MAX_MESSAGE:
        return text
    tail = _MAX_MESSAGE // 3
    return text[: _MAX_MESSAGE - tail - 3] + "..." + text[-tail:]


def describe(validator: jsonschema_rs.Draft202012Validator, value: Any, location: str, prefix: str = "",
             exhaustive: bool = True) -> Problem:
    """The first schema violation, as field + message: the shallowest one, or (``exhaustive`` False, for large bodies)
    the first one found. Listing every violation of a 150,000-item array would hold the event loop for seconds."""
    if exhaustive:
        errors = sorted(validator.iter_errors(value), key=lambda e: (len(list(e.instance_path)), str(list(e.instance_path))))
    else:
        try:
            validator.validate(value)
            errors = []
        except jsonschema_rs.ValidationError as exc:
            errors = [exc]
    if not errors:  # pragma: no cover - only called for invalid values
        return Problem(location, prefix or "body", "is invalid")
    error = errors[0]
    parts = list(error.instance_path)
    kind = type(error.kind).__name__
    details: Any = error.kind  # one class per keyword (ValidationErrorKind.Required, ...), each with its own fields
    if kind == "Required":
        return Problem(location, field_name(parts + [details.property], prefix), "is required", rule=kind)
    if kind == "AdditionalProperties":
        unexpected = list(details.unexpected)
        return Problem(location, field_name(parts + unexpected[:1], prefix), "is not an allowed property", rule=kind)
    return Problem(location, field_name(parts, prefix) or prefix or "body", _shorten(error.message), rule=kind)


# -- parameters --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ParamSpec:
    name: str
    location: str
    required: bool
    default: Any
    convert: Callable[[Any], Any]  # raises ValueError with a message
    validator: jsonschema_rs.Draft202012Validator
    deep: bool  # style deepObject: collected from name[key]=value
    array: bool  # repeated and comma-separated values

    def parse(self, raw: Any) -> Any:
        try:
            value = self.convert(raw)
        except _MemberError as exc:
            raise RequestInvalid(Problem(self.location, f"{self.name}[{exc.key}]", exc.message)) from None
        except ValueError as exc:
            raise RequestInvalid(Problem(self.location, self.name, str(exc))) from None
        if not self.validator.is_valid(value):
            raise RequestInvalid(describe(self.validator, value, self.location, self.name))
        return value


class _MemberError(ValueError):
    def __init__(self, key: str, message: str):
        super().__init__(message)
        self.key, self.message = key, message


def _scalar_converter(schema: dict) -> Callable[[Any], Any]:
    types = schema.get("type", "string")
    types = set(types) if isinstance(types, list) else {types}
    if "integer" in types:

        def to_int(text: str) -> int:
            if not _INT.match(text):
                raise ValueError(f"{_shorten(repr(text))} is not an integer")
            return int(text)

        return to_int
    if "number" in types:

        def to_number(text: str) -> float:
            try:
                value = float(text)
            except ValueError:
                raise ValueError(f"{_shorten(repr(text))} is not a number") from None
            if value != value or value in (float("inf"), float("-inf")):
                raise ValueError(f"{_shorten(repr(text))} is not a finite number")
            return value

        return to_number
    if "boolean" in types:

        def to_bool(text: str) -> bool:
            if text in ("true", "false"):
                return text == "true"
            raise ValueError(f"{_shorten(repr(text))} is not a boolean (true or false)")

        return to_bool
    return str


def compile_param(param: dict) -> ParamSpec:
    schema = param.get("schema", {})
    deep = param.get("style") == "deepObject"
    convert: Callable[[Any], Any]
    if deep:
        props = {key: _scalar_converter(sub) for key, sub in schema.get("properties", {}).items()}

        def convert_pairs(pairs: dict) -> dict:
            out = {}
            for key, text in pairs.items():
                converter = props.get(key, str)
                try:
                    out[key] = converter(text)
                except ValueError as exc:
                    raise _MemberError(key, str(exc)) from None
            return out

        convert = convert_pairs
    elif schema.get("type") == "array":
        item = _scalar_converter(schema.get("items", {}))

        def convert_list(texts: list) -> list:
            values: list[str] = []
            for text in texts:
                values.extend(part for part in text.split(",") if part != "")
            return [item(v) for v in values]

        convert = convert_list

    else:
        convert = _scalar_converter(schema)
    return ParamSpec(
        name=param["name"],
        location=param["in"],
        required=bool(param.get("required")) or param["in"] == "path",
        default=schema.get("default", MISSING),
        convert=convert,
        validator=compile_schema(schema),
        deep=deep,
        array=schema.get("type") == "array",
    )


def parse_query(params: tuple[ParamSpec, ...], query: MultiMapping[str]) -> dict[str, Any]:
    """Typed values of the declared query parameters; defaults filled in; unknown ones ignored."""
    values: dict[str, Any] = {}
    for param in params:
        if param.deep:
            prefix = param.name + "["
            pairs = {k[len(prefix) : -1]: v for k, v in query.items() if k.startswith(prefix) and k.endswith("]")}
            if pairs:
                values[param.name] = param.parse(pairs)
            elif param.default is not MISSING:
                values[param.name] = param.default
            continue
        if param.name in query:
            values[param.name] = param.parse(query.getall(param.name) if param.array else query[param.name])
        elif param.required:
            raise RequestInvalid(Problem(param.location, param.name, "is required"))
        elif param.default is not MISSING:
            values[param.name] = param.default
    return values


def parse_headers(params: tuple[ParamSpec, ...], headers: MultiMapping[str]) -> dict[str, Any]:
    """Typed values of the declared header parameters (names case-insensitive, as ``headers`` is), read exactly as
    query parameters are: a header that breaks its schema is the same 400 as the query would be."""
    return parse_query(params, headers)


def parse_path(params: tuple[ParamSpec, ...], match: Mapping[str, str]) -> dict[str, Any]:
    return {param.name: param.parse(match[param.name]) for param in params if param.name in match}


# -- bodies --------------------------------------------------------------------------------------------------------------

# curl's default for --data is form-urlencoded (B2Core's own examples send JSON that way); text/plain is what a
# browser's fetch sends by default. Both are read as JSON. Anything else is refused with 415.
_JSON_LIKE = ("application/json", "application/x-www-form-urlencoded", "text/plain", "")
_EXHAUSTIVE_BODY = 16 * 1024  # bodies up to this size report their shallowest violation; larger ones the first found


def _lone_surrogate(value: Any) -> bool:
    """Does a string in ``value`` hold a lone surrogate (``"\\ud800"``)? It could be neither validated nor answered as UTF-8."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


class _OutOfRange(Exception):
    """A JSON number too large for a 64-bit float (``1e400``): Python reads it as infinity, which jsonschema_rs then
    sees as null and orjson cannot write back. Never valid; reported naming the field."""

    def __init__(self, text: str):
        super().__init__(text)
        self.text = text


class _Huge(float):
    """The stand-in an out-of-range number becomes while its field is being located (only for rejected bodies)."""

    text = ""


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (_INFINITY, -_INFINITY):
        raise _OutOfRange(text)
    return value


def _mark_huge(text: str) -> float:
    value = float(text)
    if value in (_INFINITY, -_INFINITY):
        huge = _Huge(value)
        huge.text = text
        return huge
    return value


def _find_huge(value: Any, path: list) -> tuple[list, str] | None:
    if isinstance(value, _Huge):
        return path, value.text
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        found = _find_huge(item, path + [key])
        if found is not None:
            return found
    return None


def _out_of_range(text: str, number: str) -> Problem:
    """Where the first out-of-range number is, and what is wrong with it."""
    found = _find_huge(json.JSONDecoder(parse_constant=_reject_constant, parse_float=_mark_huge).decode(text), [])
    parts, number = found if found is not None else ([], number)
    return Problem("body", field_name(parts) or "body",
                   f"the number {_shorten(number)} is out of range (a JSON number here must lie within ±1.8e308)",
                   rule="Range")


_INFINITY = float("inf")
# one decoder for every request: json.loads with a keyword argument builds a new JSONDecoder per call. parse_float is
# called only for numbers with a fraction or an exponent.
_decode = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_finite_float).decode


class BodyValidator:
    __slots__ = ("schema", "required", "media_types", "validator")

    def __init__(self, schema: dict, *, required: bool, media_types: tuple[str, ...]):
        self.schema = schema
        self.required = required
        self.media_types = media_types
        self.validator = compile_schema(schema)

    def parse(self, raw: bytes, content_type: str) -> Any:
        if not raw:
            if self.required:
                raise RequestInvalid(Problem("body", "body", "a JSON request body is required"))
            return MISSING
        content_type = content_type.lower()
        if not (content_type in _JSON_LIKE or content_type.endswith("+json")):
            raise RequestInvalid(
                Problem("header", "Content-Type", f"{_shorten(content_type)!r} is not supported; send application/json", 415, "media_type")
            )
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise RequestInvalid(Problem("body", "body", f"is not valid UTF-8 (byte {exc.start})")) from None
        try:
            value = _decode(text)
        except RecursionError:
            raise RequestInvalid(Problem("body", "body", "is nested too deeply")) from None
        except _OutOfRange as exc:
            raise RequestInvalid(_out_of_range(text, exc.text)) from None
        except ValueError as exc:
            raise RequestInvalid(Problem("body", "body", f"is not valid JSON ({_shorten(str(exc))})")) from None
        if "\\u" in text and _lone_surrogate(value):
            raise RequestInvalid(Problem("body", "body", "is not valid JSON (a \\u escape is a lone UTF-16 surrogate, not a character)"))
        try:
            if self.validator.is_valid(value):
                return value
            problem = describe(self.validator, value, "body", exhaustive=len(raw) <= _EXHAUSTIVE_BODY)
        except ValueError:  # jsonschema_rs: "Recursion limit reached" (JSON nested a few hundred levels deep)
            problem = Problem("body", "body", "is nested too deeply")
        raise RequestInvalid(problem)
