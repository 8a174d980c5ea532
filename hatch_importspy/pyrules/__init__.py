"""Models of CPython's own rules, as pure functions over plain data (names, listings)."""
