"""The release phase: compare releases and embed manifests in wheels of other backends."""
