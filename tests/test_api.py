"""The HTTP API through FastAPI's test client: every endpoint, every error, real model and index."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import SEED_QUESTIONS, SEEDS
from fastapi.testclient import TestClient
from pydantic import SecretStr

from newsdex.api.app import create_app
from newsdex.api.live import LiveIndex
from newsdex.index.build import Indexer
from newsdex.settings import Settings

KEY = "write-key-for-tests"
AUTH = {"Authorization": f"Bearer {KEY}"}
SEED_ID = "000_bbe9b56f2341fe48"

BRIDGE = {
    "id": "desk/springfield-bridge",
    "title": "Springfield opens its new river bridge",
    "published": "2024-11-20",
    "source": "Example Wire",
    "text": "The mayor of Springfield opened a new suspension bridge over the river on Monday.\n\n"
            "The bridge cost forty million dollars and took three years to build, officials said.",
}


@pytest.fixture(scope="module")
def client(seed_settings, embedder):
    """Reads only, on the shared seed index; no write key is configured."""
    with TestClient(create_app(seed_settings, embedder)) as client:
        yield client


def _copy_index(seed_settings, tmp_path) -> Settings:
    target = tmp_path / "index"
    shutil.copytree(seed_settings.index_dir, target, symlinks=True)
    return Settings(index_dir=target, seeds_dir=SEEDS, api_key=KEY)


@pytest.fixture()
def writer(seed_settings, embedder, tmp_path):
    """A client on a private copy of the seed index, with a write key."""
    with TestClient(create_app(_copy_index(seed_settings, tmp_path), embedder)) as client:
        yield client


def build_of(client) -> str:
    return client.get("/ready").json()["build"]


# -- operations ----------------------------------------------------------------------------


def test_health_says_ok(client):
    response = client.get("/health")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_ready_describes_the_loaded_index(client, seed_settings):
    data = client.get("/ready").json()
    assert data["status"] == "ready"
    assert data["articles"] == 2 and data["passages"] > 2
    assert data["model"] == "all-MiniLM-L6-v2" and data["dimension"] == 384
    assert data["build"] and data["built_at"].startswith("20")
    assert data["index"] == seed_settings.index_dir.name  # the directory's name: no server path over HTTP
    assert data["backend"] == "onnx" and data["faiss_index"] == "IDMap2,Flat"
    assert data["int8_config"] is None


def test_without_an_index_searches_answer_503_and_health_stays_ok(embedder, tmp_path):
    settings = Settings(index_dir=tmp_path / "nothing", seeds_dir=SEEDS)
    with TestClient(create_app(settings, embedder)) as client:
        assert client.get("/health").status_code == 200
        for response in (client.get("/ready"), client.get("/search", params={"q": "Kishida"})):
            assert response.status_code == 503
            assert "newsdex index" in response.json()["detail"]


def test_metrics_count_requests_per_route_and_size_the_index(client):
    client.get("/search", params={"q": "Kishida"})
    client.get(f"/articles/{SEED_ID}")
    client.get("/articles/no-such-article")
    text = client.get("/metrics").text
    assert 'newsdex_http_requests_total{method="GET",route="/search",status="200"}' in text
    assert 'route="/articles/{article_id:path}",status="404"' in text  # the template, not the id
    assert 'newsdex_http_request_duration_seconds_bucket{le="0.5",method="GET",route="/search"}' in text
    assert "newsdex_index_articles 2.0" in text
    assert "newsdex_index_passages" in text and "newsdex_index_size_bytes" in text


def test_openapi_docs_list_every_endpoint_with_examples(client):
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "/docs-assets/swagger-ui-bundle.js" in docs.text and "cdn" not in docs.text.lower()
    asset = client.get("/docs-assets/swagger-ui-bundle.js")  # served locally: works offline
    assert asset.status_code == 200 and len(asset.content) > 100_000
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    for path, method in [("/search", "get"), ("/search", "post"), ("/articles", "get"), ("/articles", "post"),
                         ("/articles/{article_id}", "get"), ("/articles/{article_id}", "delete"),
                         ("/index/rebuild", "post"), ("/health", "get"), ("/ready", "get"), ("/metrics", "get")]:
        assert method in paths[path], (path, method)
    schemas = spec["components"]["schemas"]
    assert schemas["SearchBody"]["examples"] and schemas["ArticlesIn"]["examples"]


def test_page_and_its_assets_are_served(client):
    page = client.get("/")
    assert page.status_code == 200 and 'role="search"' in page.text
    assert client.get("/static/app.js").status_code == 200
    assert client.get("/static/style.css").status_code == 200


# -- searches ------------------------------------------------------------------------------


def test_get_search_returns_the_same_json_as_ask(client, searcher):
    response = client.get("/search", params={"q": "what did Kishida say", "k": 3})
    assert response.status_code == 200
    expected = searcher.search("what did Kishida say", k=3).model_dump(mode="json")
    assert response.json() == expected
    assert [r["rank"] for r in expected["results"]] == [1, 2, 3]


def test_search_marks_the_best_sentence_and_explains_on_request(client):
    data = client.get("/search", params={"q": "Where were North Korean troops deployed?", "explain": "true"}).json()
    top = data["results"][0]
    sentences = [h for h in top["highlights"] if h["kind"] == "sentence"]
    assert sentences and "Kursk" in top["text"][sentences[0]["start"]:sentences[0]["end"]]
    assert all(r["explain"] is not None for r in data["results"])
    plain = client.get("/search", params={"q": "Where were North Korean troops deployed?"}).json()
    assert all(r["explain"] is None for r in plain["results"])
    bare = client.get("/search", params={"q": "Where were North Korean troops deployed?", "highlight": "false"}).json()
    assert [r["passage_id"] for r in bare["results"]] == [r["passage_id"] for r in plain["results"]]
    assert all(r["highlights"] == [] for r in bare["results"])
    posted = client.post("/search", json={"q": "Kursk", "highlight": False}).json()
    assert posted["results"] and all(r["highlights"] == [] for r in posted["results"])


def test_search_options_reach_the_searcher(client):
    only_aa = client.get("/search", params={"q": "Kishida", "source": "aa", "k": 10}).json()["results"]
    assert only_aa and all(r["source"] == "AA" for r in only_aa)
    one_each = client.get("/search", params={"q": "Kishida", "per_article": 1, "k": 10}).json()["results"]
    assert len({r["article_id"] for r in one_each}) == len(one_each)
    lexical = client.get("/search", params={"q": "Kursk", "mode": "lexical", "explain": True}).json()["results"]
    assert lexical and all(r["explain"]["dense_rank"] is None for r in lexical)
    article = client.get("/search", params={"q": "Kishida", "article": SEED_ID}).json()["results"]
    assert article and {r["article_id"] for r in article} == {SEED_ID}
    dated = client.get("/search", params={"q": "Kishida", "since": "2024-01-01", "until": "2024-12-31"})
    assert dated.status_code == 200 and dated.json()["results"] == []  # the seeds carry no dates


def test_post_search_answers_like_get(client):
    body = client.post("/search", json={"q": "what did Kishida say", "k": 2, "explain": True}).json()
    assert body == client.get("/search", params={"q": "what did Kishida say", "k": 2, "explain": True}).json()


def test_post_search_batch_answers_each_question_in_order(client):
    questions = ["What anniversary will Tokyo and Seoul commemorate next year?",
                 "Where were North Korean troops deployed to fight Ukrainian forces?"]
    data = client.post("/search", json={"queries": questions, "k": 3}).json()
    assert [r["query"] for r in data["responses"]] == questions
    assert any("60th anniversary" in r["text"] for r in data["responses"][0]["results"])
    assert any("Kursk" in r["text"] for r in data["responses"][1]["results"])


@pytest.mark.parametrize("params, words", [
    ({"q": ""}, "empty"),
    ({"q": "   \t "}, "empty"),
    ({"q": "x" * 1001}, "limit is 1000"),
    ({}, "q: Field required"),
    ({"q": "Kishida", "k": 0}, "k:"),
    ({"q": "Kishida", "k": 101}, "k:"),
    ({"q": "Kishida", "k": "five"}, "k:"),
    ({"q": "Kishida", "mode": "psychic"}, "mode:"),
    ({"q": "Kishida", "since": "2024-13-01"}, "YYYY-MM-DD"),
    ({"q": "Kishida", "until": "yesterday"}, "YYYY-MM-DD"),
    ({"q": "Kishida", "per_article": 0}, "per_article:"),
    ({"q": "Kishida", "colour": "blue"}, "colour: Extra inputs are not permitted"),
])
def test_bad_search_parameters_are_422_with_a_readable_detail(client, params, words):
    response = client.get("/search", params=params)
    assert response.status_code == 422, response.text
    assert isinstance(response.json()["detail"], str) and words in response.json()["detail"]


@pytest.mark.parametrize("body, words", [
    ({"q": "Kishida", "queries": ["NATO"]}, "not both"),
    ({"k": 3}, "either 'q'"),
    ({"queries": []}, "queries:"),
    ({"queries": ["NATO"] * 65}, "queries:"),
    ({"queries": ["NATO", "  "]}, "empty"),
    ({"q": 5}, "q:"),
    ([], "JSON object"),
])
def test_bad_post_search_bodies_are_422(client, body, words):
    response = client.post("/search", json=body)
    assert response.status_code == 422, response.text
    assert words in response.json()["detail"]


@pytest.mark.parametrize("body, words", [
    ({"q": "Kishida", "k": True}, "k: k must be between 1 and 100 (a whole number), got True"),
    ({"q": "Kishida", "k": "5"}, "k: k must be between 1 and 100 (a whole number), got '5'"),
    ({"q": "Kishida", "k": 2.5}, "k: k must be between 1 and 100"),
    ({"q": "Kishida", "explain": "yes"}, "explain: explain must be true or false, got 'yes'"),
    ({"q": "Kishida", "per_article": True}, "per_article: per_article must be a whole number"),
    ({"q": "Kishida", "dense_weight": -1}, "dense_weight: dense_weight must be a number of at least 0"),
    ({"q": "Kishida", "rrf_k": "60"}, "rrf_k: rrf_k must be a whole number"),
    ({"q": "Kishida", "since": "2024-02-30"}, "since: since must be a date written YYYY-MM-DD, got '2024-02-30'"),
    ({"q": "Kishida", "colour": "blue"}, "colour: Extra inputs are not permitted"),
    ({"queries": ["NATO"] * 11}, "queries: List should have at most 10 items"),
    ({"queries": ["NATO"] * 11, "k": 100}, "queries: List should have at most 10 items"),
    ({"q": "Kishida", "k": 5.5}, "k: k must be between 1 and 100 (a whole number), got 5.5"),
    ({"q": "Kishida", "speaker": "!!!"}, "speaker: speaker must be a name with a letter or digit in it, got '!!!'"),
])
def test_post_search_options_are_strict_and_bounded(client, body, words):
    response = client.post("/search", json=body)
    assert response.status_code == 422, response.text
    assert words in response.json()["detail"]


AS_OF_TOO_EARLY = "as_of must be a date written YYYY-MM-DD, 1000-01-01 or later"


@pytest.mark.parametrize("q, as_of", [
    ("news yesterday", "0001-01-01"),  # each was an OverflowError: a 500
    ("news last year", "0500-01-01"),
    ("news last week", "0500-01-01"),
    ("news 999 days ago", "0500-01-01"),
    ("news in July 2024", "0999-12-31"),
])
def test_an_as_of_before_year_1000_is_422_naming_it(client, q, as_of):
    for response in (client.get("/search", params={"q": q, "as_of": as_of}),
                     client.post("/search", json={"q": q, "as_of": as_of}),
                     client.post("/search", json={"queries": [q, "Kishida"], "as_of": as_of})):
        assert response.status_code == 422, response.text
        assert response.json()["detail"] == f"as_of: {AS_OF_TOO_EARLY}, got '{as_of}'"


def test_date_phrases_at_the_ends_of_the_calendar_never_cause_a_500(client):
    for q, as_of in (("news in the past 999 years", "1000-01-01"), ("news before 0001-01-01", "2024-01-01"),
                     ("news after 9999-12-31", "9999-12-31"), ("news yesterday", "1000-01-01")):
        response = client.get("/search", params={"q": q, "as_of": as_of, "k": 1})
        assert response.status_code == 200, response.text
    data = client.get("/search", params={"q": "news in the past 999 years", "as_of": "1000-01-01"}).json()
    assert (data["interpreted"]["since"], data["interpreted"]["until"]) == ("0001-01-01", "1000-01-01")
    assert client.get("/search", params={"q": "news before 0001-01-01"}).json()["interpreted"] is None


def test_listing_pages_are_bounded_with_one_message_each(client):
    """Past 2**63 - 1 SQLite refused the offset with an OverflowError; the bound is far below it."""
    huge = "99999999999999999999"
    offset = f"offset: offset must be a whole number between 0 and 1,000,000,000, got {huge}"
    for path, params in (("/quotes", {"speaker": "Kishida", "offset": huge}), ("/speakers", {"offset": huge}),
                         ("/articles", {"offset": huge})):
        response = client.get(path, params=params)
        assert response.status_code == 422 and response.json()["detail"] == offset, response.text
    limit = client.get("/speakers", params={"limit": "0"})
    assert limit.json()["detail"] == "limit: limit must be a whole number between 1 and 100, got 0"
    speaker = client.get("/quotes", params={"speaker": "!!!"})
    assert speaker.json()["detail"] == "speaker: speaker must be a name with a letter or digit in it, got '!!!'"
    past = client.get("/speakers", params={"offset": "1000"}).json()
    assert past["speakers"] == [] and past["total"] == 3


def test_the_docs_state_the_batch_limits_the_server_enforces():
    from newsdex.api.schemas import MAX_BATCH, MAX_BATCH_RESULTS

    page = (Path(__file__).resolve().parent.parent / "docs" / "http" / "serving.md").read_text(encoding="utf-8")
    row = next(line for line in page.splitlines() if line.startswith("| `POST /search` |"))
    assert f"at most {MAX_BATCH}," in row and f"at most {MAX_BATCH_RESULTS:,}" in row, row
    assert f"A batch holds at most {MAX_BATCH} questions" in page


def test_a_date_range_that_holds_no_day_finds_nothing(client):
    """since after until: the schema allows it (it cannot order two fields), so it is no 422
    (issue 12: "422 for inputs the schema allows"); no article is in it. `ask` refuses it."""
    response = client.get("/search", params={"q": "Kishida", "since": "2024-06-01", "until": "2024-01-01"})
    assert response.status_code == 200 and response.json()["results"] == []


def test_batch_limits_allow_what_they_document(client):
    """At most 10 questions of at most 100 results each: k x questions <= 1,000 by construction."""
    assert client.post("/search", json={"queries": ["Kishida"] * 10, "k": 1, "highlight": False}).status_code == 200
    assert client.post("/search", json={"queries": ["Kishida"] * 10, "k": 100, "highlight": False}).status_code == 200


def test_a_json_number_with_no_fraction_is_the_whole_number_the_schema_says_it_is(client):
    """JSON Schema's "integer" holds 5.0 (tests/test_schema.py sends such bodies and expects them
    answered), so the docs say 5.0 is a k; 5.5, "5" and true are not (docs/guide/asking.md)."""
    as_float = client.post("/search", json={"q": "Kishida", "k": 2.0, "rrf_k": 60.0, "highlight": False})
    as_int = client.post("/search", json={"q": "Kishida", "k": 2, "rrf_k": 60, "highlight": False})
    assert as_float.status_code == 200 and as_float.json() == as_int.json()
    page = (Path(__file__).resolve().parent.parent / "docs" / "guide" / "asking.md").read_text(encoding="utf-8")
    assert "`5.0` is the whole number 5" in page


def test_a_megabyte_article_id_is_refused_before_any_lookup(client):
    for response in (client.post("/search", json={"q": "Kishida", "article": "x" * 1_000_000}),
                     client.get("/search", params={"q": "Kishida", "article": "x" * 5000})):
        assert response.status_code == 422, response.text
        detail = response.json()["detail"]
        assert "at most 1,000 characters" in detail and len(detail) < 200  # described, not echoed
        assert all(len(str(e)) < 500 for e in response.json()["errors"])


def test_get_search_reads_numbers_and_flags_from_the_query_string(client):
    data = client.get("/search", params={"q": "Kursk", "k": "2", "explain": "true", "highlight": "false",
                                         "rrf_k": "0", "lexical_weight": "0"}).json()
    assert len(data["results"]) == 2
    top = data["results"][0]
    assert top["highlights"] == [] and top["score"] == pytest.approx(1 / top["explain"]["dense_rank"])


def test_article_weight_is_a_search_option_over_http(seed_settings, embedder):
    # Passages fused (fuse_articles off), so that a result's score is its own ranks' sum.
    passages = seed_settings.model_copy(update={"fuse_articles": False})
    params = {"q": "Kishida North Korea Russia", "k": "2", "per_article": "1", "explain": "true", "highlight": "false",
              "rrf_k": "0"}
    with TestClient(create_app(passages, embedder)) as client:
        on = client.get("/search", params={**params, "article_weight": "2"}).json()["results"]
        off = client.post("/search", json={**params, "k": 2, "per_article": 1, "explain": True, "highlight": False,
                                            "rrf_k": 0, "article_weight": 0}).json()["results"]
        bad = client.get("/search", params={"q": "Kishida", "article_weight": "-1"})
    assert on[0]["explain"]["article_rank"] == 1 and all(r["explain"]["article_rank"] is None for r in off)
    for r in on:
        e = r["explain"]
        expected = sum(w / rank for w, rank in ((1, e["dense_rank"]), (1, e["lexical_rank"]), (2, e["article_rank"]))
                       if rank is not None)
        assert r["score"] == pytest.approx(expected, abs=1e-6)
    assert bad.status_code == 422 and bad.json()["detail"] == (
        "article_weight: article_weight must be a number of at least 0, got -1")


def test_query_string_numbers_are_quoted_back_as_written(client):
    response = client.get("/search", params={"q": "Kishida", "k": "500"})
    assert response.json()["detail"] == "k: k must be between 1 and 100 (a whole number), got 500"
    response = client.post("/search", json={"q": "Kishida", "k": "500"})  # in JSON, text is the problem
    assert response.json()["detail"] == "k: k must be between 1 and 100 (a whole number), got '500'"


def test_per_question_weights_change_the_order_over_http(client, searcher):
    question = next(q for q, _ in SEED_QUESTIONS
                    if searcher.search(q, k=3, mode="dense").results[0].passage_id
                    != searcher.search(q, k=3, mode="lexical").results[0].passage_id)
    ids = {}
    for side, weights in (("dense", {"lexical_weight": 0}), ("lexical", {"dense_weight": 0})):
        body = client.post("/search", json={"q": question, "k": 3, **weights}).json()
        ids[side] = [r["passage_id"] for r in body["results"]]
        alone = client.get("/search", params={"q": question, "k": 3, "mode": side}).json()
        assert ids[side][0] == alone["results"][0]["passage_id"]
    assert ids["dense"][0] != ids["lexical"][0]


def test_unknown_article_list_parameters_are_422(client):
    response = client.get("/articles", params={"limit": 5, "colour": "blue"})
    assert response.status_code == 422 and "colour: Extra inputs are not permitted" in response.json()["detail"]
    assert client.get("/articles", params={"limit": 5}).status_code == 200


def test_openapi_describes_exactly_the_search_options(client):
    from newsdex.api.schemas import MAX_BATCH
    from newsdex.search.options import SearchOptions

    spec = client.get("/openapi.json").json()
    options = set(SearchOptions.model_fields)
    get = {p["name"]: p for p in spec["paths"]["/search"]["get"]["parameters"] if p["in"] == "query"}
    assert set(get) == options | {"q", "format"}  # format: the answer as JSON or an export (search.export)
    k = get["k"]["schema"]
    assert k["type"] == "integer" and (k["minimum"], k["maximum"]) == (1, 100)
    listing = spec["paths"]["/articles"]["get"]["parameters"]
    assert {p["name"] for p in listing if p["in"] == "query"} == {"limit", "offset"}
    body = spec["components"]["schemas"]["SearchBody"]
    assert set(body["properties"]) == options | {"q", "queries"}
    assert body["additionalProperties"] is False
    assert body["properties"]["k"]["type"] == "integer"
    assert body["properties"]["queries"]["maxItems"] == MAX_BATCH
    assert body["properties"]["article"]["anyOf"][0]["maxLength"] == 1000


def test_malformed_json_is_422(client):
    response = client.post("/search", content=b'{"q": "Kishida",', headers={"Content-Type": "application/json"})
    assert response.status_code == 422 and "not valid JSON" in response.json()["detail"]


@pytest.mark.parametrize("question", [
    "\x00\x00", "Kishida\x00said", '"NEAR(Kishida Yoon)" OR *', "'; DROP TABLE articles; --", "🇯🇵 🇰🇷 ✈️",
    "مرحبا Kishida", "Kishida " * 120, "%s%s%n", "<script>alert(1)</script>", "\u202e\ufeff\u200b",
])
def test_nasty_questions_never_cause_a_500(client, question):
    for response in (client.get("/search", params={"q": question}), client.post("/search", json={"q": question})):
        assert response.status_code in (200, 422), response.text
        assert "detail" in response.json() or "results" in response.json()


def test_nasty_bodies_and_paths_never_cause_a_500(client):
    as_json = {"Content-Type": "application/json"}
    assert client.post("/search", content=b'{"q": "\\ud800"}', headers=as_json).status_code == 422
    deep = b"[" * 100_000 + b"]" * 100_000
    assert client.post("/search", content=deep, headers={"Content-Type": "application/json"}).status_code in (400, 422)
    assert client.post("/search", content=b"\xff\xfe\x00", headers=as_json).status_code in (400, 422)
    for path in ("/articles/..%2F..%2Fetc%2Fpasswd", "/articles/%00", "/articles/" + "x" * 5000):
        assert client.get(path).status_code == 404
    assert client.get("/search", params={"q": "Kishida", "source": "x' OR 1=1 --"}).json()["results"] == []
    assert client.get("/articles", params={"offset": 10**30}).status_code == 422


def test_unknown_routes_and_methods_answer_json(client):
    assert client.get("/nowhere").json()["detail"] == "Not Found"  # problem details (tests/test_operations.py)
    response = client.put("/search")
    assert response.status_code == 405 and "detail" in response.json()


# -- articles ------------------------------------------------------------------------------


def test_articles_are_listed_newest_first_one_page_at_a_time(writer):
    writer.post("/articles", headers=AUTH, json={"articles": [
        {**BRIDGE, "id": "older", "published": "2020-05-01"}, {**BRIDGE, "id": "newer", "published": "2024-05-01"}]})
    first = writer.get("/articles", params={"limit": 2}).json()
    assert [a["id"] for a in first["articles"]] == ["newer", "older"]  # undated seeds come last
    assert first["total"] == 4 and first["next_offset"] == 2
    last = writer.get("/articles", params={"limit": 2, "offset": 2}).json()
    assert {a["id"] for a in last["articles"]} == {SEED_ID, "004_2650b881156c7f74"} and last["next_offset"] is None
    for params in ({"limit": 0}, {"limit": 101}, {"offset": -1}, {"limit": "many"}):
        assert writer.get("/articles", params=params).status_code == 422


def test_article_detail_has_clean_text_metadata_and_passages(client):
    data = client.get(f"/articles/{SEED_ID}").json()
    assert data["title"].startswith("North Korean-Russian ties")
    assert data["source"] == "AA" and data["author"] == "Riyaz ul Khaliq"
    assert "Kishida" in data["text"]
    assert [p["position"] for p in data["passages"]] == list(range(len(data["passages"])))
    assert all(p["text"] for p in data["passages"])


def test_origin_is_the_file_below_the_article_folder_never_a_server_path(client, seed_settings, embedder, tmp_path):
    assert client.get(f"/articles/{SEED_ID}").json()["origin"] == f"{SEED_ID}.txt"
    elsewhere = Settings(index_dir=seed_settings.index_dir, seeds_dir=tmp_path)  # indexed from another folder
    with TestClient(create_app(elsewhere, embedder)) as other:
        assert other.get(f"/articles/{SEED_ID}").json()["origin"] == f"{SEED_ID}.txt"
        assert str(SEEDS) not in other.get(f"/articles/{SEED_ID}").text


def test_unknown_article_is_404(client):
    response = client.get("/articles/no-such-article")
    assert response.status_code == 404 and "no-such-article" in response.json()["detail"]


# -- writes --------------------------------------------------------------------------------


def test_writes_without_a_configured_key_are_403_and_say_how_to_configure_one(client):
    for response in (client.post("/articles", json={"articles": [BRIDGE]}), client.delete(f"/articles/{SEED_ID}"),
                     client.post("/index/rebuild")):
        assert response.status_code == 403
        assert "NEWSDEX_API_KEY" in response.json()["detail"]


def test_writes_need_the_right_key(writer):
    before = build_of(writer)
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {KEY}"},
                    {"Authorization": "Bearer ключ".encode()}):
        response = writer.delete(f"/articles/{SEED_ID}", headers=headers)
        assert response.status_code == 401, headers
        assert response.headers["WWW-Authenticate"] == "Bearer"
    assert build_of(writer) == before


def test_posted_article_is_searchable_replaceable_and_deletable(writer):
    added = writer.post("/articles", headers=AUTH, json={"articles": [BRIDGE]}).json()
    assert (added["added"], added["articles"], added["build"]) == (1, 3, build_of(writer))
    hits = writer.get("/search", params={"q": "How much did the Springfield bridge cost?", "k": 1}).json()["results"]
    assert hits[0]["article_id"] == BRIDGE["id"] and hits[0]["published"] == "2024-11-20"
    dated = writer.get("/search", params={"q": "bridge", "since": "2024-11-01", "until": "2024-11-30"}).json()
    assert {r["article_id"] for r in dated["results"]} == {BRIDGE["id"]}
    detail = writer.get(f"/articles/{BRIDGE['id']}").json()  # an id with a slash
    assert detail["origin"] == "api" and detail["source"] == "Example Wire"

    again = writer.post("/articles", headers=AUTH, json={"articles": [BRIDGE]}).json()
    assert (again["unchanged"], again["passages_embedded"]) == (1, 0)
    changed = {**BRIDGE, "text": BRIDGE["text"].replace("forty", "fifty")}
    assert writer.post("/articles", headers=AUTH, json={"articles": [changed]}).json()["updated"] == 1
    assert "fifty" in writer.get(f"/articles/{BRIDGE['id']}").json()["text"]

    deleted = writer.delete(f"/articles/{BRIDGE['id']}", headers=AUTH).json()
    assert (deleted["removed"], deleted["articles"]) == (1, 2)
    assert writer.get(f"/articles/{BRIDGE['id']}").status_code == 404
    hits = writer.get("/search", params={"q": "Springfield bridge", "k": 5}).json()["results"]
    assert all(r["article_id"] != BRIDGE["id"] for r in hits)


@pytest.mark.parametrize("articles, words", [
    ([{"id": "a"}], "text: Field required"),
    ([{"id": "a", "text": "   "}], "has no 'text'"),
    ([{"text": "No id here."}], "id: Field required"),
    ([{"id": "a", "text": "Body.", "title": 5}], "title:"),
    ([{"id": "a", "text": "Body.", "colour": "blue"}], "colour:"),
    ([], "articles:"),
])
def test_bad_articles_are_422_and_write_nothing(writer, articles, words):
    before = build_of(writer)
    response = writer.post("/articles", headers=AUTH, json={"articles": articles})
    assert response.status_code == 422, response.text
    assert words in response.json()["detail"]
    assert build_of(writer) == before


def test_an_id_twice_in_one_request_is_a_conflict_and_writes_nothing(writer):
    """Each copy is valid on its own (as the schema says), together they conflict: 409."""
    before = build_of(writer)
    response = writer.post("/articles", headers=AUTH, json={"articles": [BRIDGE, BRIDGE]})
    assert response.status_code == 409, response.text
    assert "appears twice" in response.json()["detail"]
    assert build_of(writer) == before


@pytest.mark.parametrize("url", ["javascript:alert(document.domain)", "data:text/html,hi", "/relative"])
def test_articles_with_urls_other_than_http_are_refused(writer, url):
    before = build_of(writer)
    response = writer.post("/articles", headers=AUTH, json={"articles": [{**BRIDGE, "url": url}]})
    assert response.status_code == 422
    assert "articles.0.url" in response.json()["detail"] and "http and https" in response.json()["detail"]
    assert build_of(writer) == before
    kept = writer.post("/articles", headers=AUTH, json={"articles": [{**BRIDGE, "url": "https://news.example/b"}]})
    assert writer.get(f"/articles/{BRIDGE['id']}").json()["url"] == "https://news.example/b", kept.text


def test_an_old_index_holding_a_javascript_url_never_returns_it(seed_settings, embedder, tmp_path):
    import sqlite3

    settings = _copy_index(seed_settings, tmp_path)
    db = sqlite3.connect(settings.index_dir / "current" / "newsdex.db")
    db.execute("UPDATE articles SET url = 'javascript:alert(document.domain)' WHERE id = ?", (SEED_ID,))
    db.commit()
    db.close()
    with TestClient(create_app(settings, embedder)) as client:
        assert client.get(f"/articles/{SEED_ID}").json()["url"] is None
        listed = {a["id"]: a["url"] for a in client.get("/articles").json()["articles"]}
        assert listed[SEED_ID] is None
        results = client.get("/search", params={"q": "Kishida Yoon NATO", "k": 10}).json()["results"]
        assert any(r["article_id"] == SEED_ID for r in results)
        assert all(r["url"] is None for r in results if r["article_id"] == SEED_ID)


def test_deleting_an_unknown_article_is_404_and_changes_nothing(writer):
    before = build_of(writer)
    response = writer.delete("/articles/no-such-article", headers=AUTH)
    assert response.status_code == 404 and "no-such-article" in response.json()["detail"]
    assert build_of(writer) == before


def test_rebuild_makes_a_new_build_and_keeps_api_articles(writer):
    writer.post("/articles", headers=AUTH, json={"articles": [BRIDGE]})
    before = build_of(writer)
    report = writer.post("/index/rebuild", headers=AUTH).json()
    assert report["build"] != before and report["build"] == build_of(writer)
    assert (report["added"], report["articles"], report["api_articles_kept"]) == (3, 3, 1)
    assert writer.get(f"/articles/{BRIDGE['id']}").status_code == 200
    assert writer.get("/search", params={"q": "Kishida"}).json()["results"]


def test_oversized_bodies_are_413_with_or_without_content_length(seed_settings, embedder, tmp_path):
    settings = Settings(index_dir=seed_settings.index_dir, max_body_bytes=2000, api_key=KEY)
    with TestClient(create_app(settings, embedder)) as client:
        big = {"queries": ["what did Kishida say to Yoon about Russia"] * 60, "k": 1}
        response = client.post("/search", json=big)
        assert response.status_code == 413 and "2000 bytes" in response.json()["detail"]

        def chunks():  # a streamed body: no Content-Length to trust
            for _ in range(10):
                yield b'{"q": "' + b"x" * 500

        response = client.post("/search", content=chunks(), headers={"Content-Type": "application/json"})
        assert response.status_code == 413
        assert client.post("/search", json={"q": "Kishida", "k": 1}).status_code == 200


def test_a_read_key_closes_searches_and_the_write_key_opens_them(seed_settings, embedder):
    settings = Settings(index_dir=seed_settings.index_dir, read_key="reader", api_key=KEY)
    with TestClient(create_app(settings, embedder)) as client:
        assert client.get("/search", params={"q": "Kishida"}).status_code == 401
        assert client.get(f"/articles/{SEED_ID}").status_code == 401
        reader = {"Authorization": "Bearer reader"}
        assert client.get("/search", params={"q": "Kishida"}, headers=reader).status_code == 200
        assert client.get("/articles", headers=AUTH).status_code == 200
        assert client.get("/health").status_code == 200 and client.get("/ready").status_code == 200
        assert client.delete(f"/articles/{SEED_ID}", headers=reader).status_code == 401


# -- serving while the index changes -------------------------------------------------------


def test_an_index_rebuilt_on_disk_is_picked_up_on_the_next_request(writer, embedder, seed_copy):
    before = build_of(writer)
    settings = writer.app.state.settings
    (seed_copy / "bridge.txt").write_text(f"{BRIDGE['title']}\n\n{BRIDGE['text']}\n", encoding="utf-8")
    Indexer(settings, embedder).build([seed_copy], rebuild=True)  # what `newsdex index --rebuild` does
    assert build_of(writer) != before
    hits = writer.get("/search", params={"q": "Springfield bridge cost", "k": 1}).json()["results"]
    assert hits[0]["article_id"] == "bridge"


def test_a_search_in_flight_keeps_its_build_through_a_swap(seed_settings, embedder, tmp_path):
    settings = _copy_index(seed_settings, tmp_path)
    live = LiveIndex(settings, embedder)
    with live.searcher() as old:
        Indexer(settings, embedder).build([SEEDS], rebuild=True)  # swaps `current` and deletes the old build
        with live.searcher() as new:
            assert new is not old and new.store.build_name != old.store.build_name
        assert not old.store.build_dir.exists()
        assert old.search("Kishida", k=2).results  # open handles outlive the deleted files
    with pytest.raises(Exception):  # noqa: B017 - any error from a closed store will do; it must not answer
        old.store.article_count()  # closed once its last user let go
    assert live.swaps == 1
    live.close()


# -- issue 12: what an attacker or a careless client sends ------------------------------------

def test_the_page_answers_head(client):
    assert client.head("/").status_code == 200


def test_open_reads_declare_no_key_and_keyed_reads_do(client, seed_settings, embedder):
    """The schema says a key is needed exactly where one is (schemathesis found the mismatch)."""
    def security(app_client) -> set:
        paths = app_client.get("/openapi.json").json()["paths"]
        return {path for path, ops in paths.items() for op in ops.values() if op.get("security")}

    assert security(client) == {"/articles", "/articles/{article_id}", "/index/rebuild"}  # the writes only
    keyed = seed_settings.model_copy(update={"read_key": SecretStr("reader")})
    with TestClient(create_app(keyed, embedder)) as guarded:
        assert {"/search", "/articles/{article_id}"} <= security(guarded)
        assert guarded.get("/search", params={"q": "Kursk"}).status_code == 401
        assert guarded.get("/search", params={"q": "Kursk"},
                           headers={"Authorization": "Bearer reader"}).status_code == 200


@pytest.mark.parametrize("field, value", [("text", "Harbour strike \ud800 today"), ("title", "\udfff"),
                                          ("id", "bad-\ud800")])
def test_lone_surrogates_in_a_posted_article_are_422_and_nothing_is_written(writer, field, value):
    article = {"id": "surrogate", "title": "Strike", "text": "Harbour workers struck on Monday."}
    article[field] = value
    before = build_of(writer)
    body = json.dumps({"articles": [article]})  # ASCII JSON: the surrogate travels as its \\ud800 escape
    response = writer.post("/articles", headers={**AUTH, "Content-Type": "application/json"}, content=body)
    assert response.status_code == 422 and field in response.json()["detail"]
    assert build_of(writer) == before


def test_ids_longer_than_the_limit_are_refused_and_never_found(writer):
    long_id = "x" * 1001
    response = writer.post("/articles", headers=AUTH, json={"articles": [{"id": long_id, "text": "Words."}]})
    assert response.status_code == 422 and "1000" in response.json()["detail"]
    assert writer.get(f"/articles/{long_id}").status_code == 404  # no such id can have been written
    assert writer.delete(f"/articles/{long_id}", headers=AUTH).status_code == 404


def test_post_search_schema_requires_q_or_queries(client):
    schema = client.get("/openapi.json").json()["components"]["schemas"]["SearchBody"]
    assert schema["oneOf"] == [{"required": ["q"]}, {"required": ["queries"]}]
    assert "anyOf" not in schema["properties"]["q"] and schema["properties"]["q"]["type"] == "string"
    for body in ({}, {"q": None}, {"q": "Kursk", "queries": ["Kursk"]}, {"q": "\x00"}):
        assert client.post("/search", json=body).status_code == 422


def test_a_key_put_in_a_url_is_not_written_to_the_access_log():
    import logging

    from newsdex.api.middleware import REDACT_SECRETS

    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5000", "GET", "/search?q=Kursk&api_key=s3cret&token=t0k", "1.1", 200),
                               None)
    assert REDACT_SECRETS.filter(record)
    line = record.getMessage()
    assert "s3cret" not in line and "t0k" not in line
    assert "q=Kursk&api_key=[redacted]&token=[redacted]" in line


def test_the_favicon_is_served_not_a_404(client):
    for path in ("/favicon.ico", "/static/favicon.svg"):
        answer = client.get(path)
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("image/svg+xml"), path
