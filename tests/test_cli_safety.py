"""A command line that cannot hurt (issue 36): a named index that is not there is an error, not
a quiet seed index; a bad setting is one line naming its variable and what it accepts; a
misspelled variable is a warning; -h, --version, "did you mean"; help that shows choices and
variables; `serve` refuses a busy port before the model loads."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import SEEDS, free_port
from typer.testing import CliRunner

from newsdex.cli import app, ask_app
from newsdex.settings import Settings, default_index_dir

BIN = Path(sys.executable).parent


def invoke(args, env=None, target=app):
    return CliRunner().invoke(target, args, env=env)


def _shown(text: str) -> str:
    """Help as one line of words, without rich's boxes."""
    return " ".join(re.sub("[│╭╮╰╯─]", " ", text).split())


@pytest.fixture()
def checkout(tmp_path, monkeypatch) -> Path:
    """A checkout of its own (pyproject.toml and seeds/), whose default index starts empty."""
    root = tmp_path / "checkout"
    root.mkdir()
    (root / "pyproject.toml").write_text("")
    (root / "seeds").symlink_to(SEEDS)
    monkeypatch.setattr("newsdex.settings.CHECKOUT", root)
    return root


# -- a named index that is not there -----------------------------------------------------------


@pytest.mark.parametrize("command", [["ask", "what did Kishida say"], ["quotes", "Kishida"], ["speakers"]])
def test_a_mistyped_index_is_an_error_not_a_seed_index(command, tmp_path):
    typo = tmp_path / "my-idnex"
    result = invoke([*command, "--index", str(typo)])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        f"error: no index at {typo}; build one with newsdex index PATH --index {typo}"]
    assert not typo.exists()


def test_an_index_named_by_its_variable_that_is_not_there_is_an_error(tmp_path):
    typo = tmp_path / "nowhere"
    result = invoke(["ask", "Kursk"], env={"NEWSDEX_INDEX_DIR": str(typo)})
    assert result.exit_code == 1 and "error: no index at" in result.stderr and not typo.exists()


def test_serve_refuses_a_mistyped_index_before_listening(tmp_path):
    typo = tmp_path / "my-idnex"
    result = invoke(["serve", "--index", str(typo), "--port", str(free_port())])
    assert result.exit_code == 1 and f"error: no index at {typo}" in result.stderr and not typo.exists()


def test_the_default_index_is_built_beside_the_checkout_not_where_one_stands(checkout, tmp_path, monkeypatch):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = invoke(["speakers"])
    assert result.exit_code == 0, result.output
    assert f"no index at {checkout / '.newsdex'}; building one from" in result.stderr
    assert (checkout / ".newsdex" / "current").exists() and list(elsewhere.iterdir()) == []


def test_installed_the_default_index_is_in_the_users_data_folder(tmp_path, monkeypatch):
    monkeypatch.setattr("newsdex.settings.CHECKOUT", tmp_path / "site-packages")  # no seeds/ beside it
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_index_dir() == tmp_path / "data" / "newsdex" / "index" == Settings().index_dir
    monkeypatch.chdir(tmp_path)
    result = invoke(["ask", "Kursk"])  # no seeds to build from: say how to build one
    assert result.exit_code == 1
    assert result.stderr.strip() == f"error: no index at {tmp_path / 'data' / 'newsdex' / 'index'}; build one " \
                                    "with newsdex index PATH"


# -- settings ------------------------------------------------------------------------------------


@pytest.mark.parametrize("env, line", [
    ({"NEWSDEX_BACKEND": "onxx"}, "error: NEWSDEX_BACKEND='onxx' is not one of: torch, onnx, onnx-int8"),
    ({"NEWSDEX_BATCH_SIZE": "lots"}, "error: NEWSDEX_BATCH_SIZE='lots' must be a whole number between 1 and 4096"),
    ({"NEWSDEX_RRF_K": "-1"}, "error: NEWSDEX_RRF_K='-1' must be a whole number between 0 and 10000"),
    ({"NEWSDEX_ENGINE": "spark"}, "error: NEWSDEX_ENGINE='spark' is not one of: local, ray"),
])
def test_a_bad_setting_is_one_line_naming_the_variable_and_what_it_accepts(env, line, tmp_path):
    result = invoke(["ask", "Kursk", "--index", str(tmp_path / "ix")], env=env)
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [line]


