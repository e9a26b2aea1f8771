"""The simulator's Retail Prices API: public, filtered by OData ``eq``/``and``, paged."""

from __future__ import annotations

from typing import Any

import requests

from local.armsim.prices import PAGE_SIZE
from local.armsim.testing import ArmSim

FILTER = (
    "serviceName eq 'Virtual Machines' and armRegionName eq 'eastus' and priceType eq 'Consumption'"
)


def get(arm: ArmSim, url: str, **params: str) -> requests.Response:
    """A GET with no Authorization header, as the public API is called."""
    with arm.session() as session:
        return session.get(url, params=params, timeout=30)


def all_items(arm: ArmSim, first: requests.Response) -> list[dict[str, Any]]:
    """Every item, following NextPageLink."""
    items: list[dict[str, Any]] = []
    answer = first
    while True:
        assert answer.status_code == 200, answer.text
        body = answer.json()
        items += body["Items"]
        if not body["NextPageLink"]:
            return items
        answer = get(arm, body["NextPageLink"])


def test_prices_need_no_token_and_page_after_a_hundred_items(arm: ArmSim) -> None:
    first = get(arm, arm.url + "/api/retail/prices", **{"$filter": FILTER})

    assert first.status_code == 200, first.text
    body = first.json()
    assert body["BillingCurrency"] == "USD"
    assert body["Count"] == len(body["Items"]) == PAGE_SIZE
    assert "$skip=100" in body["NextPageLink"]
    assert len(all_items(arm, first)) > PAGE_SIZE


def test_filter_keeps_only_matching_items(arm: ArmSim) -> None:
    items = all_items(arm, get(arm, arm.url + "/api/retail/prices", **{"$filter": FILTER}))

    assert {i["armRegionName"] for i in items} == {"eastus"}
    assert {i["type"] for i in items} == {"Consumption"}  # the E-series reservations are out
    e4 = {
        (i["productName"], i["skuName"]): i["retailPrice"]
        for i in items
        if i["armSkuName"] == "Standard_E4s_v3"
    }
    assert e4 == {
        ("Virtual Machines ESv3 Series", "E4s v3"): 0.252,
        ("Virtual Machines ESv3 Series Windows", "E4s v3"): 0.436,
        ("Virtual Machines ESv3 Series", "E4s v3 Spot"): 0.0504,
        ("Virtual Machines ESv3 Series", "E4s v3 Low Priority"): 0.0504,
    }


def test_a_filter_it_cannot_read_is_a_400(arm: ArmSim) -> None:
    answer = get(arm, arm.url + "/api/retail/prices", **{"$filter": "retailPrice gt 1"})

    assert answer.status_code == 400
