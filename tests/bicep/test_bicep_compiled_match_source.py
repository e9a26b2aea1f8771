"""The committed ARM JSON is what Beast deploys; it must say what its Bicep source says."""

from __future__ import annotations

import copy

import pytest
from bicep_drift import BICEP_DIR, compare, compile_errors, load_pair

STEMS = sorted(p.stem for p in BICEP_DIR.glob("*.bicep") if (BICEP_DIR / f"{p.stem}.json").exists())
SOURCES = sorted(
    str(p.relative_to(BICEP_DIR))
    for p in [*BICEP_DIR.glob("*.bicep"), *BICEP_DIR.glob("*/*.bicep")]
)


def test_every_vm_template_has_its_compiled_json_beside_it() -> None:
    assert {"vmtemplate", "vmtemplate_ssh", "vmtemplate_vpn"} <= set(STEMS)


@pytest.mark.parametrize("stem", STEMS)
def test_compiled_json_matches_its_bicep_source(stem: str) -> None:
    text, template = load_pair(stem)
    assert compare(text, template) == []


@pytest.mark.parametrize("stem", STEMS)
def test_compiled_json_is_classic_bicep_output(stem: str) -> None:
    _, template = load_pair(stem)
    assert template["$schema"].endswith("/2019-04-01/deploymentTemplate.json#") or template[
        "$schema"
    ].endswith("/2018-05-01/subscriptionDeploymentTemplate.json#")
    assert "languageVersion" not in template
    assert isinstance(template["resources"], list)
    assert template["metadata"]["_generator"]["name"] == "bicep"


def test_changing_a_parameter_maximum_in_the_bicep_only_is_reported() -> None:
    text, template = load_pair("vmtemplate")
    mutated = text.replace("@maxValue(4095)", "@maxValue(2048)", 1)
    assert mutated != text
    assert "parameter osDiskSize: maxValue 2048 vs 4095" in compare(mutated, template)


def test_changing_a_parameter_default_in_the_bicep_only_is_reported() -> None:
    text, template = load_pair("vmtemplate_ssh")
    mutated = text.replace("param osDiskSize int = 1000", "param osDiskSize int = 512", 1)
    assert mutated != text
    drift = compare(mutated, template)
    assert any(m.startswith("parameter osDiskSize: default") for m in drift)


def test_changing_an_image_in_the_bicep_only_is_reported() -> None:
    text, template = load_pair("vmtemplate_vpn")
    mutated = text.replace("sku: '2204-gen2'", "sku: '2204'", 1)
    assert any("imageReference.sku" in m for m in compare(mutated, template))


def test_changing_a_sku_in_the_json_only_is_reported() -> None:
    text, template = load_pair("vmtemplate_vpn")
    edited = copy.deepcopy(template)
    gateway = next(
        r for r in edited["resources"] if r["type"] == "Microsoft.Network/virtualNetworkGateways"
    )
    gateway["properties"]["sku"]["name"] = "VpnGw1"
    assert any("properties.sku.name" in m for m in compare(text, edited))


def test_a_property_added_to_the_json_only_is_reported() -> None:
    text, template = load_pair("vmtemplate")
    edited = copy.deepcopy(template)
    edited["resources"][0]["properties"]["idleTimeoutInMinutes"] = 30
    assert any("idleTimeoutInMinutes: in JSON only" in m for m in compare(text, edited))


def test_an_api_version_changed_in_the_bicep_only_is_reported() -> None:
    text, template = load_pair("vmtemplate")
    mutated = text.replace(
        "Microsoft.Compute/virtualMachines@2024-07-01",
        "Microsoft.Compute/virtualMachines@2023-03-01",
    )
    assert any("virtualMachines@2023-03-01" in m for m in compare(mutated, template))


def test_changing_the_literal_text_of_an_output_in_the_bicep_only_is_reported() -> None:
    text, template = load_pair("vmtemplate")
    mutated = text.replace(":8000'", ":8443'", 1)
    assert any(m.startswith("output jupyterUrl") for m in compare(mutated, template))


@pytest.mark.parametrize("source", SOURCES)
def test_bicep_source_has_none_of_the_compile_errors_the_checker_knows(source: str) -> None:
    assert compile_errors((BICEP_DIR / source).read_text()) == []


def test_json_of_a_literal_that_is_not_json_is_a_compile_error() -> None:
    # Bicep parses a literal argument of json() at compile time (BCP186).
    text = "param name string\nvar bad = json('not JSON')\nvar good = json('[1]')\n"
    assert compile_errors(text) == ["variable bad: BCP186 json() of a literal that is not JSON"]
    assert compile_errors(text.replace("'not JSON'", "'not JSON for ${name}'")) == []
