"""A file's bytes as text: the size limits, byte-order marks and UTF-8 rules, for a file read
whole or a .jsonl read a line at a time; a file name as it can be printed."""

from __future__ import annotations

import codecs
import io
import os
from collections.abc import Iterator
from pathlib import Path

from newsdex.errors import BadArticle

# A file read whole (.txt .md .html .json) may be this large; a .jsonl is read a line at a
# time, so only each of its lines is limited. Both keep one bad input from taking the memory
# of a whole build; the line limit matches the API's default request size.
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_LINE_BYTES = 10 * 1024 * 1024

# A byte-order mark names the encoding; without one, a file is UTF-8. UTF-32's marks come
# first because UTF-32-LE's begins with UTF-16-LE's.
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"), (codecs.BOM_UTF8, "utf-8-sig"))


def _encoding_of(head: bytes) -> str:
    return next((encoding for bom, encoding in _BOMS if head.startswith(bom)), "utf-8")


def _encoding_name(encoding: str) -> str:
    return encoding.upper().replace("-SIG", "")


def _decode(data: bytes) -> str:
    """Text of a whole file: UTF-8, or UTF-16/32 when a byte-order mark says so."""
    encoding = _encoding_of(data[:4])
    if encoding.startswith("utf-8") and b"\x00" in data:  # UTF-16/32 text is full of NULs
        raise BadArticle("binary file (contains NUL bytes), not text")
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise BadArticle(f"not {_encoding_name(encoding)} text ({error.reason} at byte {error.start}); "
                         "save it as UTF-8") from None


def read_text(path: Path) -> str:
    """The file's text, or BadArticle naming why it is not readable text."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise BadArticle(f"file too large ({size / 2**20:.0f} MiB; at most {MAX_FILE_BYTES // 2**20} MiB "
                             "is read from one file; a .jsonl is read a line at a time and has no such limit)")
        data = path.read_bytes()
    except OSError as error:
        raise BadArticle(f"cannot read file: {error.strerror or error}") from None
    text = _decode(data)
    if not text.strip():
        raise BadArticle("empty file")
    return text


def jsonl_lines(path: Path) -> Iterator[tuple[int, str | BadArticle]]:
    """(line number, text) of each non-blank line, streamed, or a BadArticle for a line that
    cannot be text; memory holds one line (at most MAX_LINE_BYTES) at a time."""
    with open(path, "rb") as file:
        head = file.read(8192)
        encoding = _encoding_of(head)
        file.seek(0)
        if not encoding.startswith("utf-8"):
            yield from _wide_lines(io.TextIOWrapper(file, encoding=encoding, newline=""), encoding)
            return
        if b"\x00" in head:
            raise BadArticle("binary file (contains NUL bytes), not text")
        number = 0
        while line := file.readline(MAX_LINE_BYTES + 1):
            number += 1
            if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
                while (rest := file.readline(1 << 20)) and not rest.endswith(b"\n"):
                    pass  # the rest of an overlong line is read past, never kept
                yield number, BadArticle(f"line longer than {MAX_LINE_BYTES // 2**20} MiB")
                continue
            if number == 1 and line.startswith(codecs.BOM_UTF8):
                line = line[len(codecs.BOM_UTF8):]
            if not line.strip():
                continue
            if b"\x00" in line:
                yield number, BadArticle("binary data (contains NUL bytes), not text")
                continue
            try:
                yield number, line.decode("utf-8")
            except UnicodeDecodeError as error:
                yield number, BadArticle(f"not UTF-8 text ({error.reason} at column {error.start + 1}); "
                                         "save the file as UTF-8")


def _wide_lines(stream: io.TextIOWrapper, encoding: str) -> Iterator[tuple[int, str | BadArticle]]:
    """Lines of a UTF-16/32 file; after an undecodable line nothing further can be trusted."""
    number = 0
    while True:
        number += 1
        try:
            line = stream.readline(MAX_LINE_BYTES // 2 + 1)
        except UnicodeDecodeError as error:
            raise BadArticle(f"not {_encoding_name(encoding)} text from line {number} on ({error.reason}); "
                             "save it as UTF-8") from None
        if not line:
            return
        if len(line) > MAX_LINE_BYTES // 2 and not line.endswith("\n"):
            while (rest := stream.readline(1 << 19)) and not rest.endswith("\n"):
                pass
            yield number, BadArticle(f"line longer than {MAX_LINE_BYTES // 2**20} MiB")
        elif line.strip():
            yield number, line.lstrip("\ufeff")


def shown(path: Path | str) -> str:
    """A path as it can be printed: bytes of a file name that are not UTF-8 become \\xNN."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")
