"""Rules for deployment plans: variables, copies, conditions, ordering, render, outputs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from local.armsim.engine import ResourceDecl, Scope, TemplateError, prepare

SCOPE = Scope("sub-1", "rg-1", "eastus", "dep-1")
RG = "/subscriptions/sub-1/resourceGroups/rg-1"
NET = f"{RG}/providers/Microsoft.Network"


def template(
    resources: list[dict[str, Any]] | dict[str, Any],
    *,
    parameters: dict[str, Any] | None = None,
    variables: dict[str, Any] | None = None,
    outputs: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A classic bicep-build-style template."""
    return {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "metadata": {"_generator": {"name": "bicep"}},
        "parameters": parameters or {},
        "variables": variables or {},
        "resources": resources,
        "outputs": outputs or {},
    }


def ip(name: str, **extra: Any) -> dict[str, Any]:
    """A public IP resource declaration."""
    return {
        "type": "Microsoft.Network/publicIPAddresses",
        "apiVersion": "2023-04-01",
        "name": name,
        "location": "[resourceGroup().location]",
        "properties": {"publicIPAllocationMethod": "Static"},
        **extra,
    }


def names(resources: list[ResourceDecl]) -> list[str]:
    return [r.name for r in resources]


def no_reference(resource_id: str, api_version: str | None, full: bool) -> dict[str, Any]:
    raise AssertionError(f"unexpected reference to {resource_id}")


def validation_error(tpl: dict[str, Any], params: dict[str, Any] | None = None) -> str:
    with pytest.raises(TemplateError) as err:
        prepare(tpl, params or {}, SCOPE)
    assert err.value.code == "InvalidTemplate"
    return err.value.message


# ---- variables


def test_variables_may_use_parameters_and_each_other_in_any_order() -> None:
    tpl = template(
        [ip("[variables('ipName')]")],
        parameters={"project": {"type": "string", "defaultValue": "beast"}},
        variables={
            "ipName": "[format('{0}-ip', variables('prefix'))]",
            "prefix": "[parameters('project')]",
        },
    )
    assert names(prepare(tpl, {}, SCOPE).resources) == ["beast-ip"]


def test_a_failing_variable_fails_the_deployment_before_any_resource() -> None:
    tpl = template([ip("a")], variables={"bad": "[json('not json')]"})
    message = validation_error(tpl)
    assert "The template variable 'bad' is not valid" in message


def test_variable_copy_builds_an_array() -> None:
    tpl = template(
        [ip("[variables('disks')[1].name]")],
        variables={
            "copy": [
                {
                    "name": "disks",
                    "count": 2,
                    "input": {"name": "[format('disk{0}', copyIndex('disks'))]"},
                }
            ]
        },
    )
    assert names(prepare(tpl, {}, SCOPE).resources) == ["disk1"]


def test_missing_variable_is_reported_by_name() -> None:
    message = validation_error(template([ip("[variables('nope')]")]))
    assert "The template variable 'nope' is not found." in message


# ---- resource copies and conditions


def test_resource_copy_expands_with_copy_index_and_offset() -> None:
    tpl = template([ip("[format('ip{0}', copyIndex(1))]", copy={"name": "ips", "count": 3})])
    plan = prepare(tpl, {}, SCOPE)
    assert names(plan.resources) == ["ip1", "ip2", "ip3"]
    assert plan.resources[2].id == f"{NET}/publicIPAddresses/ip3"


def test_zero_copy_count_creates_nothing() -> None:
    tpl = template([ip("[format('ip{0}', copyIndex())]", copy={"name": "ips", "count": 0})])
    assert prepare(tpl, {}, SCOPE).resources == []


def test_serial_copy_chains_batches() -> None:
    loop = {"name": "ips", "count": 4, "mode": "serial", "batchSize": 2}
    plan = prepare(template([ip("[format('ip{0}', copyIndex())]", copy=loop)]), {}, SCOPE)
    deps = {r.name: r.depends_on for r in plan.resources}
    assert deps["ip0"] == () and deps["ip1"] == ()
    assert deps["ip2"] == (f"{NET}/publicIPAddresses/ip0", f"{NET}/publicIPAddresses/ip1")
    assert deps["ip3"] == deps["ip2"]


