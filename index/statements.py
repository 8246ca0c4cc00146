"""Who said what in an article: attributed statements found by rules over news phrasing.

Pure functions, no I/O (one warning aside, below). `statements_in(paragraphs)` finds direct
quotes (`"...," Kishida told Yoon`), reported speech (`Kishida stressed that ...`, `according
to Kishida, ...`, `Ishiba said he wants ...`), the mixed form (reported words around a quoted
fragment) and quotes that run over several paragraphs, and names each one's speaker with the
fullest name the article gives ("Kishida" -> "Fumio Kishida").

Precision comes before recall: a speaker is named only when the article makes the person
plain. A statement whose subject is no named person ("a spokesman said", "the statement
said", "local media reported", "the two leaders said", "they added") keeps speaker None; a
pronoun or a role ("he", "the prime minister") is resolved only when one person fits. No
NER model installs here (no spaCy model comes from the registry), so these are rules, each
one pinned by tests/test_statements.py and measured on tests/data/statements/labelled.jsonl.

The text is untrusted, so the rules take time linear in it (tests/test_linear.py) and an
article has a budget (MAX_ARTICLE_CHARS, MAX_UNIT_CHARS); `placed_statements`, what a build
calls, logs one warning naming the article when the budget leaves part of it unread.
"""

from __future__ import annotations

import logging
import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, replace

from newsdex.index.passages import sentences
from newsdex.index.titles import HONORIFIC as _HONORIFIC
from newsdex.index.titles import ROLE_MODIFIERS
from newsdex.index.titles import ROLE_TOKENS as _ROLE_TOKENS
from newsdex.index.titles import ROLE_WORDS as _ROLE_WORDS

KINDS = ("direct", "indirect", "mixed")
PARAGRAPH_BREAK = "\n\n"  # how an Article's text joins its paragraphs (Article.text)

# The budget of one article, so that no text, however long or strange, holds a build up: statements
# are looked for in its first MAX_ARTICLE_CHARS characters (a news article is a few thousand), and
# a unit (a sentence, or the sentences one quotation runs over) longer than MAX_UNIT_CHARS is not
# attributed (the longest in the labelled sets and the BBC and SciFact corpora are under it).
# What the budget leaves unread is said in a warning (placed_statements), never dropped silently.
MAX_ARTICLE_CHARS = 200_000
MAX_UNIT_CHARS = 5_000

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Statement:
    """Words the article attributes to someone: `text` is `article_text[start:end]`, exactly.

    `speaker` is the fullest name the article gives, or None when no person is named;
    `cue` is the attributing word as written, lower-cased ("told", "according to");
    `kind` is direct (quoted words), indirect (reported) or mixed (reported around a quote);
    `said_as` is how the article named the speaker where that was a description it ties to them
    ("the attorney general", "the Salford MP"), a form of the person for questions.
    """

    speaker: str | None
    cue: str
    kind: str
    text: str
    start: int
    end: int
    said_as: str | None = None


# --- Vocabulary -----------------------------------------------------------------------------

# Verbs that attribute speech, as news writes them (past and present tense).
_CUE_WORDS = """said says told tells stressed stresses added adds warned warns noted notes explained explains
insisted insists argued argues claimed claims stated states declared declares announced announces emphasised
emphasized emphasises emphasizes underlined underlines underscored underscores urged urges promised promises
pledged pledges vowed vows denied denies admitted admits acknowledged acknowledges asked asks replied replies
responded responds wrote writes tweeted posted commented comments remarked remarks observed suggested suggests
maintained maintains asserted asserts contended recalled conceded cautioned predicted concluded complained
complains reiterated reiterates confirmed confirms reported reports assured assures mentioned countered agreed
thinks
""".split()
_CUE = (r"(?:pointed\s+out|went\s+on|made\s+(?:it\s+)?clear|welcome[sd]\s+the\s+fact|"
        + "|".join(sorted(_CUE_WORDS, key=len, reverse=True)) + r")")
# Cues that may come before their subject: `"...," said Kishida`.
_INVERTED_CUE = r"(?:said|says|added|adds|told|asked|warned|wrote|explained|noted|stressed|insisted|replied)"
# Words between a subject and its cue that change nothing: "Kishida also said", "Kishida had
# previously said". Each alternative is one word or one fixed pair, so a run of them splits one
# way only ("had\s+previously" as well as "had" and "previously" split "had previously had
# previously ..." in exponentially many), and a run is at most four long: the regex engine
# tries the run again from every capitalised word before it ("on Friday on Friday ...").
_AUX = r"(?:(?:also|later|earlier|then|previously|again|repeatedly|publicly|reportedly|separately|recently|once"
_AUX += r"|directly|strongly|flatly|firmly|angrily|privately|quickly|immediately"
_AUX += r"|has|had|have|on\s+\w+day|last\s+\w+)\s+){0,4}"

# Titles and roles that introduce a person's name (index.titles, shared with people and questions).
_ROLE = "|".join(re.escape(r).replace(r"\ ", r"\s+") for r in sorted(_ROLE_WORDS, key=len, reverse=True))
_ROLE_RE = re.compile(rf"(?<![\w-])(?:{_ROLE})(?![\w-])", re.IGNORECASE)
# Nouns for a person that an appositive may give: "Her opponent, John Deaton, ..."
_PERSON_NOUNS = ("opponent rival wife husband son daughter brother sister father mother friend colleague "
                 "lawyer attorney analyst economist official activist resident witness doctor nurse teacher "
                 "student researcher scientist author founder owner partner aide adviser advisor "
                 "spokesman spokeswoman spokesperson").split()
_PERSON_NOUN = "|".join(_PERSON_NOUNS) + "|" + _ROLE
# Nationality or office adjectives that may stand before a title ("Japanese Prime Minister").
_ADJECTIVE = (r"(?:[A-Z][a-z]+(?:ese|ian|ean|an|ish|ic|i|ch)|US|U\.S\.|UK|EU|UN|S|N|Former|former|then|Deputy"
              r"|deputy|Vice|vice|Acting|acting)")

# One word of a person's name: capitalised, may carry an inner apostrophe or hyphen
# ("O'Brien", "Jean-Luc"), never a possessive ("Kishida's"). At most three such joins: the
# patterns below are tried from every capital letter, and an unbounded chain ("Aa'Aa'Aa'...")
# would be read again to its end from each one.
_NAME_WORD = r"[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ]+(?:[A-Z][a-zà-öø-ÿ]+)?(?:['’-][A-ZÀ-ÖØ-Þa-zà-öø-ÿ][a-zà-öø-ÿ]+){0,3}"
_PARTICLE = r"(?:de|del|da|di|dos|du|la|le|van|von|der|den|ter|bin|bint|al|el|ul|ibn)"
_INITIAL = r"(?-i:[A-HJ-Z])\.?"  # a middle initial: "George W Bush", "Charles A. Blixt" (not "I")
_INITIAL_RE = re.compile(_INITIAL)
_NAME = rf"{_NAME_WORD}(?:\s+(?:{_PARTICLE}\s+|{_INITIAL}\s+)?{_NAME_WORD}){{0,3}}"
_NAME_RE = re.compile(_NAME)
_NAME_CS = rf"(?-i:{_NAME})"  # a name inside a pattern that ignores case elsewhere
# A qualifier is the word before a role that says whose ("Arsenal manager", "Japanese Prime Minister");
# a word, so of bounded length: "A.A.A.A..." would otherwise be read to its end from every "A".
_QUALIFIER = rf"(?P<qualifier>(?-i:[A-Z][\w.’'-]{{0,40}}))(?<!\.)\s+(?!(?:{_ROLE})\s+(?:{_ROLE})\b)"
_TITLED_NAME = re.compile(rf"(?<![\w-])(?:{_QUALIFIER})?(?P<role>{_ROLE})\s+(?P<name>{_NAME_CS})", re.IGNORECASE)
# Subjects that name a role, not a person: "the prime minister", "the City manager".
_THE_ROLE = re.compile(rf"the\s+(?P<role>{_ROLE})", re.IGNORECASE)
_THE_QUALIFIED_ROLE = re.compile(rf"the\s+{_QUALIFIER}(?P<role>{_ROLE})", re.IGNORECASE)
# Honorifics before a name: "Dr. Amelia Hart".
# A name after the words that describe it: "UN climate chief Simon Stiell".
_TITLED_SUBJECT = re.compile(rf"(?P<prefix>.*(?<![\w-])(?:{_ROLE}))\s+(?P<rest>.+)", re.IGNORECASE)
# Case-sensitive names after a case-insensitive role: re.IGNORECASE would let "said" be a name.
_NAME_EXACT = re.compile(rf"^{_NAME}")
# "Mick Lynch, the general secretary of ...", "Anna Becker, 54, a pharmacist": a person described.
_DESCRIBED = re.compile(
    rf"(?P<name>{_NAME_CS}),\s+(?:\d{{1,3}},|(?:the|a|an)\s+(?:[\w-]+\s+){{0,4}}?(?:{_PERSON_NOUN})\b)", re.IGNORECASE)
# "Her opponent, John Deaton, ...": a person named after what they are.
_DESCRIBED_BEFORE = re.compile(
    rf"\b(?:his|her|their|its|the|a|an)\s+(?:[\w-]+\s+){{0,3}}?(?:{_PERSON_NOUN}),\s+(?P<name>{_NAME_CS}),",
    re.IGNORECASE)

# Capitalised words that are no part of a person's name: places, bodies, sentence openers.
_NOT_NAME_WORDS = set("""
the a an this that these those there it its he she they we i his her their our my your you
but and or yet so also meanwhile however later earlier separately still then now today yesterday tomorrow
on in at of for from with by after before during since under over about against between besides despite
according speaking asked last next first one two three many some several both all each
monday tuesday wednesday thursday friday saturday sunday january february march april may june july august
september october november december
ministry office news agency times post press media television tv radio council committee commission party
government department union bank fund group inc corp ltd company university institute foundation association
organization organisation army navy forces force police house court parliament congress senate assembly embassy
kremlin pentagon state states kingdom republic federation emirates nations alliance summit
rail railways airways airlines motors energy systems technologies holdings partners capital services centre
center network club sports city united fc board authority service watch international trust league
street re financial insurance bookmaker bookmakers democrats democrat liberal conservatives tories labour crime
korea japan china russia ukraine india iran iraq israel gaza syria turkey europe asia africa america
zealand arabia kong lanka guinea leone rica salvador york jersey angeles francisco delhi aviv
north south east west central new san los las saint st port buenos hong sri
""".split())
# Role words as single words, so a name run can shed its titles ("Transport Secretary Louise Haigh").

_PRONOUNS = {"he", "she"}
# Words that make a run of capitalised words an organisation or a place, not a person.
_ORG_WORDS = set("""research bank banking union party council group association commission office department
ministry club united city news times post company corporation institute university college school hospital
committee court agency authority board service services fund foundation trust society league federation
international national group plc ltd inc airlines network networks forum campaign industry industries chambers
holdings partners records magazine newspaper website programme radio television channel parliament assembly
treasury cup championship""".split())
# What a subject may carry besides the name: "Frank Fell MP", "Will Corr of the Campaign for Kids".
_POST_NOMINAL = re.compile(r"\s+(?:MP|MEP|MSP|AM|QC|KC|MBE|OBE|CBE|Jr|Sr)\.?$")
_NAME_OF = re.compile(r"(?P<name>(?:[A-Z][\w’'-]+\s+){0,3}[A-Z][\w’'-]+)\s+(?:of|from|at)\s+(?:the\s+)?[A-Z].*")
# A name after words that describe the person, the last a common noun: "former England defender Gary Stone".
_DESCRIBED_NAME = re.compile(rf"(?P<prefix>(?:[\w’'&.-]+\s+){{0,6}}?(?:[a-z][a-z-]+|MP|MEP|MSP|AM))"
                             rf"\s+(?P<name>{_NAME})")
