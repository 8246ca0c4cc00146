"""The collections of a build as Milvus is asked to make them: their names, fields and
indexes, the parameters of each index, and the properties the passages collection carries.

A build is four collections sharing one name, `{alias}_{build}`:
- `{alias}_{build}`: a row per passage: its vector, text and BM25 terms, and the article's
  fields that filters and results need; the manifest is a property of this collection;
- `..._articles`: the articles, their text cut into parts (a VARCHAR holds 64 KB);
- `..._statements`: who said what (index.statements), with how each article names the speaker
  (index.people; a build made before that keeps none until `--rebuild`);
- `..._article_terms`: each article's BM25 terms as one document (whole-article BM25, fused
  in when results are grouped per article); an article of more terms than a VARCHAR holds
  (about 3,800) is cut into several documents, the article scored by its best one.
Milvus refuses a collection without a vector field, so the last three carry a 2-d placeholder.
A build made before the last collection existed gets it, filled from its articles, at its
next update.
"""

from __future__ import annotations

MANIFEST_PROPERTY = "newsdex.manifest"
VERSION_PROPERTY = "newsdex.version"  # changes with every commit: a server's cue to reopen
ARTICLES_SUFFIX = "_articles"
STATEMENTS_SUFFIX = "_statements"
ARTICLE_TERMS_SUFFIX = "_article_terms"
PLACEHOLDER_DIM = 2
VARCHAR_BYTES = 65_535
ID_CHARS = 2_048
FORMS_BYTES = 8_192  # a statement's speaker forms as JSON (index.people.MAX_FORMS of them at most)
BM25_PARAMS = {"bm25_k1": 1.2, "bm25_b": 0.75}  # tantivy's (index.bm25)
# Search parameters per index type, near FAISS's defaults here (index.vectors).
SEARCH_PARAMS = {"HNSW": {"ef": 128}, "HNSW_SQ": {"ef": 128}, "IVF_FLAT": {"nprobe": 16}, "IVF_SQ8": {"nprobe": 16},
                 "IVF_PQ": {"nprobe": 16}, "DISKANN": {"search_list": 128}}
BUILD_PARAMS = {"HNSW": {"M": 32, "efConstruction": 200}, "HNSW_SQ": {"M": 32, "efConstruction": 200}}

PASSAGE_OUTPUT = ["id", "article_id", "position", "text", "title", "source", "published", "url"]
ARTICLE_FIELDS = ["title", "subtitle", "author", "dateline", "source", "published", "url", "origin",
                  "content_hash", "indexed_at", "lang"]
STATEMENT_FIELDS = ["position", "speaker", "cue", "kind", "text", "text_start", "text_end", "passage_id",
                    "passage_start", "passage_end"]


class _Names:
    """The collections of one build, from its passages collection's name."""

    def __init__(self, passages: str) -> None:
        self.passages = passages
        self.articles = passages + ARTICLES_SUFFIX
        self.statements = passages + STATEMENTS_SUFFIX
        self.article_terms = passages + ARTICLE_TERMS_SUFFIX

    def all(self) -> list[str]:
        return [self.passages, self.articles, self.statements, self.article_terms]


