"""Who the caller is: Easy Auth headers only when trusted, else the development identity."""

from __future__ import annotations

import base64
import json

from beast.http_api import endpoints as ep
from tests.http_api.conftest import SSH_KEY, World, build_world, make_settings

CAROL_OID = "5c1f2f6e-3b1a-4c57-9a0e-3f2f4e5d6c7b"
OID_CLAIM = "http://schemas.microsoft.com/identity/claims/objectidentifier"


def _principal(name: str, *, claim: str = "preferred_username", oid: str | None = CAROL_OID) -> str:
    claims = [{"typ": "aud", "val": "beast"}, {"typ": claim, "val": name}]
    if oid:
        claims.append({"typ": OID_CLAIM, "val": oid})
    document = {
        "auth_typ": "aad",
        "name_typ": "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name",
        "role_typ": "http://schemas.microsoft.com/ws/2008/06/identity/claims/role",
        "claims": claims,
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


def test_trusted_easy_auth_identifies_the_caller_by_object_id_and_names_vms_by_sign_in() -> None:
    world = build_world(make_settings(BEAST_TRUST_EASY_AUTH="true"))

    owner = _owner_of_new_vm(world, {"X-MS-CLIENT-PRINCIPAL": _principal("Carol@Contoso.com")})

    assert owner == f"aad:{CAROL_OID}"
    assert world.vms.get("lab-one").owner_name == "carol"


def test_trusted_easy_auth_accepts_the_principal_id_and_name_headers() -> None:
    world = build_world(make_settings(BEAST_TRUST_EASY_AUTH="true"))
    headers = {"X-MS-CLIENT-PRINCIPAL-ID": CAROL_OID, "X-MS-CLIENT-PRINCIPAL-NAME": "dave@x.com"}

    owner = _owner_of_new_vm(world, headers)

    assert owner == f"aad:{CAROL_OID}"
    assert world.vms.get("lab-one").owner_name == "dave"


def test_a_sign_in_name_without_an_object_id_is_not_an_identity() -> None:
    # E-mail and display-name claims can be edited in some tenants ("nOAuth"): never who you are.
    world = build_world(make_settings(BEAST_TRUST_EASY_AUTH="true"))

    by_name = world.call(ep.VMS, headers={"X-MS-CLIENT-PRINCIPAL-NAME": "dave@contoso.com"})
    by_claims = world.call(
        ep.VMS, headers={"X-MS-CLIENT-PRINCIPAL": _principal("dave@contoso.com", oid=None)}
    )

    assert (by_name.status, by_claims.status) == (401, 401)


def test_the_display_name_claim_never_names_a_caller() -> None:
    world = build_world(make_settings(BEAST_TRUST_EASY_AUTH="true"))

    _owner_of_new_vm(world, {"X-MS-CLIENT-PRINCIPAL": _principal("Admin Boss", claim="name")})

    assert world.vms.get("lab-one").owner_name == "user"


def test_admins_under_easy_auth_are_listed_by_object_id() -> None:
    world = build_world(
        make_settings(BEAST_TRUST_EASY_AUTH="true", BEAST_ADMINS=f"aad:{CAROL_OID}")
    )
    headers = {"X-MS-CLIENT-PRINCIPAL": _principal("carol@contoso.com")}

    assert world.call(ep.VMS, query={"all": "true"}, headers=headers).status == 200


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
