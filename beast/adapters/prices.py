"""The Prices port on the public Azure Retail Prices API (no credential needed).

Prices are a nicety: any failure is logged once as a warning and answered with no
prices, so ``sizes`` still lists sizes and quota. Answers are cached per region
for a day, since list prices change a few times a year.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests

from beast.errors import UpstreamError

log = logging.getLogger(__name__)

API_VERSION = "2023-01-01-preview"
DAY = 24 * 60 * 60.0
MAX_PAGES = 200  # a runaway NextPageLink chain must end; a region has a few thousand VM meters
# Meters that are not the on-demand Linux price of a size.
_NOT_PAY_AS_YOU_GO = ("Spot", "Low Priority")


@dataclass(frozen=True)
class _Cached:
    at: float
    prices: Mapping[str, float]


class RetailPrices:
    """``beast.ports.Prices`` over ``GET {url}?$filter=...``, following ``NextPageLink``."""

    def __init__(
        self,
        *,
        url: str,
        ca_bundle: str | None = None,
        timeout: float = 5.0,
        ttl: float = DAY,
        retry_after: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._url = url
        # Per call, not on the session: with trust_env on, REQUESTS_CA_BUNDLE would replace a
        # session's verify, but never one passed to the call. trust_env stays on for proxies.
        self._verify: str | bool = ca_bundle or True
        self._timeout = timeout
        self._ttl = ttl
        self._retry_after = retry_after  # after a failure, do not wait on a dead API every call
        self._clock = clock
        self._cache: dict[str, _Cached] = {}
        self._lock = threading.Lock()
        self._session = requests.Session()

    def hourly(self, region: str) -> Mapping[str, float]:
        """Linux pay-as-you-go USD per hour by size name; empty when unknown or unreachable."""
        key = region.lower()
        now = self._clock()
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None and now - cached.at < self._ttl:
            return cached.prices
        try:
            prices: Mapping[str, float] = _linux_on_demand(self._items(key))
            at = now
        except UpstreamError as exc:
            log.warning("No VM prices for %s: %s", key, exc.message)
            prices = {}
            at = now - self._ttl + self._retry_after
        with self._lock:
            self._cache[key] = _Cached(at=at, prices=prices)
        return prices

    def _items(self, region: str) -> Iterator[Mapping[str, Any]]:
        query = (
            f"serviceName eq 'Virtual Machines' and armRegionName eq '{region}' "
            "and priceType eq 'Consumption'"
        )
        link: str | None = f"{self._url}?api-version={API_VERSION}&$filter={quote(query, safe='')}"
        pages = 0
        while link:
            pages += 1
            if pages > MAX_PAGES:
                raise UpstreamError(f"the Retail Prices API sent more than {MAX_PAGES} pages")
            body = self._page(link)
            items = body.get("Items")
            if not isinstance(items, list):
                raise UpstreamError("the Retail Prices API answered without an Items list")
            yield from (item for item in items if isinstance(item, Mapping))
            following = body.get("NextPageLink")
            link = following if isinstance(following, str) and following else None

    def _page(self, link: str) -> Mapping[str, Any]:
        try:
            response = self._session.get(link, timeout=self._timeout, verify=self._verify)
        except requests.RequestException as exc:
            raise UpstreamError(
                f"could not reach the Retail Prices API ({type(exc).__name__})"
            ) from exc
        if not response.ok:
            raise UpstreamError(f"the Retail Prices API answered HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError as exc:  # requests' JSONDecodeError is a ValueError
            raise UpstreamError("the Retail Prices API answered with something not JSON") from exc
        if not isinstance(body, Mapping):
            raise UpstreamError("the Retail Prices API answered with something not an object")
        return body


def _linux_on_demand(items: Iterator[Mapping[str, Any]]) -> dict[str, float]:
    """Size name -> USD per hour, from the items that are Linux pay-as-you-go by the hour.

    Windows meters carry "Windows" in the product name, Spot and Low Priority meters say so
    in the SKU name. Where a size still has two meters (the preview API also returns
    non-primary meter regions), the primary one, then the newest, wins.
    """
    best: dict[str, tuple[tuple[bool, str], float]] = {}
    for item in items:
        name = item.get("armSkuName")
        price = item.get("retailPrice")
        if (
            not isinstance(name, str)
            or not name
            or isinstance(price, bool)
            or not isinstance(price, int | float)
            or price <= 0
            or item.get("currencyCode", "USD") != "USD"
            or item.get("unitOfMeasure") != "1 Hour"
            or item.get("type", "Consumption") != "Consumption"
            or "Windows" in str(item.get("productName", ""))
            or any(word in str(item.get("skuName", "")) for word in _NOT_PAY_AS_YOU_GO)
        ):
            continue
        rank = (item.get("isPrimaryMeterRegion") is not False, str(item.get("effectiveStartDate")))
        if name not in best or rank > best[name][0]:
            best[name] = (rank, float(price))
    return {name: price for name, (_, price) in best.items()}
