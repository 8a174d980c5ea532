"""The verify phase: read an installed environment and hold it against its manifests."""
