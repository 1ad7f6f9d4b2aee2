"""MySQL / MariaDB: the reader (split, tokens, coltypes, tables, reader), the type map and the
initial-revision planner the ``mysql`` dialect is built from."""
