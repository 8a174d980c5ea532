"""Small helpers copied in rather than depended on; described by hash only (see pyproject)."""
