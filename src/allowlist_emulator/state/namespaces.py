"""Namespaced state. Each namespace is an isolated copy of every vendor's model plus its own clock.

A namespace is created, seeded, on first use (header ``X-Emulator-Namespace``); a vendor's model inside it is created
on first use too, so 10,000 namespaces that each touch one vendor cost 10,000 small models, not 40,000.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from collections import OrderedDict
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

from .clock import Clock
from .model import Model
from ..errors import LIMIT, ApiError
from ..jsonio import dumps
from ..fake import generated_config

_random_bits = random.SystemRandom().getrandbits  # os.urandom, as uuid4 uses
_V4_MASK = ~(0xF000 << 64 | 0xC000 << 48) & (1 << 128) - 1  # clear the version nibble and the variant bits ...
_V4_BITS = 0x4000 << 64 | 0x8000 << 48  # ... and set version 4, variant RFC 4122

if TYPE_CHECKING:  # pragma: no cover
    from ..vendors.base import Vendor

DEFAULT_NAMESPACE = "default"
NAMESPACE_HEADER = "X-Emulator-Namespace"
MAX_NAMESPACE_NAME = 128
MAX_STATE_BYTES = 128 * 1024 * 1024  # the state of every namespace together, counted as JSON (serve --max-state-bytes)
URL_PREFIX = "/_ns/"  # /_ns/<name>/...: the namespace chosen by URL (engine/url_namespace.py)


def split_namespace_path(raw_path: str) -> tuple[str, str] | None:
    """``/_ns/<name>/<rest>`` (raw, percent-encoded) → (the name decoded once, the raw rest, at least ``/``); None when
    the path has no such prefix or no name."""
    if not raw_path.startswith(URL_PREFIX):
        return None
    raw_name, slash, rest = raw_path[len(URL_PREFIX):].partition("/")
    if not raw_name:
        return None
    name = unquote(raw_name, errors="surrogateescape") if "%" in raw_name else raw_name
    return name, slash + rest or "/"


def namespace_path(name: str) -> str:
    """The URL prefix that selects ``name``: ``/_ns/`` + the name percent-encoded (``/`` and ``%`` included)."""
    return URL_PREFIX + quote(name, safe="")


def name_problem(name: str, field: str = NAMESPACE_HEADER) -> str | None:
    """Why ``name`` cannot name a namespace (``field`` is where it came from), or None."""
    if len(name) > MAX_NAMESPACE_NAME:
        return f"{field}: longer than {MAX_NAMESPACE_NAME} characters"
    if not name.isprintable():  # control characters, or bytes that are not UTF-8 (kept by aiohttp as surrogates)
        return f"{field}: must be printable UTF-8 text"
    return None


class Namespace:
    __slots__ = ("name", "number", "clock", "_models", "_store", "_requests", "weight", "dirty")

    def __init__(self, name: str, store: "Store", clock: Clock | None = None, number: int = 0):
        self.name = name
        self.number = number  # the Store's count of namespaces created, this one included: what was created since when
        self.clock = clock or Clock()
        self._models: dict[str, Model] = {}
        self._store = store
        self._requests = 0
        self.weight = 0  # bytes of state counted for Store.max_state_bytes: measured, plus what was written since
        self.dirty = False  # written since last measured

    def request_id(self) -> str:
        """A new request id (32 hex digits): random, or under ``--seed`` the namespace's next one in a fixed sequence."""
        seed = self._store.seed
        if seed is None:  # uuid4().hex, without building a UUID object per request
            return f"{_random_bits(128) & _V4_MASK | _V4_BITS:032x}"
        self._requests += 1
        digest = hashlib.sha256(f"{seed}/{self.name}/request/{self._requests}".encode()).digest()
        return uuid.UUID(bytes=digest[:16], version=4).hex

    def rng(self, vendor: str) -> random.Random:
        seed = self._store.seed
        return random.Random(f"{seed}/{self.name}/{vendor}") if seed is not None else random.Random()

    def model(self, vendor: str) -> Model:
        model = self._models.get(vendor)
        if model is None:
            spec = self._store.vendors[vendor]
            rng = self.rng(vendor)
            config = self._store.vendor_config(vendor)
            if config.get("generate") and spec.place_generated is not None:
                config = generated_config(config, rng, spec.place_generated)
            model = spec.model.seeded(config, rng, self.clock)
            self._models[vendor] = model
        return model

    def existing(self, vendor: str) -> Model | None:
        """The vendor's model if it was made, else None (without seeding one)."""
        return self._models.get(vendor)

    def wrote(self, size: int) -> None:
        """A write of ``size`` bytes was applied: counted until the namespace is measured again."""
        self.weight += size
        self._store.state_bytes += size
        self.dirty = True

    def measure(self) -> None:
        """Count this namespace's state as it is (the JSON of its vendors' models made so far)."""
        size = len(dumps({key: model.to_json() for key, model in self._models.items()}))
        self._store.state_bytes += size - self.weight
        self.weight, self.dirty = size, False

    def reset(self, vendor: str | None = None) -> None:
        self.dirty = True
        if vendor is None:
            self._models.clear()
            self.clock = Clock()
            self._requests = 0
        else:
            self._models.pop(vendor, None)

    def to_json(self) -> dict:
        return {
            "namespace": self.name,
            "clock": self.clock.to_json(),
            "vendors": {key: self.model(key).to_json() for key in self._store.vendors},
        }

    def restore(self, data: dict, verify: bool = False, trusted: bool = False) -> None:
        """Replace this namespace's clock and the state of the vendors ``data`` names (the others keep theirs).

        Checked whole before anything is applied: ValueError ``<field>: <problem>`` (nothing changed) when any part
        does not fit; with ``verify`` (a client's restore), also a vendor state that its model would not read back as
        it writes it (so the state file loads again; the state file's own load needs no second reading). ``trusted``:
        ``data`` is what this emulator saved and validated (a state file marked so); models read it without checking
        each entry again.
        The control plane checks the document's outer shape against its spec first (specs/control/control.yaml).
        """
        if not isinstance(data, dict) or not isinstance(data.get("vendors"), dict):
            raise ValueError("vendors: the state must be an object with a 'vendors' object")
        clock = Clock.from_json(data["clock"]) if isinstance(data.get("clock"), dict) else self.clock
        for key in data["vendors"]:
            if key not in self._store.vendors:
                raise ValueError(f"vendors.{key}: not served by this emulator (served: {', '.join(self._store.vendors)})")
        models = {}
        for key, model in self._models.items():  # the vendors not named keep their state (moved to a new clock)
            if key not in data["vendors"]:
                models[key] = model if clock is self.clock else self._restored(key, model.to_json(), clock, False)
        for key, value in data["vendors"].items():
            models[key] = self._restored(key, value, clock, verify, trusted)
        if not verify:  # the state file's own load: measured when the bound is next reached
            self.clock, self._models, self.dirty = clock, models, True
            return
        size = len(dumps({key: model.to_json() for key, model in models.items()}))
        self._store.make_room(size - self.weight, self)
        self.clock = clock
        self._models = models
        self._store.state_bytes += size - self.weight
        self.weight, self.dirty = size, False

    def _restored(self, key: str, value: Any, clock: Clock, verify: bool, trusted: bool = False) -> Any:
        vendor = self._store.vendors[key]
        config, rng = self._store.vendor_config(key), self.rng(key)
        if not isinstance(value, dict):
            raise ValueError(f"vendors.{key}: must be an object, as GET /_emulator/state shows it")
        try:
            model = (vendor.model.from_json(value, config, rng, clock, trusted=True) if trusted
                     else vendor.model.from_json(value, config, rng, clock))
            if verify:
                vendor.model.from_json(model.to_json(), config, self.rng(key), clock)  # what the state file will read
            return model
        except ValueError as exc:
            if type(exc) is ValueError and not _python_text(str(exc)):
                raise ValueError(f"vendors.{key}: {exc}") from None
            problem = _problem(exc)
        except (KeyError, TypeError, AttributeError, IndexError, OverflowError, RecursionError) as exc:
            problem = _problem(exc)
        where = _mismatch(value, self._seed_json(key), f"vendors.{key}")
        raise ValueError(where or f"vendors.{key}: {problem} (send the vendor's state as GET /_emulator/state shows it)") from None

    def _seed_json(self, key: str) -> Any:
        vendor = self._store.vendors[key]
        return vendor.model.seeded(self._store.vendor_config(key), self.rng(key), Clock()).to_json()