_HONOURED_NAME = re.compile(rf"(?P<prefix>.{{1,80}}?)\s+(?P<name>(?:Sir|Lord|Lady|Dame|Dr|Mr|Mrs|Ms)\s+{_NAME})")
# A name that is the object of the words before it ("the wife of Minister Jane Doe", "an adviser to
# President Roe"): someone else speaks, described by that person. "The union's general secretary Jo
# Roe" and "director of telecoms research Tom Lane" name the speaker.
_NAME_IS_OBJECT = re.compile(rf"\b(?:of|to|for|with|by|from|at|and|or)(?:\s+the)?(?:\s+(?:{_ROLE}))*\s*$",
                             re.IGNORECASE)
# What an appositive after a name opens with: "who ...", "a/the ...", "54", "formerly ...", "then ...".
_APPOSITIVE = re.compile(r"(?:who|whose|a|an|the|his|her|\d|formerly|then|now|once|chief|head|director|managing"
                         r"|executive|shadow|deputy|former)\b", re.IGNORECASE)
_FUNCTION_WORD = re.compile(r"\b(?:the|a|an|in|on|as|is|was|said|says)$", re.IGNORECASE)
_ARTICLE_FIRST = re.compile(r"(?:the|a|an)\s", re.IGNORECASE)
_THEN_SPOKE = re.compile(r"\s(?:and|but)(?:\s+also)?$")
_DASHED = re.compile(r"\s+[-–—]\s+")
_PRONOUN_REACH = 4  # sentences back that a "he"/"she" may reach for its speaker
# Subjects that say plainly that no one person is named.
_COLLECTIVE = re.compile(r"\b(?:they|we|both|two|three|leaders|officials|ministers|sources|media|reports?|"
                         r"statement|ministry|government|agency|police|spokes(?:man|woman|person)|"
                         r"analysts|experts|residents|witnesses|people|critics|observers|diplomats)\b",
                         re.IGNORECASE)

# Quotation marks: curly and guillemets open or close by their shape; a straight double
# quote closes an open quote and opens one otherwise. Single quotes are left alone: in
# news they are scare quotes and apostrophes far more often than speech.
_OPENERS = "“„«"
_CLOSERS = "”»"
_STRAIGHT = '"'
_QUOTE_MARKS = _OPENERS + _CLOSERS + _STRAIGHT
_QUOTE_MARK = re.compile(f"[{_QUOTE_MARKS}]")


# --- People the article names ---------------------------------------------------------------


def _words(name: str) -> tuple[str, ...]:
    return tuple(name.split())


def _contains(longer: tuple[str, ...], shorter: tuple[str, ...]) -> bool:
    """Whether `shorter` is a run of whole words inside `longer` ("Kishida" in "Fumio Kishida")."""
    n = len(shorter)
    return any(longer[i:i + n] == shorter for i in range(len(longer) - n + 1))


# What a person is, capitalised where it opens a sentence before their name: no part of the name.
_LEADING_NOUNS = frozenset("""guitarist singer drummer bassist actor actress comedian presenter director producer
writer author novelist rapper striker midfielder defender goalkeeper winger forward captain coach manager boss
chairman chairwoman spokesman spokeswoman analyst economist lawyer campaigner veteran star player""".split())
# Months that are surnames after a given name ("Theresa May", "Jan April"), never first.
_SURNAME_MONTHS = frozenset({"May", "June", "April", "August"})


def _clean_name(words: Sequence[str]) -> tuple[str, ...]:
    """A name run without the titles, capitalised openers and place words a sentence puts around it.

    "Transport Secretary Louise Haigh" -> ("Louise", "Haigh"); "Meanwhile Kishida" -> ("Kishida",);
    a run holding a place or a body ("Kyodo News", "North Korea") is no name: ().
    """
    kept = list(words)
    titles = [i for i, w in enumerate(kept) if w.lower().rstrip(".") in _ROLE_TOKENS or w.lower() in _ROLE_TOKENS]
    if titles:
        kept = kept[titles[-1] + 1:]
    while kept and (kept[0].lower() in _NOT_NAME_WORDS or kept[0].lower() in _LEADING_NOUNS):
        kept.pop(0)  # "Meanwhile Kishida", "Guitarist Brian May"
    if any(w.lower() in _NOT_NAME_WORDS and not (0 < i < len(kept) - 1 and _INITIAL_RE.fullmatch(w))
           and not (i > 0 and w in _SURNAME_MONTHS)
           for i, w in enumerate(kept)):  # "Charles A Blixt": a middle initial; "Theresa May": a surname
        return ()
    return tuple(kept)


def _holders(names: set[tuple[str, ...]]) -> dict[tuple[str, ...], list[tuple[str, ...]]]:
    """Each run of whole words of each name -> the names holding it: `_contains` for every name at once."""
    holders: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
    for name in names:
        parts = {name[i:j] for i in range(len(name)) for j in range(i + 1, len(name) + 1)}
        for part in parts:
            holders.setdefault(part, []).append(name)
    return holders


class People:
    """The persons one article names, by their fullest name, and the roles it gives them.

    Names are looked up by the runs of words they hold, read once from the article, so that
    naming the speaker of each statement costs the same however many names the article gives.
    """

    def __init__(self, text: str) -> None:
        self.names: set[tuple[str, ...]] = set()
        self.runs: set[tuple[str, ...]] = set()
        for match in _NAME_RE.finditer(text):
            words = _clean_name(_words(match.group(0)))
            if len(words) >= 2:
                self.runs.add(words)
        # (role, None) -> every name given the role; (role, qualifier) -> those given it with that word.
        self.roles: dict[tuple[str, str | None], set[tuple[str, ...]]] = {}
        for match in _TITLED_NAME.finditer(text):
            exact = _NAME_EXACT.match(match.group("name"))
            if not exact:
                continue
            words = _clean_name(_words(exact.group(0)))
            if words:
                self.names.add(words)
                role = _ROLE_WORDS[" ".join(match.group("role").lower().split())]
                qualifier = match.group("qualifier")
                if role:
                    if not (qualifier and qualifier.lower() in ROLE_MODIFIERS):  # a deputy PM is no PM
                        self.roles.setdefault((role, None), set()).add(words)
                    if qualifier:
                        self.roles.setdefault((role, qualifier.lower()), set()).add(words)
        # Two or more name words that speak or are described as a person are a person:
        # "Jane Doe said", "said Jane Doe", "Mick Lynch, the general secretary", "her opponent, John Deaton,".
        for pattern in (_SPEAKING_NAME, _NAME_SPEAKING, _DESCRIBED, _DESCRIBED_BEFORE):
            for match in pattern.finditer(text):
                exact = _NAME_EXACT.match(match.group("name"))
                words = _clean_name(_words(exact.group(0))) if exact else ()
                if len(words) >= 2:
                    self.names.add(words)
        self._name_holders = _holders(self.names)
        self._run_holders = _holders(self.runs)
        longest = max(map(len, self.names | self.runs), default=0)
        self._most_runs = longest * (longest + 1) // 2  # runs of words in the longest name
        self._in_role: dict[tuple[str, str | None], str | None] = {}
        # The sex an honorific gives a person ("Mr Blair", "Ms Blears"): a "she" does not stand for Mr Blair.
        self._sex: dict[str, str] = {}
        for match in _SEXED_NAME.finditer(text):
            exact = _NAME_EXACT.match(match.group("name"))
            name = self.full_name(_clean_name(_words(exact.group(0)))) if exact else None
            if name is not None:
                sex = "he" if match.group("title") in _MALE_TITLES else "she"
                self._sex[name] = sex if self._sex.get(name, sex) == sex else "?"

    def pronoun_fits(self, name: str, pronoun: str) -> bool:
        """Whether `pronoun` ("he", "she") may stand for the person `name`, as far as the article tells."""
        return self._sex.get(name, pronoun) in (pronoun, "?")

    def full_name(self, words: tuple[str, ...]) -> str | None:
        """The fullest known name holding `words`, or None when none does or two different ones do.

        Known names are those the article gives a person (titled, speaking, described); failing
        those, any run of two or more name words ("Carlos Alcaraz won ...") may give a short
        form ("Alcaraz said") its full name.
        """
        holders = self._name_holders.get(words) or self._run_holders.get(words)
        if holders and (len(words) == 1 or max(map(len, holders)) == len(words)):
            # "Mr Mack" known only as "Mack": a run may say more; "Blair" beside "Sir Ian Blair" and a "Tony
            # Blair" the article only mentions: ambiguous.
            holders = holders + self._run_holders.get(words, [])
        if not holders:
            return None
        # Names that all lie within one are at most its runs of words: more are ambiguous without
        # reading each (an article may name "Kim Aa", "Kim Ab", ... thousands of times).
        if len(holders) > self._most_runs:
            return None
        fullest = max(holders, key=len)
        if any(not _contains(fullest, other) for other in holders):
            return None  # "Kim" of "Kim Jong Un" and of "Kim Yo Jong": ambiguous
        return " ".join(fullest)

    def in_role(self, role: str, qualifier: str | None = None) -> str | None:
        """The one person the article gives `role` ("prime minister"), or None.

        A qualified role ("the City manager") must be given with the same word ("City
        manager Pep Guardiola"): "Arsenal manager Mikel Arteta" is no City manager.
        """
        key = (role, qualifier.lower() if qualifier is not None else None)
        if key not in self._in_role:  # asked once per role: "the president said" may open every sentence
            holders = {self.full_name(words) for words in self.roles.get(key, ())}
            holders.discard(None)
            self._in_role[key] = holders.pop() if len(holders) == 1 else None
        return self._in_role[key]

    def known_in(self, text: str) -> bool:
        """Whether `text` names a person the article gives a title, a description or words to."""
        return any(self._name_holders.get(_clean_name(_words(m.group(0)))) for m in _NAME_RE.finditer(text))

    def mentioned(self, text: str) -> set[str]:
        """The known persons whose names occur in `text`."""
        found: set[str] = set()
        for match in _NAME_RE.finditer(text):
            words = _clean_name(_words(match.group(0)))
            while words:
                name = self.full_name(words)
                if name:
                    if not _ORG_WORDS & set(name.lower().split()):  # "Retail Banking Research" is no one
                        found.add(name)
                    break
                words = words[1:]
        return found


_SPEAKING_NAME = re.compile(rf"(?P<name>{_NAME})\s+{_AUX}{_CUE}\b")
_MALE_TITLES = {"Mr", "Sir", "Lord"}
_SEXED_NAME = re.compile(rf"\b(?P<title>Mr|Sir|Lord|Mrs|Ms|Miss|Dame|Lady|Baroness)\.?\s+(?P<name>{_NAME})")
_NAME_SPEAKING = re.compile(rf"\b{_INVERTED_CUE}\s+(?P<name>{_NAME})\s*[.,]")


# --- Units: sentences whose quotes are whole ------------------------------------------------


_INNER_QUOTE_CHARS = 40
_GOES_ON = re.compile(r"(?:\s+[a-z(]|[,;:]\s+[a-z])")  # after an inner quote, the sentence carries on


def _quote_spans(text: str) -> list[tuple[int, int | None]]:
    """(opening mark, index after the closing mark) of each quotation in `text`; None: never closed."""
    spans: list[tuple[int, int | None]] = []
    opened: int | None = None
    marks = [(mark.start(), mark.group()) for mark in _QUOTE_MARK.finditer(text)]
    inner_close = -1  # the closing mark of a quotation inside the open one (`he was going to "fake" an injury`)
    for k, (i, ch) in enumerate(marks):
        if i == inner_close:
            continue
        if opened is None:
            # A straight mark opens after a space or a bracket, not after the end of a sentence
            # (`himself." Arnesen said`): that one closes a quotation opened out of sight.
            if ch in _OPENERS or (ch == _STRAIGHT and (i == 0 or text[i - 1].isspace() or text[i - 1] in "([{—–-/‘'")):
                opened = i
        elif ch == _STRAIGHT and text[i - 1].isspace() and text[i + 1:i + 2].isalnum():
            following = marks[k + 1][0] if k + 1 < len(marks) else -1
            if 0 < following - i <= _INNER_QUOTE_CHARS and _GOES_ON.match(text, following + 1):
                inner_close = following  # a word or two quoted inside the quotation, which goes on after it
                continue
            # `"Q1.  "Q2."`: news often leaves a quotation unclosed where the next one opens;
            # a straight mark after a space and before a word opens, so the first ends here.
            spans.append((opened, i))
            opened = i
        elif ch in _CLOSERS or ch == _STRAIGHT:
            spans.append((opened, i + 1))
            opened = None
    if opened is not None:
        spans.append((opened, None))
    return spans


