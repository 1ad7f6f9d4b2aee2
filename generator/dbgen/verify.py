"""`dbgen verify`: the round-trip as a product feature.

Two scratch databases on the server the URL names: the spec's SQL files are applied to one (with
psql, exactly as a user would load them), the generated migration to the other (``alembic upgrade
head`` on the in-memory output of ``generate()``, written to a temporary directory). Then both
catalogs are read with the same pg_catalog queries, reduced to comparable facts keyed by object
identity, and compared. Both databases are dropped whatever happens.

The facts are what a schema is made of: schemas, extensions, enum/domain/composite types,
tables (kind, persistence, partitioning, inheritance, options, row-level security), columns
(position, type, nullability, default, identity, generated expression, collation), constraints
(``pg_get_constraintdef``), indexes (``pg_get_indexdef``), sequences (type and parameters,
ownership), views and materialized views, functions/procedures/aggregates, triggers, rules,
policies, text-search configurations, collations, casts, operators, event triggers, and the
comment on each. Privileges and owners are left out: the migration runs as whoever runs it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# (kind, identity) -> {property: value}
Facts = dict[tuple[str, str], dict[str, str]]

_USER_NS = (
    "n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') "
    "AND n.nspname NOT LIKE 'pg_temp%' AND n.nspname NOT LIKE 'pg_toast_temp%'"
)
# Objects that belong to an extension are the extension's, not the schema's.
_NOT_EXT = "NOT EXISTS (SELECT 1 FROM pg_depend dep WHERE dep.objid = {oid} AND dep.deptype = 'e')"

# kind, SQL returning (identity, property, value) rows. Identities are schema-qualified names
# (plus signature or table where needed) so a fact means the same in both databases.
_QUERIES: tuple[tuple[str, str], ...] = (
    (
        "schema",
        f"""
        SELECT n.nspname, 'comment', obj_description(n.oid, 'pg_namespace')
        FROM pg_namespace n WHERE {_USER_NS} AND n.nspname <> 'public'
          AND {_NOT_EXT.format(oid="n.oid")}""",
    ),
    (
        "extension",
        """
        SELECT e.extname, 'schema', n.nspname FROM pg_extension e
        JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname <> 'plpgsql'""",
    ),
    (
        "type",
        f"""
        SELECT format('%I.%I', n.nspname, t.typname), p.prop, p.val
        FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
        CROSS JOIN LATERAL (VALUES
            ('kind', t.typtype::text),
            ('labels', (SELECT string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder)
                        FROM pg_enum e WHERE e.enumtypid = t.oid)),
            ('base', CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END),
            ('not null', CASE WHEN t.typtype = 'd' THEN t.typnotnull::text END),
            ('default', t.typdefault),
            ('collation', CASE WHEN t.typcollation <> 0 AND t.typtype = 'd'
                          THEN (SELECT collname FROM pg_collation WHERE oid = t.typcollation) END),
            ('checks', (SELECT string_agg(c.conname || ' ' || pg_get_constraintdef(c.oid), '; '
                                          ORDER BY c.conname)
                        FROM pg_constraint c WHERE c.contypid = t.oid)),
            ('attributes', CASE WHEN t.typtype = 'c' THEN
                (SELECT string_agg(format('%I %s', a.attname, format_type(a.atttypid, a.atttypmod)),
                                   ', ' ORDER BY a.attnum)
                 FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0
                   AND NOT a.attisdropped) END),
            ('comment', obj_description(t.oid, 'pg_type'))
        ) AS p(prop, val)
        WHERE {_USER_NS} AND t.typtype IN ('e', 'd', 'c', 'r')
          AND (t.typtype <> 'c' OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')
          AND {_NOT_EXT.format(oid="t.oid")}""",
    ),
    (
        "relation",
        f"""
        SELECT format('%I.%I', n.nspname, c.relname), p.prop, p.val
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        CROSS JOIN LATERAL (VALUES
            ('kind', c.relkind::text),
            ('persistence', c.relpersistence::text),
            ('options', array_to_string(c.reloptions, ', ')),
            ('partition key', CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END),
            ('partition of', (SELECT format('%I.%I', pn.nspname, pc.relname) || ' '
                                     || pg_get_expr(c.relpartbound, c.oid)
                              FROM pg_inherits i JOIN pg_class pc ON pc.oid = i.inhparent
                              JOIN pg_namespace pn ON pn.oid = pc.relnamespace
                              WHERE i.inhrelid = c.oid AND c.relispartition)),
            ('inherits', (SELECT string_agg(format('%I.%I', pn.nspname, pc.relname), ', '
                                            ORDER BY i.inhseqno)
                          FROM pg_inherits i JOIN pg_class pc ON pc.oid = i.inhparent
                          JOIN pg_namespace pn ON pn.oid = pc.relnamespace
                          WHERE i.inhrelid = c.oid AND NOT c.relispartition)),
            ('row level security', CASE WHEN c.relrowsecurity OR c.relforcerowsecurity
                                   THEN c.relrowsecurity::text || '/' || c.relforcerowsecurity::text END),
            ('definition', CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END),
            ('comment', obj_description(c.oid, 'pg_class'))
        ) AS p(prop, val)
        WHERE {_USER_NS} AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
          AND {_NOT_EXT.format(oid="c.oid")}
          AND NOT (n.nspname = 'public' AND c.relname = 'alembic_version')""",
    ),
    (
        "column",
        f"""
        SELECT format('%I.%I.%I', n.nspname, c.relname, a.attname), p.prop, p.val
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        CROSS JOIN LATERAL (VALUES
            ('position', (SELECT count(*) FROM pg_attribute b WHERE b.attrelid = a.attrelid
                          AND b.attnum > 0 AND b.attnum <= a.attnum AND NOT b.attisdropped)::text),
            ('type', format_type(a.atttypid, a.atttypmod)),
            ('not null', a.attnotnull::text),
            ('default', CASE WHEN a.attgenerated = '' THEN pg_get_expr(d.adbin, d.adrelid) END),
            ('generated', CASE WHEN a.attgenerated <> '' THEN pg_get_expr(d.adbin, d.adrelid) END),
            ('identity', NULLIF(a.attidentity::text, '')),
            ('collation', CASE WHEN a.attcollation <> 0
                               AND a.attcollation <> (SELECT typcollation FROM pg_type WHERE oid = a.atttypid)
                          THEN (SELECT collname FROM pg_collation WHERE oid = a.attcollation) END),
            ('comment', col_description(c.oid, a.attnum))
        ) AS p(prop, val)
        WHERE {_USER_NS} AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'c') AND a.attnum > 0
          AND NOT a.attisdropped AND {_NOT_EXT.format(oid="c.oid")}
          AND NOT (n.nspname = 'public' AND c.relname = 'alembic_version')""",
    ),
    (
        "constraint",
        f"""
        SELECT format('%I.%I.%I', n.nspname, c.relname, k.conname), p.prop, p.val
        FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        CROSS JOIN LATERAL (VALUES
            ('definition', pg_get_constraintdef(k.oid)),
            ('deferrable', CASE WHEN k.condeferrable
                           THEN 'deferrable, initially ' || CASE WHEN k.condeferred
                                THEN 'deferred' ELSE 'immediate' END END),
            ('validated', k.convalidated::text),
            ('comment', obj_description(k.oid, 'pg_constraint'))
        ) AS p(prop, val)
        WHERE {_USER_NS} AND NOT (n.nspname = 'public' AND c.relname = 'alembic_version')""",
    ),
    (
        "index",
        f"""
        SELECT format('%I.%I', n.nspname, ic.relname), p.prop, p.val
        FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
        JOIN pg_namespace n ON n.oid = ic.relnamespace
        CROSS JOIN LATERAL (VALUES
            ('definition', pg_get_indexdef(i.indexrelid)),
            ('options', array_to_string(ic.reloptions, ', ')),
            ('comment', obj_description(ic.oid, 'pg_class'))
        ) AS p(prop, val)
        WHERE {_USER_NS} AND NOT (n.nspname = 'public' AND ic.relname = 'alembic_version_pkc')""",
    ),
    (
        "sequence",
        f"""
        SELECT format('%I.%I', n.nspname, c.relname), p.prop, p.val
        FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        CROSS JOIN LATERAL (VALUES
            ('parameters', format_type(s.seqtypid, NULL) || ' start ' || s.seqstart || ' increment '
                           || s.seqincrement || ' min ' || s.seqmin || ' max ' || s.seqmax
                           || ' cache ' || s.seqcache || CASE WHEN s.seqcycle THEN ' cycle' ELSE '' END),
            ('owned by', (SELECT format('%I.%I.%I', tn.nspname, tc.relname, ta.attname) || ' ' || d.deptype::text
                          FROM pg_depend d JOIN pg_class tc ON tc.oid = d.refobjid
                          JOIN pg_namespace tn ON tn.oid = tc.relnamespace
                          JOIN pg_attribute ta ON ta.attrelid = d.refobjid AND ta.attnum = d.refobjsubid
                          WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                            AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i'))),
            ('comment', obj_description(c.oid, 'pg_class'))
        ) AS p(prop, val)
        WHERE {_USER_NS} AND {_NOT_EXT.format(oid="c.oid")}""",
    ),
    (
        "routine",
        f"""
        SELECT format('%I.%I(%s)', n.nspname, f.proname, pg_get_function_identity_arguments(f.oid)),
               p.prop, p.val
        FROM pg_proc f JOIN pg_namespace n ON n.oid = f.pronamespace
        CROSS JOIN LATERAL (VALUES
            ('kind', f.prokind::text),
            ('definition', CASE WHEN f.prokind IN ('f', 'p') THEN pg_get_functiondef(f.oid) END),
            ('result', pg_get_function_result(f.oid)),
            ('comment', obj_description(f.oid, 'pg_proc'))
        ) AS p(prop, val)
        WHERE {_USER_NS} AND {_NOT_EXT.format(oid="f.oid")}""",
    ),
    (
        "trigger",
        f"""
        SELECT format('%I.%I.%I', n.nspname, c.relname, t.tgname), p.prop, p.val
        FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        CROSS JOIN LATERAL (VALUES
            ('definition', pg_get_triggerdef(t.oid)),
            ('enabled', t.tgenabled::text),
            ('comment', obj_description(t.oid, 'pg_trigger'))
        ) AS p(prop, val)
        WHERE {_USER_NS} AND NOT t.tgisinternal""",
    ),
    (
        "rule",
        f"""
        SELECT format('%I.%I.%I', n.nspname, c.relname, r.rulename), 'definition', pg_get_ruledef(r.oid)
        FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE {_USER_NS} AND r.rulename <> '_RETURN'""",
    ),
    (
        "policy",
        """
        SELECT format('%I.%I.%I', schemaname, tablename, policyname), 'definition',
               concat_ws(' ', permissive, cmd, array_to_string(roles, ','), qual, with_check)
        FROM pg_policies""",
    ),
    (
        "text search configuration",
        f"""
        SELECT format('%I.%I', n.nspname, c.cfgname), 'mapping',
               (SELECT string_agg(m.maptokentype || ':' || m.mapseqno || ':' || m.mapdict::regdictionary::text,
                                  ', ' ORDER BY m.maptokentype, m.mapseqno)
                FROM pg_ts_config_map m WHERE m.mapcfg = c.oid)
        FROM pg_ts_config c JOIN pg_namespace n ON n.oid = c.cfgnamespace
        WHERE {_USER_NS} AND {_NOT_EXT.format(oid="c.oid")}""",
    ),
    (
        "text search dictionary",
        f"""
        SELECT format('%I.%I', n.nspname, d.dictname), 'options', coalesce(d.dictinitoption, '')
        FROM pg_ts_dict d JOIN pg_namespace n ON n.oid = d.dictnamespace
        WHERE {_USER_NS} AND {_NOT_EXT.format(oid="d.oid")}""",
    ),
    (
        "collation",
        f"""
        SELECT format('%I.%I', n.nspname, c.collname), 'definition',
               concat_ws(' ', c.collprovider, c.collcollate, c.collctype, c.collisdeterministic)
        FROM pg_collation c JOIN pg_namespace n ON n.oid = c.collnamespace
        WHERE {_USER_NS} AND {_NOT_EXT.format(oid="c.oid")}""",
    ),
    (
        "operator",
        f"""
        SELECT format('%I.%s(%s, %s)', n.nspname, o.oprname, o.oprleft::regtype, o.oprright::regtype),
               'function', o.oprcode::regproc::text
        FROM pg_operator o JOIN pg_namespace n ON n.oid = o.oprnamespace
        WHERE {_USER_NS} AND {_NOT_EXT.format(oid="o.oid")}""",
    ),
    (
        "cast",
        """
        SELECT format('%s AS %s', c.castsource::regtype, c.casttarget::regtype), 'definition',
               concat_ws(' ', c.castfunc::regprocedure::text, c.castcontext, c.castmethod)
        FROM pg_cast c WHERE c.oid >= 16384
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')""",
    ),
    (
        "event trigger",
        """
        SELECT e.evtname, 'definition', concat_ws(' ', e.evtevent, e.evtfoid::regproc::text,
               array_to_string(e.evttags, ','), e.evtenabled)
        FROM pg_event_trigger e""",
    ),
)


