"""The --config file: one schema assembled from each vendor's part, strict (unknown keys are named), additive
identities (HDP users add to the demo ones), and docs/configuration.md's reference kept equal to the schema."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests
import yaml

from allowlist_emulator.app import Options
from allowlist_emulator.engine.config import TOP_LEVEL, check_config, config_schema
from allowlist_emulator.server import EmulatorServer
from allowlist_emulator.vendors import REGISTRY

from .support import free_port, serve_cli

ROOT = Path(__file__).resolve().parents[1]
HDP = "/api/admin/security/whitelist/tenants/2"


def readme_config() -> dict:
    text = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    section = text[text.index("## The configuration file"):]
    block = re.search(r"```yaml\n(.*?)```", section, re.S).group(1)
    return yaml.safe_load(block)


def refused(config: dict) -> str:
    with pytest.raises(ValueError) as caught:
        check_config(config, REGISTRY)
    return str(caught.value)


@pytest.mark.parametrize("config, message", [
    ({"vendorz": {}}, "--config vendorz: unknown key (known: faults, journal_limit, max_namespaces, trust_forwarded_for, vendors)"),
    ({"vendors": {"hdpx": {}}}, "--config vendors.hdpx: unknown key (known: b2core, codearts, hdp, talend)"),
    ({"vendors": {"talend": {"ip_limt": 3}}}, "--config vendors.talend.ip_limt: unknown key"),
    ({"vendors": {"hdp": {"users": [{"id": 9, "name": "x", "password": "x", "tenant": 2, "permission": [11]}]}}},
     "--config vendors.hdp.users[0].permission: unknown key"),
    ({"vendors": {"talend": {"service_accounts": {"sa": {"secret": "s", "roles": []}}}}},
     "--config vendors.talend.service_accounts.sa.roles: unknown key"),
    ({"vendors": {"talend": {"service_accounts": {"sa": {"permissions": []}}}}},
     "--config vendors.talend.service_accounts.sa.secret: is required"),
    ({"vendors": {"codearts": {"tokens": [{"token": "t", "status": "root"}]}}}, "--config vendors.codearts.tokens[0].status"),
    ({"vendors": {"b2core": {"token_ttl": "600"}}}, "--config vendors.b2core.token_ttl"),
    ({"faults": [{"vendor": "hdp", "stauts": 500}]}, "--config faults[0].stauts: unknown key"),
    ({"journal_limit": 0}, "--config journal_limit"),
])
def test_unknown_or_bad_keys_are_named_by_their_path(config, message):
    assert refused(config).startswith(message)


def test_yaml_integer_keys_are_checked_as_text():
    check_config({"vendors": {"hdp": {"whitelists": {"tenants": {2: {"managementAPI": [{"startAddress": "10.0.0.1"}]}}}},
                              "codearts": {"whitelists": {"repositories": {1001: []}}}}}, REGISTRY)
    assert refused({"vendors": {"hdp": {"whitelists": {"tenants": {"x": {}}}}}}).startswith("--config vendors.hdp.whitelists.tenants")


def test_the_schema_is_assembled_from_each_vendor_folder():
    schema = config_schema(REGISTRY)
    vendors = schema["properties"]["vendors"]["properties"]
    assert set(vendors) == set(REGISTRY)
    for key, vendor in REGISTRY.items():
        assert set(vendors[key]["properties"]) == set(vendor.config_schema["properties"]) | {"generate"}
        assert vendors[key]["additionalProperties"] is False
    talend = vendors["talend"]["properties"]["service_accounts"]["additionalProperties"]
    assert talend["required"] == ["secret"] and set(talend["properties"]) == {"secret", "permissions"}


def test_serve_refuses_an_unknown_key_at_start_up(tmp_path):
    for text, needle in (("vendors:\n  hdpx: {}\n", "vendors.hdpx"), ("vendorz: {}\n", "vendorz"),
                         ("vendors:\n  talend:\n    ip_limt: 3\n", "vendors.talend.ip_limt")):
        path = tmp_path / "config.yaml"
        path.write_text(text)
        result = serve_cli("--port", str(free_port()), "--config", str(path))
        assert result.returncode == 2, result.stderr
        assert result.stderr.strip() .startswith(f"allowlist-emulator serve: --config {needle}: unknown key")
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_readme_configuration_reference_matches_the_schema():
    """Every key the schema has appears in docs/configuration.md's example, and the example is valid: a key added to a vendor's
    config.py without the page (or a key there the schema does not know) fails here."""
    example = readme_config()
    check_config(example, REGISTRY)
    schema = config_schema(REGISTRY)
    assert set(example) == set(TOP_LEVEL) | {"vendors"}
    generate_shown = False
    for key in REGISTRY:
        wanted = set(schema["properties"]["vendors"]["properties"][key]["properties"]) - {"generate"}
        shown = set(example["vendors"][key])
        generate_shown |= "generate" in shown
        assert wanted <= shown, f"docs/configuration.md's example lacks vendors.{key}: {sorted(wanted - shown)}"
    assert generate_shown


@pytest.mark.parametrize("vendor", list(REGISTRY))
def test_each_models_docstring_documents_every_key(vendor):
    import importlib

    doc = importlib.import_module(f"allowlist_emulator.vendors.{vendor}.models").__doc__
    for key in REGISTRY[vendor].config_schema["properties"]:
        assert re.search(rf"^\s+{key}:", doc, re.M), f"vendors/{vendor}/models.py docstring does not document {key}"


def test_the_readme_example_config_serves_and_keeps_the_demo_users():
    """The documented example adds user ops: d2cadmin (advertised in the banner) must still log in."""
    with EmulatorServer(Options(config=readme_config())) as server:
        for user in ("d2cadmin", "orgadmin", "ops"):
            response = requests.get(server.url + HDP, auth=(user, user), headers={"X-Emulator-Namespace": "readme"})
            assert response.status_code in (200, 404), (user, response.text)  # 404: no list yet, but logged in
            assert "222206007" not in response.text  # Invalid user ID or password
        wrong = requests.get(server.url + HDP, auth=("ops", "nope"), headers={"X-Emulator-Namespace": "readme"})
        assert wrong.status_code == 401


def test_hdp_users_add_to_the_demo_users_and_a_same_name_replaces_one():
    config = {"vendors": {"hdp": {
        "tenants": [{"id": 4, "name": "OrgC"}],
        "users": [{"id": 5, "name": "carol", "password": "c", "tenant": 4, "permissions": [12]},
                  {"id": 4, "name": "viewer", "password": "changed", "tenant": 2}],
    }}}
    with EmulatorServer(Options(vendors=("hdp",), config=config)) as server:
        state = requests.get(server.url + "/_emulator/state").json()["vendors"]["hdp"]
        assert [u["name"] for u in state["users"]] == ["d2cadmin", "orgadmin", "user1", "viewer", "carol"]
        assert [t["id"] for t in state["tenants"]] == [1, 2, 3, 4]
        assert requests.get(server.url + "/api/admin/security/whitelist/tenants/4", auth=("carol", "c")).status_code == 404
        assert requests.get(server.url + HDP, auth=("viewer", "viewer")).status_code == 401
        assert requests.get(server.url + HDP, auth=("d2cadmin", "d2cadmin")).status_code == 404


def test_a_user_in_an_unknown_tenant_is_refused():
    message = refused_at_start({"vendors": {"hdp": {"users": [{"id": 9, "name": "x", "password": "x", "tenant": 42}]}}})
    assert message == "--config vendors.hdp: users: x: tenant 42 is not a tenant (tenants: 1, 2, 3)"


def refused_at_start(config: dict) -> str:
    with pytest.raises(ValueError) as caught:
        EmulatorServer(Options(config=config))
    return str(caught.value)
