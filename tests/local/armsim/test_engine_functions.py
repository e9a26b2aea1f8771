"""Rules for the ARM template function library, family by family."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from local.armsim.engine import SUPPORTED_FUNCTIONS, Scope, TemplateError
from local.armsim.engine.functions import EvalContext
from local.armsim.engine.unique import unique_string
from local.armsim.engine.values import evaluate_value

SCOPE = Scope("sub-1", "rg-1", "eastus", "dep-1")


def ev(value: Any, *, in_default: bool = False, **params: Any) -> Any:
    """Evaluate a template value with the given parameters."""
    ctx = EvalContext(
        scope=SCOPE,
        parameter=params.__getitem__,
        variable=params.__getitem__,
        in_parameter_default=in_default,
        now=datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC),
    )
    return evaluate_value(value, ctx)


# ---- strings


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("[format('{0}-{1}', 'a', 2)]", "a-2"),
        ("[format('{0:N0} GB', 1000)]", "1,000 GB"),
        ("[format('{0:D3}', 7)]", "007"),
        ("[format('{{literal}} {0}', true())]", "{literal} True"),
        ("[format('[{0,4}]', 'a')]", "[   a]"),
        ("[toLower('AbC')]", "abc"),
        ("[toUpper('AbC')]", "ABC"),
        ("[trim('  x  ')]", "x"),
        ("[replace('a-b-c', '-', '')]", "abc"),
        ("[substring('abcdef', 2, 3)]", "cde"),
        ("[substring('abcdef', 2)]", "cdef"),
        ("[take('abcdef', 2)]", "ab"),
        ("[skip('abcdef', 4)]", "ef"),
        ("[first('abc')]", "a"),
        ("[last('abc')]", "c"),
        ("[startsWith('Hello', 'he')]", True),
        ("[endsWith('Hello', 'LO')]", True),
        ("[indexOf('abcABC', 'B')]", 1),
        ("[lastIndexOf('abcABC', 'b')]", 4),
        ("[indexOf('abc', 'z')]", -1),
        ("[split('a,b;c', createArray(',', ';'))]", ["a", "b", "c"]),
        ("[join(createArray('a', 'b'), '-')]", "a-b"),
        ("[string(true())]", "True"),
        ("[string(createObject('a', 1))]", '{"a":1}'),
        ("[string(5)]", "5"),
        ("[padLeft('7', 3, '0')]", "007"),
        ("[base64('hi')]", "aGk="),
        ("[base64ToString('aGk=')]", "hi"),
        ("[uriComponent('a b/c')]", "a%20b%2Fc"),
        ("[uri('https://x.org/a/', 'b')]", "https://x.org/a/b"),
        ("[dataUriToString(dataUri('hello'))]", "hello"),
    ],
)
def test_string_functions(expr: str, expected: Any) -> None:
    assert ev(expr) == expected


def test_substring_outside_the_string_is_an_error() -> None:
    with pytest.raises(TemplateError, match="must refer to a location within the string"):
        ev("[substring('abc', 2, 5)]")


def test_format_with_missing_argument_is_an_error() -> None:
    with pytest.raises(TemplateError, match="Index \\(zero based\\)"):
        ev("[format('{1}', 'a')]")


# ---- deterministic names


def test_unique_string_matches_published_bicep_outputs() -> None:
    assert unique_string("test") == "rbgf3xv4ufgzg"
    assert unique_string("hello", "world") == "a7wkljktk6wne"
    assert unique_string("foo", "bar", "baz") == "xzi4ioaxtmth4"
    rg = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/my-rg"
    assert unique_string(rg) == "bmg7c6xu4tw46"


def test_unique_string_of_resource_group_id_is_stable_and_13_chars() -> None:
    first = ev("[uniqueString(resourceGroup().id)]")
    assert first == ev("[uniqueString(resourceGroup().id)]")
    assert len(first) == 13 and first.isalnum() and first.islower()


def test_guid_is_a_name_based_uuid_of_the_joined_arguments() -> None:
    value = ev("[guid('a', 'b')]")
    namespace = uuid.UUID("11fb06fb-712d-4ddd-98c7-e71bbd588830")
    assert value == str(uuid.uuid5(namespace, "a-b"))
    assert value != ev("[guid('a', 'c')]")


def test_utc_now_and_new_guid_are_allowed_only_in_parameter_defaults() -> None:
    assert ev("[utcNow('yyyyMMdd')]", in_default=True) == "20260304"
    assert ev("[utcNow()]", in_default=True) == "20260304T050607Z"
    assert uuid.UUID(ev("[newGuid()]", in_default=True))
    for expr in ("[utcNow()]", "[newGuid()]"):
        with pytest.raises(TemplateError, match="is not expected at this location"):
            ev(expr)


# ---- scope functions and resource ids


def test_resource_group_subscription_and_deployment_describe_the_scope() -> None:
    assert ev("[resourceGroup().id]") == "/subscriptions/sub-1/resourceGroups/rg-1"
    assert ev("[resourceGroup().name]") == "rg-1"
    assert ev("[resourceGroup().location]") == "eastus"
    assert ev("[resourceGroup().tags]") == {}
    assert ev("[subscription().subscriptionId]") == "sub-1"
    assert ev("[subscription().id]") == "/subscriptions/sub-1"
    assert ev("[subscription().tenantId]") == SCOPE.tenant_id
    assert ev("[deployment().name]") == "dep-1"
    assert ev("[environment().name]") == "AzureCloud"


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        (
            "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet', 'default')]",
            "/subscriptions/sub-1/resourceGroups/rg-1/providers/Microsoft.Network/"
            "virtualNetworks/vnet/subnets/default",
        ),
        (
            "[resourceId('other-rg', 'Microsoft.Network/publicIPAddresses', 'ip')]",
            "/subscriptions/sub-1/resourceGroups/other-rg/providers/Microsoft.Network/"
            "publicIPAddresses/ip",
        ),
        (
            "[resourceId('sub-2', 'rg-2', 'Microsoft.Compute/virtualMachines', 'vm')]",
            "/subscriptions/sub-2/resourceGroups/rg-2/providers/Microsoft.Compute/"
            "virtualMachines/vm",
        ),
        (
            "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'r1')]",
            "/subscriptions/sub-1/providers/Microsoft.Authorization/roleDefinitions/r1",
        ),
        (
            "[tenantResourceId('Microsoft.Management/managementGroups', 'mg')]",
            "/providers/Microsoft.Management/managementGroups/mg",
        ),
        (
            "[extensionResourceId(resourceGroup().id, 'Microsoft.Authorization/locks', 'l')]",
            "/subscriptions/sub-1/resourceGroups/rg-1/providers/Microsoft.Authorization/locks/l",
        ),
    ],
)
def test_resource_id_functions(expr: str, expected: str) -> None:
    assert ev(expr) == expected


def test_resource_id_with_too_few_names_is_an_error() -> None:
    with pytest.raises(TemplateError, match="requires '2' resource name"):
        ev("[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet')]")


def test_reference_outside_a_deployment_step_is_not_expected() -> None:
    with pytest.raises(TemplateError, match="'reference' is not expected at this location"):
        ev("[reference('x')]")


# ---- arrays and objects


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("[concat(createArray(1), createArray(2, 3))]", [1, 2, 3]),
        ("[concat('a', 1, 'b')]", "a1b"),
        ("[length(createArray(1, 2))]", 2),
        ("[length('abc')]", 3),
        ("[length(createObject('a', 1))]", 1),
        ("[contains(createArray('a', 'b'), 'b')]", True),
        ("[contains('abc', 'B')]", False),
        ("[contains(createObject('Key', 1), 'key')]", True),
        ("[empty('')]", True),
        ("[empty(createArray())]", True),
        ("[empty(createObject())]", True),
        ("[empty(null())]", True),
        ("[empty('x')]", False),
        ("[first(createArray(4, 5))]", 4),
        ("[last(createArray(4, 5))]", 5),
        ("[take(createArray(1, 2, 3), 2)]", [1, 2]),
        ("[skip(createArray(1, 2, 3), 2)]", [3]),
        ("[array('x')]", ["x"]),
        ("[union(createArray(1, 2), createArray(2, 3))]", [1, 2, 3]),
        (
            "[union(createObject('a', createObject('x', 1)), "
            "createObject('a', createObject('y', 2)))]",
            {"a": {"x": 1, "y": 2}},
        ),
        ("[intersection(createArray(1, 2, 3), createArray(2, 3, 4))]", [2, 3]),
        ("[intersection(createObject('a', 1, 'b', 2), createObject('a', 1, 'b', 3))]", {"a": 1}),
        ("[createObject('a', 1, 'b', createArray())]", {"a": 1, "b": []}),
        ("[json('{\"a\": [1, true, null]}')]", {"a": [1, True, None]}),
        ("[range(2, 3)]", [2, 3, 4]),
        (
            "[items(createObject('b', 2, 'a', 1))]",
            [{"key": "a", "value": 1}, {"key": "b", "value": 2}],
        ),
        ("[tryGet(createObject('a', createObject('b', 1)), 'a', 'b')]", 1),
        ("[tryGet(createObject('a', 1), 'zz')]", None),
        ("[objectKeys(createObject('a', 1, 'b', 2))]", ["a", "b"]),
        ("[flatten(createArray(createArray(1), createArray(2)))]", [1, 2]),
    ],
)
def test_collection_functions(expr: str, expected: Any) -> None:
    assert ev(expr) == expected


def test_concat_of_array_and_string_is_an_error() -> None:
    with pytest.raises(TemplateError, match="'concat'"):
        ev("[concat(createArray(1), 'a')]")


# ---- logic, comparison, numbers


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("[if(true(), 'yes', 'no')]", "yes"),
        ("[if(false(), 'yes', 'no')]", "no"),
        (
            "[equals(createArray(1, createObject('a', 'b')), "
            "createArray(1, createObject('a', 'b')))]",
            True,
        ),
        ("[equals('a', 'A')]", False),
        ("[equals(1, true())]", False),
        ("[not(true())]", False),
        ("[and(true(), true(), false())]", False),
        ("[or(false(), true())]", True),
        ("[greater(2, 1)]", True),
        ("[greaterOrEquals(2, 2)]", True),
        ("[less('a', 'b')]", True),
        ("[lessOrEquals(3, 2)]", False),
        ("[coalesce(null(), null(), 'c')]", "c"),
        ("[add(2, 3)]", 5),
        ("[sub(2, 3)]", -1),
        ("[mul(4, 3)]", 12),
        ("[div(-7, 2)]", -3),
        ("[mod(-7, 2)]", -1),
        ("[min(3, 1, 2)]", 1),
        ("[max(createArray(3, 9, 2))]", 9),
        ("[int('42')]", 42),
        ("[bool('TRUE')]", True),
        ("[bool(0)]", False),
    ],
)
def test_logic_and_number_functions(expr: str, expected: Any) -> None:
    assert ev(expr) == expected


def test_if_evaluates_only_the_chosen_branch() -> None:
    assert ev("[if(true(), 'ok', json('not json'))]") == "ok"


def test_and_stops_at_the_first_false_operand() -> None:
    assert ev("[and(false(), parameters('missing').x)]") is False


def test_division_by_zero_is_an_error() -> None:
    with pytest.raises(TemplateError, match="'div'"):
        ev("[div(1, 0)]")


def test_wrong_argument_count_is_an_error() -> None:
    with pytest.raises(TemplateError, match="function requires 1 argument"):
        ev("[toLower('a', 'b')]")


def test_float_literals_are_rejected() -> None:
    with pytest.raises(TemplateError, match="floating point"):
        ev("[add(1.5, 1)]")


# ---- lambdas


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("[map(createArray(1, 2), lambda('x', mul(lambdaVariables('x'), 10)))]", [10, 20]),
        ("[filter(createArray(1, 2, 3), lambda('x', greater(lambdaVariables('x'), 1)))]", [2, 3]),
        (
            "[reduce(createArray(1, 2, 3), 0, lambda('acc', 'x', "
            "add(lambdaVariables('acc'), lambdaVariables('x'))))]",
            6,
        ),
        (
            "[sort(createArray(3, 1, 2), lambda('a', 'b', less(lambdaVariables('a'), "
            "lambdaVariables('b'))))]",
            [1, 2, 3],
        ),
        (
            "[toObject(createArray('a', 'b'), lambda('k', lambdaVariables('k')), "
            "lambda('k', toUpper(lambdaVariables('k'))))]",
            {"a": "A", "b": "B"},
        ),
    ],
)
def test_lambda_functions(expr: str, expected: Any) -> None:
    assert ev(expr) == expected


def test_the_registry_lists_the_common_bicep_functions() -> None:
    for name in ("format", "resourceid", "reference", "uniquestring", "copyindex", "if"):
        assert name in SUPPORTED_FUNCTIONS


# ---- dates and networks


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("[dateTimeAdd('2026-01-31T00:00:00Z', 'P1M')]", "2026-02-28T00:00:00Z"),
        (
            "[dateTimeAdd('2026-03-04T05:06:07Z', '-PT1H30M', 'yyyy-MM-dd HH:mm')]",
            "2026-03-04 03:36",
        ),
        ("[dateTimeToEpoch('1970-01-02T00:00:00Z')]", 86400),
        ("[dateTimeFromEpoch(86400)]", "1970-01-02T00:00:00Z"),
        ("[cidrSubnet('10.0.0.0/16', 24, 2)]", "10.0.2.0/24"),
        ("[cidrHost('10.144.3.0/24', 0)]", "10.144.3.1"),
        ("[parseCidr('10.0.0.0/24').lastUsable]", "10.0.0.254"),
        ("[parseCidr('10.0.0.0/24').cidr]", 24),
        ("[mapValues(createObject('a', 1), lambda('v', add(lambdaVariables('v'), 1)))]", {"a": 2}),
    ],
)
def test_date_network_and_object_helpers(expr: str, expected: Any) -> None:
    assert ev(expr) == expected


def test_bad_duration_is_an_error() -> None:
    with pytest.raises(TemplateError, match="not a valid ISO 8601 duration"):
        ev("[dateTimeAdd('2026-01-01T00:00:00Z', '1 day')]")
