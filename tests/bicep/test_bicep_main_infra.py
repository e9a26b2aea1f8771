"""What bicep/main.json (Beast's own infrastructure, deployed by `azd up`) promises."""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

import pytest
from bicep_drift import BICEP_DIR, REPO

from local.armsim.engine import Plan, Scope, TemplateError, prepare

# Flex Consumption takes the worker runtime from functionAppConfig and storage from the
# identity-based AzureWebJobsStorage__* settings, so these two sample keys are not app settings.
NOT_APP_SETTINGS = {"FUNCTIONS_WORKER_RUNTIME", "AzureWebJobsStorage"}
INFRA_SETTINGS = {
    "AzureWebJobsStorage__accountName",
    "AzureWebJobsStorage__credential",
    "AzureWebJobsStorage__clientId",
    "AZURE_CLIENT_ID",
    "APPLICATIONINSIGHTS_CONNECTION_STRING",
    "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
}
ROLE = {
    "blob_owner": "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
    "blob_contributor": "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
    "queue_contributor": "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
    "table_contributor": "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",
    "metrics_publisher": "3913510d-42f4-4e42-8a64-420c390055eb",
    "secrets_user": "4633458b-17de-408a-b874-0445c86b69e6",
}
BROAD_ROLES = {
    "b24988ac-6180-42a0-ab88-20f7382dd24c",  # Contributor
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",  # Owner
    "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",  # User Access Administrator
}
# ARM actions behind the calls Beast's core makes (resource groups, deployments, VM power,
# quota and size lookups, CPU metrics).
CORE_ACTIONS = {
    "Microsoft.Resources/subscriptions/resourceGroups/read",
    "Microsoft.Resources/subscriptions/resourceGroups/write",
    "Microsoft.Resources/subscriptions/resourceGroups/delete",
    "Microsoft.Resources/deployments/read",
    "Microsoft.Resources/deployments/write",
    "Microsoft.Resources/deployments/operationstatuses/read",
    "Microsoft.Resources/deployments/operations/read",
    "Microsoft.Resources/deployments/validate/action",
    "Microsoft.Resources/deployments/cancel/action",
    "Microsoft.Compute/virtualMachines/read",
    "Microsoft.Compute/virtualMachines/start/action",
    "Microsoft.Compute/virtualMachines/deallocate/action",
    "Microsoft.Compute/virtualMachines/instanceView/read",
    "Microsoft.Compute/locations/usages/read",
    "Microsoft.Compute/skus/read",
    "Microsoft.Insights/metrics/read",
}
SCOPE = Scope(
    subscription_id="00000000-0000-0000-0000-0000000000b1",
    resource_group="rg-beast",
    location="eastus",
    deployment_name="beast-dev",
)
REQUIRED = {
    "environmentName": "dev",
    "slackSigningSecret": "signing-secret-value",
    "slackBotToken": "xoxb-token-value",
    "allowedSourcePrefixes": "203.0.113.0/24",
}
CLIENT_ID = "11111111-1111-1111-1111-111111111111"


def main() -> dict[str, Any]:
    result: dict[str, Any] = json.loads((BICEP_DIR / "main.json").read_text())
    return result


def of_type(tpl: dict[str, Any], type_: str) -> list[dict[str, Any]]:
    return [r for r in tpl["resources"] if r["type"] == type_]


def only(tpl: dict[str, Any], type_: str) -> dict[str, Any]:
    (found,) = of_type(tpl, type_)
    return found


def operator_role() -> dict[str, Any]:
    deployment = only(main(), "Microsoft.Resources/deployments")
    template: dict[str, Any] = deployment["properties"]["template"]
    return template


def role_actions() -> list[str]:
    actions: list[str] = operator_role()["variables"]["actions"]
    return actions