def _schemas(pymilvus, client, dimension: int, index_type: str):
    """(schema, index params) of the three collections of a build."""
    DataType = pymilvus.DataType

    def text(schema, name: str, length: int = ID_CHARS, nullable: bool = False) -> None:
        schema.add_field(name, DataType.VARCHAR, max_length=length, nullable=nullable)

    passages = client.create_schema(auto_id=False, enable_dynamic_field=False)
    passages.add_field("id", DataType.INT64, is_primary=True)
    passages.add_field("vector", DataType.FLOAT_VECTOR, dim=dimension)
    text(passages, "article_id")
    passages.add_field("position", DataType.INT64)
    text(passages, "text", VARCHAR_BYTES)
    passage_index = client.prepare_index_params()
    _add_bm25(pymilvus, passages, passage_index)
    text(passages, "title", VARCHAR_BYTES)
    text(passages, "source", nullable=True)
    text(passages, "source_key")  # source as filters compare it; "" for none
    text(passages, "published", 64, nullable=True)
    text(passages, "day", 16)  # the publication date (YYYY-MM-DD), "" for none
    text(passages, "url", ID_CHARS * 4, nullable=True)
    text(passages, "lang", 16)  # "" for none
    text(passages, "sentences", VARCHAR_BYTES)
    passage_index.add_index("vector", index_type=index_type, metric_type="IP",
                             params=_index_params(BUILD_PARAMS.get(index_type, {})))

    articles = client.create_schema(auto_id=False, enable_dynamic_field=False)
    articles.add_field("key", DataType.INT64, is_primary=True)
    articles.add_field("placeholder", DataType.FLOAT_VECTOR, dim=PLACEHOLDER_DIM)
    text(articles, "article_id")
    articles.add_field("part", DataType.INT64)
    text(articles, "text", VARCHAR_BYTES)
    for name in ARTICLE_FIELDS:
        text(articles, name, ID_CHARS * 4 if name in ("title", "url", "origin") else ID_CHARS,
             nullable=name not in ("title", "content_hash", "indexed_at"))
    text(articles, "day", 16)

    statements = client.create_schema(auto_id=False, enable_dynamic_field=False)
    statements.add_field("id", DataType.INT64, is_primary=True)
    statements.add_field("placeholder", DataType.FLOAT_VECTOR, dim=PLACEHOLDER_DIM)
    text(statements, "article_id")
    for name in STATEMENT_FIELDS:
        if name in ("speaker", "cue", "kind"):
            text(statements, name, ID_CHARS, nullable=name == "speaker")
        elif name == "text":
            text(statements, name, VARCHAR_BYTES)
        else:
            statements.add_field(name, DataType.INT64, nullable=name.startswith("passage_"))
    for name in ("source_key", "day", "lang"):
        text(statements, name, ID_CHARS)
    # How the article names the speaker (index.people), a JSON list; a build made before has no
    # such field, and keeps no forms until rebuilt.
    text(statements, "forms", FORMS_BYTES, nullable=True)

    placeholder_index = client.prepare_index_params()
    placeholder_index.add_index("placeholder", index_type="FLAT", metric_type="L2")
    return [(passages, passage_index), (articles, placeholder_index), (statements, placeholder_index),
            _article_terms_schema(pymilvus, client)]


def _article_terms_schema(pymilvus, client):
    """(schema, index params) of a build's whole-article BM25 collection (see the module docstring)."""
    DataType = pymilvus.DataType
    schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("key", DataType.INT64, is_primary=True)
    schema.add_field("placeholder", DataType.FLOAT_VECTOR, dim=PLACEHOLDER_DIM)
    schema.add_field("article_id", DataType.VARCHAR, max_length=ID_CHARS)
    schema.add_field("lead", DataType.INT64)  # the article's lead passage, which stands for it
    for name in ("source_key", "day", "lang"):  # what filters read (expression)
        schema.add_field(name, DataType.VARCHAR, max_length=ID_CHARS)
    index = client.prepare_index_params()
    index.add_index("placeholder", index_type="FLAT", metric_type="L2")
    _add_bm25(pymilvus, schema, index)
    return schema, index


def _add_bm25(pymilvus, schema, index) -> None:
    """BM25 over a collection's coded terms (see index.milvus.terms): the `terms` text,
    the `sparse` field Milvus's BM25 function fills from it, and that field's index."""
    schema.add_field("terms", pymilvus.DataType.VARCHAR, max_length=VARCHAR_BYTES, enable_analyzer=True,
                     analyzer_params={"tokenizer": "standard"})
    schema.add_field("sparse", pymilvus.DataType.SPARSE_FLOAT_VECTOR)
    schema.add_function(pymilvus.Function(name="bm25", function_type=pymilvus.FunctionType.BM25,
                                          input_field_names=["terms"], output_field_names=["sparse"]))
    index.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25", params=_index_params(BM25_PARAMS))


def _create_collection(client, name: str, schema, index) -> None:
    """Create and load a collection with its indexes, without pymilvus's wait for each index:
    it sleeps half a second before asking whether the index is built, 3 s of every build's six
    indexes on collections that are empty (measured: most of a seed build into Milvus Lite).
    The CreateIndex call itself is still waited for, so loading finds every index defined."""
    client.create_collection(name, schema=schema)
    client.create_index(name, index, sync=False)
    client.load_collection(name)


def _index_params(values: dict) -> dict:
    """An index's build parameters in the form every Milvus reads: one JSON `params` entry.

    pymilvus sends a plain dict as one entry per key, which a Milvus server reads but Milvus
    Lite 3.2 drops, building with its defaults instead (BM25 with k1 = 1.5, not tantivy's
    1.2: measured, docs/scale.md). The server's proxy merges a `params` entry into the others
    (parseIndexParams), so this form means the same to both."""
    return {"params": values} if values else {}
