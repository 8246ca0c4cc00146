"""Turning scraped article text into the article's own words, plus the metadata found in it.

Pure functions, no I/O: `split_paragraphs` normalises raw text, `clean_paragraphs` removes
page furniture (comment sections, "Read more" links, captions, navigation crumbs) by
general rules, and `parse_plain_text` reads a .txt/.md article: title, byline, standfirst,
dateline, date and clean body.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from newsdex.index import months


@dataclass(frozen=True)
class ParsedText:
    """What a plain-text article holds once its furniture is gone."""

    title: str
    subtitle: str | None
    author: str | None
    dateline: str | None
    source: str | None
    paragraphs: tuple[str, ...]
    published: str | None = None  # YYYY-MM-DD, from a dateline or a date line in the header


# --- Normalising and splitting ---------------------------------------------------------

# Blank lines (maybe holding stray spaces) separate blocks of text.
_BLANK_LINE = re.compile(r"\n\s*\n")
# Horizontal whitespace runs (spaces, tabs, no-break spaces) collapse to one space.
_HSPACE = re.compile(r"[^\S\n]+")
# Markdown list items, quotes and headings: lines that begin a new block even without a blank line.
_BLOCK_START = re.compile(r"^(?:[-*+>#]|\d+[.)])\s")

# Lines of a hard-wrapped paragraph are of similar, moderate width.
_WRAP_MIN_CHARS, _WRAP_MAX_CHARS = 30, 100


def _normalise(raw: str) -> str:
    """NFC text with \\n line ends; control characters (scraping debris) become spaces."""
    text = unicodedata.normalize("NFC", raw.replace("\r\n", "\n").replace("\r", "\n"))
    return "".join(c if c in "\n\t" or unicodedata.category(c) != "Cc" else " " for c in text)


def _is_hard_wrapped(lines: list[str]) -> bool:
    """True for a block that is one paragraph reflowed to a fixed width (common in .md files).

    Scraped pages put furniture on lines of their own, so lines are paragraphs by default;
    a block is rejoined only when every line but the last has a text-editor width and most
    lines carry on a sentence (start in lower case), which headline lists never do.
    """
    if len(lines) < 2 or any(_BLOCK_START.match(line) for line in lines[1:]):
        return False
    if not all(_WRAP_MIN_CHARS <= len(line) <= _WRAP_MAX_CHARS for line in lines[:-1]):
        return False
    carried_on = sum(line[0].islower() for line in lines[1:])
    return carried_on * 2 >= len(lines) - 1


def split_paragraphs(raw: str) -> list[str]:
    """Stripped, non-empty paragraphs of raw text: each line is one, unless a block is hard-wrapped.

    Blank lines separate paragraphs as usual, but scraped pages also put furniture
    ("Be the first to comment", credit lines) on single lines right against the text, so
    every line stands alone and the cleaning rules can judge it on its own.
    """
    paragraphs: list[str] = []
    for block in _BLANK_LINE.split(_normalise(raw)):
        lines = [_HSPACE.sub(" ", line).strip() for line in block.split("\n")]
        lines = [line for line in lines if line]
        if _is_hard_wrapped(lines):
            paragraphs.append(" ".join(lines))
        else:
            paragraphs.extend(lines)
    return paragraphs


# --- What furniture looks like ----------------------------------------------------------

# A heading that opens the readers' comments: the article ends just before it.
_COMMENT_SECTION = re.compile(
    r"""^(?:
        (?:be\ the\ first\ to|leave\ a|post\ a|add\ a|write\ a|show|view|load|read|see)
            \ (?:\w+\ )?comments?
      | (?:join|start)\ the\ (?:conversation|discussion|debate)
      | \d*\s*comments?(?:\s*\(\d+\))?
      | \d*\s*yorum(?:lar)?(?:\s*\(\d+\))? | yorum\ (?:yap|yaz)\w* | [iİ]lk\ yorumu\ .*
      | \d*\s*kommentare?(?:\s*\(\d+\))? | kommentar\ schreiben | kommentieren
      | \d*\s*comentarios?(?:\s*\(\d+\))? | deja\ (?:un|tu)\ comentario | sé\ el\ primero\ en\ comentar
      | \d*\s*commentaires?(?:\s*\(\d+\))? | laisser\ un\ commentaire | soyez\ le\ premier\ à\ commenter
      | \d*\s*commenti | lascia\ un\ commento
      | \d*\s*comentários? | deixe\ (?:um|seu)\ comentário
    )\W*$""",
    re.IGNORECASE | re.VERBOSE,
)

# Links to other stories: "Read More", "Read more: <headline>", "Related:", "Also read".
_READ_MORE = re.compile(
    r"""^(?:read\ (?:more|also|next)|also\ read|see\ also|more\ on\ this(?:\ story)?
      | related(?:\ (?:stories|articles|content|coverage|news|topics|links))?
      | recommended(?:\ for\ you)? | you\ (?:may|might)\ also\ like | most\ (?:read|popular)
      | trending(?:\ now)? | top\ stories | more\ stories | don't\ miss
      | devamını\ oku | ilgili\ haberler | lesen\ sie\ auch | mehr\ zum\ thema
      | lea\ también | noticias\ relacionadas | lire\ aussi | à\ lire\ aussi | leggi\ anche
    )\b(?:\s*[:»›→|–—-].*)?\W*$""",
    re.IGNORECASE | re.VERBOSE,
)

# Advertising slots and share/print buttons: a paragraph that is only that label.
_BUTTONS = re.compile(
    r"""^(?:advertisement|advert|ad|sponsored(?:\ content)?|paid\ (?:content|post)
      | (?:story\ )?continues\ below(?:\ advertisement)? | anzeige | werbung | publicidad
      | publicité | reklam | pubblicità
      | share(?:\ this(?:\ article|\ story|\ page)?)?(?:\ (?:on|via)\ .*)? | tweet | print(?:\ this\ article)?
      | e-?mail(?:\ this\ article)? | copy\ link | save(?:\ article)? | paylaş | teilen | compartir | partager
    )\W*$""",
    re.IGNORECASE | re.VERBOSE,
)

# Calls to action: newsletter boxes, "Follow us on ...", "Click here ...".
_CALL_TO_ACTION = re.compile(
    r"""^(?:sign\ up|subscribe|enter\ your\ e-?mail|join\ our|get\ (?:our|the\ latest)
      | by\ (?:signing\ up|subscribing|clicking) | thanks?\ (?:you\ )?for\ (?:signing\ up|subscribing)
      | (?:click|tap)\ here | follow\ (?:us|our\b|@)
      | follow\ \S+(?:\ \S+){0,3}\ on\ (?:twitter|x|facebook|instagram|linkedin|tiktok|youtube|telegram|bluesky|threads)
    )\b
    | \bour\b.{0,40}\bnewsletters?\b | \b(?:delivered|straight|direct(?:ly)?)\ to\ your\ inbox\b""",
    re.IGNORECASE | re.VERBOSE,
)

# Copyright lines.
_RIGHTS = re.compile(
    r"""all\ rights\ reserved | ^(?:copyright\s*)?(?:©|\(c\)) | ^copyright\s+\d{4}
    | tüm\ hakları\ saklıdır | alle\ rechte\ vorbehalten | todos\ los\ derechos\ reservados
    | tous\ droits\ réservés""",
    re.IGNORECASE | re.VERBOSE,
)

# Cookie banners that survive extraction, in the site's own voice.
_COOKIES = re.compile(
    r"\b(?:we|this\ (?:site|website)|our\ (?:site|website))\ uses?\ cookies\b"
    r"|\baccept\ (?:all\ )?cookies\b|\bcookie\ (?:settings|preferences|policy)\b",
    re.IGNORECASE | re.VERBOSE)

# Comment-policy notices: a warning label, or "comments" near the start, plus moderation talk.
# "Near the start" is within the first two words; written so that a run of punctuation between
# them is read one way only (`(?:\W*\w+\W+){0,2}` split it in every possible way).
_COMMENT_WORD = r"(?:comment|yorum|kommentar|comentario|commentaire|commento|comentário)\w*"
_COMMENT_POLICY = re.compile(
    rf"""^(?:uyar[ıi]|warning|note|notice|hinweis|achtung|aviso|nota|atención|avertissement|attention)\s*:
          .*\b{_COMMENT_WORD}
      | ^(?:\W*\w+\W+(?:\w+\W+)?)?{_COMMENT_WORD}\b.*
          \b(?:moderat|moderac|modér|onaylan|freigeschaltet|geprüft|netiquette|guidelines|policy
            |house\ rules|reserve\ the\ right|before\ (?:they\ are\ )?publi|off-topic|abusive
            |richtlinien|normas|règles|charte)""",
    re.IGNORECASE | re.VERBOSE,
)

# News agencies and picture libraries that appear as credits ("AP", "Reuters/Jane Doe").
_AGENCY = (r"(?:AP|AFP|AA|EPA(?:-EFE)?|EFE|Reuters|Anadolu(?:\ Agency|\ Ajans[ıi])?|Xinhua|Yonhap|Kyodo"
           r"|ANSA|dpa|DPA|PA(?:\ Media|\ Wire)?|Getty\ Images|Shutterstock|Alamy|iStock|Pool)")
_PHOTO_WORD = r"(?i:photo|image|picture|video|foto|fotoğraf|bild|credit|illustration|file\ photo)s?"

# A paragraph that is nothing but a credit: "AP", "Photo: Reuters/Jane Doe", "AFP via Getty Images".
_CREDIT_ONLY = re.compile(
    rf"^(?:{_PHOTO_WORD}(?:\s*(?::|(?i:by)))?\s*)?(?:[\w .'’-]{{1,40}}/\s*)?{_AGENCY}"
    rf"(?:\s*(?:/|,|(?i:via))\s*[\w .'’-]{{1,40}})?\W*$",
    re.VERBOSE,
)
# A photo label opening a paragraph or closing a caption: "Photo by ...", "... 2024. / Photo: AP",
# "... 2024. Photo: Reuters/Jane Doe", "(Image: ...)".
_CAPTION_CREDIT = re.compile(
    rf"(?:^|[.!?]\s+|[/|·•]\s*|\s[–—-]\s+|\(\s*){_PHOTO_WORD}\s*(?::|(?i:by)\b)", re.VERBOSE)
# A credit closing a caption: "... Lima. / Reuters", "... (AFP via Getty Images)". What follows
# it is any run of non-word characters (white space and a closing bracket among them), read once.
_TRAILING_CREDIT = re.compile(
    rf"(?:[/|]\s*|\(\s*|(?i:via)\s+)(?:[\w .'’-]{{1,40}}/\s*)?{_AGENCY}(?:\s*/\s*[\w .'’-]{{1,40}})?\W*$",
    re.VERBOSE,
)
# Captions usually end with the date the picture was taken: "... Lima, Peru, Nov. 15, 2024."
# A month is any word that begins with an English short form.
_MONTH_START = r"(?:" + "|".join(months.spellings(months.ENGLISH_SHORT)) + r")"
_TRAILING_DATE = re.compile(
    r"""(?:\b""" + _MONTH_START + r"""[a-z]*\.?\s+\d{1,2},\s+\d{4}
      | \b\d{1,2}\s+""" + _MONTH_START + r"""[a-z]*\.?\s+\d{4}
      | \b\d{4}-\d{2}-\d{2})\W*$""",
    re.IGNORECASE | re.VERBOSE,
)
# Breadcrumbs: three or more short items joined by arrows or bars ("Home > World > Europe").
_CRUMB_SEPARATOR = re.compile(r"[>›»→|]")
_CRUMB_ITEM_MAX_CHARS = 40

# A sentence ends with . ! ? or …, maybe followed by closing quotes or brackets.
_ENDS_SENTENCE = re.compile(r"[.!?…。！？][\"'”’»)\]」』）]*$")
# Quotation marks that open a pull-quote; a quote is never a caption.
_OPENING_QUOTE = re.compile(r"^[\"'“‘«„]")

# Furniture is short; a long paragraph is the article's text whatever its first words.
_FURNITURE_MAX_WORDS = 40
# A line with no sentence ending and at most this many words is a crumb, teaser or subhead.
_CRUMB_MAX_WORDS = 15


# Kana and CJK ideographs: scripts written without spaces, where a word is a character or two.
_UNSPACED_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def _words(paragraph: str) -> int:
    """Words of the paragraph; in Japanese or Chinese, about one for every two characters."""
    return len(paragraph.split()) + len(_UNSPACED_CHAR.findall(paragraph)) // 2


def _key(paragraph: str) -> str:
    """Comparison key for duplicates: case and whitespace do not make a paragraph new."""
    return " ".join(paragraph.split()).casefold()


def ends_sentence(paragraph: str) -> bool:
    """Whether the paragraph closes like a sentence (". ! ? …", maybe inside closing quotes)."""
    return bool(_ENDS_SENTENCE.search(paragraph.strip()))


def is_comment_section(paragraph: str) -> bool:
    """A heading that opens the readers' comments ("Be the first to comment", "12 Kommentare")."""
    return bool(_COMMENT_SECTION.match(paragraph.strip()))


