"""Load a vendor spec once: resolve every local ``$ref``, and build the operation table with compiled validators.

Nothing here runs per request. :func:`load_spec` is cached per file, so the app, the contract suites and the
recorder share one parsed copy.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Mapping

from .validate import BodyValidator, ParamSpec, compile_param

METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


def _yaml_load(raw: bytes) -> Any:
    """PyYAML is imported only when a spec is not in the parse cache (its import is ~10 ms of the cold start)."""
    import yaml

    return yaml.load(raw, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # the C loader when libyaml is there


def specs_dir() -> Path:
    """The specs shipped inside the wheel, or the top-level ``specs/`` of a source checkout (editable install)."""
    packaged = Path(__file__).resolve().parents[1] / "specs"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parents[3] / "specs"


@dataclass(slots=True)
class Operation:
    vendor: str
    operation_id: str
    method: str  # upper case
    path: str  # as in the spec, e.g. /v4/projects/{id}/trusted-ip-addresses
    path_params: tuple[ParamSpec, ...]
    query_params: tuple[ParamSpec, ...]
    header_params: tuple[ParamSpec, ...]
    body: BodyValidator | None
    security: tuple[frozenset[str], ...]  # alternatives; each a set of scheme names
    statuses: frozenset[str]
    raw: dict = field(repr=False)

    @property
    def security_schemes(self) -> frozenset[str]:
        """Every scheme name any alternative of this operation accepts."""
        return frozenset().union(*self.security) if self.security else frozenset()


@dataclass(slots=True)
class Spec:
    vendor: str
    path: Path
    document: dict  # as written (with $refs), for openapi-core and schemathesis
    resolved: dict  # every local $ref replaced
    operations: tuple[Operation, ...]
    by_id: dict[str, Operation]
    security_schemes: dict[str, dict]
    error_codes: tuple[dict, ...]

    def operation(self, operation_id: str) -> Operation:
        return self.by_id[operation_id]


def _pointer(document: dict, ref: str) -> Any:
    if not ref.startswith("#/"):
        raise ValueError(f"only local $refs are supported, got {ref!r}")
    node: Any = document
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def resolve_refs(document: dict) -> dict:
    """A copy of the document with every local ``$ref`` replaced by its target (siblings override).

    Every use of one ``$ref`` shares the one resolved target (read-only, like the rest of the result): copying it
    for each use cost three quarters of the resolving time at start-up.
    """
    cache: dict[str, Any] = {}

    def walk(node: Any, stack: tuple[str, ...]) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                if ref in stack:
                    raise ValueError(f"recursive $ref {ref!r} is not supported")
                if ref not in cache:
                    cache[ref] = walk(_pointer(document, ref), stack + (ref,))
                target = cache[ref]
                siblings = {k: walk(v, stack) for k, v in node.items() if k != "$ref"}
                if siblings and isinstance(target, dict):
                    target = {**target, **siblings}
                return target
            return {k: walk(v, stack) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v, stack) for v in node]
        return node

    return walk(document, ())


def _build_operation(vendor: str, path: str, method: str, path_item: dict, op: dict, default_security: list) -> Operation:
    params: dict[tuple[str, str], dict] = {}
    for param in list(path_item.get("parameters", [])) + list(op.get("parameters", [])):
        params[(param["in"], param["name"])] = param  # operation level overrides path level
    compiled = [compile_param(p) for p in params.values() if p["in"] in ("path", "query", "header")]
    body = None
    request_body = op.get("requestBody")
    if request_body:
        media = request_body.get("content", {})
        json_media: dict = media.get("application/json") or next(iter(media.values()), {})
        body = BodyValidator(json_media.get("schema", {}), required=bool(request_body.get("required")), media_types=tuple(media))
    security = op.get("security", default_security) or []
    return Operation(
        vendor=vendor,
        operation_id=op["operationId"],
        method=method.upper(),
        path=path,
        path_params=tuple(p for p in compiled if p.location == "path"),
        query_params=tuple(p for p in compiled if p.location == "query"),
        header_params=tuple(p for p in compiled if p.location == "header"),
        body=body,
        security=tuple(frozenset(alternative) for alternative in security),
        statuses=frozenset(str(code) for code in op.get("responses", {})),
        raw=op,
    )


_CACHE_FORMAT = 1


def _cache_dir() -> Path | None:
    if os.environ.get("ALLOWLIST_EMULATOR_NO_CACHE"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "allowlist-emulator"


def _parse(path: Path) -> tuple[dict, dict]:
    """(document, resolved) of a spec file.

    Parsing the YAML is most of the start-up time (~55 ms for the four specs), so both trees are kept in a marshal
    file under ``~/.cache/allowlist-emulator`` (``$XDG_CACHE_HOME``), named by the hash of the file's bytes: a
    changed spec is parsed again, and a cache that cannot be read or written is simply not used
    (``ALLOWLIST_EMULATOR_NO_CACHE=1`` turns it off).
    """
    raw = path.read_bytes()
    cache = _cache_dir()
    target = None
    if cache is not None:
        digest = hashlib.sha256(raw + f"/{_CACHE_FORMAT}/{sys.version_info[:2]}".encode()).hexdigest()
        target = cache / f"{path.stem}-{digest[:32]}.marshal"
        try:
            document, resolved = marshal.loads(target.read_bytes())
            if isinstance(document, dict) and isinstance(resolved, dict):
                return document, resolved
        except (OSError, ValueError, EOFError, TypeError):
            pass
    document = _yaml_load(raw)
    resolved = resolve_refs(document)
    if target is not None:
        try:
            data = marshal.dumps((document, resolved))  # ValueError for what marshal cannot hold (YAML dates)
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary = target.with_name(f"{target.name}.{os.getpid()}.tmp")
            temporary.write_bytes(data)
            os.replace(temporary, target)
            for old in target.parent.glob(f"{path.stem}-*.marshal"):
                if old != target:
                    old.unlink(missing_ok=True)
        except (OSError, ValueError):
            pass
    return document, resolved


@lru_cache(maxsize=None)
def load_spec(path: str | Path) -> Spec:
    path = Path(path)
    document, resolved = _parse(path)
    vendor = path.stem  # the file is specs/<key>.yaml (its info.x-vendor says the same, for readers and other tools)
    default_security = resolved.get("security", [])
    operations = []
    for api_path, path_item in resolved.get("paths", {}).items():
        for method in METHODS:
            if method in path_item:
                operations.append(_build_operation(vendor, api_path, method, path_item, path_item[method], default_security))
    by_id: dict[str, Operation] = {}
    for operation in operations:
        if operation.operation_id in by_id:
            raise ValueError(f"{path}: operationId {operation.operation_id!r} is used twice")
        by_id[operation.operation_id] = operation
    return Spec(
        vendor=vendor,
        path=path,
        document=document,
        resolved=resolved,
        operations=tuple(operations),
        by_id=by_id,
        security_schemes=resolved.get("components", {}).get("securitySchemes", {}),
        error_codes=tuple(resolved.get("x-error-codes", [])),
    )


def vendor_spec(key: str) -> Spec:
    return load_spec(specs_dir() / f"{key}.yaml")


HandlerMap = Mapping[str, Callable]


def check_handlers(spec: Spec, handlers: HandlerMap) -> None:
    """Every operation has exactly one handler and every handler has an operation, or start-up fails."""
    missing = sorted(set(spec.by_id) - set(handlers))
    extra = sorted(set(handlers) - set(spec.by_id))
    if missing or extra:
        raise RuntimeError(f"{spec.vendor}: handlers missing for {missing}, handlers without an operation {extra}")
