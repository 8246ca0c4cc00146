"""`newsdex eval`: reading collections in both layouts, scoring with pytrec_eval, the CLI's output."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DATA
from typer.testing import CliRunner

from newsdex.cli import app
from newsdex.search.eval import BadCollection, load_collection, score_run, scores_by_type

COLLECTION = DATA / "seed_eval"
BIN = Path(sys.executable).parent


def test_our_layout_and_beirs_read_the_same(tmp_path):
    ours = load_collection(COLLECTION)
    beir = tmp_path / "beir"
    (beir / "qrels").mkdir(parents=True)
    with (COLLECTION / "corpus.jsonl").open() as src, (beir / "corpus.jsonl").open("w") as dst:
        for line in src:
            record = json.loads(line)
            record["_id"] = record.pop("id")
            dst.write(json.dumps(record) + "\n")
    shutil.copy(COLLECTION / "queries.jsonl", beir / "queries.jsonl")
    shutil.copy(COLLECTION / "qrels.tsv", beir / "qrels" / "test.tsv")
    theirs = load_collection(beir)
    assert theirs.queries == ours.queries and theirs.qrels == ours.qrels
    assert len(ours.queries) >= 20


def test_a_folder_without_judgments_is_a_clear_error(tmp_path):
    (tmp_path / "corpus.jsonl").write_text('{"id": "1", "title": "t", "text": "x"}\n')
    with pytest.raises(BadCollection, match="no judgments"):
        load_collection(tmp_path)
    with pytest.raises(BadCollection, match="no corpus.jsonl"):
        load_collection(tmp_path / "nowhere")


def test_scores_match_hand_computed_values():
    qrels = {"q1": {"a": 1}, "q2": {"b": 1, "c": 1}, "q3": {"z": 1}}
    run = {"q1": {"x": 3.0, "a": 2.0}, "q2": {"b": 2.0, "y": 1.0, "c": 0.5}, "q3": {}}
    scores = score_run(qrels, run, k=10)
    ndcg_q1 = 1 / math.log2(3)
    ndcg_q2 = (1 + 1 / math.log2(4)) / (1 + 1 / math.log2(3))
    assert scores["ndcg@10"] == pytest.approx((ndcg_q1 + ndcg_q2 + 0) / 3)
    assert scores["mrr@10"] == pytest.approx((0.5 + 1 + 0) / 3)
    assert scores["recall@100"] == pytest.approx(2 / 3)
    assert score_run(qrels, run, k=1)["recall@1"] == pytest.approx((0 + 0.5 + 0) / 3)


def test_each_kind_of_question_is_scored_on_its_own(tmp_path):
    (tmp_path / "corpus.jsonl").write_text('{"id": "a", "title": "t", "text": "x"}\n')
    (tmp_path / "queries.jsonl").write_text(
        '{"_id": "q1", "text": "one", "metadata": {"type": "keyword"}}\n'
        '{"_id": "q2", "text": "two", "metadata": {"type": "fact"}}\n'
        '{"_id": "q3", "text": "three", "metadata": {"type": "fact"}}\n'
        '{"_id": "q4", "text": "four"}\n')
    (tmp_path / "qrels.tsv").write_text("query-id\tcorpus-id\tscore\nq1\ta\t1\nq2\tb\t1\nq3\tc\t1\nq4\ta\t1\n")
    collection = load_collection(tmp_path)
    assert collection.types == {"q1": "keyword", "q2": "fact", "q3": "fact"}
    run = {"q1": {"a": 1.0}, "q2": {"b": 1.0}, "q3": {"x": 1.0}, "q4": {"a": 1.0}}
    kinds = scores_by_type(collection.qrels, run, collection.types)
    assert list(kinds) == ["fact", "keyword"]
    assert (kinds["fact"]["queries"], kinds["fact"]["ndcg@10"]) == (2, pytest.approx(0.5))
    assert (kinds["keyword"]["queries"], kinds["keyword"]["mrr@10"]) == (1, pytest.approx(1.0))
    assert scores_by_type(collection.qrels, run, {}) == {}


def test_newsdex_eval_prints_scores_per_mode_and_hybrid_is_best(tmp_path):
    done = CliRunner().invoke(app, ["eval", str(COLLECTION), "--json"],
                              env={"NEWSDEX_INDEX_DIR": str(tmp_path / "unused")})
    assert done.exit_code == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["dataset"] == "seed_eval" and data["queries"] >= 20
    assert set(data["modes"]) == {"dense", "lexical", "hybrid"}
    for scores in data["modes"].values():
        assert {"ndcg@10", "recall@10", "recall@100", "mrr@10", "latency_ms_p50", "latency_ms_p95"} <= set(scores)
        assert 0 <= scores["ndcg@10"] <= 1
    hybrid = data["modes"]["hybrid"]["ndcg@10"]
    assert hybrid >= data["modes"]["dense"]["ndcg@10"]
    assert hybrid >= data["modes"]["lexical"]["ndcg@10"]
    assert data["index"]["passages_per_second"] > 0
    assert not (tmp_path / "unused").exists()  # a temporary index, not the user's


def test_newsdex_eval_of_a_missing_folder_is_one_line(tmp_path):
    done = subprocess.run([str(BIN / "newsdex"), "eval", str(tmp_path / "missing")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert done.stderr.strip().startswith("error:") and len(done.stderr.strip().splitlines()) == 1


def test_newsdex_eval_tables_per_backend_and_json_with_several():
    runner = CliRunner()
    table = runner.invoke(app, ["eval", str(COLLECTION), "--modes", "dense,hybrid", "-q"])
    assert table.exit_code == 0, table.output
    lines = table.output.splitlines()
    assert lines[0].startswith("seed_eval (test, onnx): ")
    assert lines[1].split()[:2] == ["mode", "ndcg@10"]
    assert [line.split()[0] for line in lines[2:4]] == ["dense", "hybrid"]

    both = runner.invoke(app, ["eval", str(COLLECTION), "--modes", "dense", "--backend", "torch,onnx", "--json"])
    assert both.exit_code == 0, both.output
    data = json.loads(both.output)
    assert set(data["backends"]) == {"torch", "onnx"}
    torch_ndcg = data["backends"]["torch"]["modes"]["dense"]["ndcg@10"]
    assert data["backends"]["onnx"]["modes"]["dense"]["ndcg@10"] == pytest.approx(torch_ndcg, abs=1e-4)
