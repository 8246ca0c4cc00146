"""Questions about what a person said: recognising them, and matching the name asked to speakers.

Pure functions. `speaker_asked` is what question reading (search.question.reading) calls:
the person a question (or the `speaker` option) asks about, and who in the index that is.
`speaker_question` reads "what did Kishida say (about North Korea)", "what has
Yoon told ...", "Kishida's comments on Y", "Kishida's view of Y", "quotes from X", "what X said
about Y", "did X say (anything about Y / that ...)", "Y, according to X", "X on Y" and the like
into the name asked and the rest of the question (the topic); `matching_speakers` finds which
stored speakers that name means ("Kishida", "fumio kishida", "Mr Kishida", "Prime Minister
Kishida" -> "Fumio Kishida"). A question that names no one quoted in the index is searched as
any other ("X on Y" is no speaker question at all then: "sanctions on Russia").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from newsdex.index.people import person_key
from newsdex.index.titles import OFFICES, ROLE_WORDS, TITLE_WORDS
from newsdex.search.question.terms import query_terms

# Verbs a speaker question asks about, in the forms a question uses.
_VERBS = ("say said saying says tell told telling warn warned warning stress stressed stressing promise promised "
          "promising deny denied denying claim claimed claiming announce announced argue argued write wrote "
          "tweet tweeted suggest suggested add added insist insisted mention mentioned comment commented "
          "declare declared state stated urge urged admit admitted respond responded reply replied").split()
_VERB = "|".join(sorted(_VERBS, key=len, reverse=True))
_NOUNS = ("comments comment remarks remark statements statement words quotes quote quotations quotation views "
          "testimony speech response reaction warnings warning promises promise claims claim").split()
_NOUN = "|".join(sorted(_NOUNS, key=len, reverse=True))
# What someone thinks, asked with their name before it: "Kishida's view of the summit".
_VIEWS = "view views take position stance stand thoughts opinion opinions verdict line".split()
_VIEW = "|".join(sorted(_VIEWS, key=len, reverse=True))
# Words that lead into a question without changing it: "show me", "tell me", "list all".
_LEAD = r"(?:(?:please\s+)?(?:show|give|find|list|get|tell)\s+(?:me\s+|us\s+)?(?:all\s+)?(?:of\s+)?(?:the\s+)?|so\s+)?"
# Words that join the topic to the rest: "about North Korea", "on the summit".
_TOPIC_LEAD = re.compile(r"^(?:\s*(?:about|on|regarding|concerning|of|over|to|in\s+relation\s+to|with\s+regard\s+to|"
                         r"when\s+it\s+comes\s+to|that)\b)?\s*", re.IGNORECASE)
_TOPIC_TAIL = re.compile(r"\s+(?:about|on|regarding|of|over|to)$", re.IGNORECASE)
_FILLER = r"(?:(?:ever|just|really|actually|recently|publicly|previously|already|been|to)\s+)*"
# A name as asked: up to four words of letters (any case), maybe hyphenated or with an apostrophe.
_NAME = r"(?P<name>[^\W\d_][\w.'’-]*(?:\s+[^\W\d_][\w.'’-]*){0,3}?)"

_PATTERNS = [
    # what did / does / has Kishida (ever) say (about ...)
    re.compile(rf"^{_LEAD}what\s+(?:else\s+)?(?:did|does|do|has|have|had|is|was|will)\s+{_NAME}\s+{_FILLER}"
               rf"(?P<verb>{_VERB})\b(?P<rest>.*)$", re.IGNORECASE),
    # what Kishida said (about ...)
    re.compile(rf"^{_LEAD}what\s+{_NAME}\s+(?:has\s+|had\s+)?(?P<verb>{_VERB})\b(?P<rest>.*)$", re.IGNORECASE),
    # did / has Kishida (ever) say (anything about ...), did Kishida say that taxes will rise
    re.compile(rf"^(?:did|has|have|does)\s+{_NAME}\s+{_FILLER}(?P<verb>{_VERB}|speak|spoken|spoke)\b"
               r"(?:\s+(?:anything|something|that))?(?P<rest>.*)$", re.IGNORECASE),
    # how did Kishida respond / react (to ...)
    re.compile(rf"^how\s+(?:did|does|has)\s+{_NAME}\s+(?P<verb>respond|responded|react|reacted|reply|replied)\b"
               r"(?P<rest>.*)$", re.IGNORECASE),
    # what was said by Kishida (about ...)
    re.compile(rf"^what\s+(?:was|has\s+been)\s+(?P<verb>said|stated)\s+by\s+{_NAME}(?P<rest>(?:\s+(?:about|on|regarding)"
               r"\b.*)?)$", re.IGNORECASE),
    # Kishida's comments (on ...), show me Kishida's quotes
    re.compile(rf"^{_LEAD}{_NAME}['’]s?\s+(?:(?:latest|recent|own|public|main|key)\s+)?(?P<verb>{_NOUN})\b"
               r"(?P<rest>.*)$", re.IGNORECASE),
    # Kishida's view of / take on / position on the summit
    re.compile(rf"^{_LEAD}{_NAME}['’]s?\s+(?:(?:latest|recent|own|public|main|official)\s+)?(?P<verb>{_VIEW})\b"
               r"(?P<rest>.*)$", re.IGNORECASE),
    # according to Kishida, ... / ..., according to Kishida
    re.compile(rf"^(?P<verb>according\s+to)\s+{_NAME}\s*(?:,|:|\s-)(?P<rest>.*)$", re.IGNORECASE),
    re.compile(rf"^(?P<rest>[^,]*?),?\s+(?P<verb>according\s+to)\s+{_NAME}$", re.IGNORECASE),
    # quotes from / by Kishida (on ...), comments of Yoon
    re.compile(rf"^{_LEAD}(?:(?:latest|recent|all)\s+)?(?P<verb>{_NOUN})\s+(?:from|by|of)\s+{_NAME}"
               r"(?P<rest>(?:\s+(?:about|on|regarding|concerning|over)\b.*)?)$", re.IGNORECASE),
    # Kishida quotes, Kishida on North Korea ("quotes" / "said" standing after the name)
    re.compile(rf"^{_NAME}\s+(?P<verb>quotes|quotations|statements|said|says)(?P<rest>(?:\s+(?:about|on|regarding)\b.*)?)$",
               re.IGNORECASE),
]
# "Kishida on North Korea", "according to Kishida": speaker questions only where the name is
# someone the index quotes ("sanctions on Russia", "according to reports" are plain searches).
_NAME_ON = re.compile(rf"^{_NAME}\s+(?P<verb>on)\s+(?P<rest>.+)$", re.IGNORECASE)
_ACCORDING_ALONE = re.compile(rf"^(?P<verb>according\s+to)\s+{_NAME}(?P<rest>)$", re.IGNORECASE)

# Words that can stand where a name does in these patterns but never are one.
_NOT_NAMES = set("""i you he she it we they me us them this that these those there who what which anyone someone
everyone anybody somebody people he's she's the a an his her their its our my your one ones
did does do has have had is was were are will would can could should""".split())
# Words a name of a person does not hold.
_NOT_IN_NAMES = set("and or the of with to for in on at about by from".split())


@dataclass(frozen=True)
class SpeakerQuestion:
    """A question asking what someone said: the name as asked, and what the rest of it asks about."""

    name: str
    topic: str
    phrase: str  # the words that made it a speaker question ("what did ... say")
    if_quoted: bool = False  # a question only if the name is someone the index quotes ("X on Y")


def speaker_question(question: str) -> SpeakerQuestion | None:
    """The name asked about and the topic, for a question asking what a person said; else None."""
    text = " ".join(question.split()).strip().rstrip("?!.").strip()
    for pattern in (*_PATTERNS, _NAME_ON, _ACCORDING_ALONE):
        match = pattern.match(text)
        if not match:
            continue
        name = _tidy_name(match.group("name"))
        if name is None:
            continue
        topic = _TOPIC_LEAD.sub("", match.group("rest").strip(" ,;:-"), count=1).strip(" ,;:-")
        topic = _TOPIC_TAIL.sub("", topic)
        phrase = (text[:match.start("rest")] + text[match.end("rest"):]).strip(" ,") if topic else match.group(0)
        # "the prime minister on Y" asks about a person only where the archive gives someone the role
        return SpeakerQuestion(name=name, topic=topic, phrase=phrase.strip(),
                               if_quoted=pattern in (_NAME_ON, _ACCORDING_ALONE) or is_role(name))
    return None


def _tidy_name(raw: str) -> str | None:
    words = raw.replace("’", "'").strip(" .,'").split()
    if words and words[-1].lower().endswith("'s"):
        words[-1] = words[-1][:-2]
    if not words or len(words) > 4:
        return None
    lowered = [w.lower() for w in words]
    if is_role(" ".join(words)):
        return " ".join(words)
    if lowered[0] in _NOT_NAMES or any(w in _NOT_IN_NAMES for w in lowered):
        return None
    return " ".join(words)


def name_words(name: str) -> tuple[str, ...]:
    """A name as comparable words: case and a possessive do not matter ("Kishida's" = "kishida")."""
    words = []
    for word in name.replace("’", "'").split():
        word = word.strip(".,'").casefold()
        if word.endswith("'s"):
            word = word[:-2]
        if word:
            words.append(word)
    return tuple(words)


# Words before a name that are no part of whom it means ("Mr Blair", "President Yoon") are
# index.titles.TITLE_WORDS, the vocabulary the rules that find statements and people read too.
# Role phrases a question may ask about instead of a name: "the prime minister", "the Tory leader".
_ROLE_HEADS = frozenset({role for role, meaning in ROLE_WORDS.items() if meaning} | set(OFFICES))


def is_role(name: str) -> bool:
    """Whether a name as asked is a role phrase ("the prime minister", "the Tory leader",
    "the shadow chancellor"): "the", at most two words, then a role of index.titles."""
    words = name_words(name)
    if len(words) < 2 or words[0] != "the":
        return False
    return any(" ".join(words[i:]) in _ROLE_HEADS for i in range(1, min(len(words), 4)))


def bare_name_words(name: str) -> tuple[str, ...]:
    """A name's words less the honorifics and titles that open it ("Mr Blair" -> "blair",
    "Prime Minister Fumio Kishida" -> "fumio kishida"); the name itself when nothing else is left."""
    words = name_words(name)
    start = 0
    while start < len(words) - 1 and words[start] in TITLE_WORDS:
        start += 1
    return words[start:]


def _holds(words: tuple[str, ...], part: tuple[str, ...]) -> bool:
    """Whether `part` is a run of `words`, in order."""
    return bool(part) and any(words[i:i + len(part)] == part for i in range(len(words) - len(part) + 1))


def matching_speakers(name: str, speakers: Iterable[str] | Mapping[str, Sequence[str]]) -> list[str]:
    """The stored speakers `name` means, in the stored order.

    `speakers` are the stored names, or a mapping of each to the forms its articles use for
    the person (index.people: "Mr Blair", "the prime minister"). A role ("the chancellor")
    means whoever the articles give that role. A full name means every stored name of the
    same person (index.people.person_key: "Menzies Campbell" and "Sir Menzies Campbell").
    Then a form the articles use ("Ms Blears", "Sir Ian"), as written or with the titles of
    both left out ("Blears" and "Ms Blears"). Failing those, the names that hold its words as
    a run ("Kishida" and "Fumio Kishida" mean "Fumio Kishida"; "Yoon" means "Yoon Suk Yeol"),
    so "Kim Jong Un" never also means "Kim Yo Jong", and then the same with the honorifics and
    titles of both left out ("Dr Gibbons" means "Dr Brian Gibbons"). A full name also means a
    speaker stored under its surname alone ("Hazel Blears" means "Blears"), unless someone else
    of that surname is stored too. A surname may mean several people ("Blair": "Tony Blair",
    "Sir Ian Blair"); all are given.
    """
    asked = name_words(name)
    if not asked:
        return []
    forms = {speaker: [name_words(form) for form in kept] for speaker, kept in speakers.items()} \
        if isinstance(speakers, Mapping) else {}
    stored = [(speaker, name_words(speaker)) for speaker in speakers]
    if is_role(name):
        return [speaker for speaker, _ in stored if asked in forms.get(speaker, ())]
    key = person_key(name)
    same = [speaker for speaker, _ in stored if len(key) > 1 and person_key(speaker) == key]
    if same:
        return same
    written = [speaker for speaker, _ in stored if asked in forms.get(speaker, ())]
    if written:
        return written
    bare = bare_name_words(name)
    untitled = [speaker for speaker, _ in stored
                if any(bare_name_words(" ".join(form)) == bare for form in forms.get(speaker, ()))]
    if untitled:
        return untitled
    exact = [speaker for speaker, words in stored if words == asked]
    if exact and len(asked) > 1:
        return exact
    matched = [speaker for speaker, words in stored if _holds(words, asked)]
    if matched:
        return matched
    bare_stored = [(speaker, bare_name_words(speaker)) for speaker, _ in stored]
    matched = [speaker for speaker, words in bare_stored if _holds(words, bare)]
    if len(bare) > 1:
        surname = bare[-1:]
        # Others of the surname whose other words are not the asked person's: then a stored
        # surname alone could be any of them, and is left out.
        others = [words for _, words in bare_stored if len(words) > 1 and words[-1:] == surname and words != bare]
        if not others:
            matched += [speaker for speaker, words in bare_stored if words == surname and speaker not in matched]
    return matched


@dataclass(frozen=True)
class SpeakerAsk:
    """What a question (or the speaker option) asks about a person, and who in the index that is."""

    asked: str  # the name as given ("Kishida")
    topic: str  # what the rest of the question asks about; "" when nothing ("what did Kishida say")
    speakers: tuple[str, ...]  # the name form: the stored speakers the name means ("Fumio Kishida"); () for nobody
    explicit: bool  # given as the speaker option, not read from the question

    @property
    def topic_terms(self) -> list[str]:
        """The topic's plain words: what a statement's highlights mark besides its words."""
        return query_terms(self.topic) if self.topic else []

    @property
    def name_words(self) -> frozenset[str]:
        """Every word of the speakers' names: a passage holding one mentions them."""
        return frozenset(word for speaker in self.speakers for word in name_words(speaker))


def speaker_asked(words: str, speaker_option: str | None,
                  known: Callable[[], Iterable[str] | Mapping[str, Sequence[str]]]) -> SpeakerAsk | None:
    """Whom `words` (or the speaker option, which wins) asks about; None when nobody (today's route).

    `known` gives everyone the index quotes (with their forms, as `matching_speakers` takes
    them); it is called only when someone is asked about.
    With the option, the question's own speaker phrase still gives the topic ("what did Yoon
    say about the summit" with speaker=Kishida: Kishida's statements, best for "the summit").
    """
    parsed = speaker_question(words)
    if speaker_option is not None:
        topic = parsed.topic if parsed is not None else words
        return SpeakerAsk(speaker_option, topic, tuple(matching_speakers(speaker_option, known())), explicit=True)
    if parsed is None:
        return None
    speakers = tuple(matching_speakers(parsed.name, known()))
    if parsed.if_quoted and not speakers:
        return None
    return SpeakerAsk(parsed.name, parsed.topic, speakers, explicit=False)
