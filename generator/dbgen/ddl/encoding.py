"""SET client_encoding: how the server reads the rest of the file.

psql sends the file's bytes (UTF-8 here) unchanged and the server decodes them in the client
encoding, so non-ASCII text after the statement is stored as that decoding.
"""

from __future__ import annotations

import codecs
import re

from dbgen.ddl.split import Kind, Statement

# PostgreSQL encoding names -> Python codecs, for the ones a schema script plausibly names.
_PG_ENCODINGS = {
    "utf8": "utf-8",
    "unicode": "utf-8",
    "sql_ascii": "utf-8",
    "latin1": "latin-1",
    "latin2": "iso8859-2",
    "latin3": "iso8859-3",
    "latin4": "iso8859-4",
    "latin5": "iso8859-9",
    "latin6": "iso8859-10",
    "latin7": "iso8859-13",
    "latin8": "iso8859-14",
    "latin9": "iso8859-15",
    "latin10": "iso8859-16",
    "win1250": "cp1250",
    "win1251": "cp1251",
    "win1252": "cp1252",
    "win1253": "cp1253",
    "win1254": "cp1254",
    "win1255": "cp1255",
    "win1256": "cp1256",
    "win1257": "cp1257",
    "win1258": "cp1258",
    "koi8r": "koi8-r",
    "koi8u": "koi8-u",
    "iso_8859_5": "iso8859-5",
    "iso_8859_6": "iso8859-6",
    "iso_8859_7": "iso8859-7",
    "iso_8859_8": "iso8859-8",
    "euc_jp": "euc-jp",
    "sjis": "shift-jis",
    "gbk": "gbk",
    "big5": "big5",
}


def client_encoding(stmt: Statement) -> str | None:
    """The encoding a ``SET client_encoding`` statement selects (lower case, without separators)."""
    toks = [t for t in stmt.tokens if t.kind is not Kind.OP or t.value != "="]
    words = [t.value.lower() for t in toks]
    if len(words) < 3 or words[0] != "set":
        return None
    if words[1] in ("session", "local"):
        words = words[1:]
    if words[1] != "client_encoding" or len(words) < 3:
        return None
    value = words[3] if words[2] == "to" and len(words) > 3 else words[2]
    return re.sub(r"[-_ ]", "", value) if value != "default" else "utf8"


def recode(text: str, offset: int, encoding: str) -> tuple[str, str | None]:
    """The file as the server reads it after ``SET client_encoding`` at offset, and a problem to
    report (None when there is none)."""
    key = next((k for k in _PG_ENCODINGS if re.sub(r"[-_ ]", "", k) == encoding), None)
    if key is None:
        return (
            text,
            f"client_encoding {encoding!r} is not one dbgen can emulate; the rest of the file is read as UTF-8",
        )
    codec = codecs.lookup(_PG_ENCODINGS[key]).name
    rest = text[offset:]
    if codec == "utf-8" or rest.isascii():
        return text, None
    try:
        recoded = rest.encode("utf-8").decode(codec)
    except UnicodeDecodeError:
        return text, f"the rest of the file is not valid {key.upper()} bytes; read as UTF-8"
    return text[:offset] + recoded, (
        f"client_encoding {key.upper()}: the rest of this UTF-8 file is read as {key.upper()} bytes, "
        "as psql and the server do, so non-ASCII text changes (save the file in that encoding, "
        "or drop the SET, to keep it as written)"
    )