_PYTHON_TEXTS = ("invalid literal", "could not convert", "object has no attribute", "object is not", "indices must be",
                 "isoformat", "out of range", "unhashable", "not enough values", "too many values", "expected", "argument")


def _python_text(message: str) -> bool:
    """Is this the text of an error raised by Python itself (``int('x')``), which says nothing to the client?"""
    return any(part in message for part in _PYTHON_TEXTS)


def _problem(exc: BaseException) -> str:
    if isinstance(exc, KeyError) and exc.args and isinstance(exc.args[0], str) and len(exc.args[0]) <= 64:
        return f"{exc.args[0]!r} is required somewhere in it"
    return "does not fit the vendor's state"


_KINDS = ((bool, "a boolean"), (str, "a string"), ((int, float), "a number"), (list, "an array"), (dict, "an object"),
          (type(None), "null"))


def _kind(value: Any) -> str:
    return next(name for types, name in _KINDS if isinstance(value, types))


def _mismatch(given: Any, seed: Any, field: str, depth: int = 0) -> str | None:
    """The first place where ``given`` differs in kind from the seeded state ``seed`` (``vendors.hdp.users[0].id:
    must be a number, not a string``), or None. Objects compare the keys both have; arrays their items with the
    seed's first item; null in the seed matches anything."""
    if seed is None or depth > 64:
        return None
    if _kind(given) != _kind(seed):
        return f"{field}: must be {_kind(seed)}, as GET /_emulator/state shows it, not {_kind(given)}"
    if isinstance(seed, dict):
        for key, item in given.items():
            if key in seed:
                found = _mismatch(item, seed[key], f"{field}.{key}", depth + 1)
                if found:
                    return found
    elif isinstance(seed, list) and seed:
        for index, item in enumerate(given):
            found = _mismatch(item, seed[0], f"{field}[{index}]", depth + 1)
            if found:
                return found
    return None