def read_facts(dsn: str) -> Facts:
    """Every fact of the database at ``dsn`` (NULL values are left out: absent == unset)."""
    import psycopg2  # type: ignore[import-untyped]  # no stubs installed

    facts: Facts = {}
    with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
        for kind, query in _QUERIES:
            cur.execute(query)
            for identity, prop, value in cur.fetchall():
                entry = facts.setdefault((kind, identity), {})
                if value is not None:
                    entry[prop] = value
    conn.close()
    return facts


@dataclass(frozen=True, slots=True)
class Difference:
    kind: str
    identity: str
    what: str  # "missing" (in the migrated database), "extra", or the differing property
    source: str | None = None
    migrated: str | None = None

    def __str__(self) -> str:
        if self.what in ("missing", "extra"):
            return f"{self.what}: {self.kind} {self.identity}"
        return (
            f"differs: {self.kind} {self.identity} {self.what}: "
            f"source {_show(self.source)}, migration {_show(self.migrated)}"
        )


def _show(value: str | None) -> str:
    if value is None:
        return "(unset)"
    one_line = " ".join(value.split())
    return repr(one_line if len(one_line) <= 200 else one_line[:197] + "...")


def compare(source: Facts, migrated: Facts) -> list[Difference]:
    out: list[Difference] = []
    for key in sorted(source.keys() | migrated.keys()):
        kind, identity = key
        if key not in migrated:
            out.append(Difference(kind, identity, "missing"))
        elif key not in source:
            out.append(Difference(kind, identity, "extra"))
        else:
            a, b = source[key], migrated[key]
            for prop in sorted(a.keys() | b.keys()):
                if a.get(prop) != b.get(prop):
                    out.append(Difference(kind, identity, prop, a.get(prop), b.get(prop)))
    return out


