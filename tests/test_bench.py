"""Each bench/ script runs here at a tiny size, so that none can rot unseen: it must finish
and print its JSON. The figures themselves are the scripts' business (docs/*.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCIFACT = ROOT.parent / "shared" / "eval" / "scifact"

needs_scifact = pytest.mark.skipif(not (SCIFACT / "corpus.jsonl").is_file(),
                                   reason=f"SciFact is not at {SCIFACT} (../shared/eval/ beside the repository)")


def _last_json(*args: str) -> dict:
    done = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def tiny_scifact(tmp_path_factory) -> Path:
    """SciFact cut to the first 4 judged questions of each split, the abstracts they judge and
    4 others: a BEIR collection of about a dozen real abstracts."""
    if not (SCIFACT / "corpus.jsonl").is_file():
        pytest.skip(f"SciFact is not at {SCIFACT} (../shared/eval/ beside the repository)")
    target = tmp_path_factory.mktemp("scifact") / "scifact-tiny"
    target.mkdir()
    judged: set[str] = set()
    for qrels, queries in (("qrels.tsv", "queries.jsonl"), ("qrels-train.tsv", "queries-train.jsonl")):
        header, *rows = (SCIFACT / qrels).read_text(encoding="utf-8").splitlines()
        chosen = list(dict.fromkeys(row.split("\t")[0] for row in rows))[:4]
        kept = [row for row in rows if row.split("\t")[0] in chosen]
        judged |= {row.split("\t")[1] for row in kept}
        (target / qrels).write_text("\n".join([header, *kept]) + "\n", encoding="utf-8")
        lines = (SCIFACT / queries).read_text(encoding="utf-8").splitlines()
        (target / queries).write_text("".join(line + "\n" for line in lines if json.loads(line)["id"] in chosen),
                                      encoding="utf-8")
    with (SCIFACT / "corpus.jsonl").open(encoding="utf-8") as corpus:
        kept = [line for n, line in enumerate(corpus) if n < 4 or str(json.loads(line)["id"]) in judged]
    (target / "corpus.jsonl").write_text("".join(kept), encoding="utf-8")
    return target


def test_redteam_bench_runs_and_health_answers_under_its_flood():
    results = _last_json("bench/redteam.py", "--tiny")
    assert set(results["articles"]) >= {"had_previously", "quote_pairs", "nested_quotes"}
    flood = results["flood"]
    assert flood["questions"] > 0 and flood["health_probes"] > 0
    assert flood["probes_failed"] == 0
    assert set(flood["statuses"]) <= {"200"}, flood["statuses"]


def test_attribution_bench_scores_each_labelled_set_and_times_statements():
    results = _last_json("bench/attribution.py", "--limit", "10", "--model-sample", "2", "--quotes-limit", "3")
    assert {"labelled", "heldout"} <= set(results["scores"])
    assert all(0 <= row["precision"] <= 1 and 0 <= row["recall"] <= 1 for row in results["scores"].values())
    speed = results["speed"]
    assert speed["articles"] > 2 and speed["statements"] > 0
    assert speed["model_sample"]["articles"] == 2
    if not (ROOT.parent / "shared" / "eval" / "quotes-bbc-dev" / "quotes.jsonl").is_file():
        assert "quotes" not in results
        return
    statements, questions = results["quotes"]["statements"], results["quotes"]["questions"]
    assert statements["articles"] == 3 and statements["labelled"] > 0
    assert set(statements["by_kind"]) == {"direct", "indirect", "mixed"}
    assert {"recall", "precision", "found_at_all"} <= set(statements) and set(statements["named_misses"]) == {
        "not_found", "no_speaker", "wrong_speaker"}
    assert all(0 <= row["recall"] <= 1 and 0 <= row["precision"] <= 1 for row in statements["by_kind"].values())
    assert questions["questions"] > 0
    assert set(questions["by_type"]) == {"speaker", "topic", "name_form", "mentioned_never_speaks"}
    assert {"top1", "false_rate", "never_violations"} <= set(questions)
    assert 0 <= questions["top1"] <= 1 and 0 <= questions["false_rate"] <= 1


def test_big_jsonl_bench_reads_and_indexes_a_made_file(tmp_path):
    read = _last_json("bench/big_jsonl.py", "--mb", "0.02", "--load-only", "--work", str(tmp_path))
    assert read["mode"] == "load-only" and read["articles"] > 0 and read["skipped"] == 0
    built = _last_json("bench/big_jsonl.py", "--mb", "0.02", "--work", str(tmp_path))
    assert built["mode"] == "index" and built["articles"] == read["articles"] and built["passages"] > 0
    assert built["peak_rss_mib"] >= built["rss_with_model_mib"] > 0
    assert {p.name for p in tmp_path.iterdir()} == {"articles-0.02mb.jsonl", "index"}


@needs_scifact
def test_build_speed_bench_builds_with_and_without_sentence_vectors():
    results = _last_json("bench/build_speed.py", "--limit", "3", "--backends", "onnx", "--sentence-vectors", "on,off",
                         "--sentence-backends", "onnx-int8,same", "--repeat", "2")
    assert set(results) == {"onnx", "onnx, onnx-int8 sentences", "onnx, no sentences"}
    assert 0 < results["onnx"]["share_of_no_sentences"]
    for row in results.values():
        assert row["passages"] > 0 and row["build_passages_per_second"] > 0 and row["ratio"] > 0
    assert results["onnx"]["texts_encoded"] > results["onnx, no sentences"]["texts_encoded"]


@pytest.mark.server
def test_chaos_bench_kills_a_build_and_loses_no_acknowledged_write():
    results = _last_json("bench/chaos.py", "--kills", "1", "--kill-within", "1", "--seconds", "3", "--searchers", "2")
    kills = results["kills"]
    assert kills["rounds"] == 1 and kills["killed_mid_build"] + kills["finished_before_kill"] == 1
    assert kills["damaged"] == 0 and kills["not_recovered"] == 0
    load = results["mixed_load"]
    assert load["searches"] > 0 and load["search_failed"] == 0
    assert load["writes_acknowledged"] > 0 and load["writes_lost"] == 0


def test_fusion_bench_scores_each_variant_of_a_collection(tiny_scifact, tmp_path):
    results = _last_json("bench/fusion.py", "--data", str(tiny_scifact), "--cache", str(tmp_path),
                         "--long", "0,2,topics2", "--splits", "test", "--article-weights", "1")
    rows = results["rows"]
    assert [row["collection"] for row in rows] == ["scifact-tiny", "scifact-tiny-long2", "scifact-tiny-topics2"]
    for row in rows:
        scores = [row[key] for key in ("dense", "lexical", "passages_fused", "articles_fused")]
        assert all(0 <= score <= 1 for score in scores + list(row["article_bm25"].values())), row


@needs_scifact
def test_highlights_bench_compares_stored_and_question_time_sentences():
    results = _last_json("bench/highlights.py", "--limit", "2", "--queries", "1")
    assert results["questions"] == 1 and results["same_place"] > 0
    for way in ("stored_vs_question_time", "token_pooled_vs_question_time"):
        assert 0 <= results[way]["first_same"] <= 1
    assert set(results["shortened_vs_question_time"]) == {"64"}
    assert 0 <= results["shortened_vs_question_time"]["64"]["set_same"] <= 1
    assert set(results["search_ms"]) == {"stored vectors (onnx-int8)", "stored vectors (same)",
                                         "embedded at question time"}
    assert set(results["agreement"]) == {"onnx-int8 vs question-time float", "onnx-int8 vs stored same",
                                         "same vs question-time float"}


@pytest.mark.server
def test_http_load_bench_serves_both_ways(tiny_scifact, tmp_path):
    results = _last_json("bench/http_load.py", "--cache", str(tmp_path), "--corpus", str(tiny_scifact),
                         "--min-passages", "1", "--only", "scifact", "--requests", "4", "--batching", "on,off")
    big = results["scifact"]
    assert big["articles"] > 0
    assert {"HTTP c=1 batched", "HTTP c=32 unbatched", "in-process"} <= set(big["rows"])
    assert all(row["n"] == 4 and row["rps"] > 0 for row in big["rows"].values())
    assert big["batched_over_unbatched_rps"] > 0


def test_mteb_dense_bench_scores_whole_documents(tiny_scifact):
    results = _last_json("bench/mteb_dense.py", str(tiny_scifact))
    assert results["collection"] == "scifact-tiny" and results["queries"] == 4
    assert {"ndcg@10", "recall@100"} <= set(results["measures"])


@needs_scifact
def test_query_bench_times_search_and_measures_memory(tmp_path):
    results = _last_json("bench/query.py", "--sizes", "200", "--pool", "100", "--queries", "3", "--memory", "100",
                         "--cache", str(tmp_path))
    size = results["sizes"]["200"]
    assert {"flat", "hnsw ef=128"} <= set(size["faiss"])
    assert {"dense", "lexical", "hybrid", "hybrid+highlights", "embed question"} <= set(size["search"])
    memory = results["memory"]["rows"]
    assert {"IDMap2,Flat", "IDMap2,HNSW32,SQ8"} <= set(memory)
    assert all(row["peak_mib"] >= row["after_mib"] > 0 for row in memory.values())


@needs_scifact
@pytest.mark.scale
def test_scale_bench_builds_locally_and_on_ray():
    results = _last_json("bench/scale.py", str(SCIFACT), "--docs", "4")
    assert results["local"]["engine"] == "local" and results["ray"]["engine"] == "ray"
    assert results["ray_over_local"]["wall"] > 0
    assert "4 added" in results["local"]["summary"] and "4 added" in results["ray"]["summary"]


def test_ingest_bench_times_a_local_site():
    results = _last_json("bench/ingest.py", "--stories", "3")
    assert results["new"] == 3 and results["failed"] == 0 and results["items_per_second"] > 0
    assert set(results["share"]) == {"fetch", "extract", "embed"}
    assert results["second_run"]["passages_embedded"] == 0 and results["second_run"]["conditional_requests"] >= 1


def test_relevance_bench_fits_a_rising_curve(tiny_scifact, tmp_path):
    results = _last_json("bench/relevance.py", "--data", f"{tiny_scifact},{ROOT / 'tests' / 'data' / 'seed_eval'}",
                         "--cache", str(tmp_path), "--queries", "6")
    assert results["fit"]["a"] > 0  # relevance rises with the cosine
    assert set(results["collections"]) == {"scifact-tiny", "seed_eval"}
    assert all(row["results"] > 0 for row in results["collections"].values())


@needs_scifact
def test_facets_bench_times_searches_with_and_without_facets(tmp_path):
    results = _last_json("bench/facets.py", "--sizes", "300", "--pool", "200", "--queries", "3",
                         "--cache", str(tmp_path))
    (row,) = results["rows"]
    assert row["passages"] == 300 and row["questions"] == 3
    assert row["p50_ms_with"] > 0 and row["p50_ms_without"] > 0 and row["ratio"] > 0
