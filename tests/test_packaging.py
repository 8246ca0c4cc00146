"""Packaging that says the truth (issue 36): the Python the code needs, a core that indexes and
answers without any extra's modules, each extra for one purpose, a licence, and commands that
need an extra saying which."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib

from conftest import ROOT, SEEDS

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PROJECT = PYPROJECT["project"]

# The top-level modules each extra brings; `newsdex index` and `ask` must run without any of them.
EXTRA_MODULES = ["fastapi", "starlette", "uvicorn", "swagger_ui_bundle", "prometheus_client", "pytrec_eval", "ray",
                 "pymilvus", "milvus_lite", "mkdocs"]

# Runs the CLI with the modules above made unimportable, as in an install without extras.
BLOCKED = """
import sys
from importlib.abc import MetaPathFinder

BLOCKED = set(sys.argv[1].split(","))

class Blocker(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r} (blocked by the test)", name=name)
        return None

sys.meta_path.insert(0, Blocker())
sys.argv = ["newsdex", *sys.argv[2:]]
from newsdex.cli import main
main()
"""


def _without_extras(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDEX_")}
    return subprocess.run([sys.executable, "-c", BLOCKED, ",".join(EXTRA_MODULES), *args], capture_output=True,
                          text=True, env=env, timeout=300)


def test_index_and_ask_work_without_any_extra(tmp_path):
    index = str(tmp_path / "index")
    built = _without_extras("index", str(SEEDS), "--index", index, "-q")
    assert built.returncode == 0, built.stderr
    assert "2 added" in built.stdout
    asked = _without_extras("ask", "what did Kishida say", "--index", index, "--k", "1")
    assert asked.returncode == 0, asked.stderr
    assert "Kishida" in asked.stdout
    for command in (["stats", "--index", index], ["speakers", "--index", index]):
        done = _without_extras(*command)
        assert done.returncode == 0, (command, done.stderr)


def test_commands_of_an_extra_name_it_when_it_is_missing(tmp_path):
    served = _without_extras("serve", "--index", str(tmp_path))
    assert served.returncode == 1
    assert served.stderr.strip().splitlines() == [
        "error: newsdex serve needs the server extra (uvicorn is not installed): pip install 'newsdex[server]'"]
    scored = _without_extras("eval", str(tmp_path))
    assert scored.returncode == 1 and "pip install 'newsdex[eval]'" in scored.stderr


def test_requires_python_is_what_the_code_needs():
    # datetime.UTC (index/builds.py and three more) and typing.Self are 3.11's.
    assert PROJECT["requires-python"] == ">=3.11"
    uses_utc = [path for path in (ROOT / "index").rglob("*.py") if "import UTC" in path.read_text()]
    assert uses_utc and PYPROJECT["tool"]["ruff"]["target-version"] == "py311"


def test_each_extra_holds_its_own_dependencies():
    core = " ".join(PROJECT["dependencies"])
    extras = PROJECT["optional-dependencies"]
    for server_only in ("fastapi", "uvicorn", "swagger-ui-bundle", "prometheus-client", "pytrec-eval", "ray",
                        "pymilvus", "mkdocs", "pytest", "ruff", "mypy"):
        assert server_only not in core, f"{server_only} is a core dependency"
    assert {"server", "eval", "scale", "docs", "test", "dev"} <= set(extras)
    assert any(d.startswith("fastapi") for d in extras["server"])
    assert any(d.startswith("pytrec-eval") for d in extras["eval"])
    assert any(d.startswith("ray") for d in extras["scale"]) and any(d.startswith("pymilvus") for d in extras["scale"])
    assert any(d.startswith("mkdocs-material") for d in extras["docs"])
    test = " ".join(extras["test"])
    assert "ruff" not in test and "mypy" not in test  # lint tools are the dev extra's
    assert any(d.startswith("ruff") for d in extras["dev"]) and any(d.startswith("mypy") for d in extras["dev"])


def test_the_licence_and_classifiers_are_stated():
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    assert PROJECT["license"] == "MIT" and "LICENSE" in PROJECT["license-files"]
    assert "Programming Language :: Python :: 3.11" in PROJECT["classifiers"]
    assert "Typing :: Typed" in PROJECT["classifiers"]


def test_make_setup_installs_what_the_readmes_commands_use_and_make_test_what_the_suite_uses():
    makefile = (ROOT / "Makefile").read_text()
    assert "-e '.[server]'" in makefile and "-e '.[dev]'" in makefile
    assert "scale" not in makefile.split("$(SETUP):")[1].split("\n\n")[0]  # make ask never waits for Ray
    assert "test: lint browser docs" in makefile and "lint: dev" in makefile