def test_copy_count_above_800_is_rejected() -> None:
    tpl = template([ip("[format('ip{0}', copyIndex())]", copy={"name": "ips", "count": 801})])
    assert "copy count '801' is not valid" in validation_error(tpl)


def test_false_condition_drops_the_resource_and_dependencies_on_it() -> None:
    tpl = template(
        [
            ip("nat-ip", condition="[parameters('private')]"),
            ip(
                "vm-ip", dependsOn=["[resourceId('Microsoft.Network/publicIPAddresses', 'nat-ip')]"]
            ),
        ],
        parameters={"private": {"type": "bool", "defaultValue": False}},
    )
    plan = prepare(tpl, {}, SCOPE)
    assert names(plan.resources) == ["vm-ip"]
    assert plan.resources[0].depends_on == ()
    assert names(prepare(tpl, {"private": {"value": True}}, SCOPE).resources) == ["nat-ip", "vm-ip"]


def test_property_copy_builds_array_properties_inside_render() -> None:
    vm = {
        "type": "Microsoft.Compute/virtualMachines",
        "apiVersion": "2024-03-01",
        "name": "vm",
        "properties": {
            "storageProfile": {
                "copy": [
                    {
                        "name": "dataDisks",
                        "count": "[parameters('disks')]",
                        "input": {"lun": "[copyIndex('dataDisks')]", "createOption": "Empty"},
                    }
                ]
            }
        },
    }
    tpl = template([vm], parameters={"disks": {"type": "int", "defaultValue": 2}})
    plan = prepare(tpl, {}, SCOPE)
    body = plan.render(plan.resources[0], no_reference)
    assert body["properties"]["storageProfile"] == {
        "dataDisks": [{"lun": 0, "createOption": "Empty"}, {"lun": 1, "createOption": "Empty"}]
    }


def test_render_sees_the_copy_index_of_its_instance() -> None:
    tpl = template(
        [
            ip(
                "[format('ip{0}', copyIndex())]",
                copy={"name": "ips", "count": 2},
                tags={"n": "[copyIndex()]"},
            )
        ]
    )
    plan = prepare(tpl, {}, SCOPE)
    assert [plan.render(r, no_reference)["tags"] for r in plan.resources] == [{"n": 0}, {"n": 1}]


def test_render_drops_control_keys_and_keeps_the_body() -> None:
    tpl = template([ip("a", dependsOn=[], condition=True, sku={"name": "Standard"})])
    plan = prepare(tpl, {}, SCOPE)
    body = plan.render(plan.resources[0], no_reference)
    assert body == {
        "type": "Microsoft.Network/publicIPAddresses",
        "apiVersion": "2023-04-01",
        "name": "a",
        "location": "eastus",
        "properties": {"publicIPAllocationMethod": "Static"},
        "sku": {"name": "Standard"},
    }


# ---- ordering


def test_depends_on_by_id_expression_name_and_loop_orders_resources() -> None:
    tpl = template(
        [
            ip("d", dependsOn=["ips"]),
            ip("c", dependsOn=["[resourceId('Microsoft.Network/publicIPAddresses', 'b')]"]),
            ip("b", dependsOn=[f"{NET}/publicIPAddresses/a"]),
            ip("a", dependsOn=["Microsoft.Network/publicIPAddresses/z"]),
            ip("z"),
            ip("[format('ip{0}', copyIndex())]", copy={"name": "ips", "count": 2}, dependsOn=["c"]),
        ]
    )
    assert names(prepare(tpl, {}, SCOPE).resources) == ["z", "a", "b", "c", "ip0", "ip1", "d"]


def test_independent_resources_keep_declaration_order() -> None:
    assert names(prepare(template([ip("x"), ip("a"), ip("m")]), {}, SCOPE).resources) == [
        "x",
        "a",
        "m",
    ]


def test_dependency_cycle_is_reported() -> None:
    tpl = template([ip("a", dependsOn=["b"]), ip("b", dependsOn=["a"])])
    message = validation_error(tpl)
    assert "Circular dependency detected on resource: '" in message
    assert f"{NET}/publicIPAddresses/" in message