def is_credit(paragraph: str) -> bool:
    """A photo caption with a credit, or a bare credit line ("AP", "Photo: Reuters/Jane Doe")."""
    text = paragraph.strip()
    return bool(_CREDIT_ONLY.match(text) or _CAPTION_CREDIT.search(text) or _TRAILING_CREDIT.search(text))


def looks_like_caption(paragraph: str) -> bool:
    """A credit, or a picture description that ends with the date it was taken."""
    text = paragraph.strip()
    return is_credit(text) or (not _OPENING_QUOTE.match(text) and bool(_TRAILING_DATE.search(text)))


def is_furniture(paragraph: str) -> bool:
    """Known page furniture by its wording: links, buttons, notices, credits, crumbs."""
    text = paragraph.strip()
    if _words(text) > _FURNITURE_MAX_WORDS:
        return False
    patterns = (_COMMENT_SECTION, _READ_MORE, _BUTTONS, _CALL_TO_ACTION, _RIGHTS, _COOKIES, _COMMENT_POLICY)
    return any(p.search(text) for p in patterns) or _is_breadcrumbs(text) or is_credit(text)


def _is_breadcrumbs(text: str) -> bool:
    """Three or more items of 1 to 40 characters, no sentence punctuation, between separators
    (`text` stripped, as is_furniture gives it).

    The white space beside a separator belongs to no item. Read piece by piece rather than by a
    regular expression: one that lets that white space go to the item or the separator tries
    every way of giving it, which grows exponentially with the separators of a 40-word line.
    """
    pieces = _CRUMB_SEPARATOR.split(text)
    if len(pieces) < 3 or any(mark in text for mark in ".!?"):
        return False
    items = [pieces[0].rstrip(), *(piece.strip() for piece in pieces[1:-1]), pieces[-1].lstrip()]
    # An item may be white space alone (one character of it) when its piece has some.
    return all(piece and len(item) <= _CRUMB_ITEM_MAX_CHARS for piece, item in zip(pieces, items))


