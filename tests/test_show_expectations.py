"""``show``'s readable rendering of a manifest's ``expects``: comment lines after the YAML."""

from __future__ import annotations

import textwrap
from pathlib import Path

import yaml

from hatch_importspy.describe.contracts import load_contract
from hatch_importspy.formats.manifest import dumps_yaml, loads
from hatch_importspy.model import CallShape, Expectation, ExpectedName, SpyModel
from hatch_importspy.report.show import HEADING, render_expectations

CONTRACT = """\
filename: requests/api.py
variables:
  - name: DEFAULT_TIMEOUT
    annotation: float
functions:
  - name: get
    arguments:
      - name: url
        annotation: str
      - name: params
        value: null
      - name: "**kwargs"
    return_annotation: Response
classes:
  - name: Session
    attributes:
      - type: instance
        name: headers
        annotation: dict
    methods:
      - name: send
        arguments:
          - name: request
          - name: stream
            kind: keyword-only
            value: false
    superclasses: [SessionRedirectMixin]
deployments:
  - arch: x86_64
    systems:
      - os: linux
        pythons:
          - version: "3.12"
            interpreter: CPython
            modules: []
"""


def test_inferred_and_contract_expectations_read_like_code(tmp_path: Path) -> None:
    (tmp_path / "contracts").mkdir()
    path = tmp_path / "contracts" / "requests.yml"
    path.write_text(CONTRACT, encoding="utf-8")
    [contract] = load_contract(path, root=tmp_path, distribution_of=lambda name: name)
    inferred = (
        Expectation(
            module="requests",
            distribution="requests",
            names=(
                ExpectedName(
                    "Session().get", "callable", (CallShape(1), CallShape(1, ("timeout",)))
                ),
                ExpectedName("codes"),
                ExpectedName(
                    "post", "callable", (CallShape(2, (), star_args=True, star_kwargs=True),)
                ),
            ),
        ),
        Expectation(module="charset_normalizer"),
    )
    model = SpyModel(name="app", version="1", expects=(*inferred, contract))

    assert render_expectations(model) == textwrap.dedent(
        f"""\
        # {HEADING}
        #   requests (requests; inferred from the code)
        #     Session().get(_)
        #     Session().get(_, timeout=_)
        #     codes
        #     post(_, _, *..., **...)
        #   charset_normalizer (provider unknown: no Requires-Dist; inferred from the code)
        #     (imported; no name of it is used)
        #   requests.api (requests; contract contracts/requests.yml)
        #     variable DEFAULT_TIMEOUT: float
        #     class Session(SessionRedirectMixin)
        #       instance attribute headers: dict
        #       def send(request, *, stream=False)
        #     def get(url: str, params=None, **kwargs) -> Response
        #     deployment: x86_64 linux CPython 3.12
        """
    )


def test_a_provider_named_only_by_requires_dist_says_so_and_an_unknown_one_says_why() -> None:
    model = SpyModel(
        name="app",
        version="1",
        requires=("python-dateutil>=2.8", "PyYAML"),
        expects=(
            Expectation(
                module="dateutil.parser",
                distribution="python-dateutil",
                distribution_from_requires=True,
            ),
            Expectation(module="helpers"),
            Expectation(module="yaml"),  # written before Requires-Dist names were matched
        ),
    )

    lines = render_expectations(model).splitlines()
    headings = [line.removeprefix("#   ") for line in lines if not line.startswith("#    ")][1:]

    assert headings == [
        "dateutil.parser (provider python-dateutil (from Requires-Dist); inferred from the code)",
        "helpers (provider unknown: no Requires-Dist name matches; inferred from the code)",
        "yaml (provider unknown: not attributed when built; inferred from the code)",
    ]


def test_nothing_is_printed_without_expectations_and_the_document_stays_the_manifest() -> None:
    model = SpyModel(name="app", version="1", expects=(Expectation(module="yaml"),))
    assert render_expectations(SpyModel(name="app", version="1")) == ""
    text = dumps_yaml(model) + render_expectations(model)
    assert loads(text, "show") == model


def test_text_from_the_manifest_cannot_leave_the_comment() -> None:
    forged = "x\nexpects: []\n"
    model = SpyModel(
        name="app", version="1", expects=(Expectation(module="m", names=(ExpectedName(forged),)),)
    )
    rendered = render_expectations(model)
    assert all(line.startswith("# ") for line in rendered.splitlines())
    assert yaml.safe_load("a: 1\n" + rendered) == {"a": 1}
