"""What an environment runs before any of the user's code: the start-up files ``site`` processes.

The installed-environment reader finds them and the start-up comparison judges them; this module
holds only the values passed between the two, so that the comparison never imports the reader.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path


class StartupKind(str, enum.Enum):
    """Files the interpreter runs at start-up, before any of the user's code."""

    PTH = "pth"
    SITECUSTOMIZE = "sitecustomize"
    USERCUSTOMIZE = "usercustomize"


@dataclass(frozen=True)
class StartupFile:
    """A ``.pth`` file or a ``sitecustomize``/``usercustomize`` module in a site directory."""

    site_dir: Path
    relative: str
    """Path relative to the site directory, e.g. ``x.pth`` or ``sitecustomize/__init__.py``."""
    kind: StartupKind
    executable_lines: tuple[str, ...] = ()
    """For ``.pth`` files: the lines that ``site`` executes (they start with ``import``)."""
    problem: str = ""
    """Why the file could not be read (not a regular file, permission denied); empty when it was.
    ``site`` may still run what the verifying user cannot read, so this is never a pass."""
    added_by: str = ""
    """For a module found in a directory or zip that a ``.pth`` path line put on ``sys.path``:
    that ``.pth`` file's path; empty for files at the top of a site directory."""
    archive: bool = False
    """Whether ``site_dir`` is a zip file (``relative`` is then a member of it)."""

    @property
    def path(self) -> Path:
        """The absolute path."""
        return self.site_dir / self.relative

    @property
    def owned_as(self) -> Path:
        """The file a RECORD must list to own it: the zip itself for a member of a zip."""
        return self.site_dir if self.archive else self.path
