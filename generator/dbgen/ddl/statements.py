"""What one DDL statement says, as small frozen values: the parsers' output, the appliers' input.

Parsing needs only the statement's tokens; names are kept as written (``Name``: the parts and
where they start), because which schema they resolve to depends on the search path and the
catalog at the point of the script where the statement is applied. Offsets index the file text,
so an applier reports a problem at the same place the parser saw it.
"""

from __future__ import annotations

from dataclasses import dataclass

from dbgen.ddl.elements import ColumnSpec, ConstraintSpec
from dbgen.ddl.indexes import IndexSpec
from dbgen.ddl.raw import RawInfo
from dbgen.ddl.split import Statement
from dbgen.ddl.types import TypeName
from dbgen.ir import Deferral


@dataclass(frozen=True, slots=True)
class Name:
    """A possibly qualified object name as written, and where it starts."""

    parts: tuple[str, ...]
    offset: int

    @property
    def dotted(self) -> str:
        return ".".join(self.parts)


@dataclass(frozen=True, slots=True)
class SyntaxProblem:
    """A part of a statement that does not parse, reported when the applier reaches it (so the
    problems before it, which need the catalog, are reported first, as the server would)."""

    offset: int
    message: str
    code: str = "syntax"


# -- statements that change nothing but the loading session -----------------------------------


@dataclass(frozen=True, slots=True)
class MetaCommand:
    """A psql backslash command."""

    offset: int
    command: str


@dataclass(frozen=True, slots=True)
class SetParameter:
    """SET / RESET of a run-time parameter other than search_path, or a set_config call."""

    offset: int
    name: str | None  # lower-cased; None for RESET ALL and calls whose name is not a literal
    # SQL that sets the parameter LOCAL to the value set here, for the migration to replay
    # where a routine stores it (SET ... FROM CURRENT); None: the parameter is back to its
    # default (RESET, TO DEFAULT)
    replay: str | None = None
    reset_all: bool = False  # RESET ALL: every parameter, search_path included
    unchanged: bool = False  # SET name FROM CURRENT, or a value that is not a literal
    local: bool = False  # SET LOCAL, set_config(..., true): until the transaction ends


@dataclass(frozen=True, slots=True)
class SetSearchPath:
    """SET search_path / SET SCHEMA / RESET search_path, or SELECT set_config('search_path',
    ...)."""

    path: tuple[str, ...]  # without "$user" (no such schema is created by the files)
    # SQL that sets the path LOCAL exactly as the source set it ("$user" included, the value
    # spelled the same), what SET search_path FROM CURRENT stores (ddl/from_current.py); None:
    # the default path
    replay: str | None = None
    local: bool = False  # as in SetParameter


@dataclass(frozen=True, slots=True)
class TransactionControl:
    offset: int
    # "begin" (BEGIN, START TRANSACTION), "commit" (COMMIT, END), "rollback" (ROLLBACK, ABORT;
    # not ROLLBACK TO a savepoint), "" (savepoints): what happens to SET LOCAL's values
    effect: str = ""


@dataclass(frozen=True, slots=True)
class DataStatement:
    """INSERT, UPDATE, COPY ...: rows, not schema."""

    offset: int


@dataclass(frozen=True, slots=True)
class Query:
    """A SELECT that defines nothing."""

    offset: int


@dataclass(frozen=True, slots=True)
class Maintenance:
    """VACUUM, ANALYZE, REINDEX ...."""

    offset: int
    word: str


@dataclass(frozen=True, slots=True)
class ClusterObject:
    """CREATE ROLE / USER / GROUP / TABLESPACE / DATABASE: outside the database schema."""

    offset: int
    word: str


@dataclass(frozen=True, slots=True)
class Temporary:
    """CREATE TEMP[ORARY] ...: the object lives only as long as the loading session."""

    offset: int
    word: str  # what it creates ("table", "sequence", "view")


@dataclass(frozen=True, slots=True)
class OwnerTo:
    """ALTER ... OWNER TO role."""

    offset: int


