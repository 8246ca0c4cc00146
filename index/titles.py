"""The words of titles and roles that stand before a person's name, shared by every rule that reads names.

One vocabulary for finding statements (index.statements), for an article's people and their
forms (index.people) and for the names a question asks about (search.question.speakers), so
that a title one of them knows is never a name to another. Data only: no I/O, no rules.
"""

from __future__ import annotations

import re

# Titles and roles that introduce a person's name ("Prime Minister Fumio Kishida"), by the
# role they name ("premier" is a prime minister); "" for titles that name no role ("Mr").
ROLE_WORDS = {
    "prime minister": "prime minister", "premier": "prime minister", "pm": "prime minister",
    "president": "president", "vice president": "vice president", "chancellor": "chancellor",
    "foreign minister": "foreign minister", "defence minister": "defence minister",
    "defense minister": "defence minister", "finance minister": "finance minister",
    "health minister": "health minister", "minister": "minister",
    "secretary of state": "secretary of state", "secretary-general": "secretary-general",
    "secretary general": "secretary-general", "under-secretary": "under-secretary",
    "undersecretary": "under-secretary", "secretary": "secretary", "senator": "senator", "sen.": "senator",
    "governor": "governor", "gov.": "governor", "mayor": "mayor", "leader": "leader", "king": "king",
    "queen": "queen", "pope": "pope", "ambassador": "ambassador", "envoy": "envoy", "spokesman": "spokesperson",
    "spokeswoman": "spokesperson", "spokesperson": "spokesperson", "chairman": "chair", "chairwoman": "chair",
    "chair": "chair", "ceo": "chief executive", "chief executive": "chief executive", "chief": "chief",
    "director": "director", "general": "general", "gen.": "general", "commander": "commander", "judge": "judge",
    "lawmaker": "lawmaker", "rep.": "representative", "representative": "representative", "manager": "manager",
    "coach": "coach", "captain": "captain", "professor": "professor", "prof.": "professor",
    "mr.": "", "mrs.": "", "ms.": "", "dr.": "", "mr": "", "mrs": "", "ms": "", "dr": "",
    "predecessor": "", "successor": "", "counterpart": "",
}
# Role words as single words, so a run of capitalised words can shed its titles ("Transport Secretary Louise Haigh").
ROLE_TOKENS = {w for role in ROLE_WORDS for w in role.split()} | {"transport", "interior", "climate", "trade"}

# Honorifics that open a name and are no part of it for the rules that find statements ("Dr. Amelia Hart").
HONORIFIC_WORDS = ("Mr", "Mrs", "Ms", "Dr", "Prof", "Sen", "Gov", "Rep", "Gen", "Sir", "Dame")
HONORIFIC = re.compile(rf"^(?:{'|'.join(HONORIFIC_WORDS)})\.?\s+(?=[A-Z])")

# Offices a role phrase may name besides ROLE_WORDS, as an article ties them to a person
# ("Attorney General Lord Goldsmith", "Charles Clarke, the home secretary,"): index.people's forms.
OFFICES = ("attorney general", "solicitor general", "home secretary", "foreign secretary", "health secretary",
           "education secretary", "culture secretary", "defence secretary", "transport secretary",
           "trade secretary", "environment secretary", "work and pensions secretary", "chief secretary",
           "northern ireland secretary", "welsh secretary", "scottish secretary", "deputy prime minister",
           "first minister", "lord chancellor", "home office minister", "foreign office minister",
           "party chairman", "general secretary", "chief constable", "commissioner", "archbishop", "bishop")
# Words before a role that make it another role ("shadow chancellor" is no chancellor).
ROLE_MODIFIERS = ("shadow", "former", "ex", "deputy", "acting", "vice", "then", "assistant", "junior", "interim")

# Words before a name that are no part of whom it means: "Mr Blair", "Dr Gibbons", "President
# Yoon", "Prime Minister Kishida". A name asked with one matches stored names with theirs left out.
TITLE_WORDS = frozenset("""mr mrs ms miss mx dr doctor prof professor sir lord lady dame baroness baron rev reverend
president prime minister chancellor secretary senator governor mayor premier chairman chairwoman judge justice
foreign finance home defence defense interior deputy vice state general attorney chief executive coach manager
king queen prince princess sheikh""".split())
# Titles that are part of how a person is named and called ("Sir Ian", "Lord Butler"): kept in a form.
STYLES = frozenset("sir lord lady dame baroness baron".split())