def test_depending_on_an_undeclared_resource_is_an_error() -> None:
    message = validation_error(template([ip("a", dependsOn=["ghost"])]))
    assert "The resource 'ghost' is not defined in the template." in message


def test_the_same_resource_declared_twice_is_an_error() -> None:
    assert "is defined multiple times" in validation_error(template([ip("a"), ip("a")]))


def test_child_resource_name_must_match_its_type() -> None:
    subnet = {
        "type": "Microsoft.Network/virtualNetworks/subnets",
        "apiVersion": "2023-04-01",
        "name": "default",
    }
    assert "incorrect segment lengths" in validation_error(template([subnet]))


def test_nested_child_resources_are_flattened_after_their_parent() -> None:
    vnet = {
        "type": "Microsoft.Network/virtualNetworks",
        "apiVersion": "2023-04-01",
        "name": "vnet",
        "resources": [{"type": "subnets", "apiVersion": "2023-04-01", "name": "default"}],
    }
    plan = prepare(template([vnet]), {}, SCOPE)
    child = plan.resources[1]
    assert (child.type, child.name) == ("Microsoft.Network/virtualNetworks/subnets", "vnet/default")
    assert child.id == f"{NET}/virtualNetworks/vnet/subnets/default"
    assert child.depends_on == (f"{NET}/virtualNetworks/vnet",)


def test_extension_resource_with_scope_gets_an_extension_id() -> None:
    lock = {
        "type": "Microsoft.Authorization/locks",
        "apiVersion": "2020-05-01",
        "name": "nodelete",
        "scope": f"{NET}/publicIPAddresses/a",
        "dependsOn": ["a"],
    }
    plan = prepare(template([ip("a"), lock]), {}, SCOPE)
    assert (
        plan.resources[1].id
        == f"{NET}/publicIPAddresses/a/providers/Microsoft.Authorization/locks/nodelete"
    )


def test_symbolic_name_templates_are_supported() -> None:
    tpl = template({"pip": ip("a", dependsOn=["other"]), "other": ip("b")})
    tpl["languageVersion"] = "2.0"
    assert names(prepare(tpl, {}, SCOPE).resources) == ["b", "a"]


# ---- reference and outputs


def test_outputs_read_resource_state_through_the_reference_callback() -> None:
    calls: list[tuple[str, str | None, bool]] = []

    def reference(resource_id: str, api_version: str | None, full: bool) -> dict[str, Any]:
        calls.append((resource_id, api_version, full))
        body = {"properties": {"ipAddress": "20.1.2.3"}, "location": "eastus"}
        return body if full else body["properties"]

    tpl = template(
        [ip("a")],
        outputs={
            "ip": {
                "type": "string",
                "value": "[reference(resourceId('Microsoft.Network/publicIPAddresses', 'a'), "
                "'2023-04-01').ipAddress]",
            },
            "where": {"type": "string", "value": "[reference('a', '2023-04-01', 'Full').location]"},
            "byName": {"type": "string", "value": "[reference('a').ipAddress]"},
        },
    )
    outputs = prepare(tpl, {}, SCOPE).outputs(reference)
    assert outputs == {
        "ip": {"type": "String", "value": "20.1.2.3"},
        "where": {"type": "String", "value": "eastus"},
        "byName": {"type": "String", "value": "20.1.2.3"},
    }
    assert calls[1] == (f"{NET}/publicIPAddresses/a", "2023-04-01", True)
    assert calls[2] == (f"{NET}/publicIPAddresses/a", "2023-04-01", False)


def test_outputs_honour_condition_copy_and_types() -> None:
    tpl = template(
        [],
        parameters={"show": {"type": "bool", "defaultValue": False}},
        outputs={
            "hidden": {"type": "string", "condition": "[parameters('show')]", "value": "x"},
            "list": {
                "type": "array",
                "copy": {"count": 3, "input": "[format('n{0}', copyIndex())]"},
            },
            "count": {"type": "int", "value": "[length(createArray(1, 2))]"},
            "flag": {"type": "bool", "value": "[not(parameters('show'))]"},
        },
    )
    assert prepare(tpl, {}, SCOPE).outputs(no_reference) == {
        "list": {"type": "Array", "value": ["n0", "n1", "n2"]},
        "count": {"type": "Int", "value": 2},
        "flag": {"type": "Bool", "value": True},
    }


