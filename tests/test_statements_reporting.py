"""Who said what as real reporting writes it: one test per miss class that real news showed
(issue 32), each on sentences written for the test, never copied from an article."""

from __future__ import annotations

import pytest

from newsdex.index.statements import statements_in


def said(*paragraphs: str) -> list[tuple[str | None, str]]:
    """(speaker, words) of each statement in the paragraphs."""
    return [(s.speaker, s.text) for s in statements_in(paragraphs)]


# -- quotation marks as news runs them together ------------------------------------------------

def test_a_quote_opened_where_the_last_was_left_open_is_the_same_speakers():
    # Paragraphs run together: the closing mark is missing and the next segment opens with a new one.
    found = said('Coach Ann Pike said: "We were slow. We will be better. "The next game is the one that counts."'
                 ' Pike said her squad was tired.')
    assert found == [("Ann Pike", "We were slow. We will be better."),
                     ("Ann Pike", "The next game is the one that counts."),
                     ("Ann Pike", "her squad was tired")]


def test_the_mark_the_splitter_leaves_on_the_sentence_before_goes_with_its_quote():
    found = said('Tom Vale said: "We are happy to be back." Vale said he knew the risk. '
                 '"It is vital that we play our game," he said.')
    assert found == [("Tom Vale", "We are happy to be back."), ("Tom Vale", "he knew the risk"),
                     ("Tom Vale", "It is vital that we play our game")]


def test_a_word_quoted_inside_a_quotation_does_not_end_it():
    found = said('Club owner Rob Lane said: "He told the others. "At that meeting he said he would "fake" an '
                 'injury and walk off. "That is cheating."')
    assert [speaker for speaker, _ in found] == ["Rob Lane"] * 3
    assert found[1][1] == 'At that meeting he said he would "fake" an injury and walk off.'


def test_a_mark_after_a_sentence_end_closes_rather_than_opens():
    found = said('"We are calm," she added." Ann Pike said the team was ready.')
    assert ("Ann Pike", "the team was ready") in found


# -- pronouns -------------------------------------------------------------------------------

def test_he_reaches_back_past_a_sentence_of_narration_to_the_last_speaker():
    found = said('Mr Dean Cole said the deal was fair. The mill is one of the largest in the region. '
                 '"We will not sell it," he said.')
    assert found[-1] == ("Dean Cole", "We will not sell it")


def test_she_does_not_stand_for_a_man_the_article_calls_mr():
    found = said('Mr Dean Cole said the plan was late.', 'Ms Ruth Amis said the money was there. '
                 'Mr Cole disagreed with the figures. "It is enough," she said.')
    assert found[-1] == ("Ruth Amis", "It is enough")


def test_a_he_we_cannot_place_does_not_block_the_next_one():
    found = said('Mr Ivo Marsh said the banks were not worried.',
                 'Currently, he said, a machine lasts ten years. "Most banks simply upgrade," he said.')
    assert [speaker for speaker, _ in found] == ["Ivo Marsh"] * 3


def test_a_person_named_inside_the_quote_is_not_who_speaks_it():
    found = said('Coach Sam Hale said his striker was fit.', '"Rick Moss is the best striker we have," he said.')
    assert found[-1] == ("Sam Hale", "Rick Moss is the best striker we have")


def test_an_organisation_does_not_block_a_pronoun():
    found = said('But Mr Ivo Marsh from Harbour Banking Research said few machines were at risk.',
                 'Currently, he said, a machine lasts ten years.')
    assert found[-1] == ("Ivo Marsh", "a machine lasts ten years")


# -- reporting verbs ------------------------------------------------------------------------

@pytest.mark.parametrize(("sentence", "words"), [
    ("Jane Roe accused the minister of hiding the report.", "the minister of hiding the report"),
    ("Jane Roe urged the council to publish the figures.", "the council to publish the figures"),
    ("Jane Roe called for an inquiry into the sale.", "an inquiry into the sale"),
    ("Jane Roe dismissed the claims as gossip.", "the claims as gossip"),
    ("Jane Roe rejected the offer from the board.", "the offer from the board"),
    ("Jane Roe attacked the plan as unfair.", "the plan as unfair"),
])
def test_demands_and_accusations_are_statements_whose_object_is_the_words(sentence, words):
    assert said(sentence) == [("Jane Roe", words)]


def test_told_a_programme_that_is_no_plain_name_closes_an_attribution():
    assert said('"I want the job," Ned Hill told BBC Radio 4\'s Today programme.') == [("Ned Hill", "I want the job")]


