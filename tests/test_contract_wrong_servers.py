"""The suite can fail: run it against deliberately wrong servers and require each defect to be reported, by the
check that is meant to catch it.

Each wrong server is the real emulator with one defect: an aiohttp middleware that corrupts one kind of answer, or a
fault rule set through ``/_emulator/faults`` in the run's namespace. Runs are limited to the operations involved
and a few examples, so the whole file stays fast.
"""

from __future__ import annotations

import base64
import json
import uuid

import requests
from aiohttp import web

from allowlist_emulator.app import EMULATOR, Options, build_app
from allowlist_emulator.contract import run_contract
from allowlist_emulator.server import EmulatorServer
from allowlist_emulator.state import NAMESPACE_HEADER

FEW = 3


def wrong_server(vendor: str, middleware) -> EmulatorServer:
    app = build_app(Options(vendors=(vendor,)))
    app.middlewares.append(middleware)
    return EmulatorServer(app=app)


def run(server: EmulatorServer, vendor: str, operations, **options):
    options.setdefault("allow_writes", True)
    options.setdefault("max_examples", FEW)
    options.setdefault("seed", 11)
    return run_contract(vendor, server.url + server.emulator.base_path(vendor), operations=operations, **options)


def assert_reported(result, check: str, operation: str | None = None):
    assert result.exit_code == 1 and not result.ok
    assert check in result.failed_checks, result.summary()
    if operation is not None:
        assert operation in {f.operation for f in result.failures_of(check)}, result.summary()
    assert check in result.summary()


def _json(response: web.Response):
    return json.loads(response.body)


# -- HDP --------------------------------------------------------------------------------------------------------------
@web.middleware
async def created_is_200(request, handler):
    response = await handler(request)
    if request.method == "POST" and response.status == 201:
        response.set_status(200)
    return response


def test_wrong_status_code():
    with wrong_server("hdp", created_is_200) as server:
        result = run(server, "hdp", ["createSystemWhitelist"], phases=("examples",))
    assert_reported(result, "status_code_conformance", "createSystemWhitelist")


@web.middleware
async def configuration_without_description(request, handler):
    response = await handler(request)
    if request.method == "GET" and request.path.startswith("/api/admin/configurations/") and response.status == 200:
        data = _json(response)
        data.pop("description")
        return web.json_response(data)
    return response


def test_missing_required_field():
    with wrong_server("hdp", configuration_without_description) as server:
        result = run(server, "hdp", ["getConfiguration"], phases=("examples", "coverage"))
    assert_reported(result, "response_schema_conformance", "getConfiguration")
    assert any("description" in f.message for f in result.failures_of("response_schema_conformance"))


@web.middleware
async def flat_error_envelope(request, handler):
    response = await handler(request)
    if response.status == 404 and request.path.startswith("/api/"):
        error = _json(response)["error"]
        return web.json_response({"code": error["code"], "message": error["message"]["value"]}, status=404)
    return response


def test_wrong_error_envelope():
    with wrong_server("hdp", flat_error_envelope) as server:
        result = run(server, "hdp", ["getTenantWhitelist"], phases=("examples", "coverage"))
    assert_reported(result, "response_schema_conformance", "getTenantWhitelist")


@web.middleware
async def accepts_invalid_addresses(request, handler):
    response = await handler(request)
    if request.method in ("POST", "PUT") and response.status == 400 and _json(response)["error"]["code"] == 222208722:
        return web.json_response(await request.json(), status=201 if request.method == "POST" else 200)
    return response


def test_invalid_address_accepted():
    with wrong_server("hdp", accepts_invalid_addresses) as server:
        result = run(server, "hdp", ["createTenantWhitelist", "createSystemWhitelist"], phases=("examples",))
    assert_reported(result, "invalid_address_rejection", "createTenantWhitelist")
    assert any("10.20.30.256" in f.message for f in result.failures_of("invalid_address_rejection"))


@web.middleware
async def lets_anonymous_in(request, handler):
    if "Authorization" not in request.headers:
        headers = request.headers.copy()
        headers["Authorization"] = "Basic " + base64.b64encode(b"d2cadmin:d2cadmin").decode()
        request = request.clone(headers=headers)
    return await handler(request)


def test_auth_ignored():
    with wrong_server("hdp", lets_anonymous_in) as server:
        result = run(server, "hdp", ["listConfigurations"], allow_writes=False, phases=("examples", "coverage"))
    assert_reported(result, "ignored_auth", "listConfigurations")


def _fault(server: EmulatorServer, namespace: str, **rule) -> None:
    response = requests.post(f"{server.url}/_emulator/faults", json=rule, headers={NAMESPACE_HEADER: namespace}, timeout=10)
    assert response.status_code == 201, response.text


def test_fault_rules_undeclared_status_and_server_error():
    """The emulator with fault rules (no code change): an undeclared status, and a 5xx."""
    namespace = f"faults-{uuid.uuid4().hex[:8]}"
    with EmulatorServer(Options(vendors=("hdp",))) as server:
        _fault(server, namespace, vendor="hdp", operationId="listConfigurations", status=429)
        _fault(server, namespace, vendor="hdp", operationId="getSystemWhitelist", status=500)
        result = run(server, "hdp", ["listConfigurations", "getSystemWhitelist"], allow_writes=False,
                     phases=("examples", "coverage"), namespace=namespace)
    assert_reported(result, "status_code_conformance", "listConfigurations")
    assert_reported(result, "not_a_server_error", "getSystemWhitelist")


# -- CodeArts: the list's X-Total header ------------------------------------------------------------------------------
@web.middleware
async def no_x_total(request, handler):
    response = await handler(request)
    response.headers.pop("X-Total", None)
    return response


def test_missing_x_total():
    with wrong_server("codearts", no_x_total) as server:
        result = run(server, "codearts", ["ListTenantTrustedIpAddresses"], allow_writes=False, phases=("coverage",))
    assert_reported(result, "response_headers_conformance", "ListTenantTrustedIpAddresses")
    assert any("X-Total" in f.message for f in result.failures_of("response_headers_conformance"))


# -- B2Core: a deleted resource that is still there -------------------------------------------------------------------
@web.middleware
async def delete_keeps_the_policy(request, handler):
    """DELETE runs normally (auth, validation, 204), then the namespace's state is put back: nothing is deleted."""
    if request.method != "DELETE":
        return await handler(request)
    namespace = request.app[EMULATOR].store.namespace(request.headers.get(NAMESPACE_HEADER))
    saved = namespace.to_json()
    response = await handler(request)
    if response.status == 204:
        namespace.restore(saved)
    return response


def test_deleted_resource_still_readable():
    with wrong_server("b2core", delete_keeps_the_policy) as server:
        result = run(server, "b2core", ["createAddress", "getAddress", "deleteAddress"], max_examples=20,
                     phases=("stateful",))
    assert_reported(result, "use_after_free")