def fake_reference(resource_id: str, api_version: str | None, full: bool) -> dict[str, Any]:
    return {
        "clientId": CLIENT_ID,
        "principalId": "22222222-2222-2222-2222-222222222222",
        "primaryEndpoints": {"blob": "https://stbeast.blob.core.windows.net/"},
        "ConnectionString": "InstrumentationKey=00000000-0000-0000-0000-000000000000",
        "secretUri": f"https://kv-beast.vault.azure.net/secrets/{resource_id.rsplit('/', 1)[-1]}",
        "defaultHostName": "func-beast.azurewebsites.net",
        "outputs": {"roleDefinitionId": {"value": "/subscriptions/x/roleDefinitions/y"}},
    }


def planned(**overrides: Any) -> Plan:
    values = {**REQUIRED, **overrides}
    return prepare(main(), {k: {"value": v} for k, v in values.items()}, SCOPE)


def rendered_app_settings() -> dict[str, str]:
    plan = planned()
    decl = next(d for d in plan.resources if d.type == "Microsoft.Web/sites/config")
    settings: dict[str, str] = plan.render(decl, fake_reference)["properties"]
    return settings


def test_app_settings_are_exactly_the_sample_keys_plus_identity_and_telemetry() -> None:
    sample = json.loads((REPO / "local.settings.sample.json").read_text())["Values"]
    settings = only(main(), "Microsoft.Web/sites/config")["properties"]
    assert set(settings) == (set(sample) - NOT_APP_SETTINGS) | INFRA_SETTINGS


def test_app_settings_render_as_strings_with_identity_based_storage() -> None:
    settings = rendered_app_settings()
    assert all(isinstance(v, str) for v in settings.values())
    assert settings["AzureWebJobsStorage__credential"] == "managedidentity"
    assert settings["AzureWebJobsStorage__clientId"] == CLIENT_ID
    assert settings["AZURE_CLIENT_ID"] == CLIENT_ID
    assert settings["AzureWebJobsStorage__accountName"].startswith("stbeast")
    assert settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"] == (
        f"ClientId={CLIENT_ID};Authorization=AAD"
    )
    assert settings["BEAST_SUBSCRIPTION_ID"] == SCOPE.subscription_id
    assert settings["BEAST_TRUST_EASY_AUTH"] == "false"
    assert settings["BEAST_DEV_IDENTITY"] == ""
    assert settings["BEAST_ARM_CA_BUNDLE"] == ""


def test_slack_secrets_are_key_vault_references_never_values() -> None:
    settings = rendered_app_settings()
    assert settings["SLACK_SIGNING_SECRET"] == (
        "@Microsoft.KeyVault(SecretUri=https://kv-beast.vault.azure.net/secrets/slack-signing-secret)"
    )
    assert settings["SLACK_BOT_TOKEN"].startswith("@Microsoft.KeyVault(SecretUri=")
    assert "xoxb-token-value" not in json.dumps(settings)
    assert "signing-secret-value" not in json.dumps(settings)


def test_slack_secrets_are_secure_parameters_and_reach_no_output() -> None:
    tpl = main()
    for name in ("slackSigningSecret", "slackBotToken"):
        assert tpl["parameters"][name]["type"] == "securestring"
        assert f"parameters('{name}')" not in json.dumps(tpl["outputs"])
    outputs = planned().outputs(fake_reference)
    assert "xoxb-token-value" not in json.dumps(outputs)


def test_key_vault_uses_rbac_and_the_identity_may_only_read_secrets() -> None:
    vault = only(main(), "Microsoft.KeyVault/vaults")
    assert vault["properties"]["enableRbacAuthorization"] is True
    assert "accessPolicies" not in vault["properties"]
    site = only(main(), "Microsoft.Web/sites")
    assert "userAssignedIdentities" in site["properties"]["keyVaultReferenceIdentity"]