def test_saying_after_what_someone_did_introduces_their_quote():
    found = said('Minister Pat Nash backed the orders, saying: "There is only one choice."')
    assert found == [("Pat Nash", "There is only one choice.")]


def test_a_subject_who_speaks_again_in_the_same_sentence_makes_two_statements():
    found = said("Mr Kai Dunn said the talks had failed and said a new round would start in May.")
    assert found == [("Kai Dunn", "the talks had failed"), ("Kai Dunn", "a new round would start in May")]


def test_what_someone_did_before_they_said_it_is_not_their_name():
    found = said('Oxfam adviser Max Lamb welcomed the statement and said ministers had "passed the first test".')
    assert found == [("Max Lamb", 'ministers had "passed the first test"')]


# -- descriptions around the name -----------------------------------------------------------

@pytest.mark.parametrize("subject", [
    "Former minister Frank Fell MP",
    "Will Corr of the Campaign for Clean Air",
    "However, former Leeds and England defender Gary Stone",
    "Union delegate Tom Gray",
    "Treasury Under-Secretary Tom Gray",
    "New Police Commissioner Sir Ian Gray",
])
def test_a_described_name_is_the_speaker(subject):
    speaker, words = said(f"{subject} said the rules were clear.")[0]
    assert speaker is not None and speaker.split()[-1] in {"Fell", "Corr", "Stone", "Gray"}
    assert words == "the rules were clear"


def test_an_inverted_attribution_without_a_comma_is_read():
    found = said("There are other pressures on the banks said Ivo Marsh, director of a research firm.")
    assert found == [("Ivo Marsh", "There are other pressures on the banks")]


def test_the_wife_of_a_minister_is_not_the_minister():
    assert said("The wife of Minister Jane Roe said the house was sold.")[0][0] is None


# -- roles and people named later -----------------------------------------------------------

def test_a_role_the_article_ties_to_no_name_is_the_person_just_before():
    found = said("Tony Bright says his standing with voters will matter.",
                 "The prime minister said he was ready for the campaign.")
    assert [speaker for speaker, _ in found] == ["Tony Bright", "Tony Bright"]


def test_a_lede_speaker_described_not_named_is_the_person_named_next():
    found = said("Shops should open on Sundays, a senior government figure has said.",
                 "Economy minister Gus Fell said the rules were out of date.")
    assert [speaker for speaker, _ in found] == ["Gus Fell", "Gus Fell"]


def test_an_unnamed_spokesman_in_the_lede_stays_unnamed():
    found = said("Shops should open on Sundays, a government spokesman has said.",
                 "Economy minister Gus Fell told a newspaper the rules were out of date.")
    assert found[0][0] is None


# -- openings: But, However, Speaking, longer lead-ins and asides ----------------------------

@pytest.mark.parametrize("opening", [
    "But", "However,", "Speaking in Leeds,", "Pointing to the figures for the year,",
    "Asked if he would quit as leader,", "In November, when he surprised the committee,",
])
def test_an_opening_before_the_subject_is_passed_over(opening):
    found = said(f'Mr Ray Pole runs the fund. {opening} Mr Pole said: "We will stay."')
    assert found == [("Ray Pole", "We will stay.")]


def test_an_aside_after_a_short_lead_in_attributes_the_words_after_it():
    found = said("Dr Ada Kent studies the web.", "But, she said, the tools could do better.")
    assert found == [("Ada Kent", "the tools could do better")]


def test_an_aside_after_the_clause_attributes_the_words_before_it_and_the_clause_after():
    found = said("Mr Kai Dunn spoke in Harrogate.",
                 "Only his party stood against the war, he said, and it would stand again.")
    assert found == [("Kai Dunn", "Only his party stood against the war"), ("Kai Dunn", "it would stand again")]


def test_sentences_after_unpaired_marks_are_still_sentences():
    # Three marks so far: a splitter that pairs them thinks a quote is still open and runs on.
    found = said('Mr Ray Pole said: "We will stay. "We have always stayed." Both parties agree on the plan. '
                 'Mr Pole stressed his views were his own. Ms Ada Kent said she would vote against it.')
    assert ("Ray Pole", "his views were his own") in found and ("Ada Kent", "she would vote against it") in found


def test_a_relative_clause_between_the_name_and_the_verb_is_passed_over():
    found = said("Mr Ray Pole, who last year denied he would stand again despite the polls, said the vote "
                 "was a difficult issue.")
    assert found[-1] == ("Ray Pole", "the vote was a difficult issue")


