"""The package as users get it: shipped scenarios by name, the version, extras, clean output, typed exports,
no private imports, Mesa compatibility, the wheel's and the sdist's contents."""

from __future__ import annotations

import ast
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from .conftest import ROOT

CLI = [sys.executable, "-m", "negotiation"]


def cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=120)


# --- shipped scenarios by name -------------------------------------------------------------------


def test_catalogue_lists_and_resolves_the_shipped_scenarios(tmp_path, monkeypatch):
    from negotiation import catalogue

    names = catalogue.shipped()
    assert {"oxfordshire_2014", "northamptonshire_2014", "baseline_agreement"} <= set(names)
    monkeypatch.chdir(tmp_path)  # a name works from any folder
    assert catalogue.resolve("oxfordshire_2014") == names["oxfordshire_2014"]
    assert catalogue.resolve("oxfordshire_2014.toml") == names["oxfordshire_2014"]
    assert catalogue.resolve("no_such_area") == Path("no_such_area")  # unchanged: the loader says "no such file"
    assert catalogue.resolve("sub/oxfordshire_2014.toml") == Path("sub/oxfordshire_2014.toml")  # a path stays a path
    own = tmp_path / "oxfordshire_2014.toml"
    own.write_text("x = 1")
    assert catalogue.resolve("oxfordshire_2014.toml") == Path("oxfordshire_2014.toml")  # an existing file wins


def test_python_api_takes_a_shipped_name(tmp_path, monkeypatch):
    from negotiation import load_scenario, run_scenario

    monkeypatch.chdir(tmp_path)
    by_path = run_scenario(ROOT / "scenarios" / "oxfordshire_2014.toml", seed=0)
    assert run_scenario("oxfordshire_2014", seed=0).outcome == by_path.outcome
    assert load_scenario("northamptonshire_2014").scenario.name.startswith("Northamptonshire")