def _is_credit_line(paragraph: str) -> bool:
    return _words(paragraph) <= _FURNITURE_MAX_WORDS and is_credit(paragraph)


def is_crumb(paragraph: str) -> bool:
    """A short line that is not a sentence: navigation, a teaser headline, a subhead."""
    return _words(paragraph) <= _CRUMB_MAX_WORDS and not ends_sentence(paragraph)


# --- Cleaning ---------------------------------------------------------------------------


def _cut_comment_section(paragraphs: list[str]) -> list[str]:
    """Everything before the comment section; a comment link above the text is only dropped.

    The cut waits for a real sentence first, so a "12 comments" link in a page header
    cannot swallow the article that follows it.
    """
    kept: list[str] = []
    seen_text = False
    for paragraph in paragraphs:
        if is_comment_section(paragraph):
            if seen_text:
                break
            continue
        seen_text = seen_text or (ends_sentence(paragraph) and not is_furniture(paragraph))
        kept.append(paragraph)
    return kept


def clean_paragraphs(paragraphs: Sequence[str]) -> list[str]:
    """The article's own paragraphs, in order and unchanged, with page furniture removed.

    Rules, all general: the comment section and all after it go; known furniture goes
    (links, buttons, newsletter boxes, notices, captions and credits); a repeated
    paragraph is kept once, or not at all if it is a caption (as is a caption right above
    a credit line); a short line that is not a sentence goes. The result is a sub-sequence of the input, and
    cleaning is idempotent.
    """
    body = _cut_comment_section([p for p in paragraphs if p.strip()])
    counts: dict[str, int] = {}
    for paragraph in body:
        counts[_key(paragraph)] = counts.get(_key(paragraph), 0) + 1
    kept: list[str] = []
    seen: set[str] = set()
    for i, paragraph in enumerate(body):
        key = _key(paragraph)
        if key in seen or is_furniture(paragraph) or is_crumb(paragraph):
            continue
        if looks_like_caption(paragraph) and (
                counts[key] > 1  # an image's caption printed twice (alt text and figure caption)
                or (i + 1 < len(body) and _is_credit_line(body[i + 1]))):  # its credit line below
            continue
        seen.add(key)
        kept.append(paragraph)
    return kept