def test_function_app_runs_python_311_on_flex_consumption_as_its_identity() -> None:
    tpl = main()
    plan = only(tpl, "Microsoft.Web/serverfarms")
    assert plan["sku"] == {"name": "FC1", "tier": "FlexConsumption"}
    site = only(tpl, "Microsoft.Web/sites")
    assert site["identity"]["type"] == "UserAssigned"
    config = site["properties"]["functionAppConfig"]
    assert config["runtime"] == {"name": "python", "version": "3.11"}
    storage = config["deployment"]["storage"]
    assert storage["type"] == "blobContainer"
    assert storage["authentication"]["type"] == "UserAssignedIdentity"
    assert site["tags"].endswith("createObject('azd-service-name', 'api'))]")


def test_storage_refuses_shared_keys() -> None:
    storage = only(main(), "Microsoft.Storage/storageAccounts")["properties"]
    assert storage["allowSharedKeyAccess"] is False
    assert storage["allowBlobPublicAccess"] is False


def test_application_insights_accepts_entra_auth_only() -> None:
    insights = only(main(), "Microsoft.Insights/components")["properties"]
    assert insights["DisableLocalAuth"] is True


def _assignments() -> dict[str, str]:
    """Role definition guid -> the scope expression of its assignment."""
    found: dict[str, str] = {}
    for assignment in of_type(main(), "Microsoft.Authorization/roleAssignments"):
        role = assignment["properties"]["roleDefinitionId"]
        key = re.search(r"variables\('roles'\)\.(\w+)", role)
        assert key, role
        guid = main()["variables"]["roles"][key.group(1)]
        found[guid] = assignment["scope"]
        assert assignment["properties"]["principalType"] == "ServicePrincipal"
    return found


def test_identity_gets_least_privilege_data_roles_on_their_own_scopes() -> None:
    assignments = _assignments()
    assert set(assignments) == set(ROLE.values())
    assert assignments[ROLE["blob_owner"]].startswith(
        "[format('Microsoft.Storage/storageAccounts/{0}/blobServices/{1}/containers/{2}'"
    )
    for account_role in ("blob_contributor", "queue_contributor", "table_contributor"):
        assert assignments[ROLE[account_role]] == (
            "[format('Microsoft.Storage/storageAccounts/{0}', variables('storageName'))]"
        )
    assert "Microsoft.Insights/components" in assignments[ROLE["metrics_publisher"]]
    assert "Microsoft.KeyVault/vaults" in assignments[ROLE["secrets_user"]]


def test_no_broad_built_in_role_is_assigned_anywhere() -> None:
    text = json.dumps(main())
    for guid in BROAD_ROLES:
        assert guid not in text


def test_custom_role_lives_on_the_subscription_and_is_assigned_to_the_identity() -> None:
    deployment = only(main(), "Microsoft.Resources/deployments")
    assert deployment["subscriptionId"] == "[subscription().subscriptionId]"
    assert "principalId" in deployment["properties"]["parameters"]["principalId"]["value"]
    role = only(operator_role(), "Microsoft.Authorization/roleDefinitions")["properties"]
    assert role["type"] == "CustomRole"
    assert role["assignableScopes"] == ["[subscription().id]"]
    assert role["permissions"] == [{"actions": "[variables('actions')]", "notActions": []}]
    assignment = only(operator_role(), "Microsoft.Authorization/roleAssignments")
    assert assignment["properties"]["principalId"] == "[parameters('principalId')]"


def test_custom_role_name_differs_between_subscriptions_of_one_tenant() -> None:
    # Custom role names are unique in the tenant: two subscriptions, each with an azd
    # environment called dev, must not ask for the same name.
    def role_name(subscription_id: str) -> str:
        scope = dataclasses.replace(SCOPE, subscription_id=subscription_id)
        plan = prepare(main(), {k: {"value": v} for k, v in REQUIRED.items()}, scope)
        decl = next(d for d in plan.resources if d.type == "Microsoft.Resources/deployments")
        body = plan.render(decl, fake_reference)
        name: str = body["properties"]["parameters"]["roleName"]["value"]
        return name

    first, second = role_name(SCOPE.subscription_id), role_name("0" * 35 + "2")
    assert first.startswith("Beast VM operator (dev")
    assert first != second


