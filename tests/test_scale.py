"""Past one machine, with no outside services: Ray builds (one local `ray.init(num_cpus=2)` for
the session, the CPUs CI has), and Milvus through Milvus Lite's gRPC server on 127.0.0.1, the
network path a Milvus cluster is reached by."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import DATA, SEEDS, free_port
from test_cli import invoke

from newsdex.index.build import Indexer
from newsdex.index.stores import open_store
from newsdex.search.searcher import Searcher
from newsdex.settings import Settings

pytestmark = pytest.mark.scale

QUESTIONS = ["what did Kishida say", "North Korea Russia treaty", "Yoon Ishiba meeting Lima", "night trains to Paris",
             "who attended the NATO summit", "harbour seal pups"]


@pytest.fixture(scope="session")
def ray_session():
    ray = pytest.importorskip("ray")
    if not ray.is_initialized():
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def articles(tmp_path_factory) -> Path:
    """The seeds and tests/data/articles in one folder (bad records and all)."""
    root = tmp_path_factory.mktemp("scale") / "articles"
    shutil.copytree(SEEDS, root / "seeds")
    shutil.copytree(DATA / "articles", root / "more")
    return root


@pytest.fixture(scope="module")
def local_faiss(tmp_path_factory, articles, embedder) -> Settings:
    settings = Settings(index_dir=tmp_path_factory.mktemp("local") / "index")
    Indexer(settings, embedder).build([articles])
    return settings


def _passages(settings: Settings) -> dict:
    with open_store(settings) as store:
        return {(p.article_id, p.position): p for a in store.articles(limit=1000) for p in store.article_passages(a.id)}


def test_a_ray_build_makes_the_local_build(tmp_path, articles, local_faiss, embedder, ray_session):
    """Same passages, same ids, same vectors (cosine 1.0 to float precision), same skips, on 2 CPUs."""
    settings = Settings(index_dir=tmp_path / "index", engine="ray")
    report = Indexer(settings, embedder).build([articles])
    local = Indexer(local_faiss, embedder).build([articles])  # unchanged: the report of what is there
    assert (report.articles, report.passages) == (local.articles, local.passages)
    assert [s.path for s in report.skipped] == [s.path for s in local.skipped]
    ours, theirs = _passages(local_faiss), _passages(settings)
    assert ours == theirs
    with open_store(local_faiss) as a, open_store(settings) as b:
        ids = np.asarray(sorted(p.id for p in ours.values()), dtype=np.int64)
        cosine = np.sum(a.vectors.reconstruct_batch(ids) * b.vectors.reconstruct_batch(ids), axis=1)
    assert cosine.min() > 0.99999
    again = Indexer(settings, embedder).build([articles])  # nothing changed: nothing embedded
    assert again.passages_embedded == 0 and again.unchanged == local.articles


def test_ray_into_milvus_answers_as_a_local_faiss_build(tmp_path, articles, local_faiss, embedder, ray_session):
    """The issue's acceptance, through the CLI: `index --engine ray --store milvus`, then `ask --store milvus`."""
    env = {"NEWSDEX_MILVUS_URI": str(tmp_path / "milvus.db"), "NEWSDEX_INDEX_DIR": str(tmp_path / "index")}
    result = invoke(["index", str(articles), "--engine", "ray", "--store", "milvus", "--quiet"], env)
    assert result.returncode == 0, result.stderr
    assert "passages embedded" in result.stdout
    for mode in ("hybrid", "dense", "lexical"):
        for question in QUESTIONS:
            milvus = invoke([question, "--json", "--mode", mode, "--store", "milvus"], env, binary="ask")
            faiss = invoke([question, "--json", "--mode", mode], {"NEWSDEX_INDEX_DIR": str(local_faiss.index_dir)},
                           binary="ask")
            assert milvus.returncode == faiss.returncode == 0, milvus.stderr + faiss.stderr
            shown = [[(r["article_id"], r["text"], r["highlights"], r["also_in"]) for r in json.loads(out.stdout)
                      ["results"]] for out in (faiss, milvus)]
            assert shown[0] == shown[1], (mode, question)


