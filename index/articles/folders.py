"""Walking the files and folders given: which files are read, in what order and with what ids, the
symlink rules, the duplicate-id rule, and `load_articles`, every article they hold."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from newsdex.index.articles.decoding import shown
from newsdex.index.articles.files import HTML_SUFFIXES, SUPPORTED_SUFFIXES, TEXT_SUFFIXES, read_file
from newsdex.index.articles.model import Article, Skipped

_LOOP = "symlink loop"
# Files whose one article takes its id from the file (a JSON record brings its own).
FILE_ID_SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES


def _link_problem(link: Path, root: Path, follow_links: bool, walking: frozenset[Path]) -> str | None:
    """Why the symlink `link`, found under `root`, is not followed; None when it is."""
    try:
        target = link.resolve(strict=True)
    except FileNotFoundError:
        return f"broken symlink (its target {os.readlink(link)} does not exist)"
    except (OSError, RuntimeError):  # Python 3.11 raises RuntimeError for a loop, later ones OSError(ELOOP)
        return f"{_LOOP} (it leads back to itself)"
    if target in walking:
        return f"{_LOOP} (it leads back to {shown(target)}, a folder above it)"
    if follow_links:
        return None
    if not target.is_relative_to(root):
        return (f"symlink to {shown(target)}, outside {shown(root)}; "
                "--follow-links (NEWSDEX_FOLLOW_LINKS=1) follows it")
    if target.is_dir():
        return "symlink to a folder; --follow-links (NEWSDEX_FOLLOW_LINKS=1) follows it"
    return None


def _walk(folder: Path, root: Path, follow_links: bool, walking: frozenset[Path]) -> Iterator[Path | Skipped]:
    """Supported files under `folder`, sorted, skipping hidden files and folders (.git, .DS_Store).

    Symlinks that leave `root` (the folder being indexed) or lead to folders are skipped with
    the reason unless `follow_links`; loops are skipped with the reason either way, since a
    followed link can lead back into a folder already being walked (`walking`).
    """
    try:
        entries = sorted(folder.iterdir())
    except OSError as error:
        yield Skipped(shown(folder), f"cannot list folder: {error.strerror or error}")
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        try:
            if entry.is_symlink():
                problem = _link_problem(entry, root, follow_links, walking)
                if problem is not None:
                    # Said about anything that could have held articles; other links pass unmentioned,
                    # like other unsupported files.
                    if problem.startswith(_LOOP) or entry.is_dir() or entry.suffix.lower() in SUPPORTED_SUFFIXES:
                        yield Skipped(shown(entry), problem)
                    continue
            if entry.is_dir():
                yield from _walk(entry, root, follow_links, walking | {entry.resolve()})
            elif entry.is_file() and entry.suffix.lower() in SUPPORTED_SUFFIXES:
                yield entry
        except OSError as error:
            yield Skipped(shown(entry), f"cannot read: {error.strerror or error}")


def file_ids(known: Mapping[str, str | None]) -> dict[str, str]:
    """The id each file already indexed keeps (its resolved path -> id), from the live index's
    id -> origin: so a file named alone keeps the id it got through its folder, and the other way
    round. A .json or .jsonl file holds records with ids of their own, so it has none here."""
    counts: dict[str, int] = {}
    for origin in known.values():
        if origin:
            counts[origin] = counts.get(origin, 0) + 1
    return {origin: article_id for article_id, origin in known.items()
            if origin and counts[origin] == 1 and Path(origin).suffix.lower() in FILE_ID_SUFFIXES}


def _file_id(path: Path, fallback: str, root: Path | None, ids: Mapping[str, str]) -> str:
    """The stable-id rule (docs/guide/freshness.md): the id the index already holds for this file;
    else its path under `root` (NEWSDEX_ROOT) when it lies there; else `fallback`."""
    try:
        resolved = path.resolve()
    except (OSError, RuntimeError):
        return fallback
    if str(resolved) in ids:
        return ids[str(resolved)]
    if root is not None and resolved.is_relative_to(root):
        return resolved.relative_to(root).with_suffix("").as_posix()
    return fallback


def article_files(paths: Iterable[Path], *, follow_links: bool = False, root: Path | None = None,
                  ids: Mapping[str, str] | None = None) -> Iterator[tuple[Path, str] | Skipped]:
    """What `load_articles` reads, in its order, without reading it: each supported file with
    the id its article takes (records in .json and .jsonl files bring their own), or why a
    path is skipped. A distributed build (index.engine) walks here and reads in its workers.

    An id is the one the index already holds for that file (`ids`, from `file_ids`), else the
    path relative to `root` (NEWSDEX_ROOT) when the file is under it, else relative to the folder
    given (the file's stem when the file itself is given)."""
    ids = ids or {}
    resolved_root = root.resolve() if root is not None else None
    for path in map(Path, paths):
        if path.is_dir():
            top = path.resolve()
            for found in _walk(path, top, follow_links, frozenset({top})):
                if isinstance(found, Skipped):
                    yield found
                else:
                    fallback = found.relative_to(path).with_suffix("").as_posix()
                    yield found, _file_id(found, fallback, resolved_root, ids)
        elif not path.exists():
            yield Skipped(shown(path), "no such file or folder")
        elif path.suffix.lower() not in SUPPORTED_SUFFIXES:
            kind = f"'{path.suffix}'" if path.suffix else "without a suffix"
            yield Skipped(shown(path), f"unsupported file type {kind}; newsdex reads " + ", ".join(SUPPORTED_SUFFIXES))
        else:
            yield path, _file_id(path, path.stem, resolved_root, ids)


class FirstSeen:
    """The duplicate-id rule of a load: an id's first article is kept, later ones are skipped."""

    def __init__(self) -> None:
        self.first: dict[str, str] = {}

    def check(self, where: str, item: Article | Skipped) -> Article | Skipped:
        if isinstance(item, Article):
            if item.id in self.first:
                return Skipped(where, f"duplicate id {item.id!r}: already loaded from {self.first[item.id]}")
            self.first[item.id] = where
        return item


def load_articles(paths: Iterable[Path], *, follow_links: bool = False, root: Path | None = None,
                  ids: Mapping[str, str] | None = None) -> Iterator[Article | Skipped]:
    """Every article in the given files and folders, in a stable order, read lazily.

    Files that cannot be read, records that are not articles, repeated ids and symlinks
    that are not followed come out as `Skipped` with the reason; they never stop the rest.
    Ids are as `article_files` says (the id a file already has, else its path relative to
    `root` or to the folder given, without suffix), and a JSON record's `id`. Files named explicitly
    are read wherever they are; inside a folder, symlinks are followed only to files within
    that folder, unless `follow_links`.
    """
    seen = FirstSeen()
    for found in article_files(paths, follow_links=follow_links, root=root, ids=ids):
        if isinstance(found, Skipped):
            yield found
            continue
        for where, item in read_file(*found):
            yield seen.check(where, item)