# -- scratch databases ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Server:
    """The server of ``--database-url``; the URL's database is used for CREATE/DROP DATABASE."""

    url: Any  # sqlalchemy.engine.URL

    def dsn(self, database: str | None = None) -> str:
        from sqlalchemy.engine import make_url

        u = make_url(self.url).set(drivername="postgresql")
        if database is not None:
            u = u.set(database=database)
        return u.render_as_string(hide_password=False)

    def sqlalchemy_url(self, database: str, driver: str) -> str:
        from sqlalchemy.engine import make_url

        u = make_url(self.url).set(drivername=f"postgresql+{driver}", database=database)
        return u.render_as_string(hide_password=False)

    def libpq_env(self, database: str) -> dict[str, str]:
        from sqlalchemy.engine import make_url

        u = make_url(self.url)
        env = dict(os.environ, PGDATABASE=database)
        for var, value in (
            ("PGHOST", u.host),
            ("PGPORT", u.port),
            ("PGUSER", u.username),
            ("PGPASSWORD", u.password),
        ):
            if value is not None:
                env[var] = str(value)
        return env

    def admin(self, statement: str) -> None:
        import psycopg2

        conn = psycopg2.connect(self.dsn())
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute(statement)
        finally:
            conn.close()


@contextmanager
def scratch_databases(server: Server, count: int) -> Iterator[list[str]]:
    """``count`` new, uniquely named databases, dropped (WITH FORCE) on the way out."""
    token = uuid.uuid4().hex[:10]
    names = [f"dbgen_verify_{token}_{i}" for i in range(count)]
    created: list[str] = []
    try:
        for name in names:
            server.admin(f'CREATE DATABASE "{name}"')
            created.append(name)
        yield names
    finally:
        for name in created:
            server.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class VerifyError(Exception):
    """A step could not run (the schema does not load, the migration fails): not a difference."""


