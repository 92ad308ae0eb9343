"""Namespaced state. Each namespace is an isolated copy of every vendor's model plus its own clock.

A namespace is created, seeded, on first use (header ``X-Emulator-Namespace``); a vendor's model inside it is created
on first use too, so 10,000 namespaces that each touch one vendor cost 10,000 small models, not 40,000.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from collections import OrderedDict
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote

from .clock import Clock
from .model import Model
from ..errors import LIMIT, ApiError
from ..fake import generated_config

_random_bits = random.SystemRandom().getrandbits  # os.urandom, as uuid4 uses
_V4_MASK = ~(0xF000 << 64 | 0xC000 << 48) & (1 << 128) - 1  # clear the version nibble and the variant bits ...
_V4_BITS = 0x4000 << 64 | 0x8000 << 48  # ... and set version 4, variant RFC 4122

if TYPE_CHECKING:  # pragma: no cover
    from ..vendors.base import Vendor

DEFAULT_NAMESPACE = "default"
NAMESPACE_HEADER = "X-Emulator-Namespace"
MAX_NAMESPACE_NAME = 128
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
    __slots__ = ("name", "number", "clock", "_models", "_store", "_requests")

    def __init__(self, name: str, store: "Store", clock: Clock | None = None, number: int = 0):
        self.name = name
        self.number = number  # the Store's count of namespaces created, this one included: what was created since when
        self.clock = clock or Clock()
        self._models: dict[str, Model] = {}
        self._store = store
        self._requests = 0

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

    def reset(self, vendor: str | None = None) -> None:
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

    def restore(self, data: dict, trusted: bool = False) -> None:
        """Replace this namespace's state; raises ValueError (nothing changed) when ``data`` does not fit. ``trusted``:
        ``data`` is what this emulator saved and validated (a state file marked so); models read it without checking
        each entry again."""
        if not isinstance(data, dict) or not isinstance(data.get("vendors", {}), dict):
            raise ValueError("state must be an object with a 'vendors' object")
        clock = Clock.from_json(data["clock"]) if isinstance(data.get("clock"), dict) else self.clock
        models = {}
        for key, value in data.get("vendors", {}).items():
            if key not in self._store.vendors:
                raise ValueError(f"vendors.{key}: not served by this emulator")
            vendor = self._store.vendors[key]
            try:
                config, rng = self._store.vendor_config(key), self.rng(key)
                models[key] = (vendor.model.from_json(value, config, rng, clock, trusted=True) if trusted
                               else vendor.model.from_json(value, config, rng, clock))
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                raise ValueError(f"vendors.{key}: {exc}") from None
        self.clock = clock
        self._models = models


class Store:
    """Every namespace, created on first use, bounded by ``max_namespaces``."""

    def __init__(self, vendors: dict[str, "Vendor"], config: dict | None = None, seed: int | None = None, max_namespaces: int = 10_000):
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

    def names(self) -> list[str]:
        return list(self._namespaces)

    def drop_all(self) -> None:
        self._namespaces.clear()

    def drop(self, name: str) -> None:
        self._namespaces.pop(name, None)

    def drop_created_since(self, mark: int) -> list[str]:
        """Forget every namespace created after ``created`` was ``mark`` (the pytest plugin: what one test created);
        the names dropped. Costs the number of such namespaces: they are the last ones in creation order."""
        names = []
        for namespace in reversed(self._namespaces.values()):
            if namespace.number <= mark:
                break
            names.append(namespace.name)
        for name in names:
            del self._namespaces[name]
        return names