# --- Metadata in the text ---------------------------------------------------------------

# Byline: "By Riyaz ul Khaliq", "By Jane Doe and John Roe". Names are capitalised except particles.
_NAME_PARTICLES = {"ul", "al", "el", "bin", "bint", "de", "del", "da", "di", "dos", "du", "la", "le",
                   "van", "von", "der", "den", "ter", "and", "&"}
_BYLINE_MAX_WORDS = 10
# How far into the text a byline or dateline is looked for.
_HEAD_PARAGRAPHS = 4

# Dateline: "ISTANBUL (AA) - ", "WASHINGTON (Reuters) — ", "LONDON, June 3 (Reuters) -", "PARIS — ".
_DATELINE = re.compile(
    r"""^(?P<place>[A-ZÀ-ÞİĞŞ][A-ZÀ-ÞİĞŞ'’.\-]+(?:\ [A-ZÀ-ÞİĞŞ][A-ZÀ-ÞİĞŞ'’.\-]+){0,3})
        (?:,\ (?P<when>[^()\n]{1,30}?))?
        \s*(?:\((?P<source>[^()\n]{1,40})\)\s*)?
        [-–—]+\s+(?=\S)""",
    re.VERBOSE,
)
# A dateline is a few words at a paragraph's start: it is looked for in this many characters, so
# that a paragraph opening with a long run of capitals and dashes is not read through from each.
_DATELINE_MAX_CHARS = 300
# A standfirst is one short paragraph; longer ones are body text. Without a full stop it
# needs a few words to be more than a navigation crumb ("Route 6").
_SUBTITLE_MAX_WORDS = 45
_SUBTITLE_MIN_WORDS = 6
# Leading markdown heading marks on the title line.
_HEADING_MARK = re.compile(r"^#+\s*")


