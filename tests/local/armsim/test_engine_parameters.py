"""Rules for template parameter validation: ARM's codes and wording."""

from __future__ import annotations

from typing import Any

import pytest

from local.armsim.engine import Scope, TemplateError, prepare

SCOPE = Scope("sub-1", "rg-1", "westeurope", "dep-1")


def template(**parameters: dict[str, Any]) -> dict[str, Any]:
    """A template with only these parameter definitions."""
    return {"contentVersion": "1.0.0.0", "parameters": parameters, "resources": []}


def failure(tpl: dict[str, Any], params: dict[str, Any]) -> TemplateError:
    with pytest.raises(TemplateError) as err:
        prepare(tpl, {k: {"value": v} for k, v in params.items()}, SCOPE)
    assert err.value.code == "InvalidTemplate"
    assert err.value.message.startswith("Deployment template validation failed: '")
    return err.value


def test_supplied_values_and_defaults_are_resolved() -> None:
    tpl = template(
        name={"type": "string"},
        size={"type": "int", "defaultValue": 10},
        where={"type": "string", "defaultValue": "[resourceGroup().location]"},
    )
    plan = prepare(tpl, {"name": {"value": "n"}}, SCOPE)
    assert plan.parameters == {"name": "n", "size": 10, "where": "westeurope"}


def test_defaults_may_use_other_parameters_in_any_order() -> None:
    tpl = template(
        full={"type": "string", "defaultValue": "[format('{0}-vm', parameters('base'))]"},
        base={"type": "string", "defaultValue": "beast"},
    )
    assert prepare(tpl, {}, SCOPE).parameters["full"] == "beast-vm"


def test_missing_required_parameter() -> None:
    err = failure(template(adminPassword={"type": "securestring"}), {})
    assert "The value for the template parameter 'adminPassword' is not provided." in err.message


def test_unknown_parameter_lists_the_supported_ones() -> None:
    err = failure(template(a={"type": "string", "defaultValue": "x"}), {"b": 1})
    assert (
        "The template parameters 'b' in the parameters file are not valid; they are not "
        "present in the original template and can therefore not be provided at deployment "
        "time. The only supported parameters for this template are 'a'."
    ) in err.message


@pytest.mark.parametrize(
    ("kind", "value", "expected", "actual"),
    [
        ("string", 5, "String, Uri", "Integer"),
        ("securestring", True, "String, Uri", "Boolean"),
        ("int", "5", "Integer", "String"),
        ("int", True, "Integer", "Boolean"),
        ("bool", "true", "Boolean", "String"),
        ("object", [], "Object", "Array"),
        ("secureObject", "x", "Object", "String"),
        ("array", {}, "Array", "Object"),
    ],
)
def test_wrong_type_names_expected_and_actual(
    kind: str, value: Any, expected: str, actual: str
) -> None:
    err = failure(template(p={"type": kind}), {"p": value})
    assert (
        f"Template parameter JToken type is not valid. Expected '{expected}'. Actual '{actual}'."
    ) in err.message


def test_value_outside_allowed_values() -> None:
    tpl = template(sku={"type": "string", "allowedValues": ["Premium_LRS", "StandardSSD_LRS"]})
    err = failure(tpl, {"sku": "Standard_LRS"})
    assert (
        "The provided value 'Standard_LRS' for the template parameter 'sku' is not valid. "
        "The parameter value is not part of the allowed value(s): 'Premium_LRS,StandardSSD_LRS'."
    ) in err.message


def test_every_array_element_must_be_allowed() -> None:
    tpl = template(zones={"type": "array", "allowedValues": ["1", "2", "3"]})
    assert prepare(tpl, {"zones": {"value": ["1", "3"]}}, SCOPE).parameters["zones"] == ["1", "3"]
    failure(tpl, {"zones": ["1", "4"]})


def test_value_above_max_value() -> None:
    err = failure(template(osDiskSize={"type": "int", "maxValue": 4095}), {"osDiskSize": 5000})
    assert (
        "The provided value '5000' for the template parameter 'osDiskSize' is not valid. "
        "Value should be less than or equal to '4095'."
    ) in err.message


def test_value_below_min_value() -> None:
    err = failure(template(n={"type": "int", "minValue": 30}), {"n": 1})
    assert "Value should be greater than or equal to '30'." in err.message


def test_string_shorter_than_min_length() -> None:
    err = failure(template(p={"type": "string", "minLength": 3}), {"p": "ab"})
    assert "Length of the value should be greater than or equal to '3'." in err.message


def test_array_longer_than_max_length() -> None:
    err = failure(template(p={"type": "array", "maxLength": 1}), {"p": [1, 2]})
    assert "Length of the value should be less than or equal to '1'." in err.message


def test_secure_values_are_never_echoed_in_errors() -> None:
    err = failure(template(pw={"type": "securestring", "minLength": 12}), {"pw": "hunter2"})
    assert "hunter2" not in err.message
    assert "The provided value for the template parameter 'pw' is not valid." in err.message


def test_default_values_are_validated_too() -> None:
    failure(template(p={"type": "int", "defaultValue": 1, "minValue": 5}), {})


def test_parameter_names_match_case_insensitively() -> None:
    plan = prepare(template(VmName={"type": "string"}), {"vmname": {"value": "x"}}, SCOPE)
    assert plan.parameters == {"VmName": "x"}


def test_null_value_falls_back_to_the_default() -> None:
    plan = prepare(
        template(p={"type": "string", "defaultValue": "d"}), {"p": {"value": None}}, SCOPE
    )
    assert plan.parameters == {"p": "d"}


def test_key_vault_references_are_rejected_clearly() -> None:
    with pytest.raises(TemplateError, match="Key Vault reference"):
        prepare(template(p={"type": "securestring"}), {"p": {"reference": {}}}, SCOPE)
