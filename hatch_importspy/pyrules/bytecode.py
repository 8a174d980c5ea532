"""The bytecode CPython runs instead of a source file, and the proof that it is that file's.

For a module ``pkg/m.py`` the source loader looks for ``pkg/__pycache__/m.<cache tag>.pyc``
(``m.<cache tag>.opt-<n>.pyc`` under ``-O``/``-OO``, whose ``sys.flags.optimize`` is ``n``) and,
when it uses that file, runs the code object marshalled in it without looking at the source
again.  Whoever can write there can make a vouched module run other code, so ``verify`` proves
every such file it would use: compiling the vouched source gives the same code object.

The rules, as CPython 3.7+ applies them (``SourceLoader.get_code`` in importlib):

- a pyc starts with a 16-byte header (PEP 552): the interpreter's magic number (4 bytes), flags
  (4 bytes little-endian: bit 0 hash-based, bit 1 check-source), then either the source's
  mtime and size (4 bytes each, little-endian, truncated to 32 bits) or an 8-byte hash of the
  source;
- a file whose magic is not the interpreter's, that is shorter than the header or has any other
  flag bit set is ignored and the source compiled;
- a timestamp pyc is used when its mtime and size equal the source's ``stat()``;
- an unchecked hash-based pyc is used without reading the source;
- a checked hash-based pyc is used when the hash in its header is the source's hash -- which
  proves nothing about the code after the header -- and, under ``--check-hash-based-pycs
  never``, always.  So any hash-based pyc may be run, and every one must be proven.

What a loaded pyc runs is ``marshal.loads`` of the bytes after the header.  Code objects compare
equal when compiled from the same source whatever their ``co_filename`` (which the loader
rewrites anyway); ``==`` alone is not a proof, though: since 3.11 it compares instructions
after undoing their specialisation and skips the inline caches, and leaves out the stack size
and qualified name, so :func:`same_code` compares every part that is executed, the raw
(``_co_code_adaptive``) instructions included.

The build records each module's compilation two ways (:func:`recorded_compilation`), so that
most proofs need no compile: a cache file whose bytes have the recorded shape is proven by
hashing it (:func:`matches_template`), one whose code has the recorded digest by unmarshalling
it (:func:`code_digest`).

This module imports only the standard library and keeps to Python 3.7 syntax: ``verify`` runs
it, as a script on standard input's job list, in the very interpreter whose bytecode it proves
(``python -I -S -B -c FROM_INPUT``, which reads this file's source from standard input first),
since only that interpreter's ``compile()`` gives its bytecode.  Run that way it executes nothing
it checks: ``compile()`` and ``marshal.loads`` build code objects, and nothing calls them.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import operator
import os
import stat
import sys
from types import CodeType

HEADER_SIZE = 16
FLAG_HASH_BASED = 0b01
FLAG_CHECK_SOURCE = 0b10
_KNOWN_FLAGS = FLAG_HASH_BASED | FLAG_CHECK_SOURCE
_UINT32 = 0xFFFFFFFF

CACHE_DIRECTORY = "__pycache__"
SOURCE_SUFFIXES = (".py", ".pyw")
"""Suffixes the source loader reads (``.pyw`` on Windows only); both name their cache alike."""
BYTECODE_SUFFIX = ".pyc"
_OPTIMIZATION_PREFIX = "opt-"

# Verdicts of :func:`prove`.
PROVEN = "proven"
"""The loader would run this file, and it is the compilation of the vouched source."""
UNUSED = "unused"
"""The loader would not run this file (stale, another magic, not a file): nothing to prove."""
DISPROVEN = "disproven"
"""The loader would run this file, and it is not (or cannot be shown to be) the compilation of
the vouched source: it differs, cannot be read or unmarshalled, or the source does not compile."""
OTHER_PYTHON = "other-python"
"""Written for another interpreter (another magic number) that would run it: only that
interpreter's ``compile()`` can prove it (reported when the interpreter is unknown)."""