def test_custom_role_grants_the_actions_beast_core_uses() -> None:
    assert set(role_actions()) >= CORE_ACTIONS


def test_custom_role_has_no_wildcard_and_no_authorization_actions() -> None:
    for action in role_actions():
        assert "*" not in action, action
        assert not action.startswith("Microsoft.Authorization/"), action
    assert len(role_actions()) == len(set(role_actions()))


@pytest.mark.parametrize("stem", ["vmtemplate", "vmtemplate_ssh", "vmtemplate_vpn"])
def test_custom_role_can_create_and_delete_what_each_vm_template_creates(stem: str) -> None:
    template = json.loads((BICEP_DIR / f"{stem}.json").read_text())
    actions = set(role_actions())
    for resource in template["resources"]:
        for verb in ("read", "write", "delete"):
            assert f"{resource['type']}/{verb}" in actions, (resource["type"], verb)
    # Every resource a template's resources point at (not merely wait for) must be joinable.
    bodies = json.dumps(
        [{k: v for k, v in r.items() if k != "dependsOn"} for r in template["resources"]]
    )
    for referenced in set(re.findall(r"resourceId\('([^']+)'", bodies)):
        assert f"{referenced}/join/action" in actions, referenced


@pytest.mark.parametrize("stem", ["vmtemplate", "vmtemplate_ssh", "vmtemplate_vpn"])
def test_custom_role_can_follow_the_long_operations_of_each_provider_a_vm_template_uses(
    stem: str,
) -> None:
    # A deployment runs as the caller, and ARM reads each provider's operation status
    # (Azure-AsyncOperation: .../providers/<namespace>/locations/<region>/operations/<id>).
    template = json.loads((BICEP_DIR / f"{stem}.json").read_text())
    namespaces = {resource["type"].split("/")[0] for resource in template["resources"]}
    for namespace in namespaces:
        assert f"{namespace}/locations/operations/read" in role_actions(), namespace


def test_azd_parameters_name_only_template_parameters_and_cover_the_required_ones() -> None:
    tpl = main()
    given = json.loads((BICEP_DIR / "main.parameters.json").read_text())["parameters"]
    assert set(given) <= set(tpl["parameters"])
    required = {n for n, p in tpl["parameters"].items() if "defaultValue" not in p}
    assert required <= set(given)
    assert given["environmentName"] == {"value": "${AZURE_ENV_NAME}"}


def test_azd_takes_the_slack_workspace_to_serve_from_its_environment() -> None:
    given = json.loads((BICEP_DIR / "main.parameters.json").read_text())["parameters"]
    assert given["slackTeamId"] == {"value": "${SLACK_TEAM_ID=}"}


def test_azure_yaml_points_azd_at_the_bicep_folder_and_the_function_app() -> None:
    text = (REPO / "azure.yaml").read_text()
    assert re.search(r"^infra:\n(  .*\n)*  path: bicep$", text, re.MULTILINE)
    assert re.search(r"^  api:\n(    .*\n)*    host: function$", text, re.MULTILINE)
    assert "    language: python" in text


def test_main_template_evaluates_with_only_its_required_parameters() -> None:
    plan = planned()
    types = [d.type for d in plan.resources]
    assert types.index("Microsoft.ManagedIdentity/userAssignedIdentities") < types.index(
        "Microsoft.Web/sites"
    )
    assert types.index("Microsoft.Web/sites") < types.index("Microsoft.Web/sites/config")
    outputs = plan.outputs(fake_reference)
    assert outputs["SLACK_REQUEST_URL"]["value"] == (
        "https://func-beast.azurewebsites.net/api/slack/events"
    )


def test_main_template_refuses_a_missing_slack_secret() -> None:
    with pytest.raises(TemplateError, match="slackBotToken"):
        planned(slackBotToken="")
