"""`dbgen verify` for MySQL/MariaDB: two scratch databases on the server the URL names.

The spec's SQL files are loaded into one with the ``mariadb`` (else ``mysql``) client, as a user
loads a dump (``source`` of each file in one session, so ``DELIMITER`` lines work and a ``SET``
of one file holds in the next; ``--comments``, so routine and trigger bodies keep their comments
as a driver sends them). The generated migration goes into the other (``alembic upgrade head``
on the in-memory output of ``generate()``). Both are read back with the same queries and
compared with dbgen.verify's ``compare``; both databases are dropped whatever happens.

The facts, from information_schema: per table or view its type; per column its position,
``COLUMN_TYPE``, nullability, default, generated expression and kind, its other attributes
(``EXTRA``: ``auto_increment``, ``on update ...``, ``INVISIBLE``), charset, collation and comment; per index
its uniqueness, type (BTREE, HASH, FULLTEXT, SPATIAL), key parts with prefix length and
direction; per foreign key its columns, referenced table and columns and both actions; per
CHECK its clause and level; per view its definition, check option, algorithm and security;
per trigger its table, timing, event, order, body and sql_mode; per routine its kind,
parameters, result, body, characteristics and sql_mode; per event its schedule kind, interval,
body, status and on-completion. From ``SHOW CREATE``: a table's options after the column list
(engine, charset, collation, row format, AUTO_INCREMENT, comment, partitioning; the
AUTO_INCREMENT counter only of a table the script leaves empty, see ``filled_tables``), an index's
options after its key parts (``USING``, ``COMMENT``, ``KEY_BLOCK_SIZE``, ``WITH PARSER``,
``IGNORED``), and a sequence's definition.

Left out: definers, the client charset and collation a view, trigger or routine was created
under (the session's, not the schema's), creation times, an event's STARTS/ENDS/EXECUTE AT
(usually relative to the time it was created) and ``alembic_version``. The scratch databases'
names are taken out of the text the server qualifies with them (a view's definition).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dbgen.verify import Difference, Facts, VerifyError, compare, run_upgrade

_SKIPPED_TABLE = "alembic_version"


def _name(*parts: str) -> str:
    """An identity as messages show it: plain names bare, others backtick-quoted."""
    return ".".join(
        p if re.fullmatch(r"[A-Za-z0-9_$]+", p) else "`" + p.replace("`", "``") + "`" for p in parts
    )


# kind, the number of identity columns, then SQL for the database %(db)s whose further columns
# are the kind's properties, named as messages show them. Every query names its own columns, so
# a property means the same in both databases; a NULL is an unset property.
_QUERIES: tuple[tuple[str, int, str], ...] = (
    (
        "table",
        1,
        """
        SELECT TABLE_NAME, TABLE_TYPE AS `type` FROM information_schema.TABLES
        WHERE TABLE_SCHEMA = %(db)s AND TABLE_NAME <> 'alembic_version'""",
    ),
    (
        "column",
        2,
        """
        SELECT TABLE_NAME, COLUMN_NAME, CAST(ORDINAL_POSITION AS CHAR) AS `position`,
               COLUMN_TYPE AS `type`, IS_NULLABLE AS `nullable`,
               IF(IS_GENERATED = 'NEVER', COLUMN_DEFAULT, NULL) AS `default`,
               IF(IS_GENERATED = 'NEVER', NULL, CONCAT(GENERATION_EXPRESSION, ' ', EXTRA))
                   AS `generated`,
               IF(IS_GENERATED = 'NEVER', NULLIF(EXTRA, ''), NULL) AS `attributes`,
               CHARACTER_SET_NAME AS `charset`, COLLATION_NAME AS `collation`,
               NULLIF(COLUMN_COMMENT, '') AS `comment`
        FROM information_schema.COLUMNS
        WHERE TABLE_SCHEMA = %(db)s AND TABLE_NAME <> 'alembic_version'""",
    ),
    (
        "index",
        2,
        """
        SELECT TABLE_NAME, INDEX_NAME, IF(MAX(NON_UNIQUE) = 0, 'yes', 'no') AS `unique`,
               MAX(INDEX_TYPE) AS `type`,
               GROUP_CONCAT(CONCAT(COLUMN_NAME, IFNULL(CONCAT('(', SUB_PART, ')'), ''),
                                   IF(COLLATION = 'D', ' DESC', ''))
                            ORDER BY SEQ_IN_INDEX SEPARATOR ', ') AS `key parts`
        FROM information_schema.STATISTICS
        WHERE TABLE_SCHEMA = %(db)s AND TABLE_NAME <> 'alembic_version'
        GROUP BY TABLE_NAME, INDEX_NAME""",
    ),
    (
        "foreign key",
        2,
        """
        SELECT r.TABLE_NAME, r.CONSTRAINT_NAME,
               GROUP_CONCAT(k.COLUMN_NAME ORDER BY k.ORDINAL_POSITION SEPARATOR ', ')
                   AS `columns`,
               CONCAT(IF(r.UNIQUE_CONSTRAINT_SCHEMA = r.CONSTRAINT_SCHEMA, '',
                         CONCAT(r.UNIQUE_CONSTRAINT_SCHEMA, '.')),
                      r.REFERENCED_TABLE_NAME, ' (',
                      GROUP_CONCAT(k.REFERENCED_COLUMN_NAME ORDER BY k.ORDINAL_POSITION
                                   SEPARATOR ', '), ')') AS `references`,
               r.UPDATE_RULE AS `on update`, r.DELETE_RULE AS `on delete`
        FROM information_schema.REFERENTIAL_CONSTRAINTS r
        JOIN information_schema.KEY_COLUMN_USAGE k
          ON k.CONSTRAINT_SCHEMA = r.CONSTRAINT_SCHEMA AND k.TABLE_NAME = r.TABLE_NAME
         AND k.CONSTRAINT_NAME = r.CONSTRAINT_NAME
        WHERE r.CONSTRAINT_SCHEMA = %(db)s
        GROUP BY r.TABLE_NAME, r.CONSTRAINT_NAME, r.UNIQUE_CONSTRAINT_SCHEMA,
                 r.CONSTRAINT_SCHEMA, r.REFERENCED_TABLE_NAME, r.UPDATE_RULE, r.DELETE_RULE""",
    ),
    (
        "check",
        2,
        """
        SELECT TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE AS `clause`, LEVEL AS `level`
        FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = %(db)s""",
    ),
    (
        "view",
        1,
        """
        SELECT TABLE_NAME, VIEW_DEFINITION AS `definition`, CHECK_OPTION AS `check option`,
               ALGORITHM AS `algorithm`, SECURITY_TYPE AS `security`
        FROM information_schema.VIEWS WHERE TABLE_SCHEMA = %(db)s""",
    ),
    (
        "trigger",
        1,
        """
        SELECT TRIGGER_NAME, EVENT_OBJECT_TABLE AS `table`,
               CONCAT(ACTION_TIMING, ' ', EVENT_MANIPULATION) AS `when`,
               CAST(ACTION_ORDER AS CHAR) AS `order`, ACTION_STATEMENT AS `body`,
               SQL_MODE AS `sql_mode`
        FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = %(db)s""",
    ),
    (
        "routine",
        2,
        """
        SELECT r.ROUTINE_TYPE, r.ROUTINE_NAME,
               (SELECT GROUP_CONCAT(CONCAT_WS(' ', a.PARAMETER_MODE, a.PARAMETER_NAME,
                                              a.DTD_IDENTIFIER)
                                    ORDER BY a.ORDINAL_POSITION SEPARATOR ', ')
                FROM information_schema.PARAMETERS a
                WHERE a.SPECIFIC_SCHEMA = r.ROUTINE_SCHEMA AND a.SPECIFIC_NAME = r.SPECIFIC_NAME
                  AND a.ROUTINE_TYPE = r.ROUTINE_TYPE AND a.ORDINAL_POSITION > 0)
                   AS `parameters`,
               r.DTD_IDENTIFIER AS `returns`, r.ROUTINE_DEFINITION AS `body`,
               CONCAT_WS(', ', IF(r.IS_DETERMINISTIC = 'YES', 'DETERMINISTIC', NULL),
                         r.SQL_DATA_ACCESS, CONCAT('SQL SECURITY ', r.SECURITY_TYPE))
                   AS `characteristics`,
               NULLIF(r.ROUTINE_COMMENT, '') AS `comment`, r.SQL_MODE AS `sql_mode`
        FROM information_schema.ROUTINES r WHERE r.ROUTINE_SCHEMA = %(db)s""",
    ),
    (
        "event",
        1,
        """
        SELECT EVENT_NAME, CONCAT_WS(' ', EVENT_TYPE, INTERVAL_VALUE, INTERVAL_FIELD)
                   AS `schedule`,
               EVENT_DEFINITION AS `body`, STATUS AS `status`, ON_COMPLETION AS `on completion`,
               NULLIF(EVENT_COMMENT, '') AS `comment`, SQL_MODE AS `sql_mode`
        FROM information_schema.EVENTS WHERE EVENT_SCHEMA = %(db)s""",
    ),
)

# A key line of SHOW CREATE TABLE: its name and what follows its key parts (the options).
_KEY_LINE = re.compile(
    r"\s*(?:PRIMARY KEY|(?:UNIQUE |FULLTEXT |SPATIAL )?KEY `(?P<name>(?:[^`]|``)*)`)\s*"
    r"\((?:`(?:[^`]|``)*`(?:\(\d+\))?(?: DESC| ASC)?,?)+\)(?P<options>.*?),?"
)


def _show_create_facts(cur: Any, db: str, facts: Facts) -> None:
    """Table options and index options from SHOW CREATE TABLE, sequences from SHOW CREATE
    SEQUENCE: what information_schema does not hold (or not as the server replays it)."""
    for (table, table_type), entry in list(facts.items()):
        if table != "table":
            continue
        kind = entry.get("type")
        quoted = f"`{db}`.`{table_type.replace('`', '``')}`"
        if kind == "SEQUENCE":
            cur.execute(f"SHOW CREATE SEQUENCE {quoted}")
            text = cur.fetchone()[1]
            entry["definition"] = text.split("`", 2)[2].split(" ", 1)[-1]
            continue
        if kind not in ("BASE TABLE", "SYSTEM VERSIONED"):
            continue
        cur.execute(f"SHOW CREATE TABLE {quoted}")
        text = cur.fetchone()[1]
        body, _, options = text.rpartition("\n)")
        entry["options"] = " ".join(options.split())
        for line in body.split("\n")[1:]:
            key = _KEY_LINE.fullmatch(line)
            if key is None:
                continue
            name = "PRIMARY" if key.group("name") is None else key.group("name").replace("``", "`")
            index = facts.get(("index", _name(table_type, name)))
            if index is not None and key.group("options").strip():
                index["options"] = key.group("options").strip()


def read_facts(connect: Any, db: str) -> Facts:
    """Every fact of database ``db`` (NULL values are left out: absent == unset)."""
    facts: Facts = {}
    conn = connect()
    try:
        with conn.cursor() as cur:
            for kind, parts, query in _QUERIES:
                cur.execute(query, {"db": db})
                names = [d[0] for d in cur.description][parts:]
                for row in cur.fetchall():
                    identity = [_text(v) for v in row[:parts]]
                    if kind == "routine":  # a function and a procedure may share a name
                        key = (identity[0].lower(), _name(identity[1]))
                    else:  # a table's identity stays raw until SHOW CREATE has named it
                        key = (kind, identity[0] if kind == "table" else _name(*identity))
                    entry = facts.setdefault(key, {})
                    for prop, value in zip(names, row[parts:], strict=True):
                        if value is not None:
                            entry[prop] = _text(value)
            _show_create_facts(cur, db, facts)
    finally:
        conn.close()
    qualified = f"`{db}`."
    out: Facts = {}
    for (kind, ident), entry in facts.items():
        shown = _name(ident) if kind == "table" else ident
        out[(kind, shown)] = {k: v.replace(qualified, "") for k, v in entry.items()}
    return out


# The counter SHOW CREATE TABLE prints among the table options once it is past 1.
_COUNTER = re.compile(r" ?\bAUTO_INCREMENT=\d+")


def filled_tables(connect: Any, db: str) -> list[str]:
    """The tables of ``db`` with an AUTO_INCREMENT column that hold rows. Their counter is where
    the script's INSERTs left it (icinga, kamailio, tt-rss insert their seed rows), which the
    migration, carrying no data, cannot reproduce: it is not part of the schema. An empty
    table's counter is (an explicit AUTO_INCREMENT=N table option), and is compared."""
    conn = connect()
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = %(db)s "
                "AND TABLE_TYPE = 'BASE TABLE' AND AUTO_INCREMENT IS NOT NULL",
                {"db": db},
            )
            names = [_text(row[0]) for row in cur.fetchall()]
            filled = []
            for name in names:
                cur.execute(f"SELECT 1 FROM `{db}`.`{name.replace('`', '``')}` LIMIT 1")
                if cur.fetchone() is not None:
                    filled.append(name)
            return filled
    finally:
        conn.close()