# A plain written date with its year: "July 10, 2024", "Jul. 10, 2024", "10 July 2024",
# "2024-07-10". Only English month names, and never a date without its year: "June 3" in a
# dateline could be any year, and a wrong date filters an article out of searches.
_MONTHS = tuple(months.spellings(months.ENGLISH))
# The short forms that are no full name ("may" is one), a month's longest first ("sept" before "sep").
_SHORT_MONTHS = tuple(short for month in months.ENGLISH_SHORT for short in sorted(month, key=len, reverse=True)
                      if short not in _MONTHS)
_MONTH = r"(?P<{}>(?:" + "|".join(_MONTHS + _SHORT_MONTHS) + r")\.?)"
_WRITTEN_DATE = (r"(?:(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?\ )?"
                 r"(?:" + _MONTH.format("m1") + r"\ (?P<d1>\d{1,2}),?\ (?P<y1>\d{4})"
                 r"|(?P<d2>\d{1,2})\ " + _MONTH.format("m2") + r",?\ (?P<y2>\d{4})"
                 r"|(?P<y3>\d{4})-(?P<m3>\d{2})-(?P<d3>\d{2}))")
_DATE_ONLY = re.compile(r"(?:" + _WRITTEN_DATE + r")$", re.IGNORECASE | re.VERBOSE)
# A header line that is a date and nothing else: "Published: July 10, 2024 14:30 GMT",
# "Updated Wednesday, 10 July 2024", "2024-07-10". The white space before a time is read one way
# (`\s*(?:,|at|...)?\s*` split a long run of it between its two halves in every way).
_DATE_LINE = re.compile(
    r"""^(?:(?:first\ )?(?:published|updated|posted|last\ updated|date)(?:\ on)?:?\ )?"""
    + _WRITTEN_DATE +
    r"""(?:(?:\s*(?:,|at|-|–|\|))?\s*\d{1,2}[:.]\d{2}(?:\s*[ap]\.?m\.?)?(?:\s*[a-z]{2,5}(?:[+-]\d{1,2})?)?)?
        \s*$""",
    re.IGNORECASE | re.VERBOSE)


