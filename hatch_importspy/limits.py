"""The limits every reader of untrusted input holds to, in one place.

A wheel, an installed distribution and the files a gate is handed may all come from someone
hostile.  Every reader refuses input beyond these limits with one line naming the file and the
problem (:class:`~hatch_importspy.errors.UnusableInputError`, exit code 2), or, for a file of a
distribution under ``verify``, with that distribution's ISP309 (manifest) or ISP310 (RECORD)
finding.  The limits sit far above anything a real package needs; they exist so that no input
can make a run crash, hang or exhaust memory.

=============================  ===========  ====================================================
Limit                          Value        Applies to
=============================  ===========  ====================================================
``MANIFEST_BYTES``             64 MiB       a manifest file or wheel member (decompressed)
``MANIFEST_ENTRIES``           100,000      modules plus files one manifest lists
``CLASS_NESTING``              50           classes nested in classes, in a manifest
``RECORD_BYTES``               64 MiB       a RECORD or ``installed-files.txt``
``SIZE_DIGITS``                20           ASCII digits of a RECORD size field
``METADATA_BYTES``             16 MiB       a ``METADATA``/``PKG-INFO`` file or wheel member
``DOCUMENT_BYTES``             16 MiB       contracts, policy, lock and TOML files
``PTH_BYTES``                  1 MiB        a ``.pth`` start-up file (beyond: reported, unread)
``YAML_DEPTH``                 100          nesting of any YAML document
``YAML_NODES``                 1,000,000    YAML nodes after expanding aliases
``YAML_ALIASES`` (manifest)    0            manifests never use aliases: any is refused
``INTEGER``                    2**63 - 1    magnitude of an integer in a manifest
``WHEEL_MEMBERS``              100,000      entries in a wheel's zip directory
``WHEEL_UNPACKED_BYTES``       16 GiB       all members of one wheel, decompressed and hashed
``WALK_ENTRIES``               500,000      directory entries listed per distribution
``PROBE_ANSWER_BYTES``         64 MiB       the import probe's answer (``verify --import``)
=============================  ===========  ====================================================

Readers open only regular files, with ``O_NONBLOCK`` and an ``fstat`` check, and read at most
one chunk (64 KiB) past their limit, so a FIFO, a device or a growing file cannot stall them.
Functions that enforce a limit take it as a keyword argument, so tests can show a refusal with
small input.
"""

from __future__ import annotations

MIB = 1 << 20

MANIFEST_BYTES = 64 * MIB
MANIFEST_ENTRIES = 100_000
CLASS_NESTING = 50
RECORD_BYTES = 64 * MIB
SIZE_DIGITS = 20
METADATA_BYTES = 16 * MIB
DOCUMENT_BYTES = 16 * MIB
PTH_BYTES = 1 * MIB
YAML_DEPTH = 100
YAML_NODES = 1_000_000
INTEGER = 2**63 - 1
WHEEL_MEMBERS = 100_000
WHEEL_UNPACKED_BYTES = 16 * 1024 * MIB
WALK_ENTRIES = 500_000
PROBE_ANSWER_BYTES = 64 * MIB