def test_ray_workers_must_fit_the_cpus(tmp_path, articles, embedder, ray_session):
    from newsdex.errors import NewsdexError
    from newsdex.index.engine import worker_plan

    assert worker_plan(ray_session, None) == (1, 1.75)  # 2 CPUs: one model worker, a quarter for the readers
    count, each = worker_plan(ray_session, 2)
    assert count == 2 and count * each + 0.25 <= 2
    with pytest.raises(NewsdexError, match="too few"):
        worker_plan(ray_session, 100)


def test_ray_workers_get_paths_that_mean_the_same_in_their_own_directory(tmp_path, monkeypatch):
    """Ray workers keep the directory Ray started in (a local Ray: the driver's at ray.init; a
    cluster's: wherever `ray start` ran), so a relative model path must travel absolute."""
    from newsdex.index.engine import worker_settings

    monkeypatch.chdir(tmp_path)
    (tmp_path / "models" / "mine").mkdir(parents=True)
    given = Settings(model="models/mine", model_cache=Path("cache"), api_key="write", read_key="read",
                     milvus_token="user:password")
    sent = worker_settings(given)
    assert sent.model == str(tmp_path / "models" / "mine") and sent.model_cache == tmp_path / "cache"
    assert (sent.api_key, sent.read_key, sent.milvus_token) == (None, None, None)
    assert "password" not in sent.model_dump_json()
    assert worker_settings(Settings()).model == "all-MiniLM-L6-v2"  # a name, not a path here: kept as it is


def _secrets_in(value) -> bool:
    from pydantic import SecretBytes, SecretStr

    if isinstance(value, SecretStr | SecretBytes):
        return True
    if isinstance(value, dict):
        return any(_secrets_in(v) for v in value.values())
    return isinstance(value, list | tuple | set) and any(_secrets_in(v) for v in value)


def test_no_secret_reaches_the_ray_workers():
    """Every credential is typed SecretStr, and the workers get none, whatever its name."""
    from newsdex.index.engine import worker_settings

    secret = Settings.secret_fields()
    assert {"api_key", "read_key", "milvus_token"} <= set(secret)
    named_like_one = [name for name in Settings.model_fields  # passage_tokens are no credential
                      if {"key", "token", "password", "secret", "credentials"} & set(name.split("_"))]
    assert set(named_like_one) <= set(secret), "a credential must be typed SecretStr"
    sent = worker_settings(Settings(**{name: f"hidden-{name}" for name in secret}))
    assert [name for name in Settings.model_fields if _secrets_in(getattr(sent, name))] == []
    assert "hidden-" not in sent.model_dump_json()
    assert Settings.model_validate_json(sent.model_dump_json()) == sent  # what each worker loads


def test_a_new_secret_setting_stays_behind_the_ray_workers_too(monkeypatch):
    """A store's new credential, in its own group, is dropped with no change to index.engine."""
    from pydantic import Field, SecretStr

    from newsdex.index.engine import worker_settings

    class WithAnotherStore(Settings):
        otherstore_password: SecretStr | None = Field(None, description="NEWSDEX_OTHERSTORE_PASSWORD")

    monkeypatch.setenv("NEWSDEX_OTHERSTORE_PASSWORD", "hunter2")
    given = WithAnotherStore(api_key="write")
    assert given.otherstore_password is not None and "otherstore_password" in given.secret_fields()
    sent = worker_settings(given)
    assert type(sent) is WithAnotherStore and sent.otherstore_password is None and sent.api_key is None
    assert "hunter2" not in sent.model_dump_json()
    assert given.group("otherstore") == {"password": given.otherstore_password}


