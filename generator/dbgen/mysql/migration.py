"""The initial Alembic revision for MySQL/MariaDB, planned from the catalog.

MySQL DDL is not transactional: every statement commits on its own, and Alembic runs the
revision outside a transaction. So the order is the whole story:
- Upgrade: every object where the source created it (``position``), the source's session
  settings (SET, carried verbatim) at theirs, so keys that name a table created later apply
  under the FOREIGN_KEY_CHECKS=0 the source set, and views, routines and triggers find what
  they name. A failed upgrade leaves what it created before the failure; run the downgrade
  (which tolerates missing objects) before trying again.
- Downgrade: FOREIGN_KEY_CHECKS=0 for the session, then everything in reverse with IF EXISTS
  (views, routines, events, sequences, tables; triggers and partitioning go with their table),
  then the checks back on.

Columns are ``sa.Column`` with the dialect's types. A column with an attribute SQLAlchemy's
MySQL compiler cannot place (a column CHECK, which must come last; ON UPDATE; INVISIBLE; an
AUTO_INCREMENT that is not the key's first column, for which SQLAlchemy would add an index of
its own; COLUMN_FORMAT, STORAGE, COMPRESSED, REF_SYSTEM_ID) is written out whole after its name
by ``RawType``, in the order MariaDB accepts.
"""

from __future__ import annotations

import hashlib

from dbgen.ir import Catalog, Column, ForeignKey, Index, PrimaryKey, Table
from dbgen.mysql.coltypes import INTEGERS, mysql_type
from dbgen.mysql.tables import UNNAMED
from dbgen.mysql.typemap import map_type
from dbgen.plan.migration import MigrationPlan, Step
from dbgen.plan.pyexpr import call, pystr, sql_text, strs
from dbgen.plan.typemap import TypeContext

_RAW_OPTIONS = frozenset(
    {
        "check",
        "on update",
        "invisible",
        "column format",
        "storage",
        "compressed",
        "ref_system_id",
        "srid",
    }
)