def test_a_negated_belief_is_a_statement_of_what_is_not_believed():
    assert said("Ray Pole does not believe the tax should rise.") == [("Ray Pole", "the tax should rise")]


def test_but_he_said_after_a_clause_introduces_the_quote():
    found = said('Mr Ray Pole ran the fund.', 'Mr Pole claimed the board had changed its mind, but he said: '
                 '"We will not sell."')
    assert found[-1] == ("Ray Pole", "We will not sell.")


def test_the_person_a_sentence_opens_with_says_the_quote_it_introduces():
    found = said('Mr Ivo Marsh said the reshuffle was a mistake.',
                 'Ms Kay Lund, for the Greens, added: "It changes nothing," she said.')
    assert found[-1] == ("Kay Lund", "It changes nothing")


def test_a_person_named_in_the_reported_clause_is_not_who_reported_it():
    found = said("Mr Kai Dunn welcomed the result.",
                 "Mr Bo Hart's first task was to rebuild trust at home, he said.")
    assert found[-1] == ("Kai Dunn", "Mr Bo Hart's first task was to rebuild trust at home")


def test_an_opening_name_that_does_not_introduce_the_quote_is_not_its_speaker():
    found = said('Mr Ray Pole said the schedule was too long.',
                 'Sam Long, his team-mate, has voiced doubts about the future "I think Sam is tired," he said.')
    assert found[-1][0] != "Sam Long"


@pytest.mark.parametrize(("subject", "speaker"), [
    ("The union's general secretary Jo Roe", "Jo Roe"),
    ("Director of telecoms research Tom Lane", "Tom Lane"),
    ("Responding to the claims party co-chairman Liam Cole", "Liam Cole"),
    ("An adviser to President Tom Gray", None),
    ("A spokesman for Prime Minister Jo Roe", None),
])
def test_a_name_described_by_its_office_speaks_one_it_is_the_object_of_does_not(subject, speaker):
    assert said(f"{subject} said the figures were wrong.")[0][0] == speaker


def test_a_name_with_a_capital_inside_is_one_name():
    found = said("Ewan McTavish from the Pipers' Guild said the fees were unfair.",
                 '"It costs us a fortune," says Mr McTavish.')
    assert [speaker for speaker, _ in found] == ["Ewan McTavish", "Ewan McTavish"]


def test_a_show_joined_by_and_before_the_name_is_a_description():
    found = said('Last week Only Fools and Horses star Dan Jessop criticised the channel. '
                 '"We must not dumb down," he said.')
    assert found[-1] == ("Dan Jessop", "We must not dumb down")


def test_a_deputy_prime_minister_is_no_prime_minister():
    found = said("Tony Bright has dismissed reports he would quit.",
                 '"You do not do deals over jobs," the prime minister said at a dinner hosted by Deputy '
                 'Prime Minister John Pratt.')
    assert found[-1][0] == "Tony Bright"


def test_a_quote_closing_a_sentence_does_not_hide_the_next_one():
    found = said('Mr Ray Pole said: "We go on. "How can they stop us?" Ms Ada Kent said she would not respond '
                 'to "gossip in books".')
    assert found[-1] == ("Ada Kent", 'she would not respond to "gossip in books"')


def test_told_a_programme_that_reports_the_clause_after_that():
    found = said("Ms Ada Kent, shadow secretary for the family, told BBC Radio 4's Today programme that the plans "
                 "were inadequate.")
    assert found == [("Ada Kent", "the plans were inadequate")]


def test_an_office_we_cannot_name_blocks_the_pronoun_after_it():
    found = said('Mr Ray Pole denied the claim.', 'The party leader countered that deals had been struck. '
                 'He declared: "They are not happy."')
    assert found[-1][0] is None


def test_denied_that_with_a_noun_keeps_what_was_denied():
    assert said("Mr Ray Pole directly denied that quote on Wednesday.")[0][1].startswith("that quote")
    assert said("Mr Ray Pole denied that he knew the buyer.")[0][1] == "he knew the buyer"


def test_criticising_something_says_something_only_with_a_reason():
    assert said("Ms Ada Kent criticised quiz shows on the channel.") == []
    assert said('Ms Ada Kent criticised the channel for being "too safe".')[0][0] == "Ada Kent"


def test_a_clause_that_is_no_sentence_of_its_own_is_no_statement():
    assert said("Mr Ray Pole runs the fund.", "Whether he stays, he said, was for others to judge.") == []


