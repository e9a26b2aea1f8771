"""Who the caller is: Easy Auth headers only when trusted, else the development identity."""

from __future__ import annotations

import base64
import json

from beast.http_api import endpoints as ep
from tests.http_api.conftest import SSH_KEY, World, build_world, make_settings


def _principal(name: str, *, claim: str = "preferred_username") -> str:
    document = {
        "auth_typ": "aad",
        "name_typ": "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name",
        "role_typ": "http://schemas.microsoft.com/ws/2008/06/identity/claims/role",
        "claims": [{"typ": "aud", "val": "beast"}, {"typ": claim, "val": name}],
    }
    return base64.b64encode(json.dumps(document).encode()).decode()


def _owner_of_new_vm(world: World, headers: dict[str, str]) -> object:
    response = world.call(
        ep.VMS, "POST", json_body={"name": "lab-one", "sshPublicKey": SSH_KEY}, headers=headers
    )
    assert response.status == 202, response.json()
    return world.vms.get("lab-one").owner


def test_forged_easy_auth_headers_are_ignored_unless_easy_auth_is_trusted(world: World) -> None:
    forged = {
        "X-MS-CLIENT-PRINCIPAL": _principal("boss@contoso.com"),
        "X-MS-CLIENT-PRINCIPAL-NAME": "boss@contoso.com",
    }

    assert _owner_of_new_vm(world, forged) == "aad:alice@contoso.com"
    assert world.call(ep.VMS, query={"all": "true"}, headers=forged).status == 403


def test_trusted_easy_auth_names_the_caller_from_the_principal_claims() -> None:
    world = build_world(make_settings(BEAST_TRUST_EASY_AUTH="true"))

    owner = _owner_of_new_vm(world, {"X-MS-CLIENT-PRINCIPAL": _principal("Carol@Contoso.com")})

    assert owner == "aad:carol@contoso.com"
    assert world.vms.get("lab-one").owner_name == "carol"


def test_trusted_easy_auth_accepts_the_principal_name_header_alone() -> None:
    world = build_world(make_settings(BEAST_TRUST_EASY_AUTH="true"))

    owner = _owner_of_new_vm(world, {"X-MS-CLIENT-PRINCIPAL-NAME": "dave@contoso.com"})

    assert owner == "aad:dave@contoso.com"


def test_trusted_easy_auth_never_falls_back_to_the_development_identity() -> None:
    world = build_world(make_settings(BEAST_TRUST_EASY_AUTH="true"))

    response = world.call(ep.VMS)

    assert response.status == 401
    assert response.json()["type"] == "https://beast.dev/problems/unauthenticated"
    assert "WWW-Authenticate" in response.headers


def test_no_identity_at_all_is_401_problem_json() -> None:
    world = build_world(make_settings(BEAST_DEV_IDENTITY=""))

    response = world.call(ep.VMS, "POST", json_body={"name": "lab-one", "sshPublicKey": SSH_KEY})

    assert response.status == 401
    assert response.content_type == "application/problem+json"
    assert world.queue.jobs == []


def test_a_principal_header_that_is_not_base64_json_is_401() -> None:
    world = build_world(make_settings(BEAST_TRUST_EASY_AUTH="true"))

    response = world.call(ep.VMS, headers={"X-MS-CLIENT-PRINCIPAL": "%%%not-base64"})

    assert response.status == 401


def test_admins_are_named_by_principal_or_with_the_aad_prefix() -> None:
    plain = build_world(make_settings(BEAST_DEV_IDENTITY="boss@contoso.com"))
    prefixed = build_world(
        make_settings(BEAST_DEV_IDENTITY="ops@contoso.com", BEAST_ADMINS="aad:ops@contoso.com")
    )

    assert plain.call(ep.VMS, query={"all": "true"}).status == 200
    assert prefixed.call(ep.VMS, query={"all": "true"}).status == 200