_SIZE_FACTOR = 64
_SIZE_ALLOWANCE = 1 << 16
"""A pyc larger than 64 times its source plus 64 KiB is no compilation of it: the largest
compiled module we know of is under 8 times its source (code made of attribute chains and calls,
whose instructions carry inline caches); the header and code object add a few hundred bytes."""


class PycHeader:
    """The 16-byte header of a pyc file (PEP 552)."""

    __slots__ = ("flags", "magic", "mtime", "size", "source_hash")

    def __init__(
        self,
        magic: bytes,
        flags: int,
        mtime: int | None = None,
        size: int | None = None,
        source_hash: bytes | None = None,
    ) -> None:
        self.magic = magic
        self.flags = flags
        self.mtime = mtime
        """The source's mtime in whole seconds, truncated to 32 bits (timestamp pycs)."""
        self.size = size
        """The source's size, truncated to 32 bits (timestamp pycs)."""
        self.source_hash = source_hash
        """The 8-byte hash of the source (hash-based pycs)."""

    @property
    def hash_based(self) -> bool:
        return bool(self.flags & FLAG_HASH_BASED)

    @property
    def check_source(self) -> bool:
        """Whether a hash-based pyc asks the loader to compare its hash with the source's."""
        return self.hash_based and bool(self.flags & FLAG_CHECK_SOURCE)

    def _fields(self) -> tuple[object, ...]:
        return (self.magic, self.flags, self.mtime, self.size, self.source_hash)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PycHeader) and self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return (
            f"PycHeader(magic={self.magic!r}, flags={self.flags}, mtime={self.mtime!r}, "
            f"size={self.size!r}, source_hash={self.source_hash!r})"
        )


def parse_header(data: bytes) -> PycHeader | None:
    """The header at the start of ``data``, ``None`` when it is shorter than a header."""
    if len(data) < HEADER_SIZE:
        return None
    magic, flags = bytes(data[:4]), int.from_bytes(data[4:8], "little")
    if flags & FLAG_HASH_BASED:
        return PycHeader(magic, flags, source_hash=bytes(data[8:16]))
    mtime, size = int.from_bytes(data[8:12], "little"), int.from_bytes(data[12:16], "little")
    return PycHeader(magic, flags, mtime=mtime, size=size)


def loader_may_use(
    header: PycHeader | None, *, magic: bytes, source_mtime: float, source_size: int
) -> bool:
    """Whether the source loader of an interpreter whose magic number is ``magic`` may run this
    pyc instead of compiling a source whose ``stat()`` gave ``source_mtime`` and ``source_size``.

    ``False`` means it never does, under any ``--check-hash-based-pycs`` mode: the magic is
    another interpreter's, the header is short or has unknown flags, or it is a timestamp pyc
    whose mtime or size is not the source's.  Every hash-based pyc may be run: an unchecked one
    always, a checked one whenever its stored hash is the source's (see the module docstring).
    """
    if header is None or header.magic != magic or header.flags & ~_KNOWN_FLAGS:
        return False
    if header.hash_based:
        return True
    return header.mtime == (int(source_mtime) & _UINT32) and header.size == (source_size & _UINT32)


def magic_number(magic: bytes) -> int:
    """The number in a magic (``3495`` for CPython 3.11's), as importlib's comments list them."""
    return int.from_bytes(magic[:2], "little")


def cache_name(stem: str, cache_tag: str, optimization: int = 0) -> str:
    """``("m", "cpython-311", 1)`` -> ``m.cpython-311.opt-1.pyc``: the file name
    ``importlib.util.cache_from_source`` gives a source named ``m.py`` for that optimization
    level (``sys.flags.optimize``: 0 plain, 1 under ``-O``, 2 under ``-OO``, ...)."""
    if optimization:
        return f"{stem}.{cache_tag}.{_OPTIMIZATION_PREFIX}{optimization}{BYTECODE_SUFFIX}"
    return f"{stem}.{cache_tag}{BYTECODE_SUFFIX}"


