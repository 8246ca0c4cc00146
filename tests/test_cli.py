"""The command line as people use it: real index, real model; in this process (CliRunner),
with one real process per console script as a smoke test (`run`)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from conftest import SEED_QUESTIONS, SEEDS, free_port
from typer.testing import CliRunner

from newsdex.cli import app, ask_app
from newsdex.flags import ASK_FLAGS
from newsdex.search.options import SearchOptions

BIN = Path(sys.executable).parent



def run(args, env_extra=None, binary="newsdex"):
    """The installed console script in its own process: exit status, stdout, stderr as users see them."""
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run([str(BIN / binary), *args], capture_output=True, text=True, env=env, timeout=300)


def invoke(args, env_extra=None, binary="newsdex"):
    """The same command in this process, reusing the loaded model (much faster than `run`)."""
    result = CliRunner().invoke(ask_app if binary == "ask" else app, args, env=env_extra)
    result.returncode = result.exit_code
    return result


@pytest.fixture(scope="module")
def index_env(seed_settings):
    return {"NEWSDEX_INDEX_DIR": str(seed_settings.index_dir)}


def test_ask_json_answers_seed_questions(index_env):
    for question, answer in SEED_QUESTIONS[:8]:  # hybrid answers these in the top 3
        result = invoke([question, "--json", "--k", "3"], index_env, binary="ask")
        assert result.returncode == 0, result.stderr
        data = json.loads(result.stdout)
        assert data["query"] == question
        ranks = [r["rank"] for r in data["results"]]
        assert ranks == [1, 2, 3]
        scores = [r["score"] for r in data["results"]]
        assert scores == sorted(scores, reverse=True)
        for r in data["results"]:
            assert {"rank", "score", "text", "article_id", "title"} <= set(r)
        assert any(answer in r["text"] for r in data["results"]), (question, data["results"])


def test_ask_prints_readable_passages(index_env):
    result = run(["what did Kishida say"], index_env, binary="ask")
    assert result.returncode == 0, result.stderr
    assert "1." in result.stdout and "Kishida" in result.stdout
    assert "North Korean-Russian ties" in result.stdout  # the article title


@pytest.mark.parametrize("args, message", [
    (["   "], "question is empty"),
    (["kishida", "--k", "0"], "k must be between 1 and 100"),
    (["kishida", "--k", "101"], "k must be between 1 and 100"),
])
def test_bad_questions_are_one_line_errors(index_env, args, message):
    result = invoke(args, index_env, binary="ask")
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("args, line", [
    (["--since", "2024-13-01"], "error: --since: since must be a date written YYYY-MM-DD, got '2024-13-01'"),
    (["--k", "0"], "error: --k: k must be between 1 and 100 (a whole number), got 0"),
    (["--per-article", "0"], "error: --per-article: per_article must be a whole number of at least 1, got 0"),
    (["--dense-weight", "-1"], "error: --dense-weight: dense_weight must be a number of at least 0, got -1.0"),
    (["--lexical-weight", "nan"], "error: --lexical-weight: lexical_weight must be a number of at least 0, got nan"),
    (["--article-weight", "-2"], "error: --article-weight: article_weight must be a number of at least 0, got -2.0"),
    (["--rrf-k", "-1"], "error: --rrf-k: rrf_k must be a whole number between 0 and 10,000, got -1"),
    (["--candidates", "0"], "error: --candidates: candidates must be a whole number between 1 and 10,000, got 0"),
    (["--article", "x" * 2000], "error: --article: article must be an article id of at most 1,000 characters, "
                                "got a text of 2,000 characters"),
    (["--since", "2024-06-01", "--until", "2024-01-01"], "error: since (2024-06-01) is after until (2024-01-01)"),
    # "last month" as of January of year 1 was an OverflowError and a traceback.
    (["--as-of", "0001-01-31"], "error: --as-of: as_of must be a date written YYYY-MM-DD, 1000-01-01 or later, "
                                "got '0001-01-31'"),
    (["--speaker", "!!!"], "error: --speaker: speaker must be a name with a letter or digit in it, got '!!!'"),
])
def test_bad_search_options_name_their_flag_before_anything_loads(tmp_path, args, line):
    result = invoke(["Kursk", *args, "--index", str(tmp_path / "never-built")], binary="ask")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [line]
    assert not (tmp_path / "never-built").exists()  # refused before any index is built


def test_ask_reads_last_month_as_of_the_earliest_day_it_takes(index_env):
    result = invoke(["news last month", "--as-of", "1000-01-31", "--json"], index_env, binary="ask")
    assert result.returncode == 0, result.stderr
    interpreted = json.loads(result.stdout)["interpreted"]  # read, though no article is in it
    assert (interpreted["since"], interpreted["until"]) == ("0999-12-01", "0999-12-31")


@pytest.mark.parametrize("args, line", [
    # Past SQLite's 2**63 - 1 this was an OverflowError and a traceback.
    (["quotes", "Kishida", "--offset", "99999999999999999999"],
     "error: --offset: offset must be a whole number between 0 and 1,000,000,000, got 99999999999999999999"),
    (["speakers", "--offset", "99999999999999999999"],
     "error: --offset: offset must be a whole number between 0 and 1,000,000,000, got 99999999999999999999"),
    (["quotes", "Kishida", "--offset", "-1"],
     "error: --offset: offset must be a whole number between 0 and 1,000,000,000, got -1"),
    (["speakers", "--limit", "0"], "error: --limit: limit must be a whole number between 1 and 100, got 0"),
    (["quotes", "Kishida", "--limit", "101"],
     "error: --limit: limit must be a whole number between 1 and 100, got 101"),
])
def test_bad_pages_are_one_line_errors_before_any_index_is_built(tmp_path, args, line):
    result = invoke([*args, "--index", str(tmp_path / "never-built")])
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [line]
    assert not (tmp_path / "never-built").exists()


def test_a_page_past_the_end_says_so(index_env):
    speakers = invoke(["speakers", "--offset", "1000"], index_env)
    assert speakers.returncode == 0, speakers.stderr
    assert speakers.stdout.strip() == "--offset 1000 is past the end: 3 people are quoted in the index"
    quotes = invoke(["quotes", "Kishida", "--offset", "2"], index_env)
    assert quotes.returncode == 0, quotes.stderr
    assert quotes.stdout.strip() == "--offset 2 is past the end: 2 statements by Fumio Kishida"


def test_fusion_flags_reach_the_search(index_env):
    result = invoke(["Kursk troops", "--json", "--explain", "--k", "3", "--rrf-k", "0", "--dense-weight", "2",
                     "--lexical-weight", "0.5", "--no-highlight"], index_env, binary="ask")
    assert result.returncode == 0, result.stderr
    for r in json.loads(result.stdout)["results"]:
        e = r["explain"]
        expected = sum(w / rank for w, rank in ((2.0, e["dense_rank"]), (0.5, e["lexical_rank"])) if rank is not None)
        assert r["score"] == pytest.approx(expected, abs=1e-6)


def test_an_unset_fusion_flag_leaves_the_setting_in_force(index_env):
    result = invoke(["Kursk troops", "--json", "--explain", "--k", "3", "--no-highlight"],
                    {**index_env, "NEWSDEX_RRF_K": "0", "NEWSDEX_LEXICAL_WEIGHT": "0.5"}, binary="ask")
    assert result.returncode == 0, result.stderr
    for r in json.loads(result.stdout)["results"]:
        e = r["explain"]
        expected = sum(w / rank for w, rank in ((1.0, e["dense_rank"]), (0.5, e["lexical_rank"])) if rank is not None)
        assert r["score"] == pytest.approx(expected, abs=1e-6)


def test_each_search_option_is_one_ask_flag_made_from_its_field():
    params = {param.name: param for param in typer.main.get_command(ask_app).params}
    for name, field in SearchOptions.model_fields.items():
        flag = params[name]
        assert flag.opts[0] == ASK_FLAGS[name] == "--" + name.replace("_", "-"), name
        assert flag.default == field.default, name  # None stays None: the setting's value is used
        assert (field.description or "").removesuffix(".") in (flag.help or ""), name
    assert params["k"].opts == ["--k", "-k"] and "(1-100)" in (params["k"].help or "")
    assert params["highlight"].secondary_opts == ["--no-highlight"] and params["dates"].secondary_opts == ["--no-dates"]
    assert params["explain"].secondary_opts == []  # off by default: --explain alone


def test_help_shows_what_each_flag_says_in_brackets():
    shown = " ".join(re.sub("[│╭╮╰╯─]", " ", CliRunner().invoke(ask_app, ["--help"]).stdout).split())
    assert "Index directory, which must hold an index [env: NEWSDEX_INDEX_DIR; default: .newsdex in a checkout" \
        in shown  # not read as rich markup
    assert "Search options" in shown and "How many passages to return (1-100) [default: 5]" in shown


def test_article_weight_flag_reaches_grouped_search_and_explain_prints_the_article_rank(index_env):
    index_env = {**index_env, "NEWSDEX_FUSE_ARTICLES": "false"}  # passages fused: a score is its own ranks' sum
    args = ["Kishida North Korea Russia", "--k", "2", "--per-article", "1", "--rrf-k", "0", "--no-highlight"]
    result = invoke([*args, "--json", "--explain", "--article-weight", "3"], index_env, binary="ask")
    assert result.returncode == 0, result.stderr
    for r in json.loads(result.stdout)["results"]:
        e = r["explain"]
        expected = sum(w / rank for w, rank in ((1.0, e["dense_rank"]), (1.0, e["lexical_rank"]),
                                                (3.0, e["article_rank"])) if rank is not None)
        assert e["article_rank"] is not None and r["score"] == pytest.approx(expected, abs=1e-6)
    printed = invoke([*args, "--explain"], index_env, binary="ask")
    assert printed.returncode == 0 and "article #1 (" in printed.stdout, printed.stderr


def test_ask_builds_the_seed_index_when_there_is_none(tmp_path, monkeypatch):
    """Only the default location is built from the seeds (a named one must exist: test_cli_safety.py)."""
    checkout = tmp_path / "checkout"  # a checkout of its own, so the real one's .newsdex is left alone
    checkout.mkdir()
    (checkout / "pyproject.toml").write_text("")
    (checkout / "seeds").symlink_to(SEEDS)
    monkeypatch.setattr("newsdex.settings.CHECKOUT", checkout)
    result = invoke(["what did Kishida say", "--json"], binary="ask")
    assert result.returncode == 0, result.stderr
    assert "building one from" in result.stderr and (checkout / ".newsdex" / "current").exists()
    assert any("Kishida" in r["text"] for r in json.loads(result.stdout)["results"])


def test_index_reports_counts_and_skips(tmp_path):
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "good.txt").write_text("Dam opens\n\nThe new dam opened on Monday after ten years of work.\n")
    (articles / "bad.txt").write_bytes(b"\xff\xfe\x00\x00binary")
    result = invoke(["index", str(articles), "--index", str(tmp_path / "ix")])
    assert result.returncode == 0, result.stderr
    assert "1 added" in result.stdout and "1 skipped" in result.stdout
    assert "passages/s" in result.stdout
    assert "bad.txt" in result.stderr and "warning" in result.stderr
    again = invoke(["index", str(articles), "--index", str(tmp_path / "ix")])
    assert "0 added, 0 updated, 0 removed, 1 unchanged" in again.stdout


def test_index_with_a_missing_path_is_an_error(tmp_path):
    result = invoke(["index", str(tmp_path / "nope"), "--index", str(tmp_path / "ix")])
    assert result.returncode == 1
    assert "no such file or folder" in result.stderr and "Traceback" not in result.stderr


def test_stats_describes_the_index(index_env):
    result = invoke(["stats", "--json"], index_env)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["articles"] == 2 and data["passages"] > 2
    assert data["model"] == "all-MiniLM-L6-v2" and data["dimension"] == 384
    assert data["size_bytes"] > 0 and data["built_at"]
    text = invoke(["stats"], index_env).stdout
    assert "articles" in text and "KiB" in text


def test_errors_for_missing_and_foreign_indexes(tmp_path):
    missing = run(["stats", "--index", str(tmp_path / "none")])
    assert missing.returncode == 1 and "newsdex index" in missing.stderr
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "file.txt").write_text("x")
    result = run(["what did Kishida say", "--index", str(foreign)], binary="ask")
    assert result.returncode == 1
    assert "not a newsdex index" in result.stderr and "Traceback" not in result.stderr


def test_unknown_model_is_a_clear_error(tmp_path):
    result = invoke(["index", str(SEEDS), "--index", str(tmp_path / "ix"), "--model", "no-such/model-xyz"])
    assert result.returncode == 1
    assert "cannot load model 'no-such/model-xyz'" in result.stderr and "Traceback" not in result.stderr


def test_serve_refuses_an_index_its_model_cannot_search_before_listening(seed_settings, tmp_path):
    import shutil
    import sqlite3

    copy = tmp_path / "index"
    shutil.copytree(seed_settings.index_dir, copy, symlinks=True)
    db = sqlite3.connect(copy / "current" / "newsdex.db")
    db.execute("""UPDATE manifest SET value = '"other-model"' WHERE key = 'model'""")
    db.commit()
    db.close()
    result = invoke(["serve", "--index", str(copy), "--port", str(free_port())])  # it must stop before listening
    assert result.returncode == 1
    assert "built with model 'other-model'" in result.stderr and "--rebuild" in result.stderr
    assert "Traceback" not in result.stderr


def test_links_out_of_the_folder_are_warned_about_then_followed_on_request(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("Dam opens\n\nThe new dam opened on Monday after ten years of work.\n")
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "good.txt").write_text("Bridge opens\n\nThe new bridge opened on Tuesday after two years of work.\n")
    (articles / "dam.txt").symlink_to(outside)
    (articles / "loop.txt").symlink_to(articles / "loop.txt")
    index = ["--index", str(tmp_path / "ix")]
    result = invoke(["index", str(articles), *index])
    assert result.returncode == 0, result.stderr
    assert "1 added" in result.stdout and "2 skipped" in result.stdout
    assert "warning: skipped" in result.stderr and "dam.txt" in result.stderr and "--follow-links" in result.stderr
    assert "loop.txt: symlink loop" in result.stderr
    followed = invoke(["index", str(articles), *index, "--follow-links"])
    assert "1 added" in followed.stdout and "1 unchanged" in followed.stdout and "1 skipped" in followed.stdout
    by_env = invoke(["index", str(articles), *index], env_extra={"NEWSDEX_FOLLOW_LINKS": "1"})
    assert "2 unchanged" in by_env.stdout and "0 removed" in by_env.stdout


def test_an_unprintable_file_name_is_a_warning_not_a_crash(tmp_path):
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "good.txt").write_text("Bridge opens\n\nThe new bridge opened on Tuesday after two years of work.\n")
    (articles / os.fsdecode(b"caf\xe9.txt")).write_text("Cafe\n\nThe cafe reopened.\n")
    result = run(["index", str(articles), "--index", str(tmp_path / "ix"), "-q"])
    assert result.returncode == 0, result.stderr
    assert "1 added" in result.stdout and "caf\\xe9.txt" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(("variable", "command"), [("NEWSDEX_FUSE_ARTICLES", ["ask", "Kursk"]),
                                                   ("NEWSDEX_SENTENCE_VECTORS", ["index"])])
def test_a_bad_boolean_setting_is_one_line_naming_it_and_touches_no_index(variable, command, tmp_path):
    index = tmp_path / "index"
    done = CliRunner().invoke(app, command, env={variable: "maybe", "NEWSDEX_INDEX_DIR": str(index)})
    assert done.exit_code != 0
    lines = done.stderr.strip().splitlines()
    assert lines == [f"error: {variable}='maybe' is not true or false (true/false, 1/0, yes/no, on/off)"]
    assert "Traceback" not in done.output
    assert not index.exists()
