"""The public Azure Retail Prices API (``GET /api/retail/prices``), for the catalogue's sizes.

Like the real service it needs no token and no api-version, answers an OData ``$filter`` made
of ``field eq 'value'`` clauses joined by ``and``, and pages by ``NextPageLink`` (with
``$skip``) after ``PAGE_SIZE`` items. Every size gets four consumption meters, Linux
pay-as-you-go, Windows, Spot and Low Priority, and the E-series a one-year reservation too, so
a client has to pick the Linux pay-as-you-go price out of several.
"""

from __future__ import annotations

import re
import uuid
from typing import Any
from urllib.parse import quote, urlencode

from local.armsim.catalog import VM_SIZES, VmSize
from local.armsim.errors import ArmError
from local.armsim.web import Request, Response, Router

PAGE_SIZE = 100
PATH = "/api/retail/prices"
SERVICE = "Virtual Machines"

# Public list prices are about $0.048 per vCPU-hour for general purpose D, $0.063 for memory
# optimised E, more for storage L and M; GPU sizes pay mostly for their GPUs.
# quota family -> (USD per vCPU-hour, USD per GB-hour of memory, USD per GPU-hour)
_RATES: dict[str, tuple[float, float, float]] = {
    "standarddsv5family": (0.048, 0.0, 0.0),
    "standarddsv3family": (0.048, 0.0, 0.0),
    "standardddsv5family": (0.0565, 0.0, 0.0),
    "standardesv3family": (0.063, 0.0, 0.0),
    "standardesv5family": (0.063, 0.0, 0.0),
    "standardfsv2family": (0.0423, 0.0, 0.0),
    "standardlsv3family": (0.078, 0.0, 0.0),
    "standardmsfamily": (0.05, 0.0075, 0.0),
    "standardncasv3_t4family": (0.044, 0.0, 0.35),
    "standardncsv3family": (0.05, 0.0, 2.76),
    "standardncadsa100v4family": (0.05, 0.0, 2.47),
    "standardnvadsa10v5family": (0.0905, 0.0, 0.0),  # the A10 is shared out by vCPU
}
_WINDOWS_PER_VCPU = 0.046  # the Windows Server licence
_SPOT_SHARE = 0.2  # Spot and Low Priority sell spare capacity at about a fifth
_RESERVED_SHARE = 0.62  # a one-year reservation, per hour
_LOCATION_NAMES = {"eastus": "US East", "westeurope": "EU West", "westus2": "US West 2"}
_START = "2024-03-01T00:00:00Z"

# OData filter field -> item field (the filter says priceType, items say type).
_FILTER_FIELDS = {"priceType": "type"}
_CLAUSE = re.compile(r"^\s*(\w+)\s+eq\s+(?:'((?:[^']|'')*)'|(true|false))\s*$")


def linux_hourly(size: VmSize) -> float:
    """The Linux pay-as-you-go USD per hour the simulator quotes for a size."""
    per_vcpu, per_gb, per_gpu = _RATES[size.family.lower()]
    return round(size.vcpus * per_vcpu + size.memory_gb * per_gb + size.gpus * per_gpu, 4)


def price_items(region: str) -> list[dict[str, Any]]:
    """Every Virtual Machines price item for one region, in a stable order."""
    items: list[dict[str, Any]] = []
    for size in VM_SIZES.values():
        if region not in size.locations:
            continue
        linux = linux_hourly(size)
        windows = round(linux + size.vcpus * _WINDOWS_PER_VCPU, 4)
        # The Linux pay-as-you-go meter comes last, so a client that keeps the first it sees
        # of a size would quote the wrong one.
        items += [
            _item(size, region, price=windows, windows=True),
            _item(size, region, price=round(linux * _SPOT_SHARE, 4), variant="Spot"),
            _item(size, region, price=round(linux * _SPOT_SHARE, 4), variant="Low Priority"),
            _item(size, region, price=linux),
        ]
        if size.family.lower().startswith("standardes"):
            items.append(
                _item(size, region, price=round(linux * _RESERVED_SHARE, 4), kind="Reservation")
            )
    return items