def cache_path(source: str, cache_tag: str, optimization: int = 0) -> str:
    """The cache file of a ``/``-separated source path: ``pkg/m.py`` ->
    ``pkg/__pycache__/m.cpython-311.pyc`` (a top-level ``m.py``: ``__pycache__/m...``)."""
    directory, _, name = source.rpartition("/")
    base, dot, _ = name.rpartition(".")
    cached = f"{CACHE_DIRECTORY}/{cache_name(base if dot else name, cache_tag, optimization)}"
    return f"{directory}/{cached}" if directory else cached


def cache_paths(
    source: str, cache_tag: str, levels: tuple[int, ...] = (0, 1, 2)
) -> tuple[str, ...]:
    """The cache files of ``source`` for each optimization level: by default those of a plain
    run, of ``-O`` and of ``-OO``."""
    return tuple(cache_path(source, cache_tag, level) for level in levels)


def parse_cache_name(name: str) -> tuple[str, str, int] | None:
    """``m.cpython-311.opt-2.pyc`` -> ``("m", "cpython-311", 2)``: the source stem, cache tag and
    optimization level a file in ``__pycache__`` is named for; ``None`` for a name no interpreter
    would look for (no tag, ``opt-0``, ``opt-01``, ``opt-x``, ...)."""
    if not name.endswith(BYTECODE_SUFFIX):
        return None
    parts = name[: -len(BYTECODE_SUFFIX)].split(".")
    if len(parts) == 2:
        optimization = 0
    elif len(parts) == 3 and parts[2].startswith(_OPTIMIZATION_PREFIX):
        digits = parts[2][len(_OPTIMIZATION_PREFIX) :]
        if not (digits.isdigit() and digits.isascii()):
            return None
        optimization = int(digits)
    else:
        return None
    stem, tag = parts[0], parts[1]
    if not stem or not tag or cache_name(stem, tag, optimization) != name:
        return None
    return stem, tag, optimization


def compile_optimization(level: int) -> int:
    """The ``optimize`` argument of ``compile()`` that gives the code of a cache file of this
    level: ``-OOO`` runs load ``.opt-3.pyc`` files, compiled as ``-OO`` compiles."""
    return min(level, 2)


def same_code(loaded: CodeType, compiled: CodeType) -> bool:
    """Whether two code objects run alike: every executed part equal, nested code included.

    Compared: argument counts, stack size, flags, the instructions as the interpreter holds them
    (``_co_code_adaptive`` from 3.11, ``co_code`` before: a marshalled pyc can carry specialised
    instructions and inline-cache contents that ``co_code`` and ``==`` hide), names, variable
    names, the line and exception tables, name and qualified name, and the constants -- by type
    and value, so ``1``, ``1.0``, ``True`` and ``0.0``/``-0.0`` differ.  Not compared:
    ``co_filename`` (it names where the file was compiled; the loader replaces it).  Iterative,
    and it walks in step with ``compiled``, so it stops at the first difference and never explores
    more than the compiled source's constants.
    """
    codes = [(loaded, compiled)]
    while codes:
        left, right = codes.pop()
        if _code_parts(left) != _code_parts(right):
            return False
        constants = [(left.co_consts, right.co_consts)]
        while constants:
            ones, others = constants.pop()
            if len(ones) != len(others):
                return False
            for one, other in zip(ones, others):  # noqa: B905  (Python 3.7 syntax; lengths checked)
                kind = type(one)
                if kind is not type(other):
                    return False
                if kind in _PLAIN:  # most constants: exact once both are of the type
                    if one != other:
                        return False
                elif isinstance(one, CodeType) and isinstance(other, CodeType):
                    codes.append((one, other))
                elif isinstance(one, tuple) and isinstance(other, tuple):
                    constants.append((one, other))
                elif isinstance(one, slice) and isinstance(other, slice):
                    ends = (one.start, one.stop, one.step), (other.start, other.stop, other.step)
                    constants.append(ends)
                elif isinstance(one, frozenset) and isinstance(other, frozenset):
                    if one != other or _key(one) != _key(other):
                        return False
                elif isinstance(one, (float, complex)):
                    if repr(one) != repr(other):  # 0.0 == -0.0, and nan is not nan
                        return False
                elif one != other:
                    return False
    return True