class Store:
    """Every namespace, created on first use, bounded by ``max_namespaces``."""

    def __init__(self, vendors: dict[str, "Vendor"], config: dict | None = None, seed: int | None = None, max_namespaces: int = 10_000,
                 max_state_bytes: int = MAX_STATE_BYTES):
        self.max_state_bytes = max_state_bytes
        self.state_bytes = 0  # the namespaces' weights together
        self.vendors = vendors
        self.config = config or {}
        self.seed = seed
        self.max_namespaces = max_namespaces
        self._namespaces: OrderedDict[str, Namespace] = OrderedDict()
        self.created = 0  # namespaces created so far (dropped ones included)

    def vendor_config(self, vendor: str) -> dict:
        return (self.config.get("vendors") or {}).get(vendor) or {}

    def check_seed(self, vendor: str) -> None:
        """Seed a throwaway model from the vendor's config, without ``generate`` (made up, so never wrong): raises as
        seeding would, for a config whose default namespace comes from a state file instead."""
        config = {key: value for key, value in self.vendor_config(vendor).items() if key != "generate"}
        self.vendors[vendor].model.seeded(config, random.Random(0), Clock())

    def namespace(self, name: str | None) -> Namespace:
        name = name or DEFAULT_NAMESPACE
        namespace = self._namespaces.get(name)
        if namespace is None:
            problem = name_problem(name)
            if problem is not None:
                raise ApiError(400, problem, kind=LIMIT, field=NAMESPACE_HEADER)
            if len(self._namespaces) >= self.max_namespaces:
                raise ApiError(
                    503,
                    f"{NAMESPACE_HEADER}: the emulator holds {self.max_namespaces} namespaces, its limit; "
                    "reset or delete some (POST /_emulator/reset?all=true) or raise max_namespaces in --config",
                    kind=LIMIT,
                    field=NAMESPACE_HEADER,
                )
            self.created += 1
            namespace = self._namespaces[name] = Namespace(name, self, number=self.created)
        return namespace

    def make_room(self, size: int, namespace: Namespace | None = None) -> None:
        """ApiError 503 (kind LIMIT) when ``size`` more bytes of state would pass ``max_state_bytes``. The count is an
        upper bound (writes add their body size); past the limit, the namespaces written since they were last
        measured are measured again before refusing."""
        if self.state_bytes + size <= self.max_state_bytes:
            return
        for held in self._namespaces.values():
            if held.dirty:
                held.measure()
        if self.state_bytes + size > self.max_state_bytes:
            raise ApiError(
                503,
                f"state: the namespaces hold {self.state_bytes} bytes of state, and this would pass the limit of "
                f"{self.max_state_bytes}; reset some (POST /_emulator/reset) or raise serve --max-state-bytes",
                kind=LIMIT, field="state")

    def names(self) -> list[str]:
        return list(self._namespaces)

    def drop_all(self) -> None:
        self._namespaces.clear()
        self.state_bytes = 0

    def drop(self, name: str) -> None:
        dropped = self._namespaces.pop(name, None)
        if dropped is not None:
            self.state_bytes -= dropped.weight

    def drop_created_since(self, mark: int) -> list[str]:
        """Forget every namespace created after ``created`` was ``mark`` (the pytest plugin: what one test created);
        the names dropped. Costs the number of such namespaces: they are the last ones in creation order."""
        names = []
        for namespace in reversed(self._namespaces.values()):
            if namespace.number <= mark:
                break
            names.append(namespace.name)
        for name in names:
            self.state_bytes -= self._namespaces.pop(name).weight
        return names
