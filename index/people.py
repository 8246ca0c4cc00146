"""People, not strings: one person per article however it names them, and one across the archive.

Pure functions, no I/O. `attributed(paragraphs, statements)` is what a build stores: each
statement with its speaker named as the article names the person in full ("Blair" -> "Tony
Blair" where the article gives "Tony Blair" and no other Blair), and the forms the article
uses for that person: "Mr Blair", "Blair", "Prime Minister Tony Blair", and a role phrase
("the prime minister", "the Tory leader") where the article ties the role to that person
alone ("Tory leader Michael Howard", "Lord Goldsmith, the attorney general,"). Nobody is
given a statement the article did not already attribute: only its speaker's name changes,
to a fuller one the article itself gives, and only when exactly one person fits.

Across the archive a person is everyone stored under the same full name less the honorifics
("Sir Menzies Campbell" and "Menzies Campbell"): `person_key`, and `merge_speakers` for the
listing (`newsdex speakers`, GET /speakers). The vocabulary of titles is index.titles.

The text is untrusted: every pattern is bounded, and an article's work is linear in its text
(names are looked up by the runs of words they hold, as index.statements.People does).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from newsdex.index.rows import SpeakerRow
from newsdex.index.statements import PARAGRAPH_BREAK, People, Statement
from newsdex.index.titles import OFFICES, ROLE_MODIFIERS, ROLE_WORDS, STYLES, TITLE_WORDS

# Forms kept for one person of one article, the fullest name first: enough for every way an
# article names someone, and a bound on what an odd article stores.
MAX_FORMS = 16

# A run of capitalised words, as a name is written ("Prime Minister Tony Blair", "Mr Kilroy-Silk").
_WORD = r"[A-ZÀ-ÖØ-Þ][\w'’.-]{0,40}"
_RUN = re.compile(rf"(?<![\w'’-]){_WORD}(?:\s+{_WORD})*")
# The words at the end of a run that may name a person: "Japanese Prime Minister Fumio Kishida".
_NAME_TAIL = 6
# Role phrases that may stand for a person: the roles of index.titles and the offices beside them.
_ROLES = sorted({role for role, meaning in ROLE_WORDS.items() if meaning and not role.endswith(".")} | set(OFFICES),
                key=len, reverse=True)
_ROLE = "|".join(re.escape(role).replace(r"\ ", r"\s+") for role in _ROLES)
_MODIFIER = "|".join(ROLE_MODIFIERS)
# [modifier] [qualifier] role: "shadow chancellor", "Tory leader", "UK chancellor", "attorney general".
_ROLE_PHRASE = (rf"(?:(?P<mod>{_MODIFIER})\s+)?(?:(?P<qual>(?-i:[A-Z][\w'’.-]{{0,30}}))\s+)?"
                rf"(?P<role>(?<![\w-])(?:{_ROLE}))(?![\w-])")
_NAME_AFTER = rf"\s+(?P<name>(?-i:{_WORD}(?:\s+{_WORD}){{0,4}}))"
# "Tory leader Michael Howard", "Attorney General Lord Goldsmith": a role before a name.
_TITLED = re.compile(_ROLE_PHRASE + _NAME_AFTER, re.IGNORECASE)
# "Lord Goldsmith, the attorney general," / "the attorney general, Lord Goldsmith,": a role beside a name.
_NAME_THEN_ROLE = re.compile(rf"(?P<name>(?-i:{_WORD}(?:\s+{_WORD}){{0,4}})),\s+the\s+{_ROLE_PHRASE}"
                             r"\s*(?:[,.;:]|\s+(?:of|for|at)\b)", re.IGNORECASE)
_ROLE_THEN_NAME = re.compile(rf"\bthe\s+{_ROLE_PHRASE},{_NAME_AFTER}\s*[,.;:]", re.IGNORECASE)
# A capitalised word just before a qualifier (not a sentence's opener): the qualifier ends a longer name.
_PROPER_BEFORE = re.compile(r"\b(?!(?:Earlier|Later|But|And|Meanwhile|However|Former|Then|The|Now|In|On|At)\b)"
                            r"[A-Z][\w'’-]{0,40}\s+\Z")
# Honorifics the press gives anyone without a knighthood or a peerage.
_MISTER = frozenset("mr mrs ms miss mx".split())
# Capitalised words before a role that say nothing of whose role it is.
_NOT_QUALIFIERS = frozenset("the a an but and or so yet as its his her their our this that former new".split())


@dataclass(frozen=True)
class Person:
    """One person of one article: the fullest name it gives them, and every form it uses for them."""

    name: str
    forms: tuple[str, ...]


def _key(words: Sequence[str]) -> tuple[str, ...]:
    return tuple(w.casefold() for w in words)


def _tidy(word: str) -> str:
    """A word of a run without the punctuation a sentence leaves on it ("Blair.", "Blair's")."""
    word = word.rstrip(".,;:")
    for ending in ("'s", "’s"):
        if word.endswith(ending):
            return word[:-len(ending)]
    return word


def _is_title(word: str) -> bool:
    return word.casefold().rstrip(".") in TITLE_WORDS or word.casefold() in STYLES


class _Names:
    """The persons an article names (index.statements.People) and the speakers it quotes,
    looked up by every run of words they hold."""

    def __init__(self, text: str, speakers: Iterable[str]) -> None:
        known = People(text)
        names = {_key(name): name for name in known.names | known.runs}
        for speaker in speakers:
            words = _run_words(speaker)
            words = words[_leading_titles(words):]
            if words:
                names.setdefault(_key(words), tuple(words))
        self.names = names
        self._holders: dict[tuple[str, ...], set[tuple[str, ...]]] = {}
        for key in names:
            for i in range(len(key)):
                for j in range(i + 1, len(key) + 1):
                    self._holders.setdefault(key[i:j], set()).add(key)

    def person(self, words: Sequence[str], *, mister: bool = False) -> tuple[str, ...] | None:
        """The fullest name that holds `words` as a run, when one person does; None when none
        or two do ("Blair" with "Tony Blair" and "Sir Ian Blair" in one article). With `mister`
        (the words follow "Mr", "Ms", ...) a knight or a peer is not among them: the press calls
        Sir Ian Blair "Sir Ian", never "Mr Blair"."""
        holders = self._holders.get(_key(words))
        if holders and mister:
            holders = {name for name in holders if name[0] not in STYLES}
        if not holders:
            return None
        fullest = max(holders, key=len)
        if any(not _holds(fullest, other) for other in holders):
            return None
        return self.names[fullest]

    def named_in(self, run: Sequence[str]) -> tuple[int, tuple[str, ...]] | None:
        """Where a run of capitalised words names a person, and who: the longest tail of the run
        that one person's name holds ("But Mr Blair" -> 2, "Tony Blair"), its titles left before it."""
        for start in range(max(0, len(run) - _NAME_TAIL), len(run)):
            if _is_title(run[start]) and run[start].casefold() not in STYLES:
                continue
            found = self.person(run[start:], mister=start > 0 and run[start - 1].casefold().rstrip(".") in _MISTER)
            if found is not None:
                return start, found
        return None


