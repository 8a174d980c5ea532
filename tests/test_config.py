"""The hook's configuration table: defaults, normalisation and every way it can be wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from hatch_importspy.describe.config import (
    HOOK_TABLE,
    POLICY_KEYS,
    ConfigError,
    ImportSpyOptions,
    options_from_pyproject,
    parse_options,
)
from hatch_importspy.errors import UnusableInputError
from hatch_importspy.model import EnvironmentConstraints
from hatch_importspy.verify import policy


def problems_of(table: dict[str, object], requires_python: str | None = ">=3.10") -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_options(table, requires_python=requires_python)
    return list(caught.value.problems)


def test_empty_table_means_the_defaults_with_python_from_requires_python() -> None:
    options = parse_options({}, requires_python=">=3.10,<3.14")

    assert options == ImportSpyOptions(python=">=3.10,<3.14")
    assert options.infer_expectations is True
    assert options.private is False
    assert options.environment() == EnvironmentConstraints(python=">=3.10,<3.14")


def test_without_requires_python_any_python_is_accepted() -> None:
    assert parse_options({}, requires_python=None).python is None
    assert parse_options({}, requires_python="  ").python is None


def test_python_key_overrides_requires_python() -> None:
    options = parse_options({"python": ">=3.11"}, requires_python=">=3.8")

    assert options.python == ">=3.11"


def test_an_empty_python_key_opts_out_of_the_requires_python_default() -> None:
    assert parse_options({"python": ""}, requires_python=">=3.8").python is None


def test_every_documented_key_is_read() -> None:
    options = parse_options(
        {
            "python": ">=3.10,<3.14",
            "platforms": ["linux", "darwin"],
            "machines": ["x86_64", "aarch64"],
            "implementations": ["cpython"],
            "env": ["DATABASE_URL"],
            "include": ["mypkg"],
            "exclude": ["mypkg._vendor"],
            "private": True,
            "contracts": ["contracts/*.yml"],
            "infer-expectations": False,
            "baseline": "manifests/1.4.0.yaml",
            "allow-breaking": True,
        },
        requires_python=None,
    )

    assert options == ImportSpyOptions(
        python=">=3.10,<3.14",
        platforms=("darwin", "linux"),
        machines=("aarch64", "x86_64"),
        implementations=("cpython",),
        env=("DATABASE_URL",),
        include=("mypkg",),
        exclude=("mypkg._vendor",),
        private=True,
        contracts=("contracts/*.yml",),
        infer_expectations=False,
        baseline="manifests/1.4.0.yaml",
        allow_breaking=True,
    )
    assert options.environment() == EnvironmentConstraints(
        python=">=3.10,<3.14",
        platforms=("darwin", "linux"),
        machines=("aarch64", "x86_64"),
        implementations=("cpython",),
        env=("DATABASE_URL",),
    )


def test_hatchling_generic_hook_keys_are_accepted() -> None:
    options = parse_options(
        {
            "enable-by-default": False,
            "dependencies": ["something"],
            "require-runtime-dependencies": True,
            "require-runtime-features": ["extra"],
        },
        requires_python=None,
    )

    assert options == ImportSpyOptions()


def test_machine_spellings_are_normalised_sorted_and_deduplicated() -> None:
    options = parse_options(
        {"machines": ["AMD64", "arm64", "x86_64", "aarch64"]}, requires_python=None
    )

    assert options.machines == ("aarch64", "x86_64")


def test_platforms_and_implementations_are_lower_cased_sorted_and_deduplicated() -> None:
    options = parse_options(
        {"platforms": ["Linux", "win32", "linux"], "implementations": ["PyPy", "CPython"]},
        requires_python=None,
    )

    assert options.platforms == ("linux", "win32")
    assert options.implementations == ("cpython", "pypy")


def test_unknown_key_is_named_with_a_suggestion() -> None:
    assert problems_of({"platform": ["linux"]}) == [
        f"{HOOK_TABLE}.platform is not a known option (did you mean 'platforms'?)"
    ]
    assert problems_of({"infer_expectations": True}) == [
        f"{HOOK_TABLE}.infer_expectations is not a known option "
        "(did you mean 'infer-expectations'?)"
    ]


def test_unknown_key_without_a_close_match() -> None:
    assert problems_of({"colour": "blue"}) == [f"{HOOK_TABLE}.colour is not a known option"]


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        ("python", 3.10, "python must be a string, not a number (3.1)"),
        ("baseline", ["a.yaml"], "baseline must be a string, not a list"),
        ("platforms", "linux", "platforms must be a list of strings, not a string ('linux')"),
        ("machines", [1], "machines must be a list of strings, not a list with non-string items"),
        ("implementations", {"a": 1}, "implementations must be a list of strings, not a table"),
        ("include", "mypkg", "include must be a list of strings, not a string ('mypkg')"),
        ("exclude", True, "exclude must be a list of strings, not a boolean (True)"),
        ("contracts", "c.yml", "contracts must be a list of strings, not a string ('c.yml')"),
        ("private", "yes", "private must be true or false, not a string ('yes')"),
        ("infer-expectations", 1, "infer-expectations must be true or false, not an integer (1)"),
        ("allow-breaking", "no", "allow-breaking must be true or false, not a string ('no')"),
    ],
)
def test_wrong_types_name_the_key(key: str, value: object, problem: str) -> None:
    assert problems_of({key: value}) == [f"{HOOK_TABLE}.{problem}"]


def test_invalid_python_specifier_names_the_key() -> None:
    (problem,) = problems_of({"python": ">=3.10,<"})

    assert problem.startswith(f"{HOOK_TABLE}.python: invalid version specifier '>=3.10,<'")


def test_invalid_requires_python_default_names_project_requires_python() -> None:
    (problem,) = problems_of({}, requires_python="3.10")

    assert problem.startswith("project.requires-python: invalid version specifier '3.10'")


def test_platform_guesses_get_the_sys_platform_spelling() -> None:
    assert problems_of({"platforms": ["linux", "windows", "macos"]}) == [
        f"{HOOK_TABLE}.platforms[1]: 'windows' is not a sys.platform value (did you mean 'win32'?)",
        f"{HOOK_TABLE}.platforms[2]: 'macos' is not a sys.platform value (did you mean 'darwin'?)",
    ]


def test_list_items_with_blanks_or_empty_are_refused() -> None:
    assert problems_of(
        {"platforms": ["linux "], "machines": ["x86 64"], "implementations": [""]}
    ) == [
        f"{HOOK_TABLE}.platforms[0]: 'linux ' is not a sys.platform value "
        "(it contains white space)",
        f"{HOOK_TABLE}.machines[0]: 'x86 64' is not a machine name (it contains white space)",
        f"{HOOK_TABLE}.implementations[0] must not be empty",
    ]


def test_implementation_names_must_be_identifiers() -> None:
    assert problems_of({"implementations": ["c-python"]}) == [
        f"{HOOK_TABLE}.implementations[0]: 'c-python' is not a sys.implementation.name value"
    ]


def test_env_lists_names_and_never_echoes_a_value() -> None:
    problems = problems_of({"env": ["DATABASE_URL", "API_TOKEN=s3cr3t", "MY VAR"]})

    assert problems == [
        f"{HOOK_TABLE}.env[1]: 'API_TOKEN'= looks like an assignment: list variable names only, "
        "never values",
        f"{HOOK_TABLE}.env[2]: not an environment variable name (it contains white space or NUL)",
    ]
    assert not any("s3cr3t" in problem for problem in problems)


def test_env_given_as_a_string_is_refused_without_echoing_it() -> None:
    (problem,) = problems_of({"env": "API_TOKEN=s3cr3t"})

    assert problem == f"{HOOK_TABLE}.env must be a list of strings, not a string"


def test_include_and_exclude_must_be_dotted_module_names() -> None:
    assert problems_of({"include": ["mypkg/sub"], "exclude": ["mypkg.", "ok.name"]}) == [
        f"{HOOK_TABLE}.include[0]: 'mypkg/sub' is not a dotted module name "
        "(e.g. 'mypkg' or 'mypkg.sub')",
        f"{HOOK_TABLE}.exclude[0]: 'mypkg.' is not a dotted module name "
        "(e.g. 'mypkg' or 'mypkg.sub')",
    ]


def test_empty_baseline_is_refused() -> None:
    assert problems_of({"baseline": " "}) == [f"{HOOK_TABLE}.baseline must not be empty"]


def test_every_problem_is_collected_in_one_error_on_one_line() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_options(
            {"platforms": "linux", "private": 1, "colour": "blue", "python": "~="},
            requires_python=None,
        )

    error = caught.value
    assert len(error.problems) == 4
    assert {problem.split()[0].rstrip(":") for problem in error.problems} == {
        f"{HOOK_TABLE}.colour",
        f"{HOOK_TABLE}.python",
        f"{HOOK_TABLE}.platforms",
        f"{HOOK_TABLE}.private",
    }
    assert str(error) == "; ".join(error.problems)
    assert "\n" not in str(error)


def test_problems_use_the_table_path_they_came_from() -> None:
    where = "tool.hatch.build.targets.wheel.hooks.importspy"
    with pytest.raises(ConfigError) as caught:
        parse_options({"private": "no"}, where=where, requires_python=None)

    assert caught.value.problems == (f"{where}.private must be true or false, not a string ('no')",)


# ------------------------------------------------------------------- a pyproject.toml's tables


def pyproject(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "pyproject.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_options_from_the_hatch_hook_table(tmp_path: Path) -> None:
    path = pyproject(
        tmp_path,
        '[project]\nname = "x"\nrequires-python = ">=3.9"\n'
        '[tool.hatch.build.hooks.importspy]\nplatforms = ["linux"]\nexclude = ["x.tests"]\n',
    )
    options = options_from_pyproject(tmp_path)
    assert options == options_from_pyproject(path)
    assert (options.python, options.platforms, options.exclude) == (
        ">=3.9",
        ("linux",),
        ("x.tests",),
    )


def test_a_wheel_target_hook_table_replaces_the_global_one(tmp_path: Path) -> None:
    pyproject(
        tmp_path,
        '[tool.hatch.build.hooks.importspy]\nplatforms = ["linux"]\n'
        '[tool.hatch.build.targets.wheel.hooks.importspy]\nmachines = ["arm64"]\n',
    )
    options = options_from_pyproject(tmp_path)
    assert (options.platforms, options.machines) == ((), ("aarch64",))


def test_options_from_tool_importspy_leave_the_policy_keys_to_the_policy(tmp_path: Path) -> None:
    pyproject(
        tmp_path,
        '[tool.importspy]\nimplementations = ["CPython"]\nrequire-manifest = true\n'
        'allow = ["pip"]\n',
    )
    assert options_from_pyproject(tmp_path).implementations == ("cpython",)


def test_the_policy_keys_are_the_policy_modules_keys() -> None:
    assert policy._KEYS == POLICY_KEYS


def test_no_table_means_the_defaults(tmp_path: Path) -> None:
    pyproject(tmp_path, '[project]\nname = "x"\n')
    assert options_from_pyproject(tmp_path) == ImportSpyOptions()


def test_both_tables_are_ambiguous(tmp_path: Path) -> None:
    pyproject(
        tmp_path,
        "[tool.hatch.build.hooks.importspy]\nprivate = true\n[tool.importspy]\nprivate = false\n",
    )
    with pytest.raises(ConfigError) as raised:
        options_from_pyproject(tmp_path)
    assert "both [tool.hatch.build.hooks.importspy] and [tool.importspy]" in str(raised.value)


def test_problems_name_the_table_and_key(tmp_path: Path) -> None:
    pyproject(tmp_path, '[tool.importspy]\nplatforms = "linux"\nprivat = true\n')
    with pytest.raises(ConfigError) as raised:
        options_from_pyproject(tmp_path)
    assert raised.value.problems == (
        "tool.importspy.privat is not a known option (did you mean 'private'?)",
        "tool.importspy.platforms must be a list of strings, not a string ('linux')",
    )


def test_command_line_overrides_win_and_are_checked(tmp_path: Path) -> None:
    pyproject(tmp_path, '[tool.importspy]\nplatforms = ["linux"]\n')
    options = options_from_pyproject(tmp_path, overrides={"platforms": ["darwin"]})
    assert options.platforms == ("darwin",)
    with pytest.raises(ConfigError, match=r"^command line\.private must be true or false"):
        options_from_pyproject(tmp_path, overrides={"private": "yes"})


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[tool.importspy\n", "not valid TOML"),
        ("[tool]\nimportspy = 1\n", "tool.importspy must be a table"),
    ],
)
def test_an_unusable_pyproject_names_the_file(tmp_path: Path, text: str, problem: str) -> None:
    path = pyproject(tmp_path, text)
    with pytest.raises(UnusableInputError) as raised:
        options_from_pyproject(path)
    assert str(raised.value).startswith(f"{path}: ")
    assert problem in str(raised.value)


def test_a_missing_pyproject_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(UnusableInputError, match="cannot read"):
        options_from_pyproject(tmp_path / "pyproject.toml")
