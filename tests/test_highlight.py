"""Lexical search and highlighting: query terms, sentence and term offsets, the sentence cache."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from newsdex.index.sentences import sentence_spans
from newsdex.search.grouping import Hit, group_hits
from newsdex.search.highlight import best_sentences, highlights_for
from newsdex.search.question.terms import query_terms, term_spans


def test_query_terms_drop_stop_words_and_keep_numbers():
    assert query_terms("What did Kishida's 75th NATO summit say about the 2 Koreas?") == [
        "kishida", "75th", "nato", "summit", "say", "about", "2", "koreas"]


def test_query_terms_never_carry_query_syntax():
    terms = query_terms('Kursk" OR NEAR(a b) * -troops ^title:x')
    assert all(t.replace("_", "").isalnum() for t in terms)
    assert "kursk" in terms and "troops" in terms


def test_term_spans_find_words_and_close_forms():
    text = "Summits were held; the summit met."
    spans = term_spans(text, ["summit"])
    assert [text[s:e] for s, e in spans] == ["Summits", "summit"]


def test_sentence_spans_point_at_each_sentence():
    text = "Yoon met Ishiba in Lima, Peru, Nov. 15, 2024. They agreed.\nNext year is the 60th anniversary."
    spans = sentence_spans(text)
    assert [text[s:e] for s, e in spans] == [
        "Yoon met Ishiba in Lima, Peru, Nov. 15, 2024.", "They agreed.", "Next year is the 60th anniversary."]


words = st.sampled_from(["Tokyo", "Seoul", "said", "the", "troops", "Dr.", "U.S.", "75th", "war", "“quoted”"])
sentence_st = st.lists(words, min_size=1, max_size=8).map(lambda ws: " ".join(ws) + ".")
paragraph_st = st.lists(sentence_st, min_size=1, max_size=4).map(" ".join)
passage_st = st.lists(paragraph_st, min_size=1, max_size=3).map("\n".join)


@given(passage_st)
def test_sentence_spans_are_ordered_disjoint_and_cover_every_word(text):
    spans = sentence_spans(text)
    assert spans == sorted(spans)
    for (_, e1), (s2, _) in zip(spans, spans[1:]):
        assert e1 <= s2
    bounds = [0] + [x for span in spans for x in span] + [len(text)]
    gaps = [text[bounds[i]:bounds[i + 1]] for i in range(0, len(bounds), 2)]
    assert all(not gap.strip() for gap in gaps)  # everything outside the sentences is white space
    for s, e in spans:
        assert text[s:e] == text[s:e].strip() and e > s


def test_best_sentences_take_the_top_one_and_near_ties():
    assert best_sentences([0.1, 0.5, 0.2]) == [1]
    assert best_sentences([0.49, 0.1, 0.5]) == [0, 2]
    assert best_sentences([]) == []


def test_term_highlights_fall_inside_their_sentence():
    text = "Troops were sent. North Korean troops went to Kursk."
    spans = sentence_spans(text)
    marks = highlights_for(text, spans, [1], ["troops", "kursk"])
    sentence = [m for m in marks if m.kind == "sentence"]
    terms = [text[m.start:m.end] for m in marks if m.kind == "term"]
    assert [text[m.start:m.end] for m in sentence] == ["North Korean troops went to Kursk."]
    assert terms == ["troops", "Kursk"]


WIRE = ("The central bank raised its main rate by a quarter point on Thursday, citing stubborn price "
        "growth in services and a tight labour market, and signalled that more increases may follow.")


def test_copies_of_one_story_fold_into_the_first_with_also_in():
    hits = [Hit(1, "herald", WIRE), Hit(2, "post", WIRE + " Reporting by "
                                                          "staff."), Hit(3, "herald", "Other news entirely, "
            "about a football match that ended in a draw after ninety minutes of rain."), Hit(4, "times", WIRE)]
    kept = group_hits(hits)
    assert [h.passage_id for h in kept] == [1, 3]
    assert kept[0].also_in == ["post", "times"]


def test_per_article_keeps_at_most_n_passages_of_one_article():
    hits = [Hit(i, "a" if i < 5 else "b", f"passage number {i} of a story") for i in range(8)]
    kept = group_hits(hits, per_article=2, limit=3)
    assert [(h.article_id, h.passage_id) for h in kept] == [("a", 0), ("a", 1), ("b", 5)]


class _Counting:
    """The real embedder, counting the texts it is asked to encode."""

    def __init__(self, embedder) -> None:
        self.embedder, self.texts = embedder, 0

    def encode(self, texts):
        self.texts += len(texts)
        return self.embedder.encode(texts)


def test_sentence_cache_gives_the_same_highlights_without_the_model(embedder):
    from newsdex.search.highlight import SentenceCache, highlight_passages

    texts = ["Kishida told Yoon the ties matter. The summit ended on Friday.",
             "Troops were sent to Kursk. Pyongyang has not confirmed it."]
    question = embedder.encode(["where were the troops sent"])[0]
    vectors = np.vstack([question, question])
    terms = [["troops", "sent"], ["troops", "sent"]]
    cache = SentenceCache(size=8)
    counting = _Counting(embedder)
    first = highlight_passages(vectors, texts, terms, counting, cache)
    assert counting.texts == 4
    again = highlight_passages(vectors, texts, terms, counting, cache)
    assert again == first and counting.texts == 4  # nothing embedded the second time
    small = SentenceCache(size=1)
    highlight_passages(vectors, texts, terms, counting, small)
    assert small.get(texts[0]) is None and small.get(texts[1]) is not None