def _leading_titles(words: Sequence[str]) -> int:
    """How many words open a name as titles that are no part of it ("Mr", "President"; not "Sir")."""
    count = 0
    while count < len(words) - 1 and _is_title(words[count]) and words[count].casefold() not in STYLES:
        count += 1
    return count


def _holds(longer: tuple[str, ...], shorter: tuple[str, ...]) -> bool:
    n = len(shorter)
    return any(longer[i:i + n] == shorter for i in range(len(longer) - n + 1))


def _run_words(text: str) -> list[str]:
    words = [_tidy(word) for word in text.split()]
    return [w for w in words if w]


def people_in(text: str, speakers: Iterable[str]) -> dict[str, Person]:
    """Each of `speakers` (as index.statements named them in `text`) -> the person the article means.

    A speaker's name becomes the fullest the article gives when one person alone holds it;
    the forms are the name as the article writes it each time (with its titles: "Mr Blair",
    "Sir Ian") and the role phrases it gives that person alone ("the prime minister").
    """
    speakers = list(dict.fromkeys(speakers))
    names = _Names(text, speakers)
    full = {}
    for speaker in speakers:
        words = _run_words(speaker)
        named = names.named_in(words) if words else None  # "Mr Blair": titles before a name are no part of it
        titles = _leading_titles(words)
        fuller = named is not None and named[0] == titles and len(named[1]) > len(words) - titles
        full[speaker] = named[1] if named is not None and fuller else tuple(speaker.split())
    people = {_key(words): " ".join(words) for words in full.values()}
    forms: dict[tuple[str, ...], dict[str, None]] = {key: {name: None} for key, name in people.items()}
    for match in _RUN.finditer(text):
        run = _run_words(match.group(0))
        named = names.named_in(run)
        if named is None:
            continue
        start, who = named
        if _key(who) not in forms:
            continue
        while start > 0 and _is_title(run[start - 1]):
            start -= 1
        forms[_key(who)][" ".join(run[start:])] = None
    for key, roles in _role_forms(text, names).items():
        if key in forms:
            for role in roles:
                forms[key][role] = None
    return {speaker: Person(people[_key(words)], tuple(list(forms[_key(words)])[:MAX_FORMS]))
            for speaker, words in full.items()}


