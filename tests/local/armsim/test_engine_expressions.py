"""Rules for the ARM expression parser and evaluator."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from local.armsim.engine import Scope, TemplateError
from local.armsim.engine.expressions import (
    Call,
    Index,
    Literal,
    Property,
    is_expression,
    parse,
    quote,
    unescape_literal,
)
from local.armsim.engine.functions import EvalContext
from local.armsim.engine.values import evaluate_value

SCOPE = Scope("sub-1", "rg-1", "eastus", "dep-1")


def ev(value: Any, **params: Any) -> Any:
    """Evaluate a template value with the given parameters."""
    ctx = EvalContext(scope=SCOPE, parameter=params.__getitem__, variable=params.__getitem__)
    return evaluate_value(value, ctx)


def test_nested_calls_parse_innermost_first() -> None:
    node = parse("concat(toLower('A'), string(add(1, 2)))")
    assert node == Call(
        "concat",
        (
            Call("toLower", (Literal("A"),)),
            Call("string", (Call("add", (Literal(1), Literal(2))),)),
        ),
    )


def test_property_and_index_access_chain_left_to_right() -> None:
    node = parse("parameters('p').items[0].name")
    assert node == Property(
        Index(Property(Call("parameters", (Literal("p"),)), "items"), Literal(0)), "name"
    )


def test_doubled_quote_inside_string_literal_is_one_quote() -> None:
    assert ev("[concat('it''s', ' ok')]") == "it's ok"


def test_double_bracket_escapes_a_literal_string() -> None:
    assert ev("[[not an expression]") == "[not an expression]"
    assert not is_expression("[[x]")


def test_string_without_brackets_is_literal() -> None:
    assert ev("plain [text]") == "plain [text]"


def test_negative_integer_literals_are_supported() -> None:
    assert ev("[add(-3, 5)]") == 2


def test_function_names_are_case_insensitive() -> None:
    assert ev("[TOLOWER('ABC')]") == "abc"


def test_property_lookup_is_case_insensitive() -> None:
    assert ev("[parameters('o').NAME]", o={"name": "x"}) == "x"


def test_index_with_string_reads_a_property() -> None:
    assert ev("[parameters('o')['name']]", o={"name": "x"}) == "x"


def test_missing_property_names_the_available_ones() -> None:
    with pytest.raises(TemplateError) as err:
        ev("[parameters('o').nope]", o={"a": 1, "b": 2})
    assert err.value.message == (
        "The language expression property 'nope' doesn't exist, available properties are 'a, b'."
    )


def test_array_index_out_of_bounds_is_an_error() -> None:
    with pytest.raises(TemplateError, match="array index '2' is out of bounds"):
        ev("[parameters('a')[2]]", a=[1, 2])


def test_unknown_function_fails_loudly_with_arm_wording() -> None:
    with pytest.raises(TemplateError) as err:
        ev("[foo(1)]")
    assert err.value.code == "InvalidTemplate"
    assert "The template function 'foo' is not valid" in err.value.message


def test_list_functions_are_rejected_clearly() -> None:
    with pytest.raises(TemplateError, match="'listKeys' is not supported"):
        ev("[listKeys('x', '2023-01-01')]")


@pytest.mark.parametrize(
    "source",
    ["concat('a'", "concat('a',)", "'unterminated", "concat('a') extra", "a.b", "1.5", "x(#)"],
)
def test_malformed_expressions_are_rejected(source: str) -> None:
    with pytest.raises(TemplateError, match="is not valid"):
        parse(source)


def test_expressions_inside_objects_and_arrays_are_evaluated_but_keys_are_not() -> None:
    value = {"[k]": ["[toUpper('a')]", {"x": "[add(1, 1)]"}], "n": 5}
    assert ev(value) == {"[k]": ["A", {"x": 2}], "n": 5}


@given(st.text())
def test_any_text_round_trips_through_a_quoted_string_literal(text: str) -> None:
    assert ev(f"[{quote(text)}]") == text


@given(st.text().filter(lambda s: not s.startswith("[")))
def test_any_text_escaped_with_a_double_bracket_is_returned_literally(text: str) -> None:
    assert unescape_literal("[" + "[" + text) == "[" + text
    assert ev("[[" + text + "]") == "[" + text + "]"