def test_a_bare_surname_two_people_share_is_neither():
    found = said("Police chief Sir Ian Dale spoke in London. Prime minister Tony Dale was in Leeds.",
                 'But Mr Dale insisted: "There is no greater freedom."')
    assert found[-1][0] is None


def test_a_member_of_parliament_before_the_name_describes_it():
    assert said("Green MEP Carol Lake said the treaty was flawed.")[0][0] == "Carol Lake"


def test_a_pledge_is_a_statement_of_what_was_pledged():
    assert said("Mr Ray Pole pledged to cut the fees.") == [("Ray Pole", "to cut the fees")]


def test_a_styled_name_after_a_party_before_a_relative_clause_speaks():
    found = said("Lib Dem Sir Archy Kemp, who chairs the pensions committee, said that the chief was retiring.")
    assert found[0][0] is not None and found[0][0].endswith("Archy Kemp")


def test_adding_after_a_reported_clause_makes_a_second_statement():
    found = said("Mr Kai Dunn said a win would have given them a fresh start, adding it was as if there "
                 'was an "umbilical cord" between the two.')
    assert [text for _, text in found] == ["a win would have given them a fresh start",
                                           'it was as if there was an "umbilical cord" between the two']


def test_what_a_speaker_dismissed_before_speaking_is_a_statement_too():
    found = said("But Mr Ray Pole dismissed the talk of splits and said voters would judge the record.")
    assert found == [("Ray Pole", "the talk of splits"), ("Ray Pole", "voters would judge the record")]


def test_saying_without_a_comma_introduces_the_quote():
    found = said('Party chairman Tom Gale has written to the watchdog saying: "Such calls are illegal."')
    assert found == [("Tom Gale", "Such calls are illegal.")]


def test_what_a_relative_clause_says_a_person_holds_is_a_statement():
    found = said("Mr Ray Pole, who insists he did nothing wrong, said the fund would stay open.")
    assert found == [("Ray Pole", "he did nothing wrong"), ("Ray Pole", "the fund would stay open")]


# -- subjects real reporting wraps around the name ------------------------------------------------

def test_a_possessive_before_a_speech_noun_is_no_attribution():
    found = said("Economy minister Tom Gref said the state was weak.",
                 "Mr Gref, a known opponent of state control, was keen to distance himself from Mr Ivo's comments. "
                 "The sales of the 1990s had been badly handled, he said.")
    assert found == [("Tom Gref", "the state was weak"), ("Tom Gref", "The sales of the 1990s had been badly handled")]


def test_a_description_between_dashes_leaves_the_name():
    found = said('"We used to see street traders do this," Jo Grey - then an adviser to President Tom Pike - told '
                 'a press conference.')
    assert found == [("Jo Grey", "We used to see street traders do this")]


def test_a_described_name_before_a_relative_clause_is_the_speaker():
    found = said('Tory MP Jo Mills, who sits on the security committee and was part of the review, told the BBC: '
                 '"That is the rule, but not always."')
    assert found == [("Jo Mills", "That is the rule, but not always.")]


@pytest.mark.parametrize(("subject", "name"), [
    ("Charles A Smith, executive vice-president of Acme Foods,", "Charles A Smith"),
    ("But US Treasury Under-Secretary John Tate", "John Tate"),
])
def test_middle_initials_and_compound_titles_keep_the_name(subject, name):
    assert said(f"{subject} said the ruling was wrong.") == [(name, "the ruling was wrong")]


def test_a_body_speaking_between_does_not_hide_the_person_a_pronoun_means():
    found = said("Jane Roe said the storm was severe. The insurer said it did not yet know its costs. "
                 '"We are still counting," she added.')
    assert found[-1] == ("Jane Roe", "We are still counting")


def test_a_spokesman_between_still_blocks_the_pronoun():
    found = said("Jane Roe said the storm was severe. A spokesman said costs were unknown. "
                 '"We are counting," he added.')
    assert found[-1] == (None, "We are counting")


def test_the_person_described_by_age_is_the_one_the_article_was_about():
    found = said('Tom Lane has said he would love to follow Andy Pell as captain. "I want the job," Lane told the BBC.',
                 "The 27-year-old, who led the side to the cup last year, said following Pell would be a challenge. "
                 '"Andy would be a hard act to follow," he said.')
    assert [speaker for speaker, _ in found] == ["Tom Lane"] * len(found)
    assert found[-1][1] == "Andy would be a hard act to follow"


def test_said_it_was_reports_the_clause():
    assert said("Tom Camp said it was winning support every day.") == [("Tom Camp", "it was winning support every day")]