@pytest.fixture()
def milvus_server(tmp_path):
    """`milvus-lite server` in its own process on a free port of 127.0.0.1, stopped after the test."""
    port = free_port()
    binary = Path(sys.executable).parent / "milvus-lite"
    process = subprocess.Popen([str(binary), "server", "--data-dir", str(tmp_path / "lite"), "--host", "127.0.0.1",
                                "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("milvus-lite server did not start")
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=30)


def test_milvus_over_grpc(tmp_path, milvus_server, embedder, searcher):
    settings = Settings(index_dir=tmp_path / "index", store="milvus", milvus_uri=milvus_server,
                        milvus_collection="grpc_test")
    report = Indexer(settings, embedder).build([SEEDS])
    assert report.added == 2
    remote = Searcher.open(settings, embedder)
    try:
        for question in QUESTIONS[:3]:
            ours, theirs = searcher.search(question, k=5), remote.search(question, k=5)
            assert [(r.article_id, r.text) for r in ours.results] == [(r.article_id, r.text) for r in theirs.results]
        assert remote.stats().index == f"{milvus_server} (collection grpc_test)"
    finally:
        remote.close()


# -- a Milvus Lite file and other processes --------------------------------------------------
# Milvus Lite opens a file in one process at a time (index.milvus.client._lite_holder). Here the test
# process holds the file, as `newsdex serve` would, and the console scripts run in their own.

BIN = Path(sys.executable).parent


@pytest.fixture()
def lite(tmp_path, embedder) -> Settings:
    """A seed index in a Milvus Lite file that this process has open; let go after the test."""
    settings = Settings(index_dir=tmp_path / "index", store="milvus", milvus_uri=str(tmp_path / "lite" / "milvus.db"))
    Indexer(settings, embedder).build([SEEDS])
    yield settings
    _let_go(settings)


def _let_go(settings: Settings) -> None:
    """Close this process's hold on the settings' Lite file, as a server's exit would."""
    from milvus_lite.server_manager import server_manager_instance

    from newsdex.index.milvus.client import _client

    server_manager_instance.release_server(settings.milvus_target)
    _client.cache_clear()  # its client spoke to the server just stopped


def _spawn(settings: Settings, args: list[str], binary: str = "newsdex") -> subprocess.Popen:
    env = {**os.environ, "NEWSDEX_INDEX_DIR": str(settings.index_dir), "NEWSDEX_STORE": "milvus",
           "NEWSDEX_MILVUS_URI": settings.milvus_target}
    return subprocess.Popen([str(BIN / binary), *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def test_a_lite_file_another_process_holds_is_refused_in_one_line_and_the_holder_keeps_serving(lite, embedder):
    from newsdex.index.milvus import LITE_WAIT_SECONDS
    from newsdex.index.stores import live_build_name

    ours = Searcher.open(lite, embedder)
    try:
        before, answer = live_build_name(lite), ours.search(QUESTIONS[0], k=3).results
        ask = _spawn(lite, [QUESTIONS[0], "--json"], binary="ask")
        rebuild = _spawn(lite, ["index", str(SEEDS), "--rebuild", "--quiet"])
        for process in (ask, rebuild):
            out, err = process.communicate(timeout=120)
            assert process.returncode == 1 and out == "", err
            line, = err.splitlines()  # one line, no traceback
            assert line.startswith(f"error: Milvus Lite file {lite.milvus_target} is open in "), line
            assert f"process {os.getpid()} (" in line if sys.platform == "linux" else "another process" in line
            assert f"waited {LITE_WAIT_SECONDS:g}s" in line and "POST /index/rebuild" in line
            assert f"milvus-lite server --data-dir {lite.milvus_target} " in line
        # The failed rebuild changed nothing: the holder answers from the same build, the same passages.
        assert live_build_name(lite) == before
        assert [r.text for r in ours.search(QUESTIONS[0], k=3).results] == [r.text for r in answer]
    finally:
        ours.close()


def test_commands_wait_for_a_lite_file_another_process_holds_for_a_moment(lite):
    """An ask started during a small build, or a build started during an ask, waits for the other."""
    from newsdex.index.stores import live_build_name

    before = live_build_name(lite)
    ask = _spawn(lite, [QUESTIONS[0], "--json"], binary="ask")
    rebuild = _spawn(lite, ["index", str(SEEDS), "--rebuild", "--quiet"])
    time.sleep(2)  # each has loaded the model (a second here) and waits for the file
    assert ask.poll() is None and rebuild.poll() is None
    _let_go(lite)
    (answer, ask_err), (report, rebuild_err) = ask.communicate(timeout=120), rebuild.communicate(timeout=120)
    assert ask.returncode == 0 and rebuild.returncode == 0, ask_err + rebuild_err
    assert json.loads(answer)["results"] and report.startswith("2 added")
    assert live_build_name(lite) != before  # this process opens the file again once they are done
