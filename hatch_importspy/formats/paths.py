"""Whether a path named by a wheel or a manifest stays inside the distribution.

Wheel member names and manifest paths are relative ``/``-separated paths; one that is absolute
(``/proc/self/environ``), carries a drive (``C:``), a backslash, a ``..`` component or a NUL
would name a file outside the place it claims, so it is refused before anything is opened.
"""

from __future__ import annotations


def unsafe_path_problem(name: str) -> str | None:
    """Why a member or manifest path is unsafe, or ``None`` when it is a plain relative path."""
    if not name:
        return "is empty"
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return "is an absolute path"
    if "\\" in name:
        return "contains a backslash"
    if ".." in name and ".." in name.split("/"):
        return "contains a '..' component"
    if "\x00" in name:
        return "contains a NUL character"
    return None