def _item(
    size: VmSize,
    region: str,
    *,
    price: float,
    windows: bool = False,
    variant: str = "",
    kind: str = "Consumption",
) -> dict[str, Any]:
    short = size.size.replace("_", " ")  # "E4s v3", as Azure's skuName and meterName read
    sku_name = f"{short} {variant}".strip()
    series = size.family.removeprefix("standard").removeprefix("Standard").removesuffix("Family")
    product = f"Virtual Machines {series} Series" + (" Windows" if windows else "")
    product_id = "DZH318Z0" + uuid.uuid5(uuid.NAMESPACE_URL, product).hex[:4].upper()
    item: dict[str, Any] = {
        "currencyCode": "USD",
        "tierMinimumUnits": 0.0,
        "retailPrice": price,
        "unitPrice": price,
        "armRegionName": region,
        "location": _LOCATION_NAMES.get(region, region),
        "effectiveStartDate": _START,
        "meterId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{region}/{product}/{sku_name}/{kind}")),
        "meterName": sku_name,
        "productId": product_id,
        "skuId": f"{product_id}/{uuid.uuid5(uuid.NAMESPACE_URL, sku_name).hex[:4].upper()}",
        "productName": product,
        "skuName": sku_name,
        "serviceName": SERVICE,
        "serviceId": "DZH313Z7MMC8",
        "serviceFamily": "Compute",
        "unitOfMeasure": "1 Hour",
        "type": kind,
        "isPrimaryMeterRegion": True,
        "armSkuName": size.name,
    }
    if kind == "Reservation":
        item["reservationTerm"] = "1 Year"
    return item


def parse_filter(text: str) -> list[tuple[str, str | bool]]:
    """``a eq 'x' and b eq true`` -> [("a", "x"), ("b", True)]; 400 for anything else."""
    clauses: list[tuple[str, str | bool]] = []
    # Split on " and " outside quoted strings.
    for part in re.split(r"\s+and\s+(?=(?:[^']*'[^']*')*[^']*$)", text.strip(), flags=re.I):
        m = _CLAUSE.match(part)
        if not m:
            raise ArmError(400, "InvalidFilter", f"The simulator cannot read the filter {part!r}.")
        name, quoted, literal = m.groups()
        value: str | bool = quoted.replace("''", "'") if quoted is not None else literal == "true"
        clauses.append((_FILTER_FIELDS.get(name, name), value))
    return clauses


class RetailPrices:
    """``GET /api/retail/prices``: unauthenticated, filtered, paged like the public API."""

    def register(self, router: Router) -> None:
        """Add the route."""
        router.add("GET", PATH, self.list)

    def list(self, req: Request) -> Response:
        """One page of the items that match ``$filter``."""
        text = req.q("$filter") or ""
        clauses = parse_filter(text) if text.strip() else []
        region = next((str(v) for k, v in clauses if k == "armRegionName"), None)
        regions = (
            [region] if region else sorted({loc for s in VM_SIZES.values() for loc in s.locations})
        )
        items = [i for r in regions for i in price_items(r)]
        items = [i for i in items if all(i.get(k) == v for k, v in clauses)]
        skip_text = req.q("$skip") or "0"
        if not skip_text.isdigit():
            raise ArmError(400, "InvalidSkip", f"The value '{skip_text}' of $skip is invalid.")
        skip = int(skip_text)
        page = items[skip : skip + PAGE_SIZE]
        following = None
        if skip + PAGE_SIZE < len(items):
            params = {k: v for k, v in req.query.items() if k.lower() != "$skip"}
            params["$skip"] = str(skip + PAGE_SIZE)
            following = f"{req.base_url}{PATH}?" + urlencode(params, quote_via=quote, safe="$'")
        return Response(
            200,
            {
                "BillingCurrency": "USD",
                "CustomerEntityId": "Default",
                "CustomerEntityType": "Retail",
                "Items": page,
                "NextPageLink": following,
                "Count": len(page),
            },
        )