# -- statements carried into the migration as written -----------------------------------------


@dataclass(frozen=True, slots=True)
class Verbatim:
    """A statement the catalog does not model: carried as written, with what undoes it."""

    info: RawInfo


@dataclass(frozen=True, slots=True)
class DoBlock:
    """DO: carried as written; the undo drops what its CREATE statements may have created."""

    offset: int
    creates: tuple[RawInfo, ...]


@dataclass(frozen=True, slots=True)
class CreateTableAs:
    name: Name  # offset: just after the name, where the server points
    form: str = "AS"  # "AS" (a query's columns), "OF" (a typed table: the type's columns)


# -- statements the catalog models -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CreateSchema:
    name: str
    offset: int
    if_not_exists: bool
    # CREATE SCHEMA s CREATE TABLE ...: each element, read as a statement of its own
    elements: tuple[Statement, ...] = ()


@dataclass(frozen=True, slots=True)
class CreateExtension:
    name: str
    offset: int
    schema: str | None
    if_not_exists: bool


@dataclass(frozen=True, slots=True)
class LikeClause:
    table: Name  # offset: just after the name
    offset: int  # where LIKE starts
    options: str  # INCLUDING / EXCLUDING ... as written ("" when none)


@dataclass(frozen=True, slots=True)
class CreateTable:
    name: Name
    if_not_exists: bool
    unlogged: bool
    columns: tuple[ColumnSpec, ...]
    # table constraints and column constraints, in the order they were written
    constraints: tuple[ConstraintSpec, ...]
    likes: tuple[LikeClause, ...] = ()
    partition_of: Name | None = None
    partition_bound: str | None = None  # "FOR VALUES ..." / "DEFAULT" as written
    inherits: tuple[Name, ...] = ()
    partition_by: str | None = None
    with_options: str | None = None
    tablespace_offset: int | None = None  # where a TABLESPACE clause starts


@dataclass(frozen=True, slots=True)
class CreateIndex:
    spec: IndexSpec


@dataclass(frozen=True, slots=True)
class CreateEnum:
    name: Name
    labels: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CreateComposite:
    name: Name
    attributes: tuple[tuple[str, TypeName], ...]
    definition: str  # the parenthesised attribute list as written


@dataclass(frozen=True, slots=True)
class CreateDomain:
    name: Name
    base: TypeName
    nullable: bool
    check_names: tuple[str | None, ...]  # one per CHECK, None where the source left it unnamed
    definition: str  # everything after AS, as written
    has_default: bool = False
    check_texts: tuple[str, ...] = ()  # each CHECK's expression as written, inside its ( )


@dataclass(frozen=True, slots=True)
class OwnedBy:
    """OWNED BY table.column (column None for OWNED BY NONE)."""

    table: Name | None
    column: str | None


@dataclass(frozen=True, slots=True)
class SequenceOptions:
    data_type: TypeName | None  # AS type
    owned: tuple[OwnedBy, ...]  # every OWNED BY clause in order (the last one counts)
    options: str  # the other options as written, "" when none


@dataclass(frozen=True, slots=True)
class CreateSequence:
    name: Name
    if_not_exists: bool
    options: SequenceOptions
    unlogged: bool = False


@dataclass(frozen=True, slots=True)
class AlterSequence:
    name: Name
    if_exists: bool
    owner_to: bool
    owned: SequenceOptions | None  # set when the statement starts with OWNED BY


@dataclass(frozen=True, slots=True)
class AddEnumValue:
    label: str
    label_offset: int
    if_not_exists: bool
    position: str | None = None  # "before" / "after"
    neighbour: str | None = None
    neighbour_offset: int = 0


@dataclass(frozen=True, slots=True)
class AlterType:
    """ALTER TYPE: ADD VALUE is modelled for enums of the catalog; the rest is carried."""

    name: Name
    add_value: AddEnumValue | None
    carried: Verbatim  # what the statement becomes when it is not modelled


