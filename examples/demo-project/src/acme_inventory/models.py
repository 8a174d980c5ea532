"""Items and the warehouses that hold them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from ._vendor.slugify import slugify


class InsufficientStock(Exception):
    """Raised when more units are taken out than a warehouse holds."""

    def __init__(self, sku: str, wanted: int, available: int) -> None:
        super().__init__(f"{sku}: wanted {wanted}, only {available} in stock")
        self.sku = sku
        self.wanted = wanted
        self.available = available


@dataclass(frozen=True)
class Item:
    """A kind of product, identified by its stock-keeping unit."""

    sku: str
    name: str
    unit_price: float
    tags: tuple[str, ...] = field(default=())

    @property
    def slug(self) -> str:
        """A URL-friendly form of the name."""
        return slugify(self.name)


class Warehouse:
    """Stock levels of items at one location."""

    default_capacity: int = 10_000

    def __init__(self, code: str, *, capacity: int | None = None) -> None:
        self.code = code
        self.capacity = capacity if capacity is not None else self.default_capacity
        self._stock: dict[str, int] = {}

    @property
    def total_units(self) -> int:
        """Units of every item held here."""
        return sum(self._stock.values())

    @staticmethod
    def normalise_code(code: str) -> str:
        """Warehouse codes are compared upper-case without surrounding blanks."""
        return code.strip().upper()

    @classmethod
    def from_mapping(cls, code: str, stock: dict[str, int]) -> Warehouse:
        """A warehouse pre-filled with ``stock`` (sku -> units)."""
        warehouse = cls(cls.normalise_code(code))
        for sku, units in stock.items():
            warehouse.receive(sku, units)
        return warehouse

    def receive(self, sku: str, units: int = 1) -> int:
        """Add units of an item; returns the new level."""
        if units < 0:
            raise ValueError("units must not be negative")
        if self.total_units + units > self.capacity:
            raise ValueError(f"{self.code} would exceed its capacity of {self.capacity}")
        self._stock[sku] = self._stock.get(sku, 0) + units
        return self._stock[sku]

    def ship(self, sku: str, units: int = 1) -> int:
        """Take units of an item out; returns the new level."""
        available = self._stock.get(sku, 0)
        if units > available:
            raise InsufficientStock(sku, units, available)
        self._stock[sku] = available - units
        return self._stock[sku]

    def level(self, sku: str) -> int:
        """Units of ``sku`` held here."""
        return self._stock.get(sku, 0)

    def __iter__(self) -> Iterator[tuple[str, int]]:
        return iter(sorted(self._stock.items()))