def apply_sql(server: Server, database: str, paths: list[Path]) -> None:
    """Load the SQL files into ``database`` the way a user would: psql, stopping at the first
    error, all files in one session (a search_path set by one file holds in the next)."""
    import glob

    # Debian/Ubuntu keep the client outside PATH when only the server package is installed.
    psql = shutil.which("psql") or next(
        iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/psql"), reverse=True)), None
    )
    if psql is None:
        raise VerifyError("psql is not on PATH; it loads the schema files as a user would")
    args = [psql, "-X", "-q", "-v", "ON_ERROR_STOP=1"]
    with tempfile.TemporaryDirectory(prefix="dbgen_verify_sql_") as tmp:
        loaded = _without_unknown_settings(server, paths, Path(tmp))
        for p in loaded:
            args += ["-f", str(p)]
        proc = subprocess.run(args, env=server.libpq_env(database), capture_output=True, text=True)
    if proc.returncode != 0:
        stderr = proc.stderr.strip()
        for original, copy in zip(paths, loaded, strict=True):
            stderr = stderr.replace(str(copy), str(original))
        raise VerifyError(f"loading the schema files failed:\n{stderr}")


def _without_unknown_settings(server: Server, paths: list[Path], tmp: Path) -> list[Path]:
    """The files as psql should load them: a newer pg_dump's SET of a parameter this server does
    not have (``SET transaction_timeout`` on 15) blanked out, so every other character keeps its
    line and column. Files that need no change are loaded as they are."""
    import psycopg2

    from dbgen.ddl.settings import unknown_settings
    from dbgen.ddl.split import split

    conn = psycopg2.connect(server.dsn())
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT name FROM pg_settings")
            known = {r[0] for r in cur.fetchall()}
    finally:
        conn.close()
    out = []
    for k, p in enumerate(paths):
        text = p.read_text(encoding="utf-8", errors="surrogateescape")
        statements, _ = split(str(p), text)
        drop = unknown_settings(statements, known)
        if not drop:
            out.append(p)
            continue
        for stmt in drop:
            blank = "".join(c if c == "\n" else " " for c in text[stmt.start : stmt.end])
            text = text[: stmt.start] + blank + text[stmt.end :]
        copy = tmp / f"{k}_{p.name}"
        copy.write_text(text, encoding="utf-8", errors="surrogateescape")
        out.append(copy)
    return out