_CODE_ATTRIBUTES = (
    "co_argcount",
    "co_posonlyargcount",
    "co_kwonlyargcount",
    "co_nlocals",
    "co_stacksize",
    "co_flags",
    "co_firstlineno",
    "_co_code_adaptive",
    "co_code",
    "co_names",
    "co_varnames",
    "co_freevars",
    "co_cellvars",
    "co_name",
    "co_qualname",
    "co_linetable",
    "co_exceptiontable",
)
"""Attributes of code objects that :func:`same_code` compares, those the interpreter has; but
``co_code`` where ``_co_code_adaptive`` is (it is the latter with specialisations undone)."""
_code_parts = operator.attrgetter(
    *(
        name
        for name in _CODE_ATTRIBUTES
        if hasattr(CodeType, name)
        and not (name == "co_code" and hasattr(CodeType, "_co_code_adaptive"))
    )
)
_PLAIN = frozenset({str, bytes, int, bool, type(None), type(Ellipsis)})
"""Constant types whose ``==`` is exact once both sides are of the type."""


def _key(value: object) -> object:
    """A constant as a key that holds its type, members of tuples and frozensets included, so
    that ``{1}`` is not ``{1.0}``.  Only called on frozensets already ``==`` to the compiled
    source's, so no member is larger than one of the source's."""
    if isinstance(value, (tuple, frozenset)):
        members = (_key(item) for item in value)
        return (type(value), tuple(members) if isinstance(value, tuple) else frozenset(members))
    if isinstance(value, (float, complex)):
        return (type(value), repr(value))
    return (type(value), value)


def code_digest(code: CodeType) -> str | None:
    """A sha256 of every part of ``code`` that :func:`same_code` compares, nested code included
    (``co_filename`` is not), so that two code objects with one digest run alike; ``None`` for
    code this cannot digest exactly (a constant other than ``compile()`` makes).

    The build records it for each module it compiles, and the proof (:func:`prove`) of a cache
    file written for the same interpreter then unmarshals the file and compares digests instead
    of compiling the source: unmarshalling and digesting cost about a tenth of compiling.  It is
    the same for every process of one interpreter: each code object's parts and constants are
    written with ``marshal`` version 2 (no back-references, whose use depends on reference
    counts), frozenset constants in a sorted order (their iteration order depends on the hash
    seed), and nested code objects by their place in the constants, depth first.  Iterative.
    """
    digest = hashlib.sha256()
    stack = [code]
    while stack:
        current = stack.pop()
        constants = current.co_consts
        flat = list(constants)
        nested = []
        sets = []
        for index, value in enumerate(constants):
            kind = type(value)
            if kind in _DIGESTED:  # most constants
                continue
            if kind is CodeType:
                nested.append(index)
                flat[index] = None
            elif kind is frozenset:
                sets.append(index)
                members = sorted(value, key=_member_order)
                if not _plain(members):
                    return None
                flat[index] = tuple(members)
            elif kind is not tuple or not _plain(value):
                return None
        record = (_code_parts(current), tuple(flat), tuple(nested), tuple(sets))
        try:
            digest.update(marshal.dumps(record, 2))
        except ValueError:  # an object marshal cannot write
            return None
        stack.extend(constants[index] for index in reversed(nested))
    return digest.hexdigest()


