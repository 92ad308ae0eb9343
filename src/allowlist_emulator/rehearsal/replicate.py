"""``replicate``: read a live deployment of one vendor with GETs only, then load what was read into an emulator
namespace (``--into URL``) or a state file (``--state-file FILE``), all at once or not at all.

The vendor's folder says what to read and how it becomes its state (``vendors/<key>/replicate.py``); this module
opens the read-only session, hands it the vendor's credentials (its contract adapter), and loads the result: through
``PUT /_emulator/state`` of the target namespace (the namespace's other vendors and its clock are sent back as they
were), or through the state file's own code. The replica keeps the target's identities (users, tokens, clients,
keys): only lists are copied, never a credential of the live side.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..contract.auth import Credentials
from ..vendors import REGISTRY
from . import emulator
from .live import Live, ReplicateError


@dataclass
class Copied:
    vendor: str
    source: str
    data: dict
    counts: dict[str, int]
    sent: list[tuple[str, str]] = field(default_factory=list)  # (method, url) of every request that went out
    notes: list[str] = field(default_factory=list)  # what could not be read and stays as the replica had it


def module(vendor: str) -> Any:
    return REGISTRY[vendor].part("replication")


def read_live(vendor: str, url: str, credentials: Credentials | None = None, options: dict | None = None, *,
              timeout: float = 30.0, verify: bool | str = True, headers: dict[str, str] | None = None) -> Copied:
    """Everything ``vendor``'s lists hold at ``url`` (its base URL, mount included); ReplicateError on any failure."""
    from ..contract.auth import make_auth
    from ..contract.readonly import read_only_session

    part = module(vendor)
    credentials = credentials or Credentials()
    session = read_only_session(part.exchanges(url) if hasattr(part, "exchanges") else ())
    session.verify = verify
    if hasattr(part, "auth"):
        adapter = part.auth(url, credentials, headers, session)
    else:
        adapter = make_auth(vendor, url, credentials, headers=headers, verify=verify)
    live = Live(url, adapter, session=session, headers=headers, timeout=timeout, verify=verify)
    try:
        data = part.read(live, dict(options or {}))
    except (ValueError, KeyError, TypeError) as exc:  # the vendor module's "this is not what the vendor answers"
        raise ReplicateError(f"{url}: {exc}") from None
    finally:
        session.close()
    return Copied(vendor, url, data, part.counts(data), list(session.read_only.sent), live.notes)  # type: ignore[attr-defined]


def load_into(copied: Copied, url: str, *, admin_token: str | None = None, namespace: str | None = None) -> str:
    """Load into the running emulator namespace ``url`` names; where it went. EmulatorError/ReplicateError."""
    health = emulator.call(url, "/health", admin_token=admin_token, namespace=namespace)
    if not isinstance(health, dict) or copied.vendor not in (health.get("vendors") or []):
        raise ReplicateError(f"--into {url}: that emulator does not serve {copied.vendor} "
                             f"(serves: {', '.join((health or {}).get('vendors') or []) or 'nothing'})")
    state = emulator.call(url, "/state", admin_token=admin_token, namespace=namespace)
    vendors = dict(state.get("vendors") or {})
    vendors[copied.vendor] = module(copied.vendor).merge(copied.data, vendors.get(copied.vendor) or {})
    emulator.call(url, "/state", method="PUT", body={"clock": state.get("clock"), "vendors": vendors},
                  admin_token=admin_token, namespace=namespace)
    base, _ = emulator.control_base(url)
    return f"{base} (namespace {health.get('namespace')!r})"


def load_state_file(copied: Copied, path: str, namespace: str = "default", config: dict | None = None) -> str:
    """Load into namespace ``namespace`` of the state file ``path`` (created when missing; the emulator serving it
    must be stopped). The namespace's other vendors and clock stay as the file holds them; a vendor the file does not
    hold yet starts from ``config`` (the ``serve --config`` the file will be served with: its identities)."""
    from ..state import Store
    from ..state.persistence import StateFile, StateFileError

    store = Store(dict(REGISTRY), config)
    state_file = StateFile(path, store)
    try:
        state_file.open()
        target = store.namespace(namespace)
        vendors = {key: model.to_json() for key in store.vendors if (model := target.existing(key)) is not None}
        current = vendors.get(copied.vendor) or target.model(copied.vendor).to_json()
        vendors[copied.vendor] = module(copied.vendor).merge(copied.data, current)
        try:
            target.restore({"clock": target.clock.to_json(), "vendors": vendors})
        except ValueError as exc:
            raise ReplicateError(f"--state-file {path}: what was read does not load: {exc}") from None
        state_file.commit(state_file.changes(target))
    except StateFileError as exc:
        raise ReplicateError(str(exc)) from None
    except OSError as exc:
        raise ReplicateError(f"--state-file {path}: {exc.strerror or exc}") from None
    finally:
        state_file.close()
    return f"{path} (namespace {namespace!r})"
