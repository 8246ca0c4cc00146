"""People, not strings (index.people): one person per article however it names them, their forms, and one
person across the archive. Sentences written for these tests."""

from __future__ import annotations

import time

from newsdex.index.people import attributed, merge_speakers, people_in, person_key
from newsdex.index.rows import SpeakerRow
from newsdex.index.statements import Statement, statements_in

ARTICLE = [
    "Prime Minister Jane Roe defended the budget on Monday.",
    '"We will not raise taxes," Ms Roe told reporters.',
    "Roe said the cuts were fair.",
    "Tory leader John Doe said the plan was wrong.",
]


def test_a_surname_speaker_is_the_full_name_the_article_gives():
    people = people_in("\n\n".join(ARTICLE), ["Roe", "Jane Roe", "Doe"])
    assert people["Roe"].name == people["Jane Roe"].name == "Jane Roe"
    assert people["Doe"].name == "John Doe"


def test_an_article_s_forms_for_a_person_are_stored_with_them():
    forms = people_in("\n\n".join(ARTICLE), ["Roe"])["Roe"].forms
    assert forms[0] == "Jane Roe"
    assert {"Ms Roe", "Roe", "Prime Minister Jane Roe", "the prime minister"} <= set(forms)
    doe = people_in("\n\n".join(ARTICLE), ["John Doe"])["John Doe"].forms
    assert {"the Tory leader", "the leader"} <= set(doe)


def test_a_role_beside_a_name_is_a_form_either_way_round():
    text = "Lord Goldsmith, the attorney general, spoke. Later the home secretary, Charles Clarke, said it was fair."
    people = people_in(text, ["Lord Goldsmith", "Charles Clarke"])
    assert "the attorney general" in people["Lord Goldsmith"].forms
    assert "the home secretary" in people["Charles Clarke"].forms


def test_a_role_two_people_hold_in_one_article_is_neither_s_form():
    text = "Labour leader Ann Ray said yes. Tory leader Bob Kay said no."
    people = people_in(text, ["Ann Ray", "Bob Kay"])
    assert "the leader" not in people["Ann Ray"].forms + people["Bob Kay"].forms
    assert "the Labour leader" in people["Ann Ray"].forms and "the Tory leader" in people["Bob Kay"].forms


def test_a_shadow_role_is_not_the_role():
    people = people_in("Shadow chancellor Ed Fox said the sums were wrong.", ["Ed Fox"])
    assert "the shadow chancellor" in people["Ed Fox"].forms and "the chancellor" not in people["Ed Fox"].forms


def test_a_surname_two_people_share_stays_as_written():
    text = "Tony Blair spoke. Sir Ian Blair, the police chief, spoke too. Blair said it was late. Sir Ian said no."
    people = people_in(text, ["Blair", "Sir Ian Blair"])
    assert people["Blair"].name == "Blair"
    assert "Sir Ian" in people["Sir Ian Blair"].forms


def test_mr_never_means_a_knight():
    text = "Tony Blair spoke. Sir Ian Blair spoke too. Mr Blair said it was late."
    people = people_in(text, ["Mr Blair", "Tony Blair"])
    assert people["Mr Blair"].name == "Tony Blair" and "Mr Blair" in people["Tony Blair"].forms


def test_attributed_gives_no_speaker_to_a_statement_the_article_leaves_unnamed():
    paragraphs = ["Jane Roe visited Leeds.", "Ms Roe said the plan was wrong.",
                  "A spokesman said that the figures were correct."]
    pairs = attributed(paragraphs, statements_in(paragraphs))
    assert [(s.speaker, bool(forms)) for s, forms in pairs] == [("Jane Roe", True), (None, False)]
    # only the speaker's name changes: the words and their offsets are the article's
    found = statements_in(paragraphs)
    assert [(s.text, s.start, s.end) for s, _ in pairs] == [(s.text, s.start, s.end) for s in found]


def test_attributed_keeps_a_statement_whose_speaker_the_article_does_not_name():
    statement = Statement(speaker=None, cue="said", kind="indirect", text="x", start=0, end=1)
    assert attributed(["x said"], [statement]) == [(statement, ())]


def test_one_person_across_the_archive_for_one_full_name():
    assert person_key("Sir Menzies Campbell") == person_key("Menzies Campbell") == ("menzies", "campbell")
    assert person_key("Lord Butler") == ("lord", "butler")  # a title that is how one is named stays
    rows = [SpeakerRow("Menzies Campbell", 3, 2, ("Mr Campbell",)), SpeakerRow("Tony Blair", 2, 1),
            SpeakerRow("Sir Menzies Campbell", 1, 1, ("Sir Menzies",))]
    people = merge_speakers(rows)
    assert [(p.name, p.statements, p.articles) for p in people] == [("Menzies Campbell", 4, 3), ("Tony Blair", 2, 1)]
    assert people[0].names == ("Menzies Campbell", "Sir Menzies Campbell")
    assert set(people[0].forms) == {"Menzies Campbell", "Mr Campbell", "Sir Menzies Campbell", "Sir Menzies"}


def test_people_take_time_linear_in_the_article():
    def took(n: int) -> float:
        text = " ".join(["Tory leader Ann Ray said Mr Ray, the prime minister, was Ray Aa Bb Cc Dd Ee."] * n)
        began = time.perf_counter()
        people_in(text, ["Ann Ray"])
        return time.perf_counter() - began

    took(50)
    small, large = took(200), took(1600)
    assert large < 8 * small * 3  # eight times the text, at most about eight times the time (with slack)