def apply_migration(server: Server, database: str, files: dict[str, str]) -> None:
    run_upgrade(server.sqlalchemy_url(database, "asyncpg"), files)


def run_upgrade(database_url: str, files: dict[str, str]) -> None:
    """Write the generated package to a temporary directory and run ``alembic upgrade head``
    against ``database_url`` (every dialect's server verify migrates its scratch database so)."""
    with tempfile.TemporaryDirectory(prefix="dbgen_verify_") as tmp:
        root = Path(tmp)
        for rel, text in files.items():
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        env = dict(os.environ, DATABASE_URL=database_url, PYTHONDONTWRITEBYTECODE="1")
        proc = subprocess.run(
            [sys.executable, "-m", "alembic", "-c", str(root / "alembic.ini"), "upgrade", "head"],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            tail = "\n".join(proc.stderr.strip().splitlines()[-12:])
            raise VerifyError(f"the generated migration failed:\n{tail}")


def verify(server: Server, sql_paths: list[Path], files: dict[str, str]) -> list[Difference]:
    with scratch_databases(server, 2) as (source_db, migrated_db):
        apply_sql(server, source_db, sql_paths)
        apply_migration(server, migrated_db, files)
        return compare(read_facts(server.dsn(source_db)), read_facts(server.dsn(migrated_db)))


def verify_url(url: Any, sql_paths: list[Path], files: dict[str, str]) -> list[Difference]:
    """``verify`` on the server of ``url`` (a sqlalchemy URL); the server refusing us (bad
    credentials, no such host) is a VerifyError, as a step that cannot run is."""
    import psycopg2

    try:
        return verify(Server(url), sql_paths, files)
    except psycopg2.Error as exc:
        raise VerifyError(str(exc).strip()) from None
