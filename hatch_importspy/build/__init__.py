"""The build phase: read a project statically and describe it as a SpyModel."""