def _date_of(match: re.Match[str]) -> str | None:
    """YYYY-MM-DD from a _WRITTEN_DATE match; None for a day the calendar lacks."""
    parts = match.groupdict()
    year, month, day = next((parts[f"y{n}"], parts[f"m{n}"], parts[f"d{n}"]) for n in "123" if parts[f"y{n}"])
    if not month.isdigit():
        # casefold, not lower: the pattern ignores case, so it also matches "ſept" (long s) or a
        # Kelvin sign, which casefold brings back to the ASCII letters the month names are in.
        key = month.rstrip(".").casefold()[:3]
        number = next((i for i, name in enumerate(_MONTHS, start=1) if name.startswith(key)), None)
        if number is None:
            return None
        month = str(number)
    try:
        return date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return None


def written_date(text: str) -> str | None:
    """The day a date line ("Published: July 10, 2024 14:30 GMT") names; None for any other text."""
    match = _DATE_LINE.match(text.strip())
    return _date_of(match) if match else None


def byline_author(paragraph: str) -> str | None:
    """The name in a "By Name" byline, or None when the paragraph is not one.

    The name is what follows "By" and white space, less the spaces and full stops that close
    the line, on one line. Read by hand: a lazy `(.+?)[\\s.]*$` tries the closing run again
    from each of its characters, which a long run of spaces and dots made quadratic.
    """
    text = paragraph.strip()
    if not text.startswith("By") or not text[2:3].isspace() or _words(paragraph) > _BYLINE_MAX_WORDS:
        return None
    name = text[2:].lstrip()
    end = len(name)
    while end > 0 and (name[end - 1] == "." or name[end - 1].isspace()):
        end -= 1
    name = name[:end]
    if not name or "\n" in name:
        return None
    words = name.replace(",", " ").split()
    if not all(w[0].isupper() or w.lower() in _NAME_PARTICLES for w in words):
        return None
    return name