def quote(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _literal(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


def _execute(sql: str) -> str:
    return f"op.execute({sql_text(sql)})"


def plan_migration(catalog: Catalog, ctx: TypeContext) -> MigrationPlan:
    steps: list[Step] = [
        Step(-1, (), (_execute("SET FOREIGN_KEY_CHECKS = 1"),), "session settings"),
    ]
    raw_used = False
    for t in catalog.tables:
        table_steps, raw = _table_steps(t, ctx)
        raw_used |= raw
        steps.extend(table_steps)
    for r in catalog.raw:
        steps.append(
            Step(
                r.position,
                (_execute(r.sql),),
                (_execute(r.drop),) if r.drop else (),
                f"{r.kind} {r.name or ''}".strip(),
            )
        )
    steps.append(
        Step(
            float("inf"),
            (),
            (_execute("SET FOREIGN_KEY_CHECKS = 0"),),
            "the downgrade drops tables in any order",
        )
    )
    ordered = tuple(sorted(steps, key=lambda s: s.position))
    digest = hashlib.sha256(
        "\n".join(line for s in ordered for line in (*s.upgrade, "--", *s.downgrade)).encode()
    ).hexdigest()
    prefix_key = any(
        t.primary_key.inline and t.primary_key.lengths for t in catalog.tables if t.primary_key
    )
    return MigrationPlan(
        revision=digest[:12], steps=ordered, uses_raw_type=raw_used, uses_prefix_key=prefix_key
    )


def _needs_raw(c: Column, t: Table) -> bool:
    if any(k in _RAW_OPTIONS for k, _ in c.options):
        return True
    if c.identity is not None:
        pk = t.primary_key
        return pk is None or pk.columns[0] != c.name
    return False


def _raw_column(c: Column, ctx: TypeContext) -> str:
    """The whole definition after the name, in an order MariaDB accepts (CHECK last)."""
    opts = dict(c.options)
    parts = [c.type.sql]
    if c.generated is not None:
        parts.append(f"GENERATED ALWAYS AS ({c.generated}) {opts.get('generated', 'VIRTUAL')}")
    for key in ("column format", "storage", "compressed", "ref_system_id", "srid"):
        if key in opts:
            value = opts[key]
            parts.append(
                value
                if key == "compressed"
                else f"{key.upper()} {value}".replace("REF_SYSTEM_ID ", "REF_SYSTEM_ID=")
            )
    if "invisible" in opts:
        parts.append("INVISIBLE")
    parts.append("NOT NULL" if not c.nullable else "NULL")
    if c.default is not None:
        parts.append(f"DEFAULT {c.default}")
    if c.identity is not None:
        parts.append("AUTO_INCREMENT")
    if "on update" in opts:
        parts.append(f"ON UPDATE {opts['on update']}")
    if c.comment is not None:
        parts.append(f"COMMENT {_literal(c.comment)}")
    if "check" in opts:
        parts.append(f"CHECK ({opts['check']})")
    return " ".join(parts)


def _column(c: Column, t: Table, ctx: TypeContext) -> tuple[str, bool]:
    if _needs_raw(c, t):
        return (
            call(
                "sa.Column",
                pystr(c.name),
                f"RawType({pystr(_raw_column(c, ctx))})",
                nullable="True",
                autoincrement="False",
            ),
            True,
        )
    mapped = map_type(c.type, ctx)
    extras: list[str] = []
    if c.generated is not None:
        storage = dict(c.options).get("generated", "VIRTUAL")
        extras.append(
            call(
                "sa.Computed",
                sql_text(c.generated),
                persisted="False" if storage == "VIRTUAL" else "True",
            )
        )
    autoincrement = None
    if c.identity is not None:
        autoincrement = "True"
    elif mysql_type(c.type) in INTEGERS:
        autoincrement = "False"
    src = call(
        "sa.Column",
        pystr(c.name),
        mapped.ddl.expr,
        *extras,
        nullable="False" if not c.nullable else None,
        autoincrement=autoincrement,
        server_default=sql_text(c.default) if c.default is not None else None,
        comment=pystr(c.comment) if c.comment is not None else None,
    )
    return src, mapped.is_raw


def _table_options(t: Table) -> dict[str, str | None]:
    kw: dict[str, str | None] = {}
    for key, value in t.options:
        if key == UNNAMED:
            continue
        name = "engine" if key == "TYPE" else key.lower().replace(" ", "_")
        kw[f"mysql_{name}"] = pystr(value)
    if t.partition_by:
        kw["mysql_partition_by"] = pystr(t.partition_by)
    return kw


def _table_steps(t: Table, ctx: TypeContext) -> tuple[list[Step], bool]:
    unnamed = {v for k, v in t.options if k == UNNAMED}
    raw_used = False
    columns = []
    for c in t.columns:
        src, raw = _column(c, t, ctx)
        raw_used |= raw
        columns.append(src)
    inline: list[str] = []
    pk = t.primary_key
    if pk is not None and pk.inline:
        inline.append(_primary_key(pk))
    for u in t.uniques:
        if u.inline:
            inline.append(
                call("sa.UniqueConstraint", *(pystr(c) for c in u.columns), name=pystr(u.name))
            )
    for ck in t.checks:
        if ck.inline:
            inline.append(
                call(
                    "sa.CheckConstraint",
                    sql_text(ck.expression),
                    name=None if ck.name in unnamed else pystr(ck.name),
                )
            )
    for fk in t.foreign_keys:
        if fk.inline and fk.name not in unnamed:
            inline.append(
                call(
                    "sa.ForeignKeyConstraint",
                    strs(fk.columns),
                    strs(f"{fk.ref_table.name}.{c}" for c in fk.ref_columns),
                    name=pystr(fk.name),
                    ondelete=pystr(fk.on_delete) if fk.on_delete else None,
                    onupdate=pystr(fk.on_update) if fk.on_update else None,
                )
            )
    create = call(
        "op.create_table",
        pystr(t.qname.name),
        *columns,
        *inline,
        comment=pystr(t.comment) if t.comment is not None else None,
        **_table_options(t),
    )
    drop = (_execute(f"DROP TABLE IF EXISTS {quote(t.qname.name)}"),)
    steps = [Step(t.position, (create,), drop, f"table {t.qname.name}")]
    table = pystr(t.qname.name)
    if pk is not None and not pk.inline:
        add = (
            _execute(f"ALTER TABLE {quote(t.qname.name)} ADD {primary_key_sql(pk)}")
            if pk.lengths or pk.options
            else call("op.create_primary_key", "None", table, strs(pk.columns))
        )
        steps.append(Step(pk.position, (add,), (), "primary key"))
    for u in t.uniques:
        if not u.inline:
            steps.append(
                Step(
                    u.position,
                    (call("op.create_unique_constraint", pystr(u.name), table, strs(u.columns)),),
                    (),
                    f"unique {u.name}",
                )
            )
    for ck in t.checks:
        if not ck.inline:
            name = "None" if ck.name in unnamed else pystr(ck.name)
            steps.append(
                Step(
                    ck.position,
                    (call("op.create_check_constraint", name, table, sql_text(ck.expression)),),
                    (),
                    f"check {ck.name}",
                )
            )
    for fk in t.foreign_keys:
        if fk.name in unnamed:
            # Unnamed, so the server names it (and its index) as it named the source's: by
            # ALTER TABLE, which the package's naming convention does not reach. An inline one
            # goes after its table's keys, which the source's CREATE TABLE had already.
            position = fk.position + 0.5 if fk.inline else fk.position
            steps.append(Step(position, (_execute(_foreign_key_sql(t, fk)),), (), "foreign key"))
        elif not fk.inline:
            steps.append(
                Step(
                    fk.position,
                    (
                        call(
                            "op.create_foreign_key",
                            pystr(fk.name),
                            table,
                            pystr(fk.ref_table.name),
                            strs(fk.columns),
                            strs(fk.ref_columns),
                            ondelete=pystr(fk.on_delete) if fk.on_delete else None,
                            onupdate=pystr(fk.on_update) if fk.on_update else None,
                        ),
                    ),
                    (),
                    f"foreign key {fk.name}",
                )
            )
    for ix in t.indexes:
        steps.append(Step(ix.position, (_execute(index_sql(t, ix)),), (), f"index {ix.name}"))
    return steps, raw_used


def _using(pk: PrimaryKey) -> str | None:
    """The key's USING, lower-cased: SQLAlchemy quotes a name with capitals (`BTREE`)."""
    using = dict(pk.options).get("using")
    return using.lower() if using else None


def _primary_key(pk: PrimaryKey) -> str:
    """The inline key of op.create_table. SQLAlchemy's PrimaryKeyConstraint has no prefix
    lengths: a key with them is the revision's PrefixPrimaryKey (the template defines it),
    so it stays in CREATE TABLE, where an AUTO_INCREMENT column must find its key."""
    using = _using(pk)
    if pk.lengths:
        lengths = "{" + ", ".join(f"{pystr(c)}: {n}" for c, n in pk.lengths) + "}"
        return call(
            "PrefixPrimaryKey",
            *(pystr(c) for c in pk.columns),
            lengths=lengths,
            mysql_using=pystr(using) if using else None,
        )
    return call(
        "sa.PrimaryKeyConstraint",
        *(pystr(c) for c in pk.columns),
        mysql_using=pystr(using) if using else None,
    )


def primary_key_sql(pk: PrimaryKey) -> str:
    lengths = dict(pk.lengths)
    parts = ", ".join(quote(c) + (f"({lengths[c]})" if c in lengths else "") for c in pk.columns)
    using = dict(pk.options).get("using")
    return f"PRIMARY KEY ({parts})" + (f" USING {using}" if using else "")


def _foreign_key_sql(t: Table, fk: ForeignKey) -> str:
    cols = ", ".join(quote(c) for c in fk.columns)
    refs = ", ".join(quote(c) for c in fk.ref_columns)
    sql = (
        f"ALTER TABLE {quote(t.qname.name)} ADD FOREIGN KEY ({cols}) "
        f"REFERENCES {quote(fk.ref_table.name)} ({refs})"
    )
    if fk.on_delete:
        sql += f" ON DELETE {fk.on_delete}"
    if fk.on_update:
        sql += f" ON UPDATE {fk.on_update}"
    return sql


def index_sql(t: Table, ix: Index) -> str:
    """CREATE INDEX for one index, as MySQL reads it (prefix lengths, FULLTEXT, SPATIAL, USING,
    COMMENT and the other index options kept)."""
    kind = {"fulltext": "FULLTEXT ", "spatial": "SPATIAL "}.get(ix.method, "")
    if ix.unique:
        kind = "UNIQUE " + kind
    opts = dict(ix.options)
    parts = [f"CREATE {kind}INDEX {quote(ix.name)}"]
    if "using" in opts:
        parts.append(f"USING {opts['using']}")
    elems = []
    for e in ix.elements:
        text = quote(e.column) if e.column else e.expression
        if e.length is not None:
            text += f"({e.length})"
        if e.descending:
            text += " DESC"
        elems.append(text)
    parts.append(f"ON {quote(t.qname.name)} ({', '.join(elems)})")
    if "key_block_size" in opts:
        parts.append(f"KEY_BLOCK_SIZE={opts['key_block_size']}")
    if "with parser" in opts:
        parts.append(f"WITH PARSER {quote(opts['with parser'])}")
    if ix.comment is not None:
        parts.append(f"COMMENT {_literal(ix.comment)}")
    if "ignored" in opts:
        parts.append("IGNORED")
    if "clustering" in opts:
        parts.append(f"CLUSTERING={opts['clustering']}")
    return " ".join(parts)