@dataclass(frozen=True, slots=True)
class AlterTable:
    name: Name
    if_exists: bool
    owner_to: bool  # the statement ends in OWNER TO role
    head: str  # "ALTER TABLE [ONLY] name" as written
    actions: tuple[AlterAction | SyntaxProblem, ...]
    action_texts: tuple[str, ...]  # each action as written
    only: bool = False  # ALTER TABLE ONLY: not recursing to partitions or children


@dataclass(frozen=True, slots=True)
class Comment:
    kind: str  # "table", "column", "index", "type", "domain", "sequence", "schema"
    name: Name
    text: str | None


@dataclass(frozen=True, slots=True)
class Drop:
    kind: str  # "table", "materialized view", "function", ...
    offset: int
    if_exists: bool
    names: tuple[Name, ...]
    cascade: bool = False


# -- ALTER TABLE actions -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AddConstraint:
    constraint: ConstraintSpec


@dataclass(frozen=True, slots=True)
class AddColumn:
    column: ColumnSpec
    offset: int
    if_not_exists: bool


@dataclass(frozen=True, slots=True)
class DropConstraint:
    name: str
    offset: int
    if_exists: bool


@dataclass(frozen=True, slots=True)
class DropColumn:
    name: str
    offset: int
    if_exists: bool


@dataclass(frozen=True, slots=True)
class SetDefault:
    default: str | None  # None: DROP DEFAULT


@dataclass(frozen=True, slots=True)
class SetNotNull:
    not_null: bool


@dataclass(frozen=True, slots=True)
class AddIdentity:
    always: bool
    options: str
    sequence: str | None  # SEQUENCE NAME given in the options


@dataclass(frozen=True, slots=True)
class SetType:
    type: TypeName


ColumnChange = SetDefault | SetNotNull | AddIdentity | SetType


@dataclass(frozen=True, slots=True)
class AlterColumn:
    name: str
    offset: int
    change: ColumnChange | SyntaxProblem | None  # None: a change carried verbatim


@dataclass(frozen=True, slots=True)
class AttachPartition:
    child: Name
    bound: str


@dataclass(frozen=True, slots=True)
class DetachPartition:
    child: Name


@dataclass(frozen=True, slots=True)
class AlterConstraint:
    """ALTER CONSTRAINT name [NOT] DEFERRABLE [INITIALLY ...] (foreign keys only)."""

    name: str
    offset: int
    deferral: Deferral


@dataclass(frozen=True, slots=True)
class Inherit:
    parent: Name  # offset: where the action starts


@dataclass(frozen=True, slots=True)
class ActionVerbatim:
    """An action the catalog does not model, carried as written."""


@dataclass(frozen=True, slots=True)
class Rename:
    """RENAME [COLUMN | CONSTRAINT] old TO new, RENAME TO new, SET SCHEMA new: carried as
    written, undone by the reverse rename; the models keep the names the objects were created
    with (a warning says so)."""

    what: str  # "column", "constraint", "table", "schema"
    old: str | None  # None for "table" and "schema" (the table's own)
    new: str
    offset: int


@dataclass(frozen=True, slots=True)
class OwnerAction:
    offset: int


AlterAction = (
    AddConstraint
    | AddColumn
    | DropConstraint
    | DropColumn
    | AlterColumn
    | AttachPartition
    | DetachPartition
    | AlterConstraint
    | Inherit
    | OwnerAction
    | ActionVerbatim
    | Rename
)

Parsed = (
    MetaCommand
    | SetParameter
    | SetSearchPath
    | TransactionControl
    | DataStatement
    | Query
    | Maintenance
    | ClusterObject
    | Temporary
    | OwnerTo
    | Verbatim
    | DoBlock
    | CreateTableAs
    | CreateSchema
    | CreateExtension
    | CreateTable
    | CreateIndex
    | CreateEnum
    | CreateComposite
    | CreateDomain
    | CreateSequence
    | AlterSequence
    | AlterType
    | AlterTable
    | Comment
    | Drop
)