def recorded_compilation(source: bytes) -> tuple[str | None, str | None]:
    """What the build records of a module's compilation by this interpreter: its code digest
    as :func:`prove`'s ``code`` takes it (``<magic number, hex>:<code_digest>``) and the shape of
    its plain cache file (``<magic number, hex>:<cache_template>``); each ``None`` when it cannot
    be recorded.  Compiled from the source bytes as ``py_compile``
    and the import system compile a source for its plain cache file (compiling a syntax tree
    gives the same code, but its objects are shared with the tree, and marshal writes shared
    objects differently)."""
    import importlib.util

    magic = importlib.util.MAGIC_NUMBER.hex()
    try:
        compiled = compile(source, PLACEHOLDER, "exec", dont_inherit=True, optimize=0)
        digest = code_digest(compiled)
        template = cache_template(compiled)
    except Exception:  # SyntaxError, ValueError (null bytes), RecursionError, MemoryError, ...
        return None, None
    return (
        None if digest is None else f"{magic}:{digest}",
        None if template is None else f"{magic}:{template}",
    )


PLACEHOLDER = " ".join(("<importspy:", "the", "source's", "path>"))
"""The file name a module is compiled under for its :func:`cache_template`: no module's code
holds it but as ``co_filename`` (it is no identifier, so never interned with a constant).  Put
together when this module runs, so that not even this module's own code holds it as a constant:
its cache file too has a template, and a run of ``verify`` in an environment that holds
hatch-importspy needs no prover for it."""
_STRING_TYPES = frozenset(b"zZaAut")
"""marshal's type codes of a ``str``: short ASCII, ASCII and Unicode, each plain or interned."""
_SHORT_STRINGS = frozenset(b"zZ")
_FLAG_REF = 0x80


def cache_template(compiled: CodeType) -> str | None:
    """The plain cache file of ``compiled`` (compiled under :data:`PLACEHOLDER`) as the build
    records it: ``<bytes before>:<their sha256>:<bytes after>:<their sha256>``, around the one
    place its file name is written.

    ``py_compile`` writes ``marshal.dumps`` of the source's compilation under the source's
    path.  Every code object of a module holds the same file-name object, so marshal writes it
    in full once, marked for back-references, and refers to it after that; nothing else depends
    on it.  So the cache file of the same compilation under any path is these bytes before,
    that one string, and these bytes after: :func:`matches_template` checks a cache file by
    hashing it, without unmarshalling anything.  ``None`` when the name is not written exactly
    once, marked (marshal marks by reference count: then the bytes differ from process to
    process, and the file is proven otherwise).
    """
    data = marshal.dumps(compiled)
    name = PLACEHOLDER.encode("ascii")
    at = data.find(name)
    if at < 2 or data.find(name, at + 1) != -1:
        return None
    kind, length = data[at - 2], data[at - 1]
    if not kind & _FLAG_REF or kind & ~_FLAG_REF not in _SHORT_STRINGS or length != len(name):
        return None
    before, after = data[: at - 2], data[at + len(name) :]
    return (
        f"{len(before)}:{hashlib.sha256(before).hexdigest()}:"
        f"{len(after)}:{hashlib.sha256(after).hexdigest()}"
    )


def matches_template(data: bytes, template: str) -> bool:
    """Whether a whole cache file is a plain pyc for the template's magic number whose code is
    the recorded compilation under some file name (see :func:`cache_template`): the header's
    magic, the recorded bytes before, one marked ``str`` object, the recorded bytes after."""
    try:
        magic, before, before_sha, after, after_sha = template.split(":")
        start, tail = HEADER_SIZE + int(before), int(after)
    except ValueError:
        return False
    if data[:4].hex() != magic or int.from_bytes(data[4:8], "little") & ~_KNOWN_FLAGS:
        return False
    if len(data) < start + 2 + tail:
        return False
    kind = data[start]
    if not kind & _FLAG_REF or kind & ~_FLAG_REF not in _STRING_TYPES:
        return False
    if kind & ~_FLAG_REF in _SHORT_STRINGS:
        end = start + 2 + data[start + 1]
    else:
        end = start + 5 + int.from_bytes(data[start + 1 : start + 5], "little")
    view = memoryview(data)
    return (
        len(data) - end == tail
        and hashlib.sha256(view[HEADER_SIZE:start]).hexdigest() == before_sha
        and hashlib.sha256(view[end:]).hexdigest() == after_sha
    )


def _member_order(value: object) -> tuple[str, str]:
    return type(value).__name__, repr(value)


