"""The reader: each statement parsed into a typed statement, then applied by the handler its kind
has in ``APPLIERS``, against the working catalog and the session state.

Bad input never escapes as an exception: a statement that does not parse, or that the catalog
rejects, becomes a diagnostic and changes nothing more.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dbgen.ddl import apply_alter, apply_misc, apply_objects, apply_tables
from dbgen.ddl import statements as st
from dbgen.ddl.catalog import WorkingCatalog
from dbgen.ddl.context import Context, Reported
from dbgen.ddl.cursor import ParseError
from dbgen.ddl.parse import parse_statement
from dbgen.ddl.session import Session
from dbgen.ddl.split import Statement
from dbgen.diagnostics import Diagnostic, error, note
from dbgen.ir import Catalog

APPLIERS: dict[type, Callable[[Context, Any], None]] = {
    # the loading session
    st.MetaCommand: apply_misc.meta_command,
    st.SetParameter: apply_misc.set_parameter,
    st.SetSearchPath: apply_misc.set_search_path,
    st.TransactionControl: apply_misc.transaction_control,
    st.DataStatement: apply_misc.data_statement,
    st.Query: apply_misc.query,
    st.Maintenance: apply_misc.maintenance,
    st.ClusterObject: apply_misc.cluster_object,
    st.Temporary: apply_misc.temporary,
    st.OwnerTo: apply_misc.owner_to,
    # carried verbatim
    st.Verbatim: apply_misc.verbatim,
    st.DoBlock: apply_misc.do_block,
    st.CreateTableAs: apply_tables.create_table_as,
    # modelled
    st.CreateSchema: apply_objects.create_schema,
    st.CreateExtension: apply_objects.create_extension,
    st.CreateTable: apply_tables.create_table,
    st.CreateIndex: apply_tables.create_index,
    st.CreateEnum: apply_objects.create_enum,
    st.CreateComposite: apply_objects.create_composite,
    st.CreateDomain: apply_objects.create_domain,
    st.CreateSequence: apply_objects.create_sequence,
    st.AlterSequence: apply_objects.alter_sequence,
    st.AlterType: apply_objects.alter_type,
    st.AlterTable: apply_alter.alter_table,
    st.Comment: apply_misc.comment,
    st.Drop: apply_misc.drop,
}


class Reader:
    """Reads the statements of a script, in order, into one catalog."""

    def __init__(self, files: tuple[str, ...]) -> None:
        self.catalog = WorkingCatalog(files)
        self.session = Session()
        self.diags: list[Diagnostic] = []
        self.context = Context(self.catalog, self.session, self.diags, _read)

    def feed(self, stmt: Statement, position: int) -> None:
        self.context.pos = position
        _read(self.context, stmt)

    def finish(self) -> tuple[Catalog, list[Diagnostic]]:
        for t in self.catalog.tables.values():
            if t.primary_key is None and t.partition_of is None:
                self.diags.append(
                    note(
                        t.statement or t.span,
                        "no-primary-key",
                        f"table {t.qname} has no primary key: the package exposes it as a Core sa.Table "
                        "(read-only list/count in crud.yaml); add a PRIMARY KEY to get a mapped class",
                    )
                )
        return self.catalog.freeze(), self.diags


def _read(ctx: Context, stmt: Statement) -> None:
    """Parse one statement and apply it at the context's position."""
    ctx.stmt = stmt
    try:
        parsed = parse_statement(stmt)
        APPLIERS[type(parsed)](ctx, parsed)
    except ParseError as exc:
        ctx.diags.append(error(stmt.span_at(exc.offset), exc.code, exc.message))
    except Reported:
        pass
