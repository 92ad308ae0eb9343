"""What the toolkit needs of a vendor's model (``vendors/<key>/models.py``), as Protocols: a namespace seeds one, the
state file and ``GET /_emulator/state`` read it as JSON, a restore rebuilds it. The rest of a model is the vendor's
own, used by its handlers and its ``decide``."""

from __future__ import annotations

import random
from typing import Any, Mapping, Protocol, TypeVar

from .clock import Clock


class Model(Protocol):
    """One vendor's state in one namespace."""

    def to_json(self) -> dict: ...


M = TypeVar("M", bound=Model)
M_co = TypeVar("M_co", bound=Model, covariant=True)


class ModelType(Protocol[M_co]):
    """The model's class (``Vendor.model``): made from the ``--config`` section, or from its JSON."""

    def seeded(self, config: Mapping[str, Any], rng: random.Random, clock: Clock) -> M_co: ...

    def from_json(self, data: Mapping[str, Any], config: Mapping[str, Any], rng: random.Random, clock: Clock,
                  trusted: bool = False) -> M_co:
        """``trusted``: ``data`` is what this emulator saved and validated (a state file marked so), read without
        checking each entry again."""
        ...
