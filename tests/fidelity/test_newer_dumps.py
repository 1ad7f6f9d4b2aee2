"""Dumps of newer pg_dump versions (16, 17) on this PostgreSQL 15: ``\\restrict`` lines and
settings 15 does not have read with a note, and `dbgen verify` loads them (live)."""

from __future__ import annotations

from pathlib import Path

from dbgen.core import Inputs, generate
from dbgen.ddl import read_schema
from dbgen.verify import Server, verify
from support import PgServer

# pg_dump 17's header and footer around one table, as it writes them.
DUMP_17 = """--
-- PostgreSQL database dump
--

\\restrict abcDEF123

-- Dumped from database version 17.2
-- Dumped by pg_dump version 17.2

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET transaction_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;
SET default_tablespace = '';
SET default_table_access_method = heap;

CREATE TABLE public.t (
    id integer NOT NULL, SET_like text
);

ALTER TABLE ONLY public.t
    ADD CONSTRAINT t_pkey PRIMARY KEY (id);

\\unrestrict abcDEF123
"""

CRUD = "version: 1\npackage: newer_db\nentities:\n  t:\n    operations: [get]\n"


def test_newer_dump_reads_with_notes() -> None:
    catalog, diags = read_schema([("schema.sql", DUMP_17)])
    assert not [d for d in diags if d.severity.value != "note"]
    notes = [str(d) for d in diags]
    assert (
        "schema.sql:13:1: note[ignored-statement]: session setting for the loading script; not "
        "part of the schema; transaction_timeout is new in PostgreSQL 17: older servers reject it "
        "(dbgen verify loads the files without it)"
    ) in notes
    assert any("'\\\\restrict'" in n for n in notes), notes
    assert [t.qname.name for t in catalog.tables] == ["t"]


def test_verify_loads_a_newer_dump(pg_server: PgServer, tmp_path: Path) -> None:
    schema = tmp_path / "schema.sql"
    schema.write_text(DUMP_17, encoding="utf-8")
    result = generate(Inputs((("schema.sql", DUMP_17),), ("crud.yaml", CRUD)))
    assert result.ok, result.diagnostics
    assert verify(Server(pg_server.admin_dsn), [schema], result.files) == []
    assert schema.read_text(encoding="utf-8") == DUMP_17  # the user's file is untouched
