"""The names PostgreSQL chooses for objects the source left unnamed.

Mirrors the server's rules (NAMEDATALEN = 64): identifiers are cut to 63 bytes without splitting a
UTF-8 character; generated names are ``<name1>_<name2>_<label>`` with the longer of the two name
parts shortened first; a clash appends a counter to the label (``key1``, ``key2`` ...). Relation
names (tables, indexes, sequences, views, composite types) and constraint names are two separate
per-schema namespaces; constraint-backing index names count in both.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

NAMEDATALEN = 64
MAX_IDENT_BYTES = NAMEDATALEN - 1


def clip_bytes(name: str, limit: int) -> str:
    """The longest prefix of name whose UTF-8 encoding fits in limit bytes."""
    data = name.encode()
    if len(data) <= limit:
        return name
    return data[:limit].decode("utf-8", errors="ignore")


def truncate_identifier(name: str) -> str:
    return clip_bytes(name, MAX_IDENT_BYTES)


def make_object_name(name1: str, name2: str | None, label: str | None) -> str:
    """PostgreSQL's makeObjectName: join the parts, shortening the longer name part first."""
    b1 = name1.encode()
    b2 = name2.encode() if name2 is not None else b""
    overhead = 0
    if name2 is not None:
        overhead += 1
    if label is not None:
        overhead += len(label.encode()) + 1
    avail = MAX_IDENT_BYTES - overhead
    n1, n2 = len(b1), len(b2)
    # Same loop shape as the server so ties break the same way (name2 loses on equal length).
    while n1 + n2 > avail:
        if n1 > n2:
            n1 -= 1
        else:
            n2 -= 1
    parts = [b1[:n1].decode("utf-8", errors="ignore")]
    if name2 is not None:
        parts.append(b2[:n2].decode("utf-8", errors="ignore"))
    if label is not None:
        parts.append(label)
    return "_".join(parts)


def name_addition(columns: Sequence[str]) -> str:
    """Column names joined with '_' for index/constraint names, stopping once 63 bytes are
    exceeded (ChooseIndexNameAddition / ChooseForeignKeyConstraintNameAddition)."""
    buf = b""
    for col in columns:
        if buf:
            buf += b"_"
        buf += col.encode()[:MAX_IDENT_BYTES]
        if len(buf) >= NAMEDATALEN:
            break
    return buf.decode("utf-8", errors="ignore")


def index_column_names(names: Sequence[str]) -> list[str]:
    """ChooseIndexColumnNames: de-duplicate per-element names by appending 1, 2, ..."""
    result: list[str] = []
    for orig in names:
        cur = orig
        i = 1
        while cur in result:
            suffix = str(i)
            cur = clip_bytes(orig, MAX_IDENT_BYTES - len(suffix)) + suffix
            i += 1
        result.append(cur)
    return result


class Namespaces:
    """Names in use per schema, in the two namespaces PostgreSQL checks when choosing names."""

    def __init__(self) -> None:
        self._relations: dict[str, set[str]] = {}
        self._constraints: dict[str, set[str]] = {}

    def relations(self, schema: str) -> set[str]:
        return self._relations.setdefault(schema, set())

    def constraints(self, schema: str) -> set[str]:
        return self._constraints.setdefault(schema, set())

    def add_relation(self, schema: str, name: str) -> None:
        self.relations(schema).add(name)

    def discard_relation(self, schema: str, name: str) -> None:
        self.relations(schema).discard(name)

    def drop_schema(self, schema: str) -> None:
        self._relations.pop(schema, None)
        self._constraints.pop(schema, None)

    def add_constraint(self, schema: str, name: str) -> None:
        self.constraints(schema).add(name)

    def discard_constraint(self, schema: str, name: str) -> None:
        self.constraints(schema).discard(name)

    def choose_relation_name(
        self, schema: str, name1: str, name2: str | None, label: str, is_constraint: bool
    ) -> str:
        """ChooseRelationName: free among relations (and constraints when it backs one)."""
        rels = self.relations(schema)
        cons = self.constraints(schema)
        modlabel = label
        n = 0
        while True:
            name = make_object_name(name1, name2, modlabel)
            if name not in rels and not (is_constraint and name in cons):
                return name
            n += 1
            modlabel = f"{label}{n}"

    def choose_constraint_name(
        self, schema: str, name1: str, name2: str | None, label: str, others: Iterable[str] = ()
    ) -> str:
        """ChooseConstraintName: free among the schema's constraints and ``others``."""
        cons = self.constraints(schema)
        extra = set(others)
        modlabel = label
        n = 0
        while True:
            name = make_object_name(name1, name2, modlabel)
            if name not in cons and name not in extra:
                return name
            n += 1
            modlabel = f"{label}{n}"

    def choose_index_name(self, schema: str, table: str, columns: Sequence[str], kind: str) -> str:
        """ChooseIndexName; kind is 'pkey', 'key', 'excl' or 'idx'."""
        if kind == "pkey":
            return self.choose_relation_name(schema, table, None, "pkey", True)
        addition = name_addition(index_column_names(columns))
        return self.choose_relation_name(schema, table, addition, kind, kind != "idx")
