"""HDP's "Get details on a permission" (GET /api/admin/permissions/{id}), as its page documents it: the permission, or
222208553 "There is no Permission with that id: N"; Administrator (12) or MgmtAPI (11), as for the list. The pages'
samples validate against specs/hdp.yaml."""

from __future__ import annotations

import pytest

from . import vendor_artifacts
from .vendor_artifacts import hdp as doc

DETAILS = "/api/admin/permissions/{}"


@pytest.fixture
def hdp(client_for):
    return client_for("hdp", auth=("d2cadmin", "d2cadmin"))


def test_details_are_the_lists_entry(hdp):
    listed = {p["id"]: p for p in hdp.get("/api/admin/permissions").json()["permissions"]}
    for pid in (1, doc.MGMT_API, doc.ADMINISTRATOR, 29):
        response = hdp.get(DETAILS.format(pid))
        assert response.status_code == 200, response.text
        assert response.json() == listed[pid]
        assert set(response.json()) == {"id", "name", "description"}
    assert hdp.get(DETAILS.format(1)).json()["name"] == "CreateDataSource"


@pytest.mark.parametrize("pid", [1234, 0, -1, 23, 2147483647])
def test_an_unknown_id_answers_222208553(hdp, pid):
    response = hdp.get(DETAILS.format(pid))
    assert response.status_code == 404, response.text
    assert response.json() == {"error": {"code": doc.NO_SUCH_PERMISSION, "message": {
        "lang": "en-US", "value": f"There is no Permission with that id: {pid}"}}}


def test_a_non_integer_id_is_a_400_naming_it(hdp):
    for bad in ("abc", "1.5", "99999999999"):
        response = hdp.get(DETAILS.format(bad))
        assert response.status_code == 400, (bad, response.text)
        assert "id" in response.json()["error"]["message"]["value"]


@pytest.mark.parametrize("who, status", [(("d2cadmin", "d2cadmin"), 200), (("user1", "user1"), 200),
                                         (("viewer", "viewer"), 403)])
def test_administrator_or_mgmt_api_for_details_and_list(client_for, who, status):
    client = client_for("hdp", auth=who)
    assert client.get(DETAILS.format(1)).status_code == status
    assert client.get("/api/admin/permissions").status_code == status


def test_mgmt_api_alone_is_enough(client_for, hdp):
    """MgmtAPI (11) without IPWhiteList (29): the Permissions API admits it (the whitelist API would not)."""
    user = {"id": 77, "name": "mgmtonly", "password": "mgmtonly", "tenant": 2, "permissions": [11], "administers": []}
    state = hdp.control("GET", "/state").json()
    state["vendors"]["hdp"]["users"].append(user)
    assert hdp.control("PUT", "/state", json=state).status_code == 200
    client = client_for("hdp", auth=("mgmtonly", "mgmtonly"))
    client.namespace = hdp.namespace
    client.session.headers["X-Emulator-Namespace"] = hdp.namespace
    assert client.get(DETAILS.format(11)).status_code == 200
    assert client.get("/api/admin/permissions").status_code == 200
    assert client.get("/api/admin/security/whitelist/system").status_code == 403


@pytest.mark.parametrize("method, path, status, body", doc.SAMPLES, ids=[f"{m} {p} {s}" for m, p, s, _ in doc.SAMPLES])
def test_the_pages_samples_validate_against_the_spec(method, path, status, body):
    assert vendor_artifacts.sample_problems("hdp", method, path, status, body) == []


@pytest.mark.parametrize("path", ["/api/admin/security/whitelist/tenants/{}", "/api/admin/configurations/{}", DETAILS])
def test_path_ids_are_32_bit_integers(hdp, path):
    """Beyond 2147483647 an id is a 400 naming it (the contract suite's seed 11 sent a 37-digit tenant id, which the
    spec let through as schema-valid); at the bound it is looked up (404)."""
    assert hdp.get(path.format(2147483647)).status_code == 404
    for big in (2147483648, 2692738855934274060668229582264991744):
        response = hdp.get(path.format(big))
        assert response.status_code == 400, response.text
        assert "id" in response.json()["error"]["message"]["value"]
