"""Prices, taxes and quotes."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping

from .models import Item

DEFAULT_TAX_RATE: float = 0.2
CURRENCY = "EUR"
ROUNDING: int = 2


def price_with_tax(amount: float, /, rate: float = DEFAULT_TAX_RATE) -> float:
    """``amount`` plus tax at ``rate``; ``amount`` is positional-only."""
    return round(amount * (1 + rate), ROUNDING)


def apply_discount(item: Item, *percentages: float, floor: float = 0.0) -> float:
    """The item's unit price after each discount in turn, never below ``floor``."""
    price = item.unit_price
    for percentage in percentages:
        price *= 1 - percentage / 100
    return round(max(price, floor), ROUNDING)


def quote(
    items: Mapping[str, int],
    catalogue: Mapping[str, Item],
    /,
    *,
    tax_rate: float = DEFAULT_TAX_RATE,
    **surcharges: float,
) -> float:
    """Total price of ``items`` (sku -> units) with tax and named surcharges added."""
    net = sum(catalogue[sku].unit_price * units for sku, units in items.items())
    return round(price_with_tax(net, tax_rate) + sum(surcharges.values()), ROUNDING)


async def quote_later(
    fetch_items: Callable[[], Awaitable[Mapping[str, int]]], catalogue: Mapping[str, Item]
) -> float:
    """Like :func:`quote`, for items that arrive asynchronously."""
    items = await fetch_items()
    await asyncio.sleep(0)
    return quote(items, catalogue)
