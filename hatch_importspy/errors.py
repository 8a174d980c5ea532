"""Errors that mean "this input cannot be used": the command line turns them into exit code 2."""

from __future__ import annotations


class UnusableInputError(Exception):
    """A file or argument that cannot be read or understood.

    The message is one line that names the file (or option) and the problem; the CLI prints it
    as is, so it must make sense without a traceback.
    """


class ManifestError(UnusableInputError):
    """A manifest that cannot be parsed, is of an unknown schema, or has the wrong shape."""


class SourceError(UnusableInputError):
    """Python source that cannot be read or described (it does not parse, or is nested too deep).

    Defined here rather than next to the extractor so that the pure comparisons in
    :mod:`hatch_importspy.compare` can tell "this provider module cannot be described" from "it is
    absent" without importing the extractor that raises it
    (:class:`~hatch_importspy.describe.extract.ExtractionError` is the one subclass).
    """
