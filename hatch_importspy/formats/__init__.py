"""The file formats: one reader (and writer) for each, shared by every phase."""