def test_a_subject_with_several_descriptions_keeps_its_name():
    found = said("Martin Oak was freed.", "Mr Oak, 32, from Leeds, West Yorkshire, said he was badly treated.")
    assert found == [("Martin Oak", "he was badly treated")]


def test_a_lead_in_before_a_described_speaker_is_not_the_subject():
    found = said('On the question of whether such papers stay secret, Tory MP Jo Mills, who sits on the committee, '
                 'told the BBC: "That is the rule, but not always."')
    assert found == [("Jo Mills", "That is the rule, but not always.")]


def test_a_relative_clause_before_the_colon_leaves_the_speaker_named():
    found = said('Ben Oak was freed.', 'Mr Oak, who insists he is not bitter, said: "I lost three years of my life."')
    assert found[-1] == ("Ben Oak", "I lost three years of my life.")


def test_a_long_clause_with_commas_before_said_and_a_name():
    found = said("Some old faults, such as pages that get between a user and the site, and designers indulging "
                 "their urges, have gone, said Dr Jo Nell.")
    assert found == [("Jo Nell", "Some old faults, such as pages that get between a user and the site, and designers "
                                 "indulging their urges, have gone")]


def test_an_object_after_a_verb_of_denial_is_not_a_cue():
    found = said('Tom Roe said the plan was fine. "We must act," he said. And he also denied reports that the coach '
                 'had been paid.')
    assert found[-1] == ("Tom Roe", "reports that the coach had been paid")


def test_a_quotation_given_its_own_paragraph_after_a_report_is_the_same_speakers():
    found = said("Lord Gold said the minister played no part in the answer.", '"No other official was involved."')
    assert found[-1] == ("Lord Gold", "No other official was involved.")


def test_a_quotation_over_three_paragraphs_is_three_statements():
    found = said('Jane Roe said: "The firms are big.', '"The plan is not good enough.', '"We will go on."', "Roe left.")
    assert found == [("Jane Roe", "The firms are big."), ("Jane Roe", "The plan is not good enough."),
                     ("Jane Roe", "We will go on.")]


def test_and_before_a_described_name_is_no_lead_in():
    found = said("And Tom Camp, the Liberal Democrats' foreign affairs spokesman, said it was wrong to act.")
    assert found == [("Tom Camp", "it was wrong to act")]


def test_a_lead_in_with_commas_of_its_own_before_the_pronoun():
    found = said("Jane Roe spoke.", "On ministers of religion, such as imams, she said faith groups would be asked.")
    assert found == [("Jane Roe", "faith groups would be asked")]


def test_a_remark_about_her_words_does_not_block_her_pronoun():
    found = said("Hazel Bly said the checks would go on. Her comments have been described as \"outrageous\" by a "
                 'rights group.', '"The threat is real," the Salford MP told the committee. "We act," she said.')
    assert [speaker for speaker, _ in found if speaker] == ["Hazel Bly"] * 3
    assert found[-1] == ("Hazel Bly", "We act")


@pytest.mark.parametrize(("sentence", "words"), [
    ("Tom Roe told BBC Radio 4's Today programme the plan had failed.", "the plan had failed"),
    ("Tom Roe told The Observer government life was hard.", "government life was hard"),
    ("Tom Roe told the paper's Talking Point programme what was needed was money.", "what was needed was money"),
])
def test_told_a_medium_reports_the_clause_after_it(sentence, words):
    assert said(sentence) == [("Tom Roe", words)]


def test_told_a_medium_about_something_reports_nothing():
    assert said("Tom Roe told The Observer about the summer holidays.") == []


@pytest.mark.parametrize(("sentence", "words"), [
    ("Party leader Tom Kent welcomed the fact there had been a quick result.", "there had been a quick result"),
    ("Tom Kent has made it clear there would be a vote.", "there would be a vote"),
    ("The firms should advertise more, Tom Kent thinks.", "The firms should advertise more"),
])
def test_more_ways_of_saying(sentence, words):
    assert said(sentence) == [("Tom Kent", words)]


@pytest.mark.parametrize(("sentence", "name", "words"), [
    ('Jack Straw, who argues the treaty reflected a "British vision", has said the vote could be in spring.',
     "Jack Straw", "the vote could be in spring"),
    ("Chris Pan, managing director of the internet firm Acme said that it was a good start.", "Chris Pan",
     "it was a good start"),
    ("Paul Myer, chief executive of Wipco - a service which sells music - believes it is time advertisers stopped.",
     "Paul Myer", "it is time advertisers stopped"),
])
def test_descriptions_that_quote_or_run_up_to_the_cue(sentence, name, words):
    assert said(sentence) == [(name, words)]