def _plain(items: tuple[object, ...] | list[object]) -> bool:
    """Whether every item is a constant marshal writes exactly and alike in every process: no
    code object (marshal writes its instructions unspecialised) and no frozenset, also in
    nested tuples."""
    for item in items:
        if type(item) in _DIGESTED:
            continue
        if not isinstance(item, tuple) or not _plain(item):  # marshal makes no subclasses
            return False
    return True


_DIGESTED = _PLAIN | {float, complex}


# ------------------------------------------------------------------------------------ the proof


class Refused(Exception):
    """A file that is not read: what it is instead says why."""


_READ_FLAGS = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)
"""Non-blocking: a FIFO planted at a cache path must not hold the proof up."""
_CHUNK = 1 << 20


def read_regular(path: str, limit: int) -> bytes | None:
    """A regular file's bytes; ``None`` for a directory (the loader cannot open one either);
    :class:`Refused` for anything else, or a file larger than ``limit`` bytes."""
    try:
        descriptor = os.open(path, _READ_FLAGS)
    except IsADirectoryError:
        return None
    try:
        info = os.fstat(descriptor)
        if stat.S_ISDIR(info.st_mode):
            return None
        if not stat.S_ISREG(info.st_mode):
            raise Refused("is not a regular file")
        chunks = []
        total = 0
        while True:
            chunk = os.read(descriptor, _CHUNK)
            if not chunk:
                break
            total += len(chunk)
            if total > limit:
                raise Refused(
                    f"is larger than any compilation of its source could be (over {limit} bytes)"
                )
            chunks.append(chunk)
    finally:
        os.close(descriptor)
    return b"".join(chunks)


def prove(
    source: str,
    cache: str,
    optimization: int,
    sha256: str,
    *,
    magic: bytes,
    stand_in: bool = False,
    code: str = "",
    template: str = "",
) -> tuple[str, str]:
    """Whether the cache file ``cache`` of the vouched source ``source`` (whose hex sha256 is
    ``sha256``) is what the loader of an interpreter whose magic is ``magic`` would run instead of
    the source, and if so whether it is that source compiled at ``optimization``.

    Returns a verdict (:data:`PROVEN`, :data:`UNUSED`, :data:`DISPROVEN`, :data:`OTHER_PYTHON`)
    and why (for :data:`PROVEN`, :data:`BY_DIGEST` or nothing).  ``stand_in``: the interpreter
    that runs the environment is not known, and this one stands in for it; a pyc another
    interpreter would run is then :data:`OTHER_PYTHON` rather than unused.  ``code``: the
    source's compilation as the build recorded it, ``<magic hex>:<code_digest>``; a plain cache
    file for that magic whose code has that digest is proven without compiling (anything else
    is compiled and compared).  ``template``: the same compilation's cache file as the build
    recorded it; a file with those bytes (:func:`matches_template`) is proven by them, before
    anything else is asked.  Never raises for what is on disk: a file that cannot be read,
    unmarshalled or compared is :data:`DISPROVEN`.
    """
    try:
        info = os.stat(source)  # noqa: PTH116  (a str path, as the loader stats it)
    except OSError:
        return UNUSED, "its source is gone: the loader reads no bytecode for it"
    try:
        data = read_regular(cache, _SIZE_FACTOR * info.st_size + _SIZE_ALLOWANCE)
    except (FileNotFoundError, NotADirectoryError):
        return UNUSED, "it is gone"
    except Refused as refused:
        return DISPROVEN, str(refused)
    except OSError as error:
        return DISPROVEN, f"cannot be read: {error.strerror or error}"
    if data is None:
        return UNUSED, "it is a directory"
    if template and optimization == 0 and matches_template(data, template):
        return PROVEN, BY_TEMPLATE
    header = parse_header(data)
    loader = magic
    if stand_in and header is not None and header.magic != magic:
        loader = header.magic  # would the Python that wrote it run it?
    if not loader_may_use(
        header, magic=loader, source_mtime=info.st_mtime, source_size=info.st_size
    ):
        return UNUSED, "the loader would compile the source instead"
    if loader != magic:
        return OTHER_PYTHON, f"written by the Python of magic number {magic_number(loader)}"
    if code and optimization == 0 and _has_recorded_code(data, code, magic):
        return PROVEN, BY_DIGEST
    return _compare(source, data, optimization, sha256)