def _role_forms(text: str, names: _Names) -> dict[tuple[str, ...], list[str]]:
    """Person -> the role phrases the article gives them alone ("the Tory leader", "the chancellor")."""
    holders: dict[str, set[tuple[str, ...]]] = {}
    for pattern in (_TITLED, _NAME_THEN_ROLE, _ROLE_THEN_NAME):
        for match in pattern.finditer(text):
            run = _run_words(match.group("name"))
            while run and _is_title(run[0]) and run[0].casefold() not in STYLES:
                run = run[1:]  # "Attorney General Lord Goldsmith": the role's own words
            who = names.person(run) if run else None
            if who is None:
                continue
            qual = match.group("qual")
            at = match.start("qual")
            if qual is not None and _PROPER_BEFORE.search(text, max(0, at - 50), at):
                qual = None  # "Fair Trials Abroad director": the qualifier is a name's last word, not the name
            for form in _role_phrases(match.group("mod"), qual, match.group("role")):
                holders.setdefault(form, set()).add(_key(who))
    out: dict[tuple[str, ...], list[str]] = {}
    for form, who_all in holders.items():
        if len(who_all) == 1:  # a role two people hold in the article is neither's form
            out.setdefault(next(iter(who_all)), []).append(form)
    return out


def _role_phrases(mod: str | None, qual: str | None, role: str) -> list[str]:
    """The role phrases one mention gives: "the Tory leader" and "the leader"; "the shadow chancellor" only."""
    role = " ".join(role.lower().split())
    if qual is not None and (qual.lower() in _NOT_QUALIFIERS or _is_title(qual)):
        merged = f"{qual.lower()} {role}"
        role = merged if merged in _ROLES else role
        qual = None
    if mod is not None:
        return [f"the {mod.lower()} {role}"]
    return [f"the {role}"] + ([f"the {qual} {role}"] if qual else [])


def attributed(paragraphs: Sequence[str], statements: Sequence[Statement]) -> list[tuple[Statement, tuple[str, ...]]]:
    """An article's statements with each speaker named as the person in full, and that person's
    forms in the article (() for a statement with no speaker): what every store keeps."""
    speakers = [s.speaker for s in statements if s.speaker is not None]
    if not speakers:
        return [(statement, ()) for statement in statements]
    people = people_in(PARAGRAPH_BREAK.join(paragraphs), speakers)
    # How the article described a speaker it then named ("The attorney general has denied ... . Lord
    # Goldsmith said"; "the Salford MP told ..."): a form of that person too.
    described: dict[str, dict[str, None]] = {}
    for statement in statements:
        if statement.speaker is not None and statement.said_as:
            form = " ".join(statement.said_as.split())
            described.setdefault(statement.speaker, {})[form[:1].lower() + form[1:]] = None
    out: list[tuple[Statement, tuple[str, ...]]] = []
    for statement in statements:
        if statement.speaker is None:
            out.append((statement, ()))
            continue
        person = people[statement.speaker]
        forms = tuple(dict.fromkeys([*person.forms, *described.get(statement.speaker, {})]))[:MAX_FORMS]
        out.append((replace(statement, speaker=person.name), forms))
    return out


# --- Across the archive -----------------------------------------------------------------------


def person_key(name: str) -> tuple[str, ...]:
    """Whom a stored name means across the archive: its words less the titles before them
    ("Sir Menzies Campbell" and "Menzies Campbell" are one person), unless that leaves one
    word ("Lord Butler" stays "lord butler": the title is how he is named)."""
    words = tuple(w.strip(".,").casefold() for w in name.split())
    start = 0
    while start < len(words) and words[start].rstrip(".") in TITLE_WORDS | STYLES:
        start += 1
    return words[start:] if len(words) - start >= 2 else words


@dataclass(frozen=True)
class ArchivePerson:
    """One person quoted in the archive: the name shown, every stored name that means them, their forms."""

    name: str
    names: tuple[str, ...]
    forms: tuple[str, ...]
    statements: int
    articles: int


def merge_speakers(rows: Sequence[SpeakerRow]) -> list[ArchivePerson]:
    """The stored speakers as people: names with one `person_key` merged (the name with most
    statements shown, then the longest), most statements first, then by name."""
    groups: dict[tuple[str, ...], list[SpeakerRow]] = {}
    for row in rows:
        groups.setdefault(person_key(row.speaker), []).append(row)
    people = []
    for members in groups.values():
        members.sort(key=lambda r: (-r.statements, -len(r.speaker), r.speaker))
        forms = dict.fromkeys(name for r in members for name in (r.speaker, *r.forms))
        people.append(ArchivePerson(name=members[0].speaker, names=tuple(r.speaker for r in members),
                                    forms=tuple(forms), statements=sum(r.statements for r in members),
                                    articles=sum(r.articles for r in members)))
    people.sort(key=lambda p: (-p.statements, p.name))
    return people
