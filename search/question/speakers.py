"""Questions about what a person said: recognising them, and matching the name asked to speakers.

Pure functions. `speaker_asked` is what question reading (search.question.reading) calls:
the person a question (or the `speaker` option) asks about, and who in the index that is.
`speaker_question` reads "what did Kishida say (about North Korea)", "what has
Yoon told ...", "Kishida's comments on Y", "quotes from X", "what X said about Y", "did X say
anything about Y" and the like into the name asked and the rest of the question (the topic);
`matching_speakers` finds which stored speakers that name means ("Kishida", "fumio kishida" ->
"Fumio Kishida"). A question that names no one quoted in the index is searched as any other.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

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
# Words that lead into a question without changing it: "show me", "tell me", "list all".
_LEAD = r"(?:(?:please\s+)?(?:show|give|find|list|get|tell)\s+(?:me\s+|us\s+)?(?:all\s+)?(?:of\s+)?(?:the\s+)?|so\s+)?"
# Words that join the topic to the rest: "about North Korea", "on the summit".
_TOPIC_LEAD = re.compile(r"^(?:\s*(?:about|on|regarding|concerning|of|over|to|in\s+relation\s+to|with\s+regard\s+to|"
                         r"when\s+it\s+comes\s+to)\b)?\s*", re.IGNORECASE)
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
    # did / has Kishida say anything about ...
    re.compile(rf"^(?:did|has|have|does)\s+{_NAME}\s+(?P<verb>{_VERB}|speak|spoken|spoke)\s+(?:anything\s+|something\s+)?"
               r"(?P<rest>(?:about|on|regarding|concerning)\b.*)$", re.IGNORECASE),
    # how did Kishida respond / react (to ...)
    re.compile(rf"^how\s+(?:did|does|has)\s+{_NAME}\s+(?P<verb>respond|responded|react|reacted|reply|replied)\b"
               r"(?P<rest>.*)$", re.IGNORECASE),
    # what was said by Kishida (about ...)
    re.compile(rf"^what\s+(?:was|has\s+been)\s+(?P<verb>said|stated)\s+by\s+{_NAME}(?P<rest>(?:\s+(?:about|on|regarding)"
               r"\b.*)?)$", re.IGNORECASE),
    # Kishida's comments (on ...), show me Kishida's quotes
    re.compile(rf"^{_LEAD}{_NAME}['’]s?\s+(?:(?:latest|recent|own|public|main|key)\s+)?(?P<verb>{_NOUN})\b"
               r"(?P<rest>.*)$", re.IGNORECASE),
    # quotes from / by Kishida (on ...), comments of Yoon
    re.compile(rf"^{_LEAD}(?:(?:latest|recent|all)\s+)?(?P<verb>{_NOUN})\s+(?:from|by|of)\s+{_NAME}"
               r"(?P<rest>(?:\s+(?:about|on|regarding|concerning|over)\b.*)?)$", re.IGNORECASE),
    # Kishida quotes, Kishida on North Korea ("quotes" / "said" standing after the name)
    re.compile(rf"^{_NAME}\s+(?P<verb>quotes|quotations|statements|said|says)(?P<rest>(?:\s+(?:about|on|regarding)\b.*)?)$",
               re.IGNORECASE),
]

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


def speaker_question(question: str) -> SpeakerQuestion | None:
    """The name asked about and the topic, for a question asking what a person said; else None."""
    text = " ".join(question.split()).strip().rstrip("?!.").strip()
    for pattern in _PATTERNS:
        match = pattern.match(text)
        if not match:
            continue
        name = _tidy_name(match.group("name"))
        if name is None:
            continue
        topic = _TOPIC_LEAD.sub("", match.group("rest").strip(" ,;:-"), count=1).strip(" ,;:-")
        topic = _TOPIC_TAIL.sub("", topic)
        return SpeakerQuestion(name=name, topic=topic, phrase=match.group(0)[:match.start("rest")].strip()
                               if match.group("rest") else match.group(0).strip())
    return None


def _tidy_name(raw: str) -> str | None:
    words = raw.replace("’", "'").strip(" .,'").split()
    if words and words[-1].lower().endswith("'s"):
        words[-1] = words[-1][:-2]
    if not words or len(words) > 4:
        return None
    lowered = [w.lower() for w in words]
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


def matching_speakers(name: str, speakers: Iterable[str]) -> list[str]:
    """The stored speakers `name` means: those whose name holds its words as a run, in order
    ("Kishida" and "Fumio Kishida" mean "Fumio Kishida"; "Yoon" means "Yoon Suk Yeol"). A full
    match wins over partial ones, so "Kim Jong Un" never also means "Kim Yo Jong"."""
    asked = name_words(name)
    if not asked:
        return []
    matched = []
    for speaker in speakers:
        words = name_words(speaker)
        if words == asked:
            return [speaker]
        if any(words[i:i + len(asked)] == asked for i in range(len(words) - len(asked) + 1)):
            matched.append(speaker)
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
                  known: Callable[[], Iterable[str]]) -> SpeakerAsk | None:
    """Whom `words` (or the speaker option, which wins) asks about; None when nobody (today's route).

    `known` gives everyone the index quotes; it is called only when someone is asked about.
    With the option, the question's own speaker phrase still gives the topic ("what did Yoon
    say about the summit" with speaker=Kishida: Kishida's statements, best for "the summit").
    """
    parsed = speaker_question(words)
    if speaker_option is not None:
        topic = parsed.topic if parsed is not None else words
        return SpeakerAsk(speaker_option, topic, tuple(matching_speakers(speaker_option, known())), explicit=True)
    if parsed is None:
        return None
    return SpeakerAsk(parsed.name, parsed.topic, tuple(matching_speakers(parsed.name, known())), explicit=False)