BY_DIGEST = "its code has the digest the build recorded"
"""Why a cache file proven by its code digest, without compiling its source, is proven."""
BY_TEMPLATE = "its bytes are the recorded compilation's"
"""Why a cache file proven by its bytes (:func:`matches_template`) is proven."""


def _has_recorded_code(data: bytes, code: str, magic: bytes) -> bool:
    """Whether the code a pyc holds has the digest ``code`` records for ``magic``'s interpreter
    (``False`` also when it cannot be unmarshalled or digested: the compile proof decides)."""
    recorded_magic, _, recorded = code.partition(":")
    if recorded_magic != magic.hex() or not recorded:
        return False
    try:
        loaded = marshal.loads(memoryview(data)[HEADER_SIZE:])
        return isinstance(loaded, CodeType) and code_digest(loaded) == recorded
    except Exception:  # ValueError, EOFError, RecursionError, MemoryError, ...
        return False


def _compare(source: str, data: bytes, optimization: int, sha256: str) -> tuple[str, str]:
    try:
        text = read_regular(source, sys.maxsize)
    except (Refused, OSError) as error:
        return DISPROVEN, f"its source cannot be read: {getattr(error, 'strerror', '') or error}"
    if text is None or hashlib.sha256(text).hexdigest() != sha256:
        return DISPROVEN, "its source changed while it was being checked"
    try:
        compiled = compile(
            text, source, "exec", dont_inherit=True, optimize=compile_optimization(optimization)
        )
    except Exception as error:  # SyntaxError, ValueError (null bytes), RecursionError, ...
        return DISPROVEN, f"its source does not compile ({type(error).__name__})"
    body = memoryview(data)[HEADER_SIZE:]
    if _same_bytes(body, compiled):
        return PROVEN, ""
    try:
        loaded = marshal.loads(body)
    except Exception as error:  # ValueError, EOFError, TypeError, SystemError, MemoryError, ...
        return DISPROVEN, f"its code cannot be unmarshalled ({type(error).__name__}: {error})"
    if not isinstance(loaded, CodeType):
        return DISPROVEN, f"it holds a {type(loaded).__name__} where code should be"
    try:
        same = same_code(loaded, compiled)
    except Exception as error:  # comparing hostile constants may raise (RecursionError, ...)
        return DISPROVEN, f"its code cannot be compared ({type(error).__name__})"
    if not same:
        return DISPROVEN, "its code is not the compilation of its source"
    return PROVEN, ""


def _same_bytes(body: memoryview, compiled: CodeType) -> bool:
    """Whether the bytes the loader would unmarshal are exactly ``marshal.dumps`` of the
    compilation: then it loads what the interpreter itself writes for that source (``py_compile``
    and the import system write ``marshal.dumps`` of the same ``compile()``), and nothing is left
    to compare.  Usually true for an interpreter's own cache files (2,081 of 2,083 in the
    application benchmark); when not (``marshal`` marks shared objects by reference count, which
    can differ between processes), :func:`same_code` decides.  Measured there, ``marshal.dumps``
    of every compilation cost 0.07 s, the ``marshal.loads`` and walk it saves 0.22 s, and the
    compiles themselves 2.6 s."""
    try:
        dumped = marshal.dumps(compiled)
    except Exception:  # a code object marshal cannot write: compare the loaded one instead
        return False
    return len(dumped) == len(body) and body == dumped


ISOLATION_FLAGS = ("-I", "-S", "-B")
"""How this module is run as a script: isolated, without ``site``, writing no bytecode."""
FROM_INPUT = (
    "import sys;i=sys.stdin.buffer;"
    "exec(compile(i.read(int(i.readline())),'<hatch-importspy>','exec'))"
)
"""The ``-c`` program that runs this module as a script: it reads the module's source from
standard input (:func:`script_input`), and the module then reads the rest of its input.  On the
command line itself, the source would pass Windows' limit of 32,767 characters."""