def test_a_bad_flag_value_names_the_flag(tmp_path):
    result = invoke(["index", str(SEEDS), "--index", str(tmp_path / "ix"), "--backend", "tensorflow"])
    assert result.exit_code == 1
    assert result.stderr.strip() == "error: --backend 'tensorflow' is not one of: torch, onnx, onnx-int8"


def test_a_bad_port_does_not_stop_ask_but_stops_serve(seed_settings):
    env = {"NEWSDEX_INDEX_DIR": str(seed_settings.index_dir), "NEWSDEX_PORT": "notaport"}
    asked = invoke(["ask", "Kursk", "--json", "--k", "1"], env=env)
    assert asked.exit_code == 0, asked.output
    served = invoke(["serve"], env=env)
    assert served.exit_code == 1
    assert served.stderr.strip() == "error: NEWSDEX_PORT='notaport' must be a whole number between 1 and 65535"


def test_a_variable_that_is_no_setting_is_a_warning_with_the_closest_name(seed_settings):
    env = {"NEWSDEX_INDEX_DIR": str(seed_settings.index_dir), "NEWSDEX_BACKEN": "torch", "NEWSDEX_ZZZZ": "1"}
    result = invoke(["speakers"], env=env)
    assert result.exit_code == 0, result.output
    assert result.stderr.strip().splitlines() == [
        "warning: NEWSDEX_BACKEN is not a newsdex setting; did you mean NEWSDEX_BACKEND?",
        "warning: NEWSDEX_ZZZZ is not a newsdex setting (it is ignored)"]


# -- help, version, commands -------------------------------------------------------------------


@pytest.mark.parametrize("target, args", [(app, ["-h"]), (app, ["ask", "-h"]), (ask_app, ["-h"]),
                                          (app, ["serve", "-h"])])
def test_h_is_help(target, args):
    result = invoke(args, target=target)
    assert result.exit_code == 0 and "Usage:" in result.stdout


def test_version_is_the_installed_one():
    from importlib.metadata import version

    for target, args in ((app, ["--version"]), (ask_app, ["--version"])):
        result = invoke(args, target=target)
        assert result.exit_code == 0 and result.stdout.strip() == f"newsdex {version('newsdex')}"


@pytest.mark.parametrize("typed, line", [
    ("serach", "error: no command 'serach'; did you mean 'ask'?"),
    ("indx", "error: no command 'indx'; did you mean 'index'?"),
    ("speakrs", "error: no command 'speakrs'; did you mean 'speakers'?"),
    ("what did Kishida say", "error: no command 'what did Kishida say'; to ask it: newsdex ask 'what did Kishida say'"),
])
def test_a_mistyped_command_gets_the_closest_one(typed, line):
    result = invoke([typed])
    assert result.exit_code == 2 and result.stderr.strip().splitlines() == [line]


def _help(args) -> str:
    return _shown(invoke(args, env={"COLUMNS": "200"}).stdout)  # one row per option


def test_help_shows_choices_and_variables_and_no_type_noise():
    for args in (["ask", "--help"], ["index", "--help"], ["serve", "--help"]):
        shown = _help(args)
        assert "<bool>" not in shown and "<str>" not in shown and "<path>" not in shown, args
        assert "[env: NEWSDEX_INDEX_DIR" in shown and "[env: NEWSDEX_STORE" in shown, args
    ask = _help(["ask", "--help"])
    assert "--mode [dense|lexical|hybrid]" in ask
    assert "--backend [torch|onnx|onnx-int8]" in ask
    assert "faiss (under --index), milvus (NEWSDEX_MILVUS_URI), or a store class" in ask
    assert "--rrf-k N Fusion constant" in ask and "NEWSDEX_RRF_K" in ask
    assert "--engine [local|ray]" in _help(["index", "--help"])


# -- serve: the port first -----------------------------------------------------------------------


def test_serve_on_a_busy_port_is_one_line_before_the_model_loads(seed_settings, tmp_path):
    port = free_port()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", port))
        busy.listen()
        began = time.monotonic()
        result = subprocess.run([str(BIN / "newsdex"), "serve", "--port", str(port)], capture_output=True, text=True,
                                env={**os.environ, "NEWSDEX_INDEX_DIR": str(seed_settings.index_dir)}, timeout=120)
        took = time.monotonic() - began
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"error: cannot listen on 127.0.0.1:{port}: something else is listening there; choose another port with "
        "--port or NEWSDEX_PORT"]
    assert took < 20  # the model (and its ONNX runtime) never loaded