def _drop_counter(entry: dict[str, str] | None) -> None:
    if entry is not None and "options" in entry:
        entry["options"] = _COUNTER.sub("", entry["options"]).strip()


def _text(value: object) -> str:
    if isinstance(value, bytes):  # some information_schema columns are binary strings
        return value.decode("utf-8", errors="replace")
    return str(value)


# -- the server and its scratch databases ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Server:
    """The server of ``--database-url``: a mysql:// or mariadb:// URL, any driver; its database
    is not touched."""

    url: Any  # sqlalchemy.engine.URL

    def connect(self, database: str | None = None) -> Any:
        import pymysql  # type: ignore[import-untyped]  # no stubs installed

        u = self.url
        return pymysql.connect(
            host=u.host or "localhost",
            port=u.port or 3306,
            user=u.username or "root",
            password=u.password or "",
            database=database,
            autocommit=True,
            charset="utf8mb4",
        )

    def admin(self, statement: str) -> None:
        conn = self.connect()
        try:
            with conn.cursor() as cur:
                cur.execute(statement)
        finally:
            conn.close()

    def sqlalchemy_url(self, database: str, driver: str) -> str:
        u = self.url.set(drivername=f"mysql+{driver}", database=database)
        rendered: str = u.render_as_string(hide_password=False)
        return rendered

    def client(self, database: str) -> tuple[list[str], dict[str, str]]:
        """The command line client's arguments for ``database``, and its environment (the
        password in MYSQL_PWD, off the command line)."""
        found = shutil.which("mariadb") or shutil.which("mysql")
        if found is None:
            raise VerifyError(
                "neither the mariadb nor the mysql client is on PATH; it loads the schema files "
                "as a user would"
            )
        u = self.url
        args = [found, "--batch", "--comments", "--default-character-set=utf8mb4"]
        args += [f"--host={u.host or 'localhost'}", f"--port={u.port or 3306}"]
        args += [f"--user={u.username or 'root'}", database]
        env = dict(os.environ)
        if u.password:
            env["MYSQL_PWD"] = u.password
        return args, env