def test_cli_scenarios_and_run_by_name_from_another_folder(tmp_path):
    listed = cli("scenarios", "--json", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert [r["name"] for r in rows] == sorted(r["name"] for r in rows)
    assert {"name": "oxfordshire_2014", "title": "Oxfordshire 2014/15"}.items() <= next(
        r for r in rows if r["name"] == "oxfordshire_2014"
    ).items()
    text = cli("scenarios", cwd=tmp_path)
    assert text.returncode == 0 and "oxfordshire_2014" in text.stdout and text.stderr == ""
    run = cli("run", "oxfordshire_2014", "--json", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["outcome"] in {"approved", "not_approved", "deadlock"}
    assert json.loads(run.stdout)["scenario"] == "Oxfordshire 2014/15"
    explain = cli("explain", "oxfordshire_2014", "--json", cwd=tmp_path)
    assert json.loads(explain.stdout)["scenario"] == "Oxfordshire 2014/15"
    missing = cli("run", "no_such_area", cwd=tmp_path)
    assert missing.returncode == 2
    assert missing.stderr.strip() == "error: no_such_area: no such file"


# --- version, help, conventions -----------------------------------------------------------------


def test_version_matches_the_installed_metadata():
    done = cli("--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"negotiation {importlib.metadata.version('bcf-negotiation')}"
    import negotiation

    assert negotiation.__version__ == importlib.metadata.version("bcf-negotiation")


def test_bare_command_shows_the_help_once():
    done = cli()
    assert done.returncode == 0
    assert done.stdout.count("Usage:") == 1
    for command in ("scenarios", "run", "explain", "app", "fetch-assets", "sweep", "compare", "report"):
        assert command in done.stdout


def test_piped_output_has_no_colour_codes_and_no_squeezed_table():
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("COLUMNS", None)
    env.pop("FORCE_COLOR", None)
    done = cli("run", "oxfordshire_2014", env=env)
    assert done.returncode == 0
    assert "\x1b[" not in done.stdout
    assert "Oxford Health NHS Foundation Trust" in done.stdout  # one row, not folded over three lines
    assert "Community health trust" in done.stdout  # not cut to "Community health…" (kinds in words)
    assert done.stderr == ""  # results on stdout; nothing else said


def test_every_result_printing_non_batch_command_has_json():
    for command in ("run", "explain", "scenarios", "fetch-assets"):
        assert "--json" in cli(command, "--help").stdout, command


# --- extras -------------------------------------------------------------------------------------


def test_require_names_the_extra_in_one_line():
    from negotiation.extras import MissingExtra, missing, require

    assert missing("json", "no_such_module_xyz", "no_such_pkg_xyz.sub") == ["no_such_module_xyz", "no_such_pkg_xyz.sub"]
    require("report", "json")
    with pytest.raises(MissingExtra) as caught:
        require("report", "no_such_module_xyz")
    message = str(caught.value)
    assert "\n" not in message
    assert "pip install 'bcf-negotiation[report]'" in message


@pytest.mark.parametrize(
    ("argv", "absent", "extra"),
    [
        (["compare", "oxfordshire_2014", "baseline_agreement", "--seeds", "1"], "matplotlib", "report"),
        (["report", "somewhere"], "sklearn", "report"),
        (["sweep", "oxfordshire_2014", "--out", "x", "--backend", "dask"], "distributed", "dask"),
    ],
)
def test_batch_command_without_its_extra_exits_2_naming_it(argv, absent, extra, monkeypatch, capsys, tmp_path):
    import negotiation.extras as extras
    from negotiation import cli as cli_module

    real = extras.find_spec
    monkeypatch.setattr(extras, "find_spec", lambda name: None if name == absent else real(name))
    monkeypatch.setattr(sys, "argv", ["negotiation", *argv])
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as done:
        cli_module.main()
    assert done.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert err.startswith("error: ") and absent in err  # (other modules may be missing too, e.g. in CI's core job)
    assert f"install the extra: pip install 'bcf-negotiation[{extra}]'" in err
    assert not (tmp_path / "x").exists()  # stopped before any work


# --- typed exports, no private imports ----------------------------------------------------------


def test_public_names_are_exported_and_typed():
    import negotiation

    for name in negotiation.__all__:
        assert getattr(negotiation, name) is not None, name
    source = (ROOT / "negotiation" / "__init__.py").read_text()
    for name in set(negotiation.__all__) - {"__version__"}:  # each typed through a real import, not Any
        assert re.search(rf"^\s+from negotiation\.\w+ import .*\b{name}\b", source, re.M), name


def test_run_scenario_is_typed_for_checkers(tmp_path):
    api = pytest.importorskip("mypy.api", reason="mypy comes with the lint extra (make setup installs it)")
    probe = tmp_path / "probe.py"
    probe.write_text("from negotiation import run_scenario\nreveal_type(run_scenario)\n")
    stdout, _, _ = api.run([str(probe), "--no-incremental", "--ignore-missing-imports", "--follow-imports=silent"])
    assert "def (scenario:" in stdout and "NegotiationResult" in stdout, stdout


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


def test_no_private_imports_from_other_packages():
    found = []
    for path in [*(ROOT / "negotiation").rglob("*.py"), *(ROOT / "viz").glob("*.py")]:
        for module in _imports(path):
            top, *rest = module.split(".")
            if top in ("negotiation", "viz", "__future__"):
                continue
            if any(part.startswith("_") for part in rest):
                found.append(f"{path.relative_to(ROOT)}: {module}")
    assert found == []


# --- Mesa: the collector and batch_run ----------------------------------------------------------


def test_fast_collector_matches_mesas_own_collect():
    from negotiation.model import NegotiationModel

    fast = NegotiationModel(str(ROOT / "scenarios" / "northamptonshire_2014.toml"), seed=3)
    plain = NegotiationModel(str(ROOT / "scenarios" / "northamptonshire_2014.toml"), seed=3)
    assert fast.datacollector.fast, "the installed Mesa no longer keeps its data where recording.py expects"
    plain.datacollector.fast = False  # Mesa's own collect, through its public API
    fast.run()
    plain.run()
    import pandas.testing as pdt

    pdt.assert_frame_equal(fast.datacollector.get_model_vars_dataframe(), plain.datacollector.get_model_vars_dataframe())
    pdt.assert_frame_equal(fast.datacollector.get_agent_vars_dataframe(), plain.datacollector.get_agent_vars_dataframe())


def _readme_block(after: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index(after)
    match = re.compile(r"```python\n(.*?)```", re.S).search(text, start)
    assert match, f"no python block after {after!r}"
    return match.group(1)


def test_readme_mesa_batch_run_example_works_as_written(monkeypatch):
    code = _readme_block("Users who know Mesa's `batch_run`")
    monkeypatch.chdir(ROOT)  # the README's commands run from the checkout
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    rows = namespace["rows"]
    assert len({r["RunId"] for r in rows}) == 3 * 20  # 3 budgets x 20 seeds (a row per organisation in each)
    assert {"outcome", "scenario", "overrides"} <= set(rows[0])
    assert {r["outcome"] for r in rows} <= {"approved", "not_approved", "deadlock"}


# --- notebooks ----------------------------------------------------------------------------------


def test_result_shows_itself_in_a_notebook():
    from negotiation import run_scenario

    html = run_scenario(ROOT / "scenarios" / "northamptonshire_2014.toml", seed=0)._repr_html_()
    assert "Deadlock" in html and "blocked by" in html
    assert "<table>" in html and "Northamptonshire County Council" in html
    assert "no zone of agreement" in html  # the reasons, in sentences
    approved = run_scenario(ROOT / "scenarios" / "baseline_agreement.toml", seed=1)._repr_html_()
    assert "Approved" in approved


def test_app_page_imports_as_negotiation_viz():
    from negotiation.viz.app import Page

    assert callable(Page)


# --- what the wheel and the sdist contain --------------------------------------------------------


def _build(kind: str, out: Path) -> Path:
    uv = shutil.which("uv") or str(Path(sys.executable).with_name("uv"))
    if Path(uv).exists():
        command = [uv, "build", f"--{kind}", "--out-dir", str(out), "--python", sys.executable,
                   "--no-python-downloads", str(ROOT)]  # never fetch an interpreter: registries only
    elif kind == "wheel":
        command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(out), str(ROOT)]
    else:
        pytest.fail("building an sdist needs uv (make setup installs it)")
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{' '.join(command)}:\n{done.stderr}"
    return next(out.glob("*.whl" if kind == "wheel" else "*.tar.gz"))


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, list[str]]:
    out = tmp_path_factory.mktemp("dist")
    wheel = zipfile.ZipFile(_build("wheel", out)).namelist()
    with tarfile.open(_build("sdist", out)) as tar:
        sdist = [name.split("/", 1)[1] for name in tar.getnames() if "/" in name]
    return {"wheel": wheel, "sdist": sdist}


def test_wheel_ships_the_app_and_scenarios_inside_the_package(built):
    wheel = built["wheel"]
    tops = {name.split("/")[0] for name in wheel}
    assert tops == {"negotiation", "bcf_negotiation-0.1.0.dist-info"}  # no generic top-level `viz`
    for name in ("viz/app.py", "viz/session.py", "scenarios/oxfordshire_2014.toml", "py.typed", "catalogue.py"):
        assert f"negotiation/{name}" in wheel, name
    assert any(name.endswith("licenses/LICENSE") for name in wheel)


def test_sdist_carries_what_its_tests_need(built):
    sdist = set(built["sdist"])
    for name in ("tests/__init__.py", "tests/conftest.py", "scenarios/oxfordshire_2014.toml", "viz/app.py",
                 "LICENSE", "pyproject.toml", "constraints.txt", "README.md"):
        assert name in sdist, name


def test_readme_mesa_solaraviz_example_renders(monkeypatch):
    pytest.importorskip("altair", reason="Mesa's SolaraViz needs the [mesa-viz] extra")
    import solara

    code = _readme_block("Mesa's own `SolaraViz` works on the model too")
    *body, last = code.strip().splitlines()
    namespace: dict = {}
    exec(compile("\n".join([*body, f"page = {last}"]), "README.md", "exec"), namespace)
    box, rc = solara.render(namespace["page"], handle_error=False)
    try:
        assert box is not None
    finally:
        rc.close()