def script_source() -> str:
    """This module's source, as :data:`FROM_INPUT` runs it (``OSError`` when hatch-importspy is
    installed without its sources)."""
    import inspect

    return inspect.getsource(sys.modules[__name__])


def script_input(source: str, rest: bytes) -> bytes:
    """Standard input for :data:`FROM_INPUT`: the length of ``source`` in UTF-8 bytes, a line
    end, those bytes, then ``rest`` (what the script itself reads)."""
    encoded = source.encode("utf-8")
    return str(len(encoded)).encode("ascii") + b"\n" + encoded + rest


RECORD = "record"
"""The argument that runs this module as the build's recorder (:func:`record`) instead of
a prover."""


def record() -> None:
    """Record the compilation of every file named on standard input (a JSON list of paths) as
    :func:`recorded_compilation` does, answering one JSON list of ``[sha256, code, template]``:
    the hex sha256 of the bytes compiled, so that the caller takes a recording only for the bytes
    it describes (``null`` when the file cannot be read), then the two recordings.

    Run in an interpreter of its own (``python -I -S -B -c FROM_INPUT record``): what
    ``marshal`` writes of a compilation depends on the process that writes it (a one-character
    string is written as interned when anything in that process interned it), and a fresh
    interpreter that ran nothing but this module writes what a fresh installer's does, where a
    build process with a backend and its plugins loaded differs for some modules.
    """
    answers: list[list[str | None]] = []
    for path in json.loads(sys.stdin.buffer.read().decode("utf-8")):
        try:
            with open(path, "rb") as file:  # noqa: PTH123  (standard library only)
                content = file.read()
        except OSError:
            answers.append([None, None, None])
            continue
        code, template = recorded_compilation(content)
        answers.append([hashlib.sha256(content).hexdigest(), code, template])
    sys.stdout.write(json.dumps(answers))
    sys.stdout.write("\n")
    sys.stdout.flush()


def main() -> None:
    """Prove the jobs read from standard input, answering one JSON line each (or, given
    :data:`RECORD`, record compilations: :func:`record`).

    Input: ``{"stand_in": bool, "careful": bool, "jobs": [[source, cache, optimization, sha256,
    code, template], ...]}`` (``code`` and ``template`` may be left out).  Output: first
    ``{"magic": hex, "cache_tag": tag}`` (this interpreter is ready; sent at once), then
    ``[index, verdict, reason]`` per job, in order.  ``careful``: each answer is sent as soon as
    it is known, so that a job that stops the process is the first one without an answer
    (otherwise they are sent in blocks: a write to the pipe per job costs about a twentieth of a
    compile).
    """
    import importlib.util

    if sys.argv[1:] == [RECORD]:
        record()
        return
    request = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    magic = importlib.util.MAGIC_NUMBER
    stand_in, careful = bool(request.get("stand_in")), bool(request.get("careful"))
    out = sys.stdout
    out.write(json.dumps({"magic": magic.hex(), "cache_tag": sys.implementation.cache_tag}))
    out.write("\n")
    out.flush()
    for index, job in enumerate(request["jobs"]):
        source, cache, optimization, sha256 = job[:4]
        code = job[4] if len(job) > 4 else ""
        template = job[5] if len(job) > 5 else ""
        try:
            verdict = prove(
                source,
                cache,
                optimization,
                sha256,
                magic=magic,
                stand_in=stand_in,
                code=code,
                template=template,
            )
        except Exception as error:  # a bug here must not pass the remaining files
            verdict = (DISPROVEN, f"the proof failed: {type(error).__name__}: {error}")
        out.write(json.dumps([index, verdict[0], verdict[1]]))
        out.write("\n")
        if careful:
            out.flush()
    out.flush()


if __name__ == "__main__":
    main()