@contextmanager
def scratch_databases(server: Server, count: int) -> Iterator[list[str]]:
    """``count`` new, uniquely named databases, dropped on the way out."""
    token = uuid.uuid4().hex[:10]
    names = [f"dbgen_verify_{token}_{i}" for i in range(count)]
    created: list[str] = []
    try:
        for name in names:
            server.admin(f"CREATE DATABASE `{name}`")
            created.append(name)
        yield names
    finally:
        for name in created:
            server.admin(f"DROP DATABASE IF EXISTS `{name}`")


def load_sql(server: Server, database: str, paths: list[Path]) -> None:
    """Every file sourced by the client in one session, stopping at the first error."""
    args, env = server.client(database)
    script = "".join(f"source {p.resolve()}\n" for p in paths)
    proc = subprocess.run(args, input=script, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise VerifyError(f"loading the schema files failed:\n{proc.stderr.strip()}")


def apply_migration(server: Server, database: str, files: dict[str, str]) -> None:
    run_upgrade(server.sqlalchemy_url(database, "aiomysql"), files)


def verify(url: Any, sql_paths: list[Path], files: dict[str, str]) -> list[Difference]:
    """The differences between the schema loaded as written and the migrated one, on the
    server of ``url`` (a sqlalchemy URL). The server refusing us is a VerifyError."""
    import pymysql

    server = Server(url)
    try:
        with scratch_databases(server, 2) as (source_db, migrated_db):
            load_sql(server, source_db, sql_paths)
            apply_migration(server, migrated_db, files)
            source = read_facts(server.connect, source_db)
            migrated = read_facts(server.connect, migrated_db)
            for table in filled_tables(server.connect, source_db):
                for facts in (source, migrated):
                    _drop_counter(facts.get(("table", _name(table))))
            return compare(source, migrated)
    except pymysql.Error as exc:
        raise VerifyError(str(exc).strip()) from None
