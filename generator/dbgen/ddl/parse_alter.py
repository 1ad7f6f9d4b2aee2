"""ALTER statements -> typed statements (the cursor after ALTER).

ALTER TABLE is a list of actions, each parsed on its own: an action that does not parse becomes a
SyntaxProblem, reported when the applier reaches it, so the actions before it (and the checks
that need the catalog, such as "does the table exist") come first, as the server does them.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from dbgen.ddl import elements as el
from dbgen.ddl.cursor import Cursor, ParseError
from dbgen.ddl.parse_create import sequence_options
from dbgen.ddl.raw import RawInfo
from dbgen.ddl.split import Kind
from dbgen.ddl.statements import (
    ActionVerbatim,
    AddColumn,
    AddConstraint,
    AddEnumValue,
    AddIdentity,
    AlterAction,
    AlterColumn,
    AlterConstraint,
    AlterSequence,
    AlterTable,
    AlterType,
    AttachPartition,
    ColumnChange,
    DetachPartition,
    DropColumn,
    DropConstraint,
    Inherit,
    Name,
    OwnerAction,
    OwnerTo,
    Parsed,
    Rename,
    SetDefault,
    SetNotNull,
    SetType,
    SyntaxProblem,
    Verbatim,
)
from dbgen.ddl.types import parse_type


def parse_alter(cur: Cursor) -> Parsed:
    if cur.accept_word("table"):
        return _alter_table(cur)
    if cur.accept_word("sequence"):
        return _alter_sequence(cur)
    if cur.at_word("type"):
        return _alter_type(cur)
    if cur.at_word("index"):
        parsed = _alter_index(cur)
        if parsed is not None:
            return parsed
    if owner_to(cur):
        return OwnerTo(cur.offset())
    return _alter_other(cur)


def owner_to(cur: Cursor) -> bool:
    """True when the rest of the statement is an OWNER TO clause (ALTER ... OWNER TO role)."""
    toks = cur.toks
    n = len(toks)
    return n >= 3 and toks[-3].is_word("owner") and toks[-2].is_word("to")


def _alter_other(cur: Cursor) -> Verbatim:
    """An ALTER the catalog does not model, carried as "alter <the next two words>"."""
    what = " ".join(t.value for t in cur.toks[cur.i : cur.i + 2] if t.kind is Kind.WORD)
    return Verbatim(RawInfo(f"alter {what}".strip(), None, None))


def _alter_type(cur: Cursor) -> Parsed:
    carried = _alter_other(cur)
    cur.next()
    off = cur.offset()
    name = Name(tuple(cur.name_parts()), off)
    if owner_to(cur):
        return OwnerTo(off)
    add_value = None
    if cur.accept_words("add", "value"):
        cur.accept_words("if", "not", "exists")
        t = cur.next()
        if t.kind is not Kind.STRING:
            raise ParseError(t.start, "expected the new label as a string literal")
        if_not_exists = "exists" in [x.value for x in cur.toks[: cur.i]]
        where = cur.accept_word("before", "after")
        if where is None:
            add_value = AddEnumValue(t.value, t.start, if_not_exists)
        else:
            neighbour = cur.next()
            add_value = AddEnumValue(
                t.value, t.start, if_not_exists, where.value, neighbour.value, neighbour.start
            )
    return AlterType(name, add_value, carried)


def _alter_index(cur: Cursor) -> Parsed | None:
    save = cur.i
    cur.next()
    cur.accept_words("if", "exists")
    parts = cur.name_parts()
    if owner_to(cur):
        return OwnerTo(cur.offset())
    if cur.accept_words("attach", "partition"):
        return Verbatim(RawInfo("attach partition index", (".".join(parts),), None))
    cur.i = save
    return None


def _alter_sequence(cur: Cursor) -> AlterSequence:
    if_exists = cur.accept_words("if", "exists")
    off = cur.offset()
    name = Name(tuple(cur.name_parts()), off)
    is_owner = owner_to(cur)
    owned = None
    if not is_owner and cur.at_words("owned", "by"):
        owned = sequence_options(cur)
    return AlterSequence(name, if_exists, is_owner, owned)


# -- ALTER TABLE ---------------------------------------------------------------------------------


def _alter_table(cur: Cursor) -> AlterTable:
    if_exists = cur.accept_words("if", "exists")
    only = cur.accept_word("only") is not None
    off = cur.offset()
    name = Name(tuple(cur.name_parts()), off)
    if cur.at_punct("*") or cur.at_op("*"):
        cur.next()
    head = cur.text(cur.stmt.start, cur.toks[cur.i - 1].end)
    actions: list[AlterAction | SyntaxProblem] = []
    texts: list[str] = []
    for lo, hi in _split_actions(cur):
        actions.append(_action(cur.sub(lo, hi)))
        texts.append(cur.slice_text(lo, hi))
    return AlterTable(name, if_exists, owner_to(cur), head, tuple(actions), tuple(texts), only)


def _split_actions(cur: Cursor) -> list[tuple[int, int]]:
    """Top-level comma-separated actions from the cursor to the end."""
    out: list[tuple[int, int]] = []
    save = cur.i
    while not cur.at_end():
        lo = cur.i
        cur.until()
        out.append((lo, cur.i))
        if not cur.accept_punct(",") and not cur.at_end():
            cur.next()  # a stray ')' : step over it so the loop ends
    cur.i = save
    return out


def _action(cur: Cursor) -> AlterAction | SyntaxProblem:
    try:
        return _parse_action(cur)
    except ParseError as exc:
        return SyntaxProblem(exc.offset, exc.message, exc.code)


def _parse_action(cur: Cursor) -> AlterAction:
    off = cur.offset()
    if owner_to(cur):
        return OwnerAction(off)
    if cur.accept_word("add"):
        if cur.at_word("constraint", "check", "unique", "primary", "foreign", "exclude"):
            spec = el.table_constraint(cur)
            if cur.at_word("using") or not cur.at_end():
                raise ParseError(cur.offset(), "unexpected text after the constraint")
            return AddConstraint(spec)
        cur.accept_word("column")
        if_not_exists = cur.accept_words("if", "not", "exists")
        return AddColumn(el.column_def(cur), off, if_not_exists)
    if cur.accept_word("drop"):
        if cur.accept_word("constraint"):
            if_exists = cur.accept_words("if", "exists")
            return DropConstraint(cur.ident(), off, if_exists)
        cur.accept_word("column")
        if_exists = cur.accept_words("if", "exists")
        return DropColumn(cur.ident(), off, if_exists)
    if cur.accept_word("rename"):
        if cur.accept_word("to"):
            return Rename("table", None, cur.ident(), off)
        what = "constraint" if cur.accept_word("constraint") else "column"
        if what == "column":
            cur.accept_word("column")
        old = cur.ident()
        cur.expect_word("to")
        return Rename(what, old, cur.ident(), off)
    if cur.accept_words("set", "schema"):
        return Rename("schema", None, cur.ident(), off)
    if cur.accept_words("alter", "constraint"):
        c_off = cur.offset()
        name = cur.ident()
        attrs = el.constraint_attributes(cur)
        if not cur.at_end():
            raise ParseError(cur.offset(), "unexpected text after ALTER CONSTRAINT")
        return AlterConstraint(name, c_off, attrs)
    if cur.accept_words("detach", "partition"):
        c_off = cur.offset()
        child = Name(tuple(cur.name_parts()), c_off)
        if cur.at_word("concurrently", "finalize"):
            return ActionVerbatim()
        return DetachPartition(child)
    if cur.accept_word("alter"):
        cur.accept_word("column")
        c_off = cur.offset()
        name = cur.ident()
        return AlterColumn(name, c_off, _column_change(cur))
    if cur.accept_words("attach", "partition"):
        c_off = cur.offset()
        child = Name(tuple(cur.name_parts()), c_off)
        return AttachPartition(child, cur.rest_text())
    if cur.accept_word("inherit"):
        return Inherit(Name(tuple(cur.name_parts()), off))
    return ActionVerbatim()


def _column_change(cur: Cursor) -> ColumnChange | SyntaxProblem | None:
    """What ALTER COLUMN name ... changes; None for the changes carried verbatim."""
    try:
        change = _parse_column_change(cur)
        if change is not None and not cur.at_end():
            raise ParseError(cur.offset(), "unexpected text in ALTER COLUMN")
    except ParseError as exc:
        return SyntaxProblem(exc.offset, exc.message, exc.code)
    return change


def _set_default(cur: Cursor) -> ColumnChange:
    default = cur.slice_text(cur.i, len(cur.toks))
    cur.i = len(cur.toks)
    return SetDefault(default)


def _add_identity(cur: Cursor) -> ColumnChange:
    always = cur.accept_word("always") is not None
    if not always:
        cur.expect_word("by")
        cur.expect_word("default")
    cur.expect_word("as")
    cur.expect_word("identity")
    opts = cur.paren_text() if cur.at_punct("(") else ""
    m = re.search(r"sequence\s+name\s+([^\s]+)", opts, re.I)
    return AddIdentity(always, opts, m.group(1) if m else None)


def _set_type(cur: Cursor) -> ColumnChange:
    cur.accept_words("set", "data")
    cur.next()
    new_type = parse_type(cur)
    if cur.accept_word("collate"):
        cur.name_parts()
    # USING expression: rows are converted; the final type is what matters
    cur.i = len(cur.toks)
    return SetType(new_type)


# (leading words, parser of the rest); the first match wins
_COLUMN_CHANGES: tuple[tuple[tuple[str, ...], Callable[[Cursor], ColumnChange]], ...] = (
    (("set", "default"), _set_default),
    (("drop", "default"), lambda cur: SetDefault(None)),
    (("set", "not", "null"), lambda cur: SetNotNull(True)),
    (("drop", "not", "null"), lambda cur: SetNotNull(False)),
    (("add", "generated"), _add_identity),
)


def _parse_column_change(cur: Cursor) -> ColumnChange | None:
    for words, parse in _COLUMN_CHANGES:
        if cur.accept_words(*words):
            return parse(cur)
    if cur.at_word("type") or cur.at_words("set", "data", "type"):
        return _set_type(cur)
    return None
