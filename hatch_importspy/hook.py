"""The hatchling build hook ``importspy``: embed a SpyModel manifest in every wheel.

What it does for each kind of build:

- **wheel (standard)**: validates the configuration and the ``contracts`` files, describes every
  file that goes into the wheel (including files that earlier hooks force-include) and what its
  modules use of other distributions (``infer-expectations``), and the ``shared-data`` and
  ``shared-scripts`` files it ships under ``<name>-<version>.data/``; writes the manifest to a
  private temporary directory and hands it to hatchling as extra metadata, so it lands at
  ``<name>-<version>.dist-info/extra_metadata/importspy.yaml`` and is listed in RECORD.  With a
  ``baseline`` it first holds the new manifest against that committed manifest of the previous
  release and stops the build on a breaking change, unless ``allow-breaking``.  After the
  wheel is written, :meth:`ImportSpyBuildHook.finalize` reads its RECORD back and fails the build
  (removing the wheel) if any file differs from the manifest, which is what happens when a hook
  listed after ``importspy`` adds or rewrites files.
- **wheel (editable)**: validates the configuration and the contracts, then embeds nothing and
  says so.  An editable install runs the working tree, which changes with every edit: a manifest
  would either describe files the wheel does not ship or turn every edit into a finding.
  ``verify`` therefore sees an editable install as a distribution without a manifest, which is
  what it is.
- **sdist**: validates the configuration and the contracts (a mistake is reported at the first
  build step, not only when the wheel is built from the sdist), then does nothing: an sdist has no
  ``.dist-info`` and is not installed as is; the wheel built from it gets the manifest.

The hook never imports the project it builds and never writes into the project tree.  This module
is imported whenever hatchling looks hooks up, so its own imports stay cheap: the describing
machinery is imported inside :meth:`ImportSpyBuildHook.initialize`.
"""

from __future__ import annotations

import shutil
import tempfile
import weakref
from email.parser import HeaderParser
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from hatchling.builders.hooks.plugin.interface import BuildHookInterface
from hatchling.builders.wheel import WheelBuilderConfig  # already imported by hatchling itself

if TYPE_CHECKING:
    from collections.abc import Callable

    from hatch_importspy.describe.config import ImportSpyOptions
    from hatch_importspy.model import EntryPoint, Expectation, SpyModel