def _sentence_spans(paragraph: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    cursor = 0
    for sentence in sentences(paragraph):
        found = paragraph.find(sentence, cursor)
        if found < 0:
            return [(0, len(paragraph))] if not spans else spans[:-1] + [(spans[-1][0], len(paragraph))]
        spans.append((found, found + len(sentence)))
        cursor = found + len(sentence)
    return _split_outside_quotes(paragraph, _marks_to_their_sentence(paragraph, spans))


def _split_outside_quotes(paragraph: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sentences the splitter kept together because it took a quotation to be open (news runs
    quoted paragraphs together, leaving marks unpaired), split where a sentence ends outside
    every quotation: after a word of two or more small letters or a digit, before a capital."""
    quotes = [(a, b if b is not None else len(paragraph)) for a, b in _quote_spans(paragraph)]
    starts = [a for a, _ in quotes]
    out: list[tuple[int, int]] = []
    for start, end in spans:
        piece_start = start
        for end_mark in _SENTENCE_BREAK.finditer(paragraph, start, end):
            gap = end_mark.start("gap")  # the white space between the sentences
            k = bisect_right(starts, gap) - 1
            if k >= 0 and quotes[k][1] > gap:
                continue  # inside a quotation
            out.append((piece_start, gap))
            piece_start = end_mark.end()
        out.append((piece_start, end))
    return out


_SENTENCE_BREAK = re.compile(r"(?:(?<=[a-z][a-z])|(?<=\d))[.!?][\"”’]?(?P<gap>\s+)(?=[A-Z])")


def _marks_to_their_sentence(paragraph: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Straight quote marks put back with the sentence they belong to. The splitter leaves the
    mark that opens the next sentence on the end of this one (`chance. "` / `Hopefully, ...`) and
    the mark that closes this one at the start of the next (`motivation.` / `" Milan coach ...`):
    a mark after a space opens, a mark before a space closes."""
    fixed = list(spans)
    for k in range(len(fixed) - 1):
        (a, b), (c, d) = fixed[k], fixed[k + 1]
        if b - a > 1 and paragraph[b - 1] == _STRAIGHT and paragraph[b - 2].isspace():
            b -= 1
            c = b
        elif d - c > 1 and paragraph[c] == _STRAIGHT and paragraph[c + 1].isspace():
            b = c + 1
            c += 2
        fixed[k], fixed[k + 1] = (a, b), (c, d)
    return fixed


@dataclass(frozen=True)
class _Unit:
    """A stretch of the article that is judged whole: a sentence, or sentences one quote runs across."""

    start: int
    end: int
    quotes: tuple[tuple[int, int], ...]  # article offsets of each quotation, marks included


def _units(paragraphs: Sequence[str]) -> list[_Unit]:
    """Sentences of the article, merged where a quotation runs on past a sentence end, and
    across paragraphs where an open quote continues ("...<end of paragraph> / “..." convention).

    Linear in the article: a paragraph's quotations are sorted and do not overlap, and its
    sentence ends only grow, so one pointer finds the quotation around each sentence end, and
    bisection the quotations of each unit.
    """
    units: list[_Unit] = []
    offset = 0
    carried: tuple[int, list[tuple[int, int]]] | None = None  # (unit start, quotes so far)
    for index, paragraph in enumerate(paragraphs):
        base = offset
        offset += len(paragraph) + len(PARAGRAPH_BREAK)
        quotes = _quote_spans(paragraph)
        bounds = _sentence_spans(paragraph)
        nxt = paragraphs[index + 1] if index + 1 < len(paragraphs) else ""
        pending: list[tuple[int, int]] = []  # quotes closed so far in the unit being built
        unit_start: int | None = None
        open_from: int | None = None  # a carried quote that this paragraph goes on without reopening
        if carried is not None:
            # The carried list belongs to the unit being built alone: it grows in place, never copied.
            unit_start, pending = carried
            carried = None
            if quotes and quotes[0][0] == 0:  # the continuing paragraph reopens the quote: a segment of its own
                first_end = quotes[0][1]
                quotes = quotes[1:]
                if first_end is None:
                    pending.append((base, base + len(paragraph)))
                    if nxt[:1] in _OPENERS + _STRAIGHT:
                        carried = (unit_start, pending)
                        continue
                else:
                    pending.append((base, base + first_end))
            else:
                open_from = base
        spans = [(base + s, base + (e if e is not None else len(paragraph))) for s, e in quotes]
        starts = [s for s, _ in spans]
        ends = [e for _, e in spans]
        last_open = quotes and quotes[-1][1] is None
        around = 0  # the first quotation that ends after the current sentence end
        for s_start, s_end in bounds:
            a_start, a_end = base + s_start, base + s_end
            if unit_start is None:
                unit_start = a_start
            while around < len(spans) and ends[around] <= a_end:
                around += 1
            inside = around < len(spans) and starts[around] < a_end
            if inside and s_end < len(paragraph):
                continue  # the sentence ends inside a quotation: the unit goes on
            first_own = bisect_left(starts, unit_start)
            if s_end >= len(paragraph) and last_open and nxt[:1] in _OPENERS + _STRAIGHT:
                # A quote left open at the paragraph's end goes on in the next paragraph; each
                # paragraph's part is a segment of its own, as news reads them.
                pending.extend(spans[first_own:])
                carried = (unit_start, pending)
                unit_start = None
                break
            if open_from is not None:
                pending.append((open_from, a_end))
                open_from = None
            own = spans[first_own:max(first_own, bisect_right(ends, a_end))]
            units.append(_Unit(unit_start, a_end, tuple(pending + own)))
            pending = []
            unit_start = None
    text = PARAGRAPH_BREAK.join(paragraphs)
    return [piece for unit in units for piece in _split_before_quote(text, unit)]


_SENTENCE_END = re.compile(r"[.!?…]\s+$")


def _split_before_quote(text: str, unit: _Unit) -> list[_Unit]:
    """A sentence the splitter left joined to the quotation after it ("... a warning. “The NHS
    is ...") is a unit of its own: the quotation's attribution is not its."""
    if unit.quotes and unit.quotes[0][0] > unit.start and _SENTENCE_END.search(text[unit.start:unit.quotes[0][0]]):
        head = text[unit.start:unit.quotes[0][0]].rstrip()
        return [_Unit(unit.start, unit.start + len(head), ()), _Unit(unit.quotes[0][0], unit.end, unit.quotes)]
    return [unit]


# --- Attribution ----------------------------------------------------------------------------

# Words no subject ends with ("Roe dismissed the | claims as gossip": "claims" is no cue there).
_DETERMINERS = ("the", "a", "an", "his", "her", "its", "their", "these", "those", "this", "our", "my", "your")
# A subject never ends in white space (the `\s+` after it takes that), so a long run of spaces
# is not split between the two in every possible way.
_NOT_DETERMINER = "".join(rf"(?<!\b{w})" for w in _DETERMINERS)
_SUBJECT = rf"(?P<subj>[^“”\"«»,;:]{{1,80}}?(?:(?:,\s+[^“”\"«»,;:]{{1,160}}){{1,3}},)?)(?<!\s){_NOT_DETERMINER}"
# The subject of reported speech, which no quotation came before: its descriptions may quote and
# the last may run up to the cue ("Jo Roe, chief of Acme - a firm that ... - believes ...").
_WIDE_SUBJECT = (rf"(?P<subj>[^“”\"«»,;:]{{1,80}}?(?:(?:,\s+(?!(?:and|but|or|yet|so|while|although|though|because)\s)"
                 rf"[^,;:]{{1,160}}){{1,3}},?)?)(?<!\s){_NOT_DETERMINER}")
# Cues that name whom they were said to: "told reporters that ...".
_TELLING = {"told", "tells", "assured", "assures", "warned", "warns", "urged", "urges", "asked", "asks", "reminded"}
# What may stand between a cue and its "that": whom it was told to, and when or where
# ("told reporters on Friday", "said in a statement"); never a clause of its own.
_HEARER = (r"(?:reporters|journalists|lawmakers|legislators|parliament"
           rf"|(?:the|a|an|his|her|their)\s+(?:[\w-]+\s+){{0,2}}?[\w-]+(?:\s+{_NAME})?|{_NAME}"
           r"|(?-i:[A-Z][\w'’.&-]*)(?:\s+(?-i:[A-Z0-9][\w'’.&-]*)){0,4}(?:\s+(?:programme|newspaper|magazine|website))?)")
_CIRCUMSTANCE_WORDS = ("on in at during after before via through late earlier last this while outside inside near "
                       "from by over ahead following when").split()
_CIRCUMSTANCE = rf"(?:(?:{'|'.join(_CIRCUMSTANCE_WORDS)})\s[^,“”\"«»;:]{{1,60}}?)"
# `SUBJ CUE (hearer) (circumstance) that CLAUSE`: reported speech from the start of a (tidied) unit.
_REPORTED = re.compile(
    rf"^{_WIDE_SUBJECT}\s+{_AUX}(?P<cue>{_CUE})\b(?P<hearer>\s+{_HEARER})??(?:,?\s+{_CIRCUMSTANCE})??,?\s+that\s+(?P<clause>.+)$",
    re.DOTALL)
# `SUBJ said he wants ...`, `Su said supply constraints would ease`: no "that"; cues that take
# no object of their own, and a clause that does not open with a circumstance ("said on Friday").
_BARE_CUES = ("said says insisted insists added adds argued argues claimed claims noted notes admitted admits "
              "acknowledged conceded stressed predicted suggested maintained asserted replied").split()
_REPORTED_BARE = re.compile(
    rf"^{_WIDE_SUBJECT}\s+{_AUX}(?P<cue>{'|'.join(_BARE_CUES)}|told\s+(?:reporters|journalists|the\s+media)"
    r"|welcome[sd]\s+the\s+fact|made\s+(?:it\s+)?clear)\s+"
    r"(?!while\s+visiting)(?=(?:while|although|though)\s+(?:it|he|she|they|we|there|the|this)\b"
    rf"|(?!(?:{'|'.join(_CIRCUMSTANCE_WORDS)}|that|so|yes|no|nothing|(?:mon|tues|wednes|thurs|fri|satur|sun)day)\b))"
    r"(?P<clause>[\w“\"].+)$",
    re.DOTALL | re.IGNORECASE)
# What follows the cue when the speaker comes after it: "..., said Dr Jo Roe." / "..., said Jo Roe, an analyst."
_INVERTED_TAIL = re.compile(rf"(?:(?:Mr|Mrs|Ms|Dr|Sir|Lord|Lady|Dame)\.?\s+)?(?-i:{_NAME})(?:,[^“”\"«»]*)?\W*")
# Cues whose object is what was said: `Doe accused the minister of ...`, `Doe urged voters to ...`,
# `Doe denied leaking it`, `Doe believes (that) ...` (the statement is the object, the cue the verb).
# What opens a clause after "that" ("denied that he knew"); otherwise "that" points ("denied that quote").
# "NAME, who argues (that) CLAUSE, ...": what a relative clause says a named person holds.
_WHO_BELIEVES = re.compile(rf"(?P<name>(?:(?:Mr|Mrs|Ms|Dr|Sir|Lord|Lady|Dame)\.?\s+)?(?-i:{_NAME})),\s+who\s+"
                           r"(?:also\s+)?(?P<cue>argues|insists|believes|claims|maintains|thinks|says)\s+(?:that\s+)?"
                           r"(?P<clause>[^,;“”\"«»]{8,300}?)(?=,)")
_PLEDGES = frozenset("pledged pledges promised promises vowed vows".split())
_POINTING_THAT = re.compile(r"\bthat\s+$")
_POINTING_CUES = frozenset("denied denies rejected rejects dismissed dismisses".split())
_CLAUSE_OPENER = re.compile(r"(?:he|she|it|they|we|i|you|there|the|a|an|his|her|their|its|this|these|those|any|no|some"
                             r"|[A-Z][\w’'-]*)\b")
_OBJECT_CUES = ("denied denies demanded demands believes believed branded accused accuses urged urges attacked "
                "attacks dismissed dismisses rejected rejects criticised criticized criticises pledged pledges "
                "promised promises vowed vows").split()
# A subject that ends with a verb of speaking is no subject: the word after it is that verb's object.
# So is one that ends in a determiner and a word ("their artistic | urges"): the cue is a noun there.
_VERB_END = re.compile(rf"\s(?:{'|'.join(_OBJECT_CUES)}|denied|rejected|dismissed|welcomed|attacked|criticised"
                       rf"|(?:{'|'.join(_DETERMINERS)})\s+[a-z]+)$")
# A subject that did one thing and then spoke: "Mr Blair dismissed the talk of splits and (said)".
_OBJECT_FIRST = re.compile(rf"{_SUBJECT}\s+{_AUX}(?P<cue>{'|'.join(_OBJECT_CUES)})\s+(?P<object>[\w“\"][^,;:]*?)"
                           r"\s+(?:and|but)(?:\s+also)?$")
_REPORTED_OBJECT = re.compile(
    rf"^{_WIDE_SUBJECT}\s+{_AUX}(?P<cue>called\s+(?:on|for)|calls\s+(?:on|for)|(?:does|did|do)\s+not\s+believe"
    rf"|{'|'.join(_OBJECT_CUES)})\s+(?:that\s+)?"
    r"(?P<clause>[\w“\"].+)$", re.DOTALL)
# `Doe told the Courier she would stand`: whom it was told to (a few words), then a clause that opens
# with a pronoun, which is where the hearer ends.
_REPORTED_TOLD = re.compile(
    rf"^{_WIDE_SUBJECT}\s+{_AUX}(?P<cue>told|tells)\s+(?:[\w'’.-]+\s+){{1,6}}?"
    r"(?P<clause>(?:he|she|they|it|we|his|her|its|their|there)\s.+)$", re.DOTALL)
# `Roe told BBC Radio 4's Today programme the plan had failed`, `Roe told The Observer government life was
# hard`: a hearer that ends in a medium or a capitalised name, then a clause with a verb of its own.
_TOLD_MEDIUM = re.compile(
    rf"^{_WIDE_SUBJECT}\s+{_AUX}(?P<cue>told|tells)\s+(?:(?:the|a|an)\s+)?(?:[\w'’.&-]+\s+){{0,5}}?"
    r"(?:programme|newspaper|magazine|website|paper|show|channel|committee|conference|meeting|audience|delegates"
    r"|(?-i:MPs|[A-Z][\w'’.&-]*))\s+"
    rf"(?P<clause>(?!(?:{'|'.join(_CIRCUMSTANCE_WORDS)}|about|of|for|to|with|that|and|but|or|programme|newspaper|magazine"
    r"|website|paper|show|channel)\b)(?-i:[a-z]|The\s|A\s)"
    r"(?=[^.“”\"«»]{0,80}?\b(?:was|were|is|are|would|will|had|has|have|could|should|must|can|did|needed)\b).+)$",
    re.DOTALL)
# `Abbott called the decision "judicial activism"`: a quoted judgement.
_CALLED = re.compile(rf"^{_SUBJECT}\s+{_AUX}(?P<cue>called|described)\s+(?P<clause>[^“”\"«»]{{1,60}}?\s*[“\"«].+)$",
                     re.DOTALL)
# `CLAUSE, SUBJ said (on Friday).` and `CLAUSE, said SUBJ.`: the attribution closes the sentence.
# The attribution ends in a word character, so the closing punctuation (`\W*$`) is tried once
# per run of it rather than from each of its characters, which made a long run quadratic.
_TRAILING = re.compile(r"^(?P<clause>.+?),\s+(?P<attr>[^,“”\"«»]+?(?:,\s+(?:the|a|an)\s[^,“”\"«»]+)?)"
                       r"(?P<relative>,\s+(?:which|who|whose)\s[^“”\"«»]+)?(?<=\w)\W*$", re.DOTALL)
_ACCORDING_LEAD = re.compile(r"^according\s+to\s+(?P<subj>[^,“”\"«»]{1,80}),\s+(?P<rest>.+)$",
                             re.DOTALL | re.IGNORECASE)
# The words before "according to" end at a comma or at the start of the white space before it,
# never inside that white space: a long run of spaces is then read once, not from each space.
_ACCORDING_TAIL = re.compile(r"^(?P<rest>.+?)(?:,|(?<!\s))\s+according\s+to\s+(?P<subj>[^,“”\"«»]{1,80}?)\W*$",
                             re.DOTALL | re.IGNORECASE)
# An attribution on its own (after a quote): `Kishida told Yoon.`, `said Kishida, the premier.`
_ATTRIBUTION = re.compile(rf"^{_SUBJECT}\s+{_AUX}(?P<cue>{_CUE})\b(?P<tail>[^“”\"«»]{{0,80}})$", re.DOTALL)
_ATTRIBUTION_INVERTED = re.compile(
    rf"^(?P<cue>{_INVERTED_CUE})\s+(?P<subj>[^“”\"«»]{{1,100}}?)(?P<tail>(?:,\s+according\s+to\s+[^“”\"«»]+)?)$",
    re.DOTALL)
# What may follow the cue of an attribution standing alone: whom it was said to, when and
# where, and a participle ("Kishida told Yoon", "Arteta said, referring to the second goal");
# never an infinitive or a clause ("Moscow pledged to extend ...").
_ATTRIBUTION_TAIL = re.compile(rf"(?:\s+{_HEARER})?(?:,?\s+{_CIRCUMSTANCE})*(?:,\s+\w+ing\b.*)?\s*",
                               re.DOTALL)
# An attribution that introduces the quotation after it: `Kishida told reporters: “...”`. It ends
# before the white space ahead of the colon, never inside it (see _ACCORDING_TAIL).
_LEAD = re.compile(r"^(?P<attr>[^“”\"«»]+?)(?<!\s)\s*[:,]\s*$")
# Openers of a sentence that are not its subject: "On Friday, ", "Speaking in Lima, ".
_LEAD_IN = re.compile(r"^(?:(?:on|in|at|during|after|before|later|earlier|meanwhile|however|speaking|separately"
                      r"|also|but|and|yet|still|last|next|now|then|asked)\b[^,“”\"«»]{0,60},\s+)",
                      re.IGNORECASE)
# A narrator's conjunction before a name ("And Jo Roe, the spokesman,"), which no lead-in ends.
_CONJUNCTION_NAME = re.compile(r"(?i:and|but|yet|meanwhile|however|also|still)\s+"
                               r"(?:(?:Mr|Mrs|Ms|Dr|Sir|Lord|Lady|Dame)\.?\s+)?[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ]+\s+[A-ZÀ-ÖØ-Þ]")
# A person described, not named ("a senior government figure", "the new health minister for Wales"), and
# the unnamed sources news keeps unnamed; how many units of an article's first lines may name one later.
_DESCRIBED_PERSON = re.compile(rf"(?:a|an|the)\s+(?:[\w’'-]+\s+){{0,4}}?(?:{_ROLE}|figure|adviser|advisor|official"
                               r"|officer|expert|analyst|economist|boss|head)\b.{0,40}", re.IGNORECASE | re.DOTALL)
_UNNAMED_SOURCE = re.compile(r"spokes|source|official|aide|insider|statement", re.IGNORECASE)
_LEDE_UNITS = 2
# An acting subject that is a person we cannot name ("The Tory leader countered ..."): a "he" after it is theirs.
_PERSON_UNNAMED = re.compile(rf"(?:the|a|an)\s+(?:[\w’'-]+\s+){{0,3}}?(?:{_ROLE})$", re.IGNORECASE)
# A sentence that opens with a person's name: "Jane Roe, for the party, added: ..."
_OPENING_NAME = re.compile(rf"(?:(?:Mr|Mrs|Ms|Dr|Sir|Lord|Lady|Dame)\.?\s+)?(?P<name>(?-i:{_NAME}))(?=[\s,])")
_INTRODUCES = re.compile(rf"\b{_CUE}\b[^.“”\"«»]{{0,60}}[:,]\s*$")
# `CLAUSE said NAME(, description).`: an inverted attribution with no comma before it.
_SAID_NAME = re.compile(rf"(?P<clause>[^“”\"«»]*?[^\s,])\s+(?P<cue>said|says|added|adds|argued|argues|warned"
                        r"|insisted)\s+"
                        rf"(?P<subj>(?:(?:Mr|Mrs|Ms|Dr|Sir|Lord|Lady|Dame)\.?\s+)?(?-i:{_NAME}))(?:,\s+[^“”\"«»]+)?\W*$")
_SAID_NAME_WORDS = 4
# `..., he said, ...`: an attribution set between commas inside the reported words.
_ASIDE_CUES = "said says added adds argued argues insisted insists claimed claims warned believes suggested stressed"
_ASIDE = re.compile(rf"^(?P<pre>[^“”\"«»]{{1,300}}?),\s+(?P<subj>he|she|(?:(?:Mr|Mrs|Ms|Dr|Sir|Lord|Lady|Dame)\.?\s+)?"
                    rf"{_NAME})\s+{_AUX}(?P<cue>{'|'.join(_ASIDE_CUES.split())}),\s+(?P<post>[^“”\"«»].*)$", re.DOTALL)
# After a quotation's attribution, a participle that says more: '"...," he said, adding that ...'.
_PARTICIPLE_AFTER = re.compile(r",\s+(?P<cue>adding|declaring|insisting|arguing|warning|claiming|saying)"
                               r"(?:\s+that)?\s+(?=[\w“\"])")
# Whom a film, a recording or a witness shows speaking: "The documentary showed Mr Roe, ..., telling ...".
_SHOWN = re.compile(rf"\b(?:showed|shows|filmed|recorded|heard|caught|quoted)\s+(?P<name>(?:(?:Mr|Mrs|Ms|Dr|Sir|Lord"
                    rf"|Lady|Dame)\.?\s+)?(?-i:{_NAME}))(?=,|\s+(?:telling|saying|adding|declaring|warning))")
# "..., said Dr Jo Roe, ...", "But, says usability guru Dr Jo Roe, ...": the aside with its cue first.
_ASIDE_INVERTED = re.compile(rf"^(?P<pre>[^“”\"«»]{{1,300}}?),\s+(?P<cue>said|says|added|adds|argued|argues|insisted"
                             rf"|insists)\s+(?P<subj>(?:[a-z][\w-]*\s+){{0,3}}(?:(?:Mr|Mrs|Ms|Dr|Sir|Lord|Lady|Dame)"
                             rf"\.?\s+)?(?-i:{_NAME})),\s+(?P<post>[^“”\"«»].*)$", re.DOTALL)
# The words after an aside that carry a clause of their own on: "..., he said, and the party would win".
_GOES_ON_CLAUSE = re.compile(r"(?:and|but|yet)\s+(?=(?:the|a|an|he|she|it|they|we|there|this|that|these|those)\b)")
_ASIDE_LEAD_WORDS = 4
_SUBORDINATE = re.compile(r"(?:whether|if|when|while|although|though|because|what|how|why|who)\b", re.IGNORECASE)
# `... and said (that) ...`: the subject of a reported clause speaking again in the same sentence.
_SPEAKS_AGAIN = re.compile(r"(?:\s(?:and|but)\s+(?:also\s+)?(?P<cue>said|added|insisted|argued|claimed|warned|admitted"
                           r"|stressed|suggested)|,\s+(?P<participle>adding|saying|arguing|insisting|warning|claiming))"
                           r"\s+(?:that\s+)?(?=[\w“\"])")
# A longer lead-in, which may hold commas of its own: the subject is after one of its first commas.
_LONG_LEAD = re.compile(r"(?:(?i:on|in|at|during|after|before|when|while|as|asked|with|despite|although|though|for"
                        r"|from|by|under|following|like|unlike|amid|given)|[A-Z][a-z]+ing)\b")
_LEAD_REACH = 250  # characters
_SECOND_CLAUSE = re.compile(r",\s+(?:but|and|while)\s+(?=(?:the|he|she|[A-Z])\w*\s)")
_LEAD_COMMAS = 3
# `Doe defended the plan, saying (that) ...`: what the sentence's subject said, after a participle.
_SAYING = re.compile(r",\s+(?P<cue>saying|adding|arguing|claiming|insisting|warning|accusing|urging"
                     r"|calling\s+(?:on|for))(?:\s+that)?\s+(?=[\w“\"])")
# A narrator's conjunction before the subject, no comma after it: "But he said ...", "Meanwhile Ms Hutt said ...".
_CONJUNCTION = re.compile(r"(?:but|and|yet|however|meanwhile)\s+(?=\w)", re.IGNORECASE)
# A sentence that opens with its subject doing something: "Jane Doe, 58, accused ...", "He then wrote ...".
_ACTING = re.compile(rf"{_SUBJECT}\s+{_AUX}(?:[a-z]{{2,}}(?:ed|s)|is|told|wrote|spoke|took|made|gave|went|paid|sent"
                     r"|held|led|met|kept|left|put|set|came|became|won|lost|hit|cut|sought|brought|thought|began|drew"
                     r"|chose|rose|fell|struck|stood|ran|saw|felt|found|heard|spent|built|sold)\b")
# `Doe backed the plan, saying: "..."`: an attribution before a quotation made by a participle.
_SAYING_LEAD = re.compile(r"(?:,\s+|(?<![\s,])\s+)(?P<cue>saying|adding|declaring|insisting|warning|arguing"
                          r"|telling\s+[^,“”\"«»]{1,60})$")
# A person described, with the definite article, by what they are: "the Salford MP", "the 27-year-old",
# "the former chat show host", "the Two Ronnies star" (whom the sentences before name).
# Not an office ("the party leader"), which another person the article names may hold. _ONE_PERSON
# reads the same words.
_DESCRIBED_AS = (r"\d+-year-old|(?-i:MP|MEP|MSP|AM)|star|host|comedian|actor|actress|singer|striker|midfielder"
                 r"|defender|goalkeeper|player|winger|veteran|analyst|economist|campaigner|Scot|Welshman|Welshwoman"
                 r"|Englishman|Irishman|Frenchman")
_THE_PERSON = re.compile(rf"the\s+(?:[\w’'-]+\s+){{0,4}}?(?:{_DESCRIBED_AS})", re.IGNORECASE)
# A sentence that opens with someone speaking, though no statement was read from it ("The 27-year-old,
# who won the cup, said following ... would be hard"): whom a "he" in the next one means.
_SPEAKING = re.compile(rf"{_SUBJECT}\s+{_AUX}(?P<cue>{_CUE})\b", re.IGNORECASE)
# A subject in small words but its first ("Her comments", "The report", "critics"): no name of anyone.
_NO_ONE = re.compile(r"(?:[^A-ZÀ-ÖØ-Þ\s]\S*|The|A|An|Her|His|Its|Their|Our|This|That|These|Those|Such|Some)"
                     r"(?:\s+[^A-ZÀ-ÖØ-Þ\s]\S*){0,12}")
# A description that ends in what a person is ("Barca midfielder", "party spokesman"), before a name.
_PERSON_WORD_END = re.compile(r"\b(?:striker|midfielder|defender|goalkeeper|winger|forward|captain|coach|manager"
                              r"|boss|star|singer|actor|actress|rapper|player|spokesman|spokeswoman|chairman|owner"
                              r"|founder|president|striker|keeper|skipper)$", re.IGNORECASE)
# Words that make an unnamed subject one person ("a spokesman", "the 27-year-old", "one resident").
_ONE_PERSON = re.compile(rf"\b(?:he|she|who|one|man|woman|boy|girl|person|{_PERSON_NOUN}|source|insider|expert"
                         rf"|official|officer|boss|head|figure|{_DESCRIBED_AS})\b", re.IGNORECASE)
# How a subject after its cue opens ("..., said Jo Roe", "..., said the minister"), unlike the words of
# a clause ("The 27-year-old, who won the cup, said following the match ...").
_SOMEONE = re.compile(r"(?:(?-i:[A-ZÀ-ÖØ-Þ])|(?:the|a|an|his|her|their|its|one|he|she|they|we|i)\b)", re.IGNORECASE)
# A subject that opens with a word no subject opens with.
_BAD_SUBJECT_START = re.compile(r"^(?:and|but|or|which|who|whom|that|as|if|when|while|because|so)\b", re.IGNORECASE)


@dataclass(frozen=True)
class _Attribution:
    subject: str
    cue: str
    subject_at: int  # article offset of the subject, for pronouns: who was named before it


_POSSESSIVE_END = re.compile(r"['’]s?$")
# A subject of one small word that names no one: '"...", has said the vote ...' read "has" as one.
_LONE_WORD = re.compile(r"(?!(?:he|she|they|we|i|it|who|you)$)[a-z]+")


def _tidy_cue(cue: str) -> str:
    words = cue.lower().split()
    return " ".join(words[:2]) if words[0] in ("pointed", "went", "according") else words[0]


def _attribution(frame: str, at: int) -> _Attribution | None:
    """The subject and cue of an attribution standing alone (the words after a quotation)."""
    text = frame.strip()
    shift = at + (len(frame) - len(frame.lstrip()))
    text = text.lstrip(",").strip()
    if not text:
        return None
    shift += len(frame.strip()) - len(text)
    participle = _PARTICIPLE_AFTER.search(text)
    body = (text[:participle.start()] if participle else text).rstrip(".!?,;: ")  # "he added, declaring ..."
    tail = _ACCORDING_TAIL.match(body)
    core = tail.group("rest") if tail else body
    match = _ATTRIBUTION_INVERTED.match(core)
    if match:
        subj = match.group("subj")
        return _Attribution(subj, _tidy_cue(match.group("cue")), shift + match.start("subj"))
    match = _ATTRIBUTION.match(core)
    if match and (_POSSESSIVE_END.search(match.group("subj")) or _LONE_WORD.fullmatch(match.group("subj"))):
        match = None  # "distanced himself from Mr Roe's comments": a noun, no one speaking
    told = match is not None and match.group("cue") in ("told", "tells") and len(match.group("tail").split()) <= 10
    if match and (told or len(match.group("tail").split()) <= 8 and _ATTRIBUTION_TAIL.fullmatch(match.group("tail"))):
        return _Attribution(match.group("subj"), _tidy_cue(match.group("cue")), shift + match.start("subj"))
    if tail:
        return _Attribution(tail.group("subj"), "according to", shift + tail.start("subj"))
    return None


class _Finder:
    """Walks an article's units in order, keeping what pronouns need: who was named before."""

    def __init__(self, paragraphs: Sequence[str]) -> None:
        self.text = PARAGRAPH_BREAK.join(paragraphs)
        self.units = _units(paragraphs)
        self._people: People | None = None
        self.long_units = 0  # units over MAX_UNIT_CHARS, passed over by `find`
        # (unit, person) of each sentence with a speaker or an acting subject, in order: the speaker of its
        # last statement, or the person it opens with; None when they name no one we can tell.
        self._subjects: list[tuple[int, str | None, bool]] = []  # and whether they spoke
        self._described: set[int] = set()  # units whose subject describes a person without naming them
        self._lost_pronouns: set[int] = set()  # units whose "he"/"she" subject stands for no one we can tell
        self._no_one: set[int] = set()  # units whose unnamed subject is no one person: a body, a group, a text
        self._said_as: dict[int, tuple[str, str]] = {}  # unit -> (person, the description that named them there)
        self._descriptions: dict[int, str] = {}  # unit -> the office or person its subject describes, unnamed

    @property
    def people(self) -> People:
        """Read from the whole article once, when a subject first needs a name."""
        if self._people is None:
            self._people = People(self.text)
        return self._people

    def speaker(self, subject: str, at: int, unit_index: int) -> str | None:
        """The person `subject` names, or None unless the article makes it plain."""
        person = self._speaker(subject, at, unit_index)
        if person is None and _NO_ONE.fullmatch(" ".join(subject.split())) and not _ONE_PERSON.search(subject):
            self._no_one.add(unit_index)  # "Her comments have been described as ...": no "he" or "she" means it
        return person

    def _speaker(self, subject: str, at: int, unit_index: int) -> str | None:
        phrase = _DASHED.sub(",", " ".join(subject.split())).strip(" ,")  # "Jo Roe - then an adviser -"
        acting = _ACTING.match(phrase) if _THEN_SPOKE.search(phrase) else None
        if acting:
            phrase = acting.group("subj")  # "Max Lamb welcomed the plan and (said)": who welcomed it
        whole = phrase  # "the Salford MP" before "MP" goes as a post-nominal
        phrase = _POST_NOMINAL.sub("", _HONORIFIC.sub("", phrase))
        of = _NAME_OF.fullmatch(phrase) if "," not in phrase and not _ARTICLE_FIRST.match(phrase) else None
        if of and not {w.lower() for w in of.group("name").split()} & _ROLE_TOKENS:  # not "Secretary of State X"
            phrase = of.group("name")  # "Will Corr of the Campaign for Kids", "Mr Hirsch from RBR"
        parts = [part.strip() for part in phrase.split(",") if part.strip()]
        if len(parts) > 1:
            titled = _TITLED_SUBJECT.fullmatch(parts[0])
            if _NAME_RE.fullmatch(parts[0]) or (titled and _NAME_RE.fullmatch(titled.group("rest"))):
                # "Anna Becker, 54, a pharmacist", "Former minister Jane Roe, who resigned,": the name
                phrase = parts[0]
            elif re.search(rf"\b(?:{_PERSON_NOUN}|resident|man|woman)$", parts[0], re.IGNORECASE) \
                    and _NAME_RE.fullmatch(_HONORIFIC.sub("", parts[1])):
                phrase = _HONORIFIC.sub("", parts[1])  # "One resident, Maria Lopez": the name described
            elif (honoured := _HONOURED_NAME.fullmatch(parts[0])) and not _NAME_IS_OBJECT.search(
                    honoured.group("prefix")):
                phrase = honoured.group("name")  # "Lib Dem Sir Archy Kirkwood, who chairs the committee,"
            elif _THE_PERSON.fullmatch(parts[0]) and _APPOSITIVE.match(parts[1]) and not _THE_ROLE.fullmatch(parts[0]):
                phrase = parts[0]  # "The 27-year-old, who captained the side,": the person described
            elif (described := _DESCRIBED_NAME.fullmatch(parts[0])) and _APPOSITIVE.match(parts[1]) \
                    and not (_NAME_IS_OBJECT.search(described.group("prefix"))
                             or _FUNCTION_WORD.search(described.group("prefix"))):
                phrase = parts[0]  # "Tory MP Jo Roe, who sits on the committee,": read as the name described
            elif (named_part := self._named_part(parts)) is not None:
                phrase = named_part  # "Earlier this month, Mr Jo Roe, keen to reassure investors,": lead-in, name
            else:
                return None
        if phrase.lower() in _PRONOUNS:
            person = self._antecedent(at, unit_index, phrase.lower())
            if person is None:
                self._lost_pronouns.add(unit_index)
            return person
        role = _THE_ROLE.fullmatch(phrase) or _THE_QUALIFIED_ROLE.fullmatch(phrase)
        if role:
            self._descriptions[unit_index] = phrase
            name = _ROLE_WORDS.get(" ".join(role.group("role").lower().split()))
            qualifier = role.groupdict().get("qualifier")
            holder = self.people.in_role(name, qualifier) if name else None
            nearby = self._named_before(at, unit_index)
            if holder is None and name and not self.people.roles.get((name, None)) and unit_index <= _LEDE_UNITS:
                # A role the article ties to no name stands for the person just before, as news goes on
                # from its first line ("Tony Blair says ... . The prime minister said ..."), when that
                # person is the only one in view.
                holder = self._subject_before(unit_index)
            # "the foreign minister" after a sentence about another foreign minister's
            # counterpart: the role stands for its one holder only when no one else is in view.
            if holder is not None and nearby <= {holder}:
                return holder
            self._described.add(unit_index)
            return None
        if any(_THE_PERSON.fullmatch(p) for p in (phrase, whole)) and not _UNNAMED_SOURCE.search(phrase):
            holder = self._described_antecedent(unit_index)
            if holder is not None:
                self._said_as[unit_index] = (holder, whole)
                return holder  # "Jo Roe said ... . "...," the 27-year-old said"
        honoured = None if _NAME_RE.fullmatch(phrase) else _HONOURED_NAME.fullmatch(phrase)
        if honoured and not _NAME_IS_OBJECT.search(honoured.group("prefix")):
            phrase = _HONORIFIC.sub("", honoured.group("name"))  # "New Metropolitan Police Commissioner Sir Ian Blair"
        titled = _TITLED_SUBJECT.fullmatch(phrase)
        # "Party spokesman Tom Vale" names his person; "a party spokesman" does not.
        named = _NAME_RE.fullmatch(phrase) or (titled and _NAME_RE.fullmatch(titled.group("rest")))
        if _BAD_SUBJECT_START.match(phrase) or (_COLLECTIVE.search(phrase) and not named):
            self._unnamed(phrase, unit_index)
            return None
        if titled and _NAME_RE.fullmatch(titled.group("rest")):
            prefix = _ROLE_RE.sub(" ", titled.group("prefix"))
            if self._joined(prefix) or _NAME_IS_OBJECT.search(prefix):
                return None  # "the wife of Minister Jane Doe": someone else, described by her
            phrase = titled.group("rest")
        described = None if _NAME_RE.fullmatch(phrase) else _DESCRIBED_NAME.fullmatch(phrase)
        prefix = described.group("prefix") if described else ""
        introduced = False  # a name after what the person is: one word may be all of it ("midfielder Deco")
        if described and not (self._joined(prefix) or _NAME_IS_OBJECT.search(prefix)
                              or _FUNCTION_WORD.search(prefix)):
            phrase = described.group("name")  # "Uefa delegate Tom Gray", "Oxfam senior policy adviser Max Lamb"
            introduced = _PERSON_WORD_END.search(prefix) is not None
        if not _NAME_RE.fullmatch(phrase):
            self._unnamed(phrase, unit_index)
            return None
        words = _clean_name(_words(phrase))
        if not words:
            return None
        name = self.people.full_name(words)
        if name is None and (len(words) >= 2 or introduced):
            name = " ".join(words)  # "Jane Doe said": a name of two words that speaks is a person
        return name

    @staticmethod
    def _named_part(parts: Sequence[str]) -> str | None:
        """The part after a lead-in that names the person, when every part after it describes them."""
        for k, part in enumerate(parts[1:], 1):
            bare = _HONORIFIC.sub("", part)
            titled = _TITLED_SUBJECT.fullmatch(bare)
            if _NAME_RE.fullmatch(bare) or (titled and _NAME_RE.fullmatch(titled.group("rest"))):
                rest = parts[k + 1:]
                return bare if all(_APPOSITIVE.match(p) or p[:1].islower() for p in rest) else None
        return None

    def _joined(self, prefix: str) -> bool:
        """Whether the words before a name join another person to it ("Jane Roe and Minister Tom
        Vale"), not a show or a team ("Only Fools and Horses star Tom Vale")."""
        joined = re.search(r"\b(?:and|or)\b", prefix, re.IGNORECASE)
        return bool(joined and self.people.known_in(prefix[:joined.start()]))

    def _unnamed(self, phrase: str, unit_index: int) -> None:
        """No person named: noted when the phrase describes one ("a senior government figure", "the new
        health minister for Wales"), whom the article's next lines may name, and when it names no one
        person at all ("the insurer", "ministers", "the report"), whom no "he" or "she" can mean."""
        if _DESCRIBED_PERSON.fullmatch(phrase) and not _UNNAMED_SOURCE.search(phrase):
            self._described.add(unit_index)
            if phrase[:4].lower() == "the ":
                self._descriptions[unit_index] = phrase  # "The attorney general": whom the next lines name
        elif not _ONE_PERSON.search(phrase):
            self._no_one.add(unit_index)

    def _described_antecedent(self, unit_index: int) -> str | None:
        """The person a definite description that is no office ("the Salford MP", "the 27-year-old")
        stands for: the nearest speaker or acting subject of the sentences just before. Only whom those
        sentences are about counts, not whom their statements mention ("... to succeed Andy Pell")."""
        for index, person, _spoke in reversed(self._subjects):
            if index < unit_index - _PRONOUN_REACH:
                return None
            if person is not None or index not in self._no_one:
                return person
        return None

    def _subject_before(self, unit_index: int) -> str | None:
        """The speaker or acting subject of the sentence just before, when it is a named person."""
        if self._subjects and self._subjects[-1][0] == unit_index - 1:
            return self._subjects[-1][1]
        return None

    def _quote_opener(self, at: int, unit_index: int) -> str | None:
        """The person a sentence opens with before its first quotation, when the pronoun at `at`
        comes after that quotation: the sentence's own subject."""
        unit = self.units[unit_index]
        if not unit.quotes or at < unit.quotes[0][1]:
            return None
        opening = self._opening(unit.start, unit.quotes[0][0])
        match = _OPENING_NAME.match(self.text, opening, unit.quotes[0][0])
        if not match or not _INTRODUCES.search(self.text, match.end(), unit.quotes[0][0]):
            return None  # only a sentence that introduces its quotation ("..., added:")
        words = _clean_name(_words(match.group("name")))
        name = self.people.full_name(words) if words else None
        return name if name is not None or len(words) < 2 else " ".join(words)

    def _named_before(self, at: int, unit_index: int) -> set[str]:
        """The persons named in the sentences just before `at`: back to the nearest that names anyone (3 at most)."""
        # Not the sentence's own words: whom a quotation or a reported clause names is not who speaks it.
        unit = self.units[unit_index]
        named: set[str] = set()
        for back in range(unit_index - 1, max(-1, unit_index - 4), -1):
            if named:
                break
            named = self.people.mentioned(self.text[self.units[back].start:unit.start])
        return named

    def _antecedent(self, at: int, unit_index: int, pronoun: str) -> str | None:
        """The person a "he"/"she" at `at` stands for: the nearest speaker or acting subject of the
        sentences just before whom the pronoun fits (news carries a speaker on: "Jane Doe said ... .
        "...," she added"), unless an unnamed one ("a spokesman said") is nearer, or a paragraph
        break comes between and others are named; else the only one named in the sentences just before."""
        opener = self._quote_opener(at, unit_index)
        if opener is not None and self.people.pronoun_fits(opener, pronoun):
            return opener  # 'Jane Roe, for the party, added: "...," she said.'
        named = self._named_before(at, unit_index)
        for index, person, spoke in reversed(self._subjects):
            if index < unit_index - _PRONOUN_REACH:
                break
            if not spoke and index < unit_index - 1:
                continue  # one acting ("Jane Doe won ...") only in the sentence just before; a speaker further
            if person is None:
                if index in self._no_one:
                    continue  # "The insurer said ... . "...," he added": not the insurer
                return None  # "A spokesman said ... . "...," he added": the one before, unnamed
            if not self.people.pronoun_fits(person, pronoun):
                continue
            same_paragraph = PARAGRAPH_BREAK not in self.text[self.units[index].end:at]
            if same_paragraph or named <= {person}:  # a new paragraph that names someone else may be about them
                return person
            break
        named = {name for name in named if self.people.pronoun_fits(name, pronoun)}
        return named.pop() if len(named) == 1 else None

    def _acting(self, index: int, unit: _Unit, said: bool) -> tuple[str, str | None] | None:
        """The person a sentence whose statements name no speaker is about, when it opens with them doing
        something ("Jane Doe accused the minister of ..."), or, when no statement was read from it, saying
        something: whom a "he" in the next one means."""
        opening = self._opening(unit.start, unit.end)
        match = _ACTING.match(self.text, opening, unit.end) or (
            None if said else _SPEAKING.match(self.text, opening, unit.end))
        if not match or _BAD_SUBJECT_START.match(match.group("subj")):
            return None
        return match.group("subj"), self.speaker(match.group("subj"), match.start("subj"), index)

    def find(self) -> list[Statement]:
        found: list[Statement] = []
        previous: tuple[int, Statement] | None = None  # the last unit that was a statement, and it
        lede: tuple[int, int, int] | None = None  # found[a:b]: the first lines' statements by a person described, unit
        for index, unit in enumerate(self.units):
            if unit.end - unit.start > MAX_UNIT_CHARS:
                self.long_units += 1
                previous = None
                continue
            made = self._unit_statements(index, unit, previous)
            believed = self._who_believes(index, unit, made)
            if believed:
                found.extend(believed)  # before the unit's own: it comes first in the sentence
            pending = lede
            lede = None
            if made and index < _LEDE_UNITS and made[-1].speaker is None and index in self._described:
                lede = (len(found), len(found) + len(made), index)
            if index in self._said_as:
                person, words = self._said_as[index]
                made = [replace(s, said_as=words) if s.speaker == person else s for s in made]
            found.extend(made)
            previous = (index, made[-1]) if made else None
            if made and not (made[-1].speaker is None and index in self._lost_pronouns | self._described):
                # a "he" we could not place says nothing of who the next "he" is
                self._subjects.append((index, made[-1].speaker, True))
            else:
                acting = self._acting(index, unit, bool(made))
                # An opening subject that names someone the article leaves unclear blocks a pronoun after it;
                # one that names no person ("The report found ...") says nothing either way.
                named = acting is not None and (acting[1] is not None or _NAME_RE.fullmatch(acting[0]) is not None
                                                or _PERSON_UNNAMED.match(acting[0]) is not None
                                                or _THE_PERSON.match(acting[0]) is not None)
                if acting is not None and named:
                    self._subjects.append((index, acting[1], False))
            if pending and self._subjects and self._subjects[-1][0] == index and self._subjects[-1][1]:
                # "UK Muslims should ..., a Home Office minister has said. / Hazel Blears said ...": the
                # person the article's first lines describe is the one it names next.
                named_next = self._subjects[-1][1]
                said_as = self._descriptions.get(pending[2])  # "The attorney general ... . Lord Gold said"
                found[pending[0]:pending[1]] = [replace(s, speaker=named_next, said_as=said_as)
                                                for s in found[pending[0]:pending[1]]]
        return found

    def _make(self, speaker: str | None, cue: str, kind: str, start: int, end: int) -> Statement | None:
        text = self.text[start:end]
        stripped = text.strip()
        if len(stripped.split()) < 2:
            return None
        start += len(text) - len(text.lstrip())
        end = start + len(stripped)
        return Statement(speaker=speaker, cue=cue, kind=kind, text=self.text[start:end], start=start, end=end)

    def _unit_statements(self, index: int, unit: _Unit, previous: tuple[int, Statement] | None) -> list[Statement]:
        text = self.text
        quotes = unit.quotes
        if quotes:
            first, last = quotes[0][0], quotes[-1][1]
            before = text[unit.start:first]
            after = text[last:unit.end]
            # Frames between quotes: `"Q1," he said, "Q2."`
            gaps = [(quotes[i][1], quotes[i + 1][0]) for i in range(len(quotes) - 1)]
            if not before.strip():
                # Quote first: the attribution follows it, or sits between two quotes, or is
                # not there (a quote carrying on from the sentence before).
                for gap_start, gap_end in [(last, unit.end)] + gaps:
                    attr = _attribution(text[gap_start:gap_end], gap_start)
                    if attr:
                        speaker = self.speaker(attr.subject, attr.subject_at, index)
                        quoted = [s for s in (self._direct(q, speaker, attr.cue) for q in quotes) if s]
                        # '"...," he added, declaring himself surprised that ...': what the participle says, too
                        participle = _PARTICIPLE_AFTER.search(text, gap_start, gap_end) if gap_start == last else None
                        if participle and speaker is not None:
                            clause_start = participle.end()
                            more = self._make(speaker, participle.group("cue"), self._kind(clause_start, gap_end),
                                              clause_start, _trim_end(text, clause_start, gap_end))
                            quoted += [more] if more else []
                        return quoted
                if not after.strip(" .") and not any(text[a:b].strip() for a, b in gaps):
                    if previous is not None and self._carries_on(index, previous):
                        prior = previous[1]
                        return [s for s in (self._direct(q, prior.speaker, prior.cue) for q in quotes) if s]
                    actor = self._subjects[-1] if self._subjects else None
                    if actor is not None and actor[0] == index - 1 and not actor[2] and actor[1] is not None:
                        # "Mr Blair went on to list his achievements. "Stand firm ..."": the one just acting
                        return [s for s in (self._direct(q, actor[1], "said") for q in quotes) if s]
                return []
            # Reported words first, the quote inside or after them.
            attr = _attribution(after, last) if after.strip(" .") else None
            if attr and not _BAD_SUBJECT_START.match(attr.subject.strip()):
                speaker = self.speaker(attr.subject, attr.subject_at, index)
                if _INTRODUCES.search(before):  # 'Roe added: "...," she said.': the quotation, said twice over
                    return [s for s in (self._direct(q, speaker, attr.cue) for q in quotes) if s]
                made = self._make(speaker, attr.cue, "mixed", unit.start, _trim_end(text, unit.start, last))
                return [made] if made else []
            lead = _LEAD.match(before)
            # `Kishida said: "Q1." "Q2."`: every quoted segment after one attribution is the speaker's
            # when nothing but white space stands between them.
            if lead and not after.strip(" .") and not any(text[a:b].strip() for a, b in gaps):
                # "In a statement, Kishida said:", "But he said:"
                unnamed: tuple[str | None, str] | None = None
                for opening in self._openings(unit.start, unit.start + lead.end("attr"), last_commas=True):
                    attr_start = opening - unit.start
                    match = _ATTRIBUTION.match(before[attr_start:lead.end("attr")])
                    if match and len(match.group("tail").split()) <= 6:
                        at = unit.start + attr_start + match.start("subj")
                        speaker = self.speaker(match.group("subj"), at, index)
                        cue = _tidy_cue(match.group("cue"))
                        if speaker is None:  # another opening may name the speaker
                            unnamed = unnamed or (speaker, cue)
                            continue
                        return [s for s in (self._direct(q, speaker, cue) for q in quotes) if s]
                if unnamed is not None:
                    return [s for s in (self._direct(q, *unnamed) for q in quotes) if s]
                saying = _SAYING_LEAD.search(before, 0, lead.end("attr"))
                opening = self._opening(unit.start, unit.start + saying.start()) if saying else 0
                acting = _ACTING.match(text, opening, unit.start + saying.start()) if saying else None
                speaker = self.speaker(acting.group("subj"), acting.start("subj"), index) if acting else None
                shown = None if not saying or speaker is not None else _SHOWN.search(
                    text, opening, unit.start + saying.start())
                if shown:  # "The film showed Mr Roe, talking about the EU, telling the meeting:": Mr Roe's words
                    speaker = self.speaker(shown.group("name"), shown.start("name"), index)
                if saying and speaker is not None:  # "The film showed Mr Roe telling them:" is not the film's
                    cue = _tidy_cue(saying.group("cue"))
                    return [s for s in (self._direct(q, speaker, cue) for q in quotes) if s]
        return self._reported(index, unit)

    def _who_believes(self, index: int, unit: _Unit, made: list[Statement]) -> list[Statement]:
        """What a relative clause says a named person holds: "Jack Straw, who argues the treaty is
        good, has said ...", "Mr Roe, who insists he is innocent, said: ...". Not when a statement
        of the unit covers it already."""
        found = []
        for match in _WHO_BELIEVES.finditer(self.text, unit.start, unit.end):
            start, end = match.start("clause"), match.end("clause")
            if any(s.start <= start < s.end for s in made):
                continue
            speaker = self.speaker(match.group("name"), match.start("name"), index)
            if speaker is not None:
                statement = self._make(speaker, match.group("cue"), self._kind(start, end), start, end)
                if statement:
                    found.append(statement)
        return found

    def _carries_on(self, index: int, previous: tuple[int, Statement]) -> bool:
        """Whether an unattributed quotation goes on with the statement just before it.

        Only the sentence right before counts; across a paragraph break only when that was a
        quotation too or named its speaker (news carries a speaker's quotes on from paragraph to
        paragraph, and gives a quotation its own paragraph after reporting the same person).
        """
        if previous[0] != index - 1:
            return False
        same_paragraph = PARAGRAPH_BREAK not in self.text[self.units[index - 1].end:self.units[index].start]
        return same_paragraph or previous[1].kind in ("direct", "mixed") or previous[1].speaker is not None

    def _direct(self, quote: tuple[int, int], speaker: str | None, cue: str) -> Statement | None:
        start, end = quote
        inner_start = start + 1
        inner_end = end - 1 if self.text[end - 1] in _QUOTE_MARKS else end
        inner = self.text[inner_start:inner_end]
        trimmed = inner.rstrip().rstrip(",;:").rstrip()
        return self._make(speaker, cue, "direct", inner_start, inner_start + len(trimmed))

    def _reported(self, index: int, unit: _Unit) -> list[Statement]:
        """`SUBJ CUE that ...`, `SUBJ said he ...`, `According to SUBJ, ...`, `..., SUBJ said.`"""
        text = self.text
        start, end = unit.start, unit.end
        body_start = self._opening(start, end)
        according = _ACCORDING_LEAD.match(text[start:end])
        fallback: tuple[str, int, int] | None = None  # `according to X, ...` when nothing nearer speaks
        if according:
            fallback = (according.group("subj"), start + according.start("subj"), start + according.start("rest"))
            body_start = start + according.start("rest")
        inverted = None if according else _SAID_NAME.match(text, body_start, end)
        if inverted and len(inverted.group("clause").split()) >= _SAID_NAME_WORDS:
            # "There are other pressures said Dominic Hirsch, managing director of RBR."
            clause_end = body_start + len(inverted.group("clause"))
            made = self._make(self.speaker(inverted.group("subj"), inverted.start("subj"), index),
                              inverted.group("cue"), self._kind(body_start, clause_end), body_start, clause_end)
            return [made] if made else []
        for opening in [body_start] if according else self._openings(start, end):
            body = text[opening:end]
            for pattern in (_REPORTED, _REPORTED_BARE, _CALLED, _REPORTED_OBJECT, _REPORTED_TOLD, _TOLD_MEDIUM):
                match = pattern.match(body)
                if match and pattern is _REPORTED and match.group("hearer") and match.group("cue") not in _TELLING:
                    continue  # "said the proposal that ...": the words after "said" are what was said
                if match and _VERB_END.search(match.group("subj")):
                    continue  # "he also denied reports that ...": "reports" is the object, not the cue
                if match and pattern is _REPORTED_BARE and _INVERTED_TAIL.fullmatch(match.group("clause")):
                    continue  # "..., such as ..., have gone, said Dr Roe.": the speaker after the cue
                if match and pattern is _REPORTED_OBJECT and match.group("cue").startswith("critici") \
                        and not re.search(r"\b(?:for|as)\b", match.group("clause")):
                    continue  # "criticised quiz shows": a bare act; "criticised TV for being too safe" says something
                if match and not _BAD_SUBJECT_START.match(match.group("subj")):
                    speaker = self.speaker(match.group("subj"), opening + match.start("subj"), index)
                    if speaker is None and match.group("cue") in _PLEDGES:
                        continue  # "Moscow and Pyongyang pledged to ...": a treaty's terms, not someone's words
                    clause_start = opening + match.start("clause")
                    pointing = _POINTING_THAT.search(text, max(0, clause_start - 8), clause_start)
                    if pointing and match.group("cue") in _POINTING_CUES \
                            and not _CLAUSE_OPENER.match(match.group("clause")):
                        clause_start = pointing.start()  # "denied that quote": "that" points
                    clauses = self._clauses(speaker, _tidy_cue(match.group("cue")), clause_start,
                                            _trim_end(text, clause_start, end))
                    first = _OBJECT_FIRST.match(match.group("subj"))
                    if first and speaker is not None and clauses:
                        # "Mr Blair dismissed the talk of splits and said ...": what he dismissed, too
                        at = opening + match.start("subj")
                        before = self._make(speaker, _tidy_cue(first.group("cue")), "indirect",
                                            at + first.start("object"), at + first.end("object"))
                        clauses = [before, *clauses] if before else clauses
                    return clauses
        body = text[body_start:end]
        aside, at = _ASIDE.match(body) or _ASIDE_INVERTED.match(body), body_start
        if aside is None:  # "But, he said, ...", "But, says Dr Roe, ...": the lead-in is the "But"
            aside, at = _ASIDE.match(text[start:end]) or _ASIDE_INVERTED.match(text[start:end]), start
        if aside and _SUBORDINATE.match(aside.group("pre")):
            aside = None  # "Whether he would stay, he said, was for others": no clause of its own
        if aside and not according:
            # "Currently, he said, a machine lasts ten years": the words after a short lead-in;
            # "Only we opposed the war, he said, and ...": the words before a longer one.
            # "Incidents happen, said Mr Roe, but they are rare": both, when the words after go on with a
            # clause of their own ("but they are rare", "and the party would win").
            speaker = self.speaker(aside.group("subj"), at + aside.start("subj"), index)
            cue = _tidy_cue(aside.group("cue"))
            spans = []
            if len(aside.group("pre").split()) > _ASIDE_LEAD_WORDS:
                spans.append((at, at + aside.end("pre")))
            goes_on = _GOES_ON_CLAUSE.match(aside.group("post"))
            if len(aside.group("pre").split()) <= _ASIDE_LEAD_WORDS or goes_on:
                clause_start = at + aside.start("post") + (goes_on.end() if goes_on else 0)
                spans.append((clause_start, _trim_end(text, clause_start, end)))
            around = [self._make(speaker, cue, self._kind(a, b), a, b) for a, b in spans]
            return [m for m in around if m]
        according_tail = _ACCORDING_TAIL.match(body) if fallback is None else None
        if according_tail:
            fallback = (according_tail.group("subj"), body_start + according_tail.start("subj"), body_start)
            end = body_start + according_tail.end("rest")
        if fallback:
            subj, at, rest = fallback
            made = self._make(self.speaker(subj, at, index), "according to", self._kind(rest, end), rest,
                              _trim_end(text, rest, end))
            return [made] if made else []
        tail = _TRAILING.match(body)
        if tail:
            attr = _attribution(tail.group("attr"), body_start + tail.start("attr"))
            if attr and not _BAD_SUBJECT_START.match(attr.subject.strip()) \
                    and (_SOMEONE.match(attr.subject.strip()) or not tail.group("attr").lower().startswith(attr.cue)):
                clause_end = body_start + tail.end("clause")
                made = self._make(self.speaker(attr.subject, attr.subject_at, index), attr.cue,
                                  self._kind(body_start, clause_end), body_start, clause_end)
                return [made] if made else []
        saying = _SAYING.search(text, body_start, end)
        acting = _ACTING.match(text, body_start, saying.start()) if saying else None
        if saying and acting and not _BAD_SUBJECT_START.match(acting.group("subj")):
            made = self._make(self.speaker(acting.group("subj"), acting.start("subj"), index), saying.group("cue"),
                              self._kind(saying.end(), end), saying.end(), _trim_end(text, saying.end(), end))
            return [made] if made else []
        return []

    def _openings(self, start: int, end: int, *, last_commas: bool = False) -> list[int]:
        """Where the subject of the sentence at [start, end) may begin: `_opening`, then, when the
        sentence opens with a longer lead-in ("Pointing to the figures, Mr Doe said:", "Asked if
        he would quit, he said:"), after each of its first commas; with `last_commas` (an
        attribution that ends at a colon), after each of its last commas too ("Roe claimed the
        party had changed, but she said:")."""
        first = self._opening(start, end)
        found = [first]
        commas: list[int] = []
        if _LONG_LEAD.match(self.text, first, end) or (first > start and _LONG_LEAD.match(self.text, start, end)):
            limit = min(end, first + _LEAD_REACH)
            at = first
            for _ in range(_LEAD_COMMAS):
                comma = self.text.find(", ", at, limit)
                if comma < 0:
                    break
                commas.append(comma)
                at = comma + 2
        if last_commas:
            at = end
            for _ in range(_LEAD_COMMAS):
                comma = self.text.rfind(", ", max(first, end - _LEAD_REACH), at)
                if comma < 0:
                    break
                commas.append(comma)
                at = comma
        for comma in commas:
            conjunction = _CONJUNCTION.match(self.text, comma + 2, end)
            found.append(conjunction.end() if conjunction else comma + 2)
        if len(found) > 1:
            # After the lead-in first: a subject may hold commas of its own ("Jo Roe, 32, from Leeds,"),
            # so the whole lead-in would pass for one ("On the question of ..., Tory MP Jo Roe, who ...,").
            found.append(found.pop(0))
        # Last, a second main clause with a subject of its own: "Ruud is fit again, but the Scot admitted ...".
        for joined in _SECOND_CLAUSE.finditer(self.text, first, min(end, first + _LEAD_REACH)):
            found.append(joined.end())
        return found

    def _clauses(self, speaker: str | None, cue: str, start: int, end: int) -> list[Statement]:
        """The reported clause at [start, end), split where the subject speaks again ("said the
        plan was agreed and said talks would go on"): two statements, each with its own cue."""
        again = _SPEAKS_AGAIN.search(self.text, start, end)
        pieces = [(cue, start, _trim_end(self.text, start, again.start()) if again else end)]
        if again:
            pieces.append((_tidy_cue(again.group("cue") or again.group("participle")), again.end(), end))
        made = [self._make(speaker, c, self._kind(a, b), a, b) for c, a, b in pieces]
        return [m for m in made if m]

    def _opening(self, start: int, end: int) -> int:
        """Where the subject of the sentence at [start, end) may begin: after a lead-in ("On Friday, ")
        and a narrator's conjunction ("But ")."""
        lead = _LEAD_IN.match(self.text[start:end])
        if lead and _CONJUNCTION_NAME.match(lead.group()):
            lead = None  # "And Jo Roe, the party's spokesman, said": no lead-in, a subject with its description
        at = start + (lead.end() if lead else 0)
        conjunction = _CONJUNCTION.match(self.text, at, end)
        return conjunction.end() if conjunction else at

    def _kind(self, start: int, end: int) -> str:
        return "mixed" if any(ch in _QUOTE_MARKS for ch in self.text[start:end]) else "indirect"


def _trim_end(text: str, start: int, end: int) -> int:
    """Where a statement's words end: before a closing full stop or a comma that hands over to the attribution."""
    while end > start and text[end - 1] in " \n":
        end -= 1
    if end - 2 >= start and text[end - 1] in _CLOSERS + _STRAIGHT and text[end - 2] == ",":
        return end - 2
    while end > start and text[end - 1] in ",;:. ":
        end -= 1
    return end


# Every statement has a cue word: an article without one has none to find (most text of most
# archives), and is passed over before any sentence is looked at.
_CUE_SET = frozenset(_CUE_WORDS) | frozenset(_OBJECT_CUES) | {"according", "pointed", "went", "called", "calls",
                                                            "described", "saying", "adding", "believe", "arguing",
                                                            "claiming", "insisting", "warning", "accusing",
                                                            "urging", "calling", "declaring", "telling",
                                                            "made", "welcomed", "welcomes"}
_LOWER_WORD = re.compile(r"[a-z]+")


@dataclass(frozen=True)
class Reading:
    """An article's statements, and what its budget left unread: `read` of `total` characters,
    and `long_units` units over MAX_UNIT_CHARS that were passed over."""

    statements: list[Statement]
    read: int
    total: int
    long_units: int = 0

    @property
    def cut(self) -> str | None:
        """What the budget left unread, in words for a warning; None when it left nothing."""
        parts = []
        if self.read < self.total:
            parts.append(f"statements read from the first {self.read:,} of {self.total:,} characters")
        if self.long_units:
            parts.append(f"{self.long_units:,} sentence(s) or quotation(s) longer than {MAX_UNIT_CHARS:,} "
                         "characters not read for statements")
        return "; ".join(parts) or None


_SENTENCE_ENDS = (". ", "! ", "? ", ".” ", '." ', "?” ", '?" ', "!” ", '!" ')


def _within_budget(paragraphs: Sequence[str]) -> list[str]:
    """The article's first MAX_ARTICLE_CHARS characters, as paragraphs: the one that crosses the
    mark is cut after its last sentence end before it (so no statement is a cut sentence), or at
    the mark when it has none. Offsets stay those of the whole article."""
    kept: list[str] = []
    used = 0
    for paragraph in paragraphs:
        start = used + (len(PARAGRAPH_BREAK) if kept else 0)
        if start + len(paragraph) > MAX_ARTICLE_CHARS:
            room = MAX_ARTICLE_CHARS - start
            if room <= 0:
                return kept
            ends = [paragraph.rfind(mark, 0, room) + len(mark.rstrip()) for mark in _SENTENCE_ENDS
                    if mark in paragraph[:room]]
            return kept + [paragraph[:max(ends, default=room)]]
        kept.append(paragraph)
        used = start + len(paragraph)
    return kept


def read_statements(paragraphs: Sequence[str]) -> Reading:
    """The attributed statements of an article's clean paragraphs, in order, within the
    article's budget (MAX_ARTICLE_CHARS, MAX_UNIT_CHARS); offsets are into the paragraphs
    joined by blank lines (Article.text)."""
    total = sum(len(paragraph) for paragraph in paragraphs) + len(PARAGRAPH_BREAK) * max(0, len(paragraphs) - 1)
    kept = _within_budget(paragraphs)
    read = sum(len(paragraph) for paragraph in kept) + len(PARAGRAPH_BREAK) * max(0, len(kept) - 1)
    if not any(not _CUE_SET.isdisjoint(_LOWER_WORD.findall(paragraph.lower())) for paragraph in kept):
        return Reading([], read, total)
    finder = _Finder(kept)
    return Reading(finder.find(), read, total, finder.long_units)


def statements_in(paragraphs: Sequence[str]) -> list[Statement]:
    """The attributed statements of an article's clean paragraphs, in order (`read_statements`
    without what its budget left unread)."""
    return read_statements(paragraphs).statements


def statement_in_passage(statement: Statement, passage: str) -> tuple[int, int] | None:
    """Where a statement's words lie in one of its article's passages: [start, end), or None.

    Passages join an article's paragraphs with one line break, so a quote that runs over two
    paragraphs is looked for that way; a statement cut by a passage boundary is found by its
    opening words and runs to the passage's end.
    """
    words = statement.text.replace(PARAGRAPH_BREAK, "\n")
    found = passage.find(words)
    if found >= 0:
        return found, found + len(words)
    opening = words[:min(40, max(8, len(words) // 2))]
    found = passage.find(opening)
    if found < 0:
        return None
    length = len(opening)
    while length < len(words) and found + length < len(passage) and passage[found + length] == words[length]:
        length += 1
    return found, found + length


# --- Measuring the rules ----------------------------------------------------------------------


@dataclass(frozen=True)
class AttributionScores:
    """How the rules fare against hand-labelled statements (tests/data/statements/labelled.jsonl).

    Precision: of the statements given a speaker, the share given the right one (a labelled
    "no speaker" that got one counts against it). Recall: of the labelled statements with a
    speaker, the share found with that speaker. `found` is the share of all labelled
    statements found at all (speaker or not); `kinds` the share of those found whose kind agrees.
    """

    labelled: int
    labelled_with_speaker: int
    attributed: int
    correct: int
    wrongly_attributed: list[str]
    missed: list[str]
    found: float
    kinds: float

    @property
    def precision(self) -> float:
        return self.correct / self.attributed if self.attributed else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.labelled_with_speaker if self.labelled_with_speaker else 1.0


def attribution_scores(items: Sequence[dict]) -> AttributionScores:
    """Score `statements_in` on labelled items: {"paragraphs": [...], "statements": [{"speaker",
    "kind", "words"}]}, where `words` is a part of the statement's text. A found statement
    and a labelled one are the same statement when their spans overlap."""
    labelled = with_speaker = attributed = correct = matched = same_kind = 0
    wrong: list[str] = []
    missed: list[str] = []
    for item in items:
        text = PARAGRAPH_BREAK.join(item["paragraphs"])
        found = statements_in(item["paragraphs"])
        taken: set[int] = set()
        pairs: dict[int, int] = {}  # label -> found statement
        for li, label in enumerate(item["statements"]):
            start = text.index(label["words"])
            end = start + len(label["words"])
            for fi, statement in enumerate(found):
                if fi not in taken and statement.start < end and start < statement.end:
                    taken.add(fi)
                    pairs[li] = fi
                    break
        for li, label in enumerate(item["statements"]):
            labelled += 1
            with_speaker += label["speaker"] is not None
            pair = found[pairs[li]] if li in pairs else None
            if pair is not None:
                matched += 1
                same_kind += pair.kind == label["kind"]
            if label["speaker"] is not None and (pair is None or pair.speaker != label["speaker"]):
                missed.append(f"{item['id']}: {label['words']!r} ({label['speaker']}, got "
                              f"{pair.speaker if pair else 'no statement'})")
        for fi, statement in enumerate(found):
            if statement.speaker is None:
                continue
            attributed += 1
            label = next((item["statements"][li] for li, f in pairs.items() if f == fi), None)
            if label is not None and label["speaker"] == statement.speaker:
                correct += 1
            else:
                wrong.append(f"{item['id']}: {statement.text[:60]!r} -> {statement.speaker} "
                             f"(labelled {label['speaker'] if label else 'not a statement'})")
    return AttributionScores(labelled=labelled, labelled_with_speaker=with_speaker, attributed=attributed,
                             correct=correct, wrongly_attributed=wrong, missed=missed,
                             found=matched / labelled if labelled else 1.0,
                             kinds=same_kind / matched if matched else 1.0)


# Placing a statement in a passage: passages follow the article in order, as statements do, so a
# statement's words are looked for from the passage that held the one before it. Whatever is
# looked for, an article's placing reads at most this many times its passages' text (plus one
# passage per statement): words that are in no passage (white space the passages tidied) must not
# send every statement through every passage.
_PLACING_READS = 4


def placed_statements(paragraphs: Sequence[str], passages: Sequence[tuple[int, str]], *,
                      article_id: str | None = None,
                      ) -> list[tuple[Statement, tuple[int | None, int | None, int | None]]]:
    """An article's statements, each with (passage id, start, end) of the first of its
    `passages` (id, text), from the one that held the statement before, that holds its words,
    or Nones: what every store keeps of them.

    When the article's budget leaves part of it unread, one warning says what, naming
    `article_id`.
    """
    reading = read_statements(paragraphs)
    longest = max((len(text) for _, text in passages), default=0)
    allowance = _PLACING_READS * sum(len(text) for _, text in passages) + longest * len(reading.statements)
    placed = []
    first = 0  # the passage that held the statement before
    unplaced = 0  # statements left unplaced with passages still to read, the allowance spent
    for statement in reading.statements:
        where: tuple[int | None, int | None, int | None] = (None, None, None)
        index = first
        while index < len(passages) and allowance > 0:
            passage_id, passage_text = passages[index]
            allowance -= len(passage_text)
            found = statement_in_passage(statement, passage_text)
            if found is not None:
                where = (passage_id, *found)
                first = index
                break
            index += 1
        unplaced += where[0] is None and index < len(passages)
        placed.append((statement, where))
    cut = [reading.cut] if reading.cut else []
    if unplaced:
        cut.append(f"{unplaced:,} statement(s) not placed in a passage: the words of too many before them "
                   "were in none")
    if cut:
        log.warning("article %s: %s", repr(article_id) if article_id is not None else "(no id)", "; ".join(cut))
    return placed