def split_dateline(paragraph: str) -> tuple[str, str | None, str, str | None] | None:
    """(place, source, rest of the paragraph, day) for "ISTANBUL (AA) - Text...", else None.

    The day (YYYY-MM-DD) is there when the dateline writes a date with its year:
    "WASHINGTON, July 10, 2024 (AP) — ".
    """
    match = _DATELINE.match(paragraph, 0, _DATELINE_MAX_CHARS)
    if not match or len(match.group("place").strip(".'’-")) < 3:
        return None
    source, when = match.group("source"), match.group("when")
    day_match = _DATE_ONLY.match(when.strip()) if when else None
    return (match.group("place"), source.strip() if source else None, paragraph[match.end():],
            _date_of(day_match) if day_match else None)


def _can_be_subtitle(paragraph: str) -> bool:
    """A standfirst: one short paragraph of the article's own words, not metadata or a crumb."""
    long_enough = ends_sentence(paragraph) or _words(paragraph) >= _SUBTITLE_MIN_WORDS
    return (long_enough and _words(paragraph) <= _SUBTITLE_MAX_WORDS and byline_author(paragraph) is None
            and split_dateline(paragraph) is None and not is_furniture(paragraph)
            and not looks_like_caption(paragraph))


def parse_body(title: str, paragraphs: Sequence[str], *, subtitle: str | None = None,
               guess_subtitle: bool = True) -> ParsedText:
    """Byline, standfirst, dateline and clean text of an article whose title is known.

    The standfirst (given, or guessed as a short first paragraph) is the article's own
    words, so it stays first in the body even if it lacks a full stop; the byline leaves
    the body; the dateline prefix is taken off the paragraph it opens.
    """
    rest = [p for p in paragraphs if p.strip()]
    title_key = _key(title)
    skip = 0  # the headline printed again above the text, or furniture between them
    while len(rest) - skip > 1 and (_key(rest[skip]) == title_key or is_furniture(rest[skip])):
        skip += 1
    del rest[:skip]
    published = None
    for i, paragraph in enumerate(rest[:_HEAD_PARAGRAPHS]):
        published = written_date(paragraph)
        if published and len(rest) > 1:
            del rest[i]  # the date line is metadata, not the article's words
            break
    author = None
    for i, paragraph in enumerate(rest[:_HEAD_PARAGRAPHS]):
        author = byline_author(paragraph)
        if author:
            del rest[i]
            break
    lead: list[str] = []
    if rest and subtitle is not None and _key(rest[0]) == _key(subtitle):
        lead = [rest.pop(0)]
    elif rest and subtitle is None and guess_subtitle and _can_be_subtitle(rest[0]):
        subtitle = rest[0]
        lead = [rest.pop(0)]
    lead_key = _key(lead[0]) if lead else None
    body = [p for p in clean_paragraphs(rest) if _key(p) != lead_key]
    dateline = source = None
    for i, paragraph in enumerate(body[:_HEAD_PARAGRAPHS]):
        found = split_dateline(paragraph)
        if found:
            dateline, source, body[i], day = found
            published = published or day
            break
    return ParsedText(title=title, subtitle=subtitle, author=author, dateline=dateline,
                      source=source, paragraphs=tuple(lead + body), published=published)


def parse_plain_text(raw: str) -> ParsedText:
    """A .txt/.md article: the first line (past any furniture) is the title; `parse_body` does the rest."""
    paragraphs = split_paragraphs(raw)
    skip = 0  # breadcrumbs or a banner scraped above the headline
    while skip < len(paragraphs) and is_furniture(paragraphs[skip]):
        skip += 1
    del paragraphs[:skip]
    if not paragraphs:
        return ParsedText(title="", subtitle=None, author=None, dateline=None, source=None, paragraphs=())
    title = _HEADING_MARK.sub("", paragraphs[0]).strip()
    return parse_body(title, paragraphs[1:])