class ImportSpyBuildHook(BuildHookInterface[WheelBuilderConfig]):
    """Validate ``[tool.hatch.build.hooks.importspy]`` and embed the manifest in wheels."""

    PLUGIN_NAME = "importspy"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._model: SpyModel | None = None
        self._cleanup: weakref.finalize[[str], ImportSpyBuildHook] | None = None

    # ------------------------------------------------------------------ hatchling's entry points

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        """Describe the wheel's files and register the manifest (see the module docstring)."""
        self._model = None  # one hook object serves every version hatchling builds
        options = self._options()
        if self.target_name != "wheel" or version == "editable":
            self._contracts(options, None)  # a bad contract shows at the first build step too
        if self.target_name != "wheel":
            return
        if version == "editable":
            self.app.display_info(
                "importspy: editable build, no manifest embedded (an editable install runs the "
                "working tree, which changes with every edit; build a wheel to get a manifest)"
            )
            return
        from hatch_importspy.formats.manifest import MANIFEST_FILENAME

        self._model = self._describe(options, build_data)
        if options.baseline is not None:
            self._gate(options.baseline, self._model, allow_breaking=options.allow_breaking)
        manifest = self._write_manifest(self._model)
        build_data["extra_metadata"][manifest] = MANIFEST_FILENAME
        self.app.display_info(summary_line(self._model, Path(manifest).stat().st_size))

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        """Remove the temporary manifest; check the built wheel against the manifest."""
        if self._cleanup is not None:
            self._cleanup()
        if self._model is None:
            return
        problems = wheel_disagreements(Path(artifact_path), self._model)
        if problems:
            Path(artifact_path).unlink(missing_ok=True)
            self._stop(
                *(f"importspy: {problem}" for problem in problems),
                f"importspy: {Path(artifact_path).name} does not match its manifest "
                f"({len(problems)} files; the wheel was removed): a build hook that runs after "
                "importspy added or changed files; list importspy last in the hooks tables",
            )

    def _stop(self, *lines: str) -> NoReturn:
        """Print why the build stops, once, and stop it without a traceback.

        hatchling's own way out is :meth:`Application.abort` (``SystemExit``): the PEP 517
        backend process then ends with the message alone, where an ordinary exception would
        print the message a second time at the end of a traceback that says nothing about the
        project.  The ``SystemExit`` below covers an application whose ``abort`` returns.
        """
        for line in lines:
            self.app.display_error(line)
        self.app.abort(code=1)
        raise SystemExit(1)

    # ------------------------------------------------------------------ the steps

    def _table_path(self) -> str:
        """The key path of the table hatchling took our options from (target tables win)."""
        target_hooks = self.build_config.target_config.get("hooks", {})
        if isinstance(target_hooks, dict) and self.PLUGIN_NAME in target_hooks:
            return f"tool.hatch.build.targets.{self.target_name}.hooks.{self.PLUGIN_NAME}"
        return f"tool.hatch.build.hooks.{self.PLUGIN_NAME}"

    def _options(self) -> ImportSpyOptions:
        from hatch_importspy.describe.config import ConfigError, parse_options

        where = self._table_path()
        try:
            options = parse_options(
                self.config, where=where, requires_python=self.metadata.core.requires_python or None
            )
        except ConfigError as error:
            self._stop(*(f"importspy: {problem}" for problem in error.problems))
        return options

    def _describe(self, options: ImportSpyOptions, build_data: dict[str, Any]) -> SpyModel:
        from hatch_importspy.describe.build_check import build_environment_lookup
        from hatch_importspy.describe.config import ConfigError
        from hatch_importspy.describe.distribution import (
            build_environment_resolver,
            describe_distribution,
        )

        requires = self._requires(build_data)
        # Which distribution provides a top-level module: asked of this (the build) environment
        # only when the package uses one, then of the requirements.
        distribution_of = build_environment_resolver(requires)
        contracts = self._contracts(options, distribution_of)
        with self.build_config.set_build_data(build_data):
            files = [
                (included.distribution_path, Path(included.path))
                for included in self.build_config.builder.recurse_included_files()
            ]
        with tempfile.TemporaryDirectory(prefix="importspy-shared-") as scratch:
            files.extend(self._shared_files(build_data, Path(scratch)))
            try:
                return describe_distribution(
                    files,
                    name=self.metadata.core.raw_name,
                    version=self.metadata.version,
                    requires=requires,
                    options=options,
                    warn=lambda message: self.app.display_warning(f"importspy: {message}"),
                    distribution_of=distribution_of,
                    contracts=contracts,
                    entry_points=self._entry_points(),
                    build_lookup=build_environment_lookup(),
                    where=self._table_path(),
                )
            except ConfigError as error:  # an include/exclude entry that matches nothing
                self._stop(*(f"importspy: {problem}" for problem in error.problems))

    def _shared_files(self, build_data: dict[str, Any], scratch: Path) -> list[tuple[str, Path]]:
        """The ``shared-data`` and ``shared-scripts`` files, as hatchling will add them."""
        from hatchling.builders.utils import normalize_inclusion_map
        from hatchling.builders.wheel import WheelBuilder

        from hatch_importspy.describe.shared import shared_files

        data = dict(self.build_config.shared_data)
        data.update(normalize_inclusion_map(build_data["shared_data"], self.root))
        scripts = dict(self.build_config.shared_scripts)
        scripts.update(normalize_inclusion_map(build_data["shared_scripts"], self.root))
        builder = self.build_config.builder
        if not isinstance(builder, WheelBuilder):  # only a wheel has a ``.data`` directory
            return []
        return shared_files(
            builder,
            data_directory=f"{builder.artifact_project_id}.data",
            data=data,
            scripts=scripts,
            scratch=scratch,
        )

    def _entry_points(self) -> tuple[EntryPoint, ...]:
        """The entry points as hatchling writes them into the wheel's ``entry_points.txt``
        (``[project.scripts]``, ``[project.gui-scripts]``, ``[project.entry-points.*]``)."""
        from hatchling.builders.wheel import WheelBuilder

        from hatch_importspy.formats.entry_points import parse_entry_points

        builder = self.build_config.builder
        if not isinstance(builder, WheelBuilder):  # initialize() describes wheel targets only
            raise RuntimeError(f"importspy: {type(builder).__name__} is not a wheel builder")
        return parse_entry_points(builder.construct_entry_points_file())

    def _gate(self, baseline: str, model: SpyModel, *, allow_breaking: bool) -> None:
        """Hold the new manifest against the committed ``baseline`` manifest (a path relative to
        the project root) and stop the build on a breaking change unless ``allow_breaking``.

        A baseline that cannot be read, or that describes another distribution, stops the build
        too: a gate that silently gated nothing would be worse than none.
        """
        from hatch_importspy.errors import UnusableInputError
        from hatch_importspy.release.diff import (
            BreakingChangesError,
            enforce_baseline,
            gate_message,
        )

        try:
            gate = enforce_baseline(
                Path(self.root) / baseline, model, allow_breaking=allow_breaking, shown_as=baseline
            )
        except BreakingChangesError as error:
            count = len(error.gate.breaking)
            self._stop(
                *str(error).splitlines(),
                f"importspy: the build was stopped by {count} breaking "
                f"change{'s' if count > 1 else ''} against the baseline {baseline}",
            )
        except UnusableInputError as error:
            self._stop(f"importspy: {self._table_path()}.baseline: {error}")
        if gate.breaking:
            for line in gate_message(gate).splitlines():
                self.app.display_warning(line)
        else:
            self.app.display_info(gate_message(gate))

    def _contracts(
        self, options: ImportSpyOptions, distribution_of: Callable[[str], str | None] | None
    ) -> tuple[Expectation, ...]:
        """The expectations the ``contracts`` files state; a bad file stops the build, naming
        the file, the place inside it and every problem."""
        if not options.contracts:
            return ()
        from hatch_importspy.describe.contracts import ContractError, load_contracts
        from hatch_importspy.describe.distribution import module_owner_resolver

        try:
            return load_contracts(
                options.contracts,
                root=Path(self.root),
                where=f"{self._table_path()}.contracts",
                distribution_of=distribution_of,
                owner_of=None
                if distribution_of is None
                else module_owner_resolver(lambda top: None),
            )
        except ContractError as error:
            self._stop(f"importspy: {error}")

    def _requires(self, build_data: dict[str, Any]) -> tuple[str, ...]:
        """The ``Requires-Dist`` values exactly as the wheel's METADATA will carry them.

        Taken from hatchling's own METADATA writer, so dependencies, optional dependencies (with
        their ``extra == ...`` marker) and dependencies added by earlier hooks are spelled the
        same way in the manifest as in METADATA.
        """
        text = self.build_config.core_metadata_constructor(
            self.metadata, extra_dependencies=build_data["dependencies"]
        )
        values = HeaderParser().parsestr(text).get_all("Requires-Dist") or []
        return tuple(str(value) for value in values)

    def _write_manifest(self, model: SpyModel) -> str:
        """Write the manifest outside the project tree; it is removed in :meth:`finalize`."""
        from hatch_importspy.formats.manifest import MANIFEST_FILENAME, dumps

        directory = tempfile.mkdtemp(prefix="hatch-importspy-")
        # Also removed if the build fails before finalize runs (at collection or interpreter exit).
        self._cleanup = weakref.finalize(self, _remove_tree, directory)
        path = Path(directory) / MANIFEST_FILENAME
        path.write_bytes(dumps(model).encode("utf-8"))
        return str(path)


