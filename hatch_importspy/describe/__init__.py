"""The build phase: read a project statically, never importing it, and describe it as a SpyModel."""