def test_a_failing_output_reports_deployment_output_evaluation_failed() -> None:
    tpl = template([], outputs={"o": {"type": "string", "value": "[reference('ghost').x]"}})
    with pytest.raises(TemplateError) as err:
        prepare(tpl, {}, SCOPE).outputs(no_reference)
    assert err.value.code == "DeploymentOutputEvaluationFailed"
    assert err.value.details[0]["target"] == "o"


def test_reference_in_a_resource_name_is_not_allowed() -> None:
    message = validation_error(template([ip("[reference('x').name]")]))
    assert "'reference' is not expected at this location" in message


def test_render_errors_name_the_resource() -> None:
    tpl = template([ip("a", tags={"t": "[reference('a').missing]"})])
    plan = prepare(tpl, {}, SCOPE)
    with pytest.raises(TemplateError) as err:
        plan.render(plan.resources[0], lambda i, a, f: {"other": 1})
    assert err.value.message.startswith(
        f"Unable to process template language expressions for resource '{NET}/publicIPAddresses/a'"
    )


def test_nested_deployment_keeps_its_inner_template_raw_for_the_simulator() -> None:
    module = {
        "type": "Microsoft.Resources/deployments",
        "apiVersion": "2022-09-01",
        "name": "module",
        "properties": {
            "expressionEvaluationOptions": {"scope": "inner"},
            "mode": "Incremental",
            "parameters": {"n": {"value": "[toUpper('x')]"}},
            "template": template([ip("[parameters('n')]")], parameters={"n": {"type": "string"}}),
        },
    }
    plan = prepare(template([module]), {}, SCOPE)
    body = plan.render(plan.resources[0], no_reference)
    assert body["properties"]["parameters"] == {"n": {"value": "X"}}
    inner = prepare(body["properties"]["template"], body["properties"]["parameters"], SCOPE)
    assert names(inner.resources) == ["X"]


def test_nested_deployment_with_outer_scope_is_rejected_clearly() -> None:
    module = {
        "type": "Microsoft.Resources/deployments",
        "apiVersion": "2022-09-01",
        "name": "module",
        "properties": {"mode": "Incremental", "template": template([])},
    }
    plan = prepare(template([module]), {}, SCOPE)
    with pytest.raises(TemplateError, match="outer expression evaluation scope"):
        plan.render(plan.resources[0], no_reference)


def test_user_defined_functions_are_callable_by_namespace() -> None:
    tpl = template([ip("[__bicep.ipName('web')]")])
    tpl["functions"] = [
        {
            "namespace": "__bicep",
            "members": {
                "ipName": {
                    "parameters": [{"type": "string", "name": "base"}],
                    "output": {"type": "string", "value": "[format('{0}-ip', parameters('base'))]"},
                }
            },
        }
    ]
    assert names(prepare(tpl, {}, SCOPE).resources) == ["web-ip"]


# ---- Beast's own compiled templates


BICEP = Path(__file__).resolve().parents[3] / "bicep"
SAMPLE_VALUES = {
    "string": "beastuser",
    "securestring": "Correct-Horse-9-Battery",
    "int": 128,
    "bool": False,
    "object": {},
    "secureobject": {},
    "array": [],
}


@pytest.mark.parametrize("path", sorted(BICEP.glob("vmtemplate*.json")), ids=lambda p: p.name)
def test_beast_templates_prepare_and_render(path: Path) -> None:
    tpl = json.loads(path.read_text())
    params = {}
    for name, definition in tpl.get("parameters", {}).items():
        if "defaultValue" not in definition:
            allowed = definition.get("allowedValues")
            value = allowed[0] if allowed else SAMPLE_VALUES[definition["type"].lower()]
            params[name] = {"value": value}
    plan = prepare(tpl, params, SCOPE)
    assert plan.resources, "a VM template creates resources"
    seen: set[str] = set()
    for decl in plan.resources:
        assert set(d.lower() for d in decl.depends_on) <= seen, (
            f"{decl.name} before its dependencies"
        )
        seen.add(decl.id.lower())
        body = plan.render(decl, lambda i, a, f: {})
        assert body["name"] == decl.name
