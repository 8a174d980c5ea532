"""acme-inventory: keep track of stock across warehouses."""

from __future__ import annotations

from .models import InsufficientStock, Item, Warehouse
from .pricing import apply_discount, price_with_tax, quote

__all__ = [
    "InsufficientStock",
    "Item",
    "Warehouse",
    "__version__",
    "apply_discount",
    "price_with_tax",
    "quote",
]

__version__ = "1.0.0"
