"""Route templates match as ASP.NET routing does in the Functions host."""

from local.host.routes import compile_route


def test_plain_parameter_takes_one_segment() -> None:
    route = compile_route("vms/{name}")
    assert route.match("vms/beast-1") == {"name": "beast-1"}
    assert route.match("vms/a/b") is None


def test_literals_match_without_regard_to_case() -> None:
    assert compile_route("health").match("HEALTH") == {}


def test_optional_last_parameter_may_be_absent() -> None:
    route = compile_route("vms/{name?}")
    assert route.match("vms") == {}
    assert route.match("vms/x") == {"name": "x"}


def test_bool_and_int_constraints_filter_values() -> None:
    route = compile_route("a/{n:int}/{flag:bool}")
    assert route.match("a/-3/TRUE") == {"n": "-3", "flag": "TRUE"}
    assert route.match("a/x/true") is None
    assert route.match("a/3/maybe") is None


def test_catch_all_takes_the_rest_of_the_path() -> None:
    assert compile_route("files/{*rest}").match("files/a/b/c") == {"rest": "a/b/c"}


def test_parameters_are_url_decoded() -> None:
    assert compile_route("u/{who}").match("u/ada%20lovelace") == {"who": "ada lovelace"}


def test_literal_text_sorts_before_parameters() -> None:
    literal = compile_route("things/new")
    parameter = compile_route("things/{name}")
    assert sorted([parameter, literal], key=lambda r: r.sort_key()) == [literal, parameter]


def test_catch_all_comes_after_every_other_route() -> None:
    catch_all = compile_route("v1/{*rest}")
    two_parameters = compile_route("v1/{kind}/{name}")
    constrained = compile_route("v1/{id:int}")
    order = sorted([catch_all, two_parameters, constrained], key=lambda r: r.sort_key())
    assert order == [constrained, two_parameters, catch_all]