def summary_line(model: SpyModel, manifest_bytes: int) -> str:
    """The one line a successful wheel build prints: what was described and how large the
    manifest is, so its cost is visible without opening the wheel."""
    modules = len(model.modules)
    files = len(model.files)
    return (
        f"importspy: described {modules} module{'' if modules == 1 else 's'}, "
        f"{files} file{'' if files == 1 else 's'}, manifest {manifest_bytes / 1000:.1f} kB"
    )


def _remove_tree(directory: str) -> None:
    shutil.rmtree(directory, ignore_errors=True)


def wheel_disagreements(wheel: Path, model: SpyModel) -> list[str]:
    """Every file where the built wheel's RECORD and the manifest disagree, one line each.

    RECORD is written by hatchling from the bytes it put in the archive, so comparing it with
    the manifest is a cheap and complete self-check: no file is decompressed.  The comparison is
    ``verify``'s own (:func:`~hatch_importspy.compare.integrity.record_findings`), worded for
    someone building: the ``.dist-info`` directory (the manifest itself among it) and files
    installed outside site-packages are not described by the manifest.  The wheel is opened
    with the reader ``verify`` uses, so an unsafe member name or a second ``.dist-info`` that a
    later hook added is reported as the one problem.
    """
    from hatch_importspy.compare.integrity import record_findings
    from hatch_importspy.errors import UnusableInputError
    from hatch_importspy.formats.record import parse_record, stated_digests
    from hatch_importspy.formats.wheel import open_wheel

    try:
        with open_wheel(wheel) as archive:
            record_name = archive.record_name
            if record_name not in archive.members:
                return [f"{wheel.name}: the wheel has no RECORD"]
            record = parse_record(archive.text(record_name), source=f"{wheel.name}!{record_name}")
    except UnusableInputError as error:
        return [str(error)]
    stated = stated_digests(record)
    findings = record_findings(
        model.name,
        model.file_digests(),
        stated,
        metadata_dir=record_name.partition("/")[0],
    )
    return [f"{finding.file}: {_DISAGREEMENTS[finding.code]}" for finding in findings]


_DISAGREEMENTS = {
    "ISP304": "in the wheel but not in the manifest",
    "ISP305": "in the manifest but not in the wheel",
    "ISP306": "content differs from the manifest",
}
"""How a build words each RECORD finding: the wheel was just written from RECORD's rows."""
