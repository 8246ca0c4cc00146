"""The build's progress bar: a total from the files found, one step per article, passages/s."""

from __future__ import annotations

import json

from conftest import SEEDS

from newsdex.index.build import Indexer, expected_articles
from newsdex.settings import Settings


def test_the_total_counts_one_article_a_file_and_one_a_jsonl_line(tmp_path):
    (tmp_path / "a.txt").write_text("Title\n\nBody text here.\n", encoding="utf-8")
    (tmp_path / "b.jsonl").write_text("".join(json.dumps({"id": f"r{i}", "text": "x"}) + "\n" for i in range(3)),
                                      encoding="utf-8")
    (tmp_path / "notes.bin").write_bytes(b"\x00")
    assert expected_articles([tmp_path], Settings(index_dir=tmp_path / "idx")) == 4


def test_a_build_shows_articles_out_of_the_total_and_passages_a_second(tmp_path, embedder, capsys):
    settings = Settings(index_dir=tmp_path / "idx")
    Indexer(settings, embedder).build([SEEDS], progress=True)
    shown = capsys.readouterr().err
    assert "indexing" in shown and "2/2" in shown and "passages/s" in shown