def test_a_noun_after_a_determiner_is_no_cue():
    assert said("Some old faults, such as designers indulging their artistic urges, have gone.") == []


def test_a_conjunction_opens_no_description():
    found = said("Scientists said cleaner water had helped, but warned that the seals remain at risk.")
    assert [words for _, words in found] == ["cleaner water had helped", "the seals remain at risk"]


def test_a_lead_in_then_a_name_between_dashes():
    found = said("Tom Yush spoke.", "A day earlier, Mr Yush - keen to reassure investors - had said only a few firms "
                                    "would be reviewed.")
    assert found == [("Tom Yush", "only a few firms would be reviewed")]


def test_a_month_after_a_given_name_is_a_surname():
    found = said("Teresa May, shadow secretary for the family, told the programme that the plans were poor.")
    assert found == [("Teresa May", "the plans were poor")]


def test_one_word_introduced_by_what_the_person_is_is_a_name():
    found = said("Barca midfielder Deco, formerly coached by Mourinho, agreed that it was not typical.")
    assert found == [("Deco", "it was not typical")]


def test_a_single_capitalised_word_alone_is_still_no_name():
    assert said("Acme said the deal was done.") == [(None, "the deal was done")]


@pytest.mark.parametrize(("sentence", "words"), [
    ("Incidents like this happen, said Mr Tom Thie, but they are rare.", ["they are rare"]),
    ("But, says usability guru Dr Jo Niel, some things have changed.", ["some things have changed"]),
    ("Only the party stood against the war, he said, and the voters knew it.",
     ["Only the party stood against the war", "the voters knew it"]),
])
def test_asides_give_the_words_around_them(sentence, words):
    found = said("Dr Tom Thie spoke.", sentence)
    assert [w for _, w in found] == words


def test_a_relative_clause_after_a_trailing_attribution():
    found = said("The case was thin, Lord Butler said in his interview, which was conducted by the editor, Tom Cole.")
    assert found == [("Lord Butler", "The case was thin")]


def test_a_participle_after_a_quotation_says_more():
    found = said('Dr Jo Niel studies the web. "None of them look fancy," he added, declaring himself surprised that '
                 "the sites were not copied.")
    assert found == [("Jo Niel", "None of them look fancy"),
                     ("Jo Niel", "himself surprised that the sites were not copied")]


def test_a_second_main_clause_has_its_own_subject():
    found = said('"They can play anyone," Sir Alex Fern said. Striker Ruud Nist is fit again, but the Scot admitted '
                 "he was unsure whether to start him.")
    assert found[-1] == ("Sir Alex Fern", "he was unsure whether to start him")


def test_the_description_a_lede_gives_a_speaker_is_their_form():
    from newsdex.index.people import attributed

    paragraphs = ["The attorney general has denied his answer was drafted by officials.",
                  "Lord Gold said two ministers played no part in drafting it."]
    stored = attributed(paragraphs, statements_in(paragraphs))
    assert [s.speaker for s, _ in stored] == ["Lord Gold", "Lord Gold"]
    assert "the attorney general" in stored[0][1]


def test_a_quotation_after_a_sentence_about_a_named_person_is_theirs():
    found = said("Mr Tom Blare went on to list his achievements and to rally the party.", '"Stand firm and win."')
    assert found == [("Tom Blare", "Stand firm and win.")]


def test_a_quotation_after_a_sentence_about_no_one_stays_unattributed():
    assert said("The talks went on into the night.", '"Stand firm and win."') == []


def test_whom_a_film_shows_speaking_said_the_words():
    found = said('The documentary showed Mr Mike Natt, talking about the EU, telling the meeting: "The rules are '
                 'wrong."')
    assert found == [("Mike Natt", "The rules are wrong.")]


def test_said_while_it_was_reports_the_clause():
    found = said("BBC correspondent Tom Bart said while it was an agreement in principle, much work remained.")
    assert found == [("Tom Bart", "while it was an agreement in principle, much work remained")]


def test_said_while_visiting_is_a_circumstance():
    assert said("Tom Bart said while visiting Leeds.") == []


def test_what_a_person_is_before_their_name_at_a_sentence_start_is_no_part_of_it():
    assert said("Guitarist Brian Mays said he will tour in April.") == [("Brian Mays", "he will tour in April")]
