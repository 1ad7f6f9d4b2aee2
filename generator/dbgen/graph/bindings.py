"""The names each kind of generated file binds or relies on, so that no name taken from the
schema or crud.yaml can shadow one of them.

This is the one list of them. The render lane decides what the files contain (imports are
computed from what a file uses); when a template or the import table starts binding or using
a new name, add it here: ``tests/unit/test_bindings.py`` parses every generated file of the
golden cases and fails on a name missing from this module.

Conventions that keep the lists short:
- Names that start with an underscore belong to the generated code (module constants such as
  ``_T``, ``_INFO``, helper functions, locals): a name derived from the schema never starts
  with one (graph/naming.py), and a ``class_name`` that does is refused.
- Names derived from the schema itself (classes, schema classes, table variables, enum
  classes, modules) are checked against each other by the schema graph, not listed here.
"""

from __future__ import annotations

import builtins
import keyword
import sys
from enum import StrEnum


class FileKind(StrEnum):
    BASE = "base.py"
    TYPES = "types.py"
    ENUMS = "enums.py"
    MODEL = "models/<module>.py"
    MODELS_INIT = "models/__init__.py"
    SCHEMA = "schemas/<module>.py"
    REPOSITORY = "repositories/<module>.py"
    UOW = "uow.py"
    MIGRATION_ENV = "migrations/env.py"


# The mixin classes of base.py (``mixins: auto``, plan/mixins.py), which models import.
_MIXINS = ("UUIDPrimaryKeyMixin", "CreatedAtMixin", "UpdatedAtMixin")

# Module-level names a file of each kind may bind (imports and fixed definitions), whichever of
# them a particular file needs. Schema-derived names are not listed (see the module docstring).
MODULE_NAMES: dict[FileKind, frozenset[str]] = {
    FileKind.BASE: frozenset(
        {"sa", "DeclarativeBase", "NAMING_CONVENTION", "Base", *_MIXINS}
        | {"Mapped", "mapped_column", "datetime", "uuid"}
    ),
    FileKind.TYPES: frozenset(
        {
            "enum",
            "Any",
            "UserDefinedType",
            "RawType",
            "enum_values",
            # DomainType (issue 11)
            "Callable",
            "Dialect",
            "DomainType",
            "Processor",
            "TYPE_CHECKING",
            "TypeEngine",
            "postgresql",
            "mysql",  # the mysql dialect's types
        }
    ),
    FileKind.ENUMS: frozenset({"enum", "__all__"}),
    FileKind.MODEL: frozenset(
        {
            "sa",
            "mysql",  # sqlalchemy.dialects.mysql, for the mysql dialect's types
            "datetime",
            "decimal",
            "uuid",
            "Any",
            "TYPE_CHECKING",
            "Mapped",
            "mapped_column",
            "relationship",
            "postgresql",
            "Range",
            "Base",
            "RawType",
            "DomainType",
            "enum_values",
            *_MIXINS,
        }
    ),
    FileKind.MODELS_INIT: frozenset({"__all__", "gc"}),
    FileKind.SCHEMA: frozenset(
        {
            "annotations",
            # validation from CHECK constraints (row-level checks)
            "RowCheck",
            "enforce",
            "model_validator",
            "Self",
            "datetime",
            "decimal",
            "uuid",
            "Any",
            "Literal",
            "BaseModel",
            "ConfigDict",
            "Field",
            "Range",
        }
    ),
    FileKind.REPOSITORY: frozenset(
        {
            "annotations",
            "sa",
            "datetime",
            "decimal",
            "uuid",
            "Any",
            "cast",
            "Sequence",
            "AsyncIterator",
            "Iterator",
            "BaseModel",
            "Range",
            "postgresql",
            "mysql",  # the mysql dialect's types
            "DBAPIError",
            "selectinload",
            "joinedload",
            "Page",
            "InvalidQueryError",
            "NotFoundError",
            "ConflictError",
            "map_db_error",
            "AsyncRepository",
            "SyncRepository",
            "EntityInfo",
            "SortColumn",
            "MAX_BIND_PARAMS",
            "matches",
            "row_map",
            "with_loads",
            "filtered",
            "count_statement",
            "cached",
            "pk_in",
            "chunked",
            "insert_batches",
            "update_batches",
            "rowcount",
            "Writes",
            "key_params",
            "operation",
        }
    ),
    FileKind.UOW: frozenset(
        {
            "annotations",
            "TracebackType",
            "Callable",
            "Self",
            "Sequence",
            "AsyncSession",
            "AsyncSessionTransaction",
            "Session",
            "SessionTransaction",
            "UnitOfWork",
            "SyncUnitOfWork",
            "Any",
            "AsyncIterator",
            "AsyncUnitOfWorkBase",
            "Awaitable",
            "Concatenate",
            "Coroutine",
            "Iterator",
            "P",
            "ParamSpec",
            "R",
            "SyncUnitOfWorkBase",
            "TYPE_CHECKING",
            "TypeVar",
            "functools",
            "repository",
            "get_sync_uow",
            "get_uow",
            "run_async",
            "run_in_sync_transaction",
            "run_in_transaction",
            "run_sync",
            "sync_transactional",
            "transactional",
            "Queries",
            "SyncQueries",
        }
    ),
    FileKind.MIGRATION_ENV: frozenset(
        {
            "asyncio",
            "os",
            "fileConfig",
            "context",
            "pool",
            "Connection",
            "make_url",
            "create_async_engine",
            "Base",
            "config",
            "target_metadata",
            "run_migrations_offline",
            "run_migrations_online",
            # what alembic check leaves out (issue 11)
            "Any",
            "NOT_IN_MODELS",
            "include_object",
            # the package's db module: URL rewriting and per-connection setup per dialect
            "db",
        }
    ),
}

# Builtins the code of each kind refers to: an attribute or parameter of that name, where the
# code can see it, would hide the builtin.
BUILTINS_USED: dict[FileKind, frozenset[str]] = {
    FileKind.BASE: frozenset(),
    FileKind.TYPES: frozenset({"list", "str", "type", "object", "property", "super"}),
    FileKind.ENUMS: frozenset({"list", "str"}),
    # Annotations of mapped classes and Pydantic fields (evaluated in the class namespace).
    FileKind.MODEL: frozenset({"int", "float", "str", "bool", "bytes", "list"}),
    FileKind.MODELS_INIT: frozenset(),
    FileKind.SCHEMA: frozenset(
        {"int", "float", "str", "bool", "bytes", "list", "tuple", "frozenset"}
    ),
    FileKind.REPOSITORY: frozenset(
        {
            "bool",
            "bytes",
            "dict",
            "float",
            "frozenset",
            "int",
            "isinstance",
            "len",
            "list",
            "next",
            "object",
            "set",
            "staticmethod",
            "str",
            "tuple",
            "type",
        }
    ),
    FileKind.UOW: frozenset({"type", "BaseException", "bool", "float", "int", "str", "super"}),
    FileKind.MIGRATION_ENV: frozenset(
        {"RuntimeError", "str", "bool", "frozenset", "tuple", "getattr"}
    ),
}

# Attributes generated classes inherit: DeclarativeBase (models), pydantic.BaseModel and its
# metaclass (schemas). A column attribute of that name would replace them.
INHERITED_ATTRIBUTES = frozenset(
    {
        "metadata",
        "registry",
        "query",
        "model_config",
        "model_fields",
        "model_computed_fields",
        "model_extra",
        "model_fields_set",
        "model_dump",
        "model_validate",
        "model_copy",
        "model_construct",
        "model_json_schema",
        "model_post_init",
        "model_rebuild",
        "model_dump_json",
        "model_validate_json",
        "model_validate_strings",
        "model_parametrized_name",
        "dict",
        "json",
        "copy",
        "construct",
        "schema",
        "schema_json",
        "validate",
        "parse_obj",
        "parse_raw",
        "parse_file",
        "from_orm",
        "update_forward_refs",
        "fields",
        "register",
        "mro",
        # kept from the first list, which reserved every module the generated code imported
        "typing",
        "enum",
        "Optional",
    }
)

# What a unit of work has besides one attribute per repository and one method per transaction.
UOW_ATTRIBUTES = frozenset(
    {
        "session",
        "commit",
        "rollback",
        "savepoint",
        "flush",
        "close",
        "refresh",
        "repositories",
        "queries",  # the named queries (queries/*.sql)
    }
)

# Names a generated transaction method binds besides the child parameters: ``self``, the
# ``root`` parameter, and its locals.
TRANSACTION_LOCALS = frozenset({"self", "root", "parent", "item"})

# Names a finder method binds besides the key parameters: ``self``, the keyword parameters of
# every finder (page and load options), and its locals.
FINDER_LOCALS = frozenset(
    {
        "self",
        "load",
        "order_by",
        "limit",
        "offset",
        "after",
        "before",
        "with_total",
        "params",
        "rows",
        "row",
        "statement",
    }
)

# Schema classes made from each class name ``{}`` (plan/crud.py, plan/crud_schemas.py).
SCHEMA_CLASS_NAMES = (
    "{}Create",
    "{}Update",
    "{}Read",
    "{}Filter",
    "{}OrderKey",
    "{}Relation",
    "{}CreateNested",
)
# ... and the repositories, which share a namespace (the repositories facade, the unit of work)
# with each other and the model classes (graph/schema_graph.py keeps them apart).
REPOSITORY_CLASS_NAMES = ("{}Repository", "Sync{}Repository")
DERIVED_CLASS_NAMES = SCHEMA_CLASS_NAMES + REPOSITORY_CLASS_NAMES

# The modules and packages at the top of every generated package (private ``_*`` ones aside):
# a feature of the feature layout (crud.yaml's ``feature:``) must not be one of them.
PACKAGE_MODULES = frozenset(
    {
        "base",
        "db",
        "enums",
        "errors",
        "migrations",
        "models",
        "pagination",
        "queries",
        "repositories",
        "schemas",
        "testing",
        "types",
        "uow",
    }
)

# Top-level modules of what the generated package imports at run time.
DEPENDENCIES = frozenset(
    {
        "sqlalchemy",
        "greenlet",
        "asyncpg",
        "psycopg2",
        "alembic",
        "mako",
        "markupsafe",
        "pydantic",
        "pydantic_core",
        "annotated_types",
        "typing_extensions",
        "typing_inspection",
    }
)

_KINDS_WITH_CLASSES = (
    FileKind.MODEL,
    FileKind.MODELS_INIT,
    FileKind.ENUMS,
    FileKind.SCHEMA,
    FileKind.REPOSITORY,
    FileKind.UOW,
)


def _union(table: dict[FileKind, frozenset[str]], kinds: tuple[FileKind, ...]) -> frozenset[str]:
    return frozenset().union(*(table[k] for k in kinds))


# Class names (tables and enums) are imported into any of these kinds of file.
CLASS_NAMES_RESERVED = _union(MODULE_NAMES, _KINDS_WITH_CLASSES) | _union(
    BUILTINS_USED, _KINDS_WITH_CLASSES
)

# Column and relationship attributes live in the bodies of mapped classes and Pydantic models.
ATTRIBUTES_RESERVED = (
    _union(MODULE_NAMES, (FileKind.MODEL, FileKind.SCHEMA))
    | _union(BUILTINS_USED, (FileKind.MODEL, FileKind.SCHEMA))
    | INHERITED_ATTRIBUTES
)

# A unit-of-work attribute is a class-level name of UnitOfWork, seen by its annotations.
UOW_KEYS_RESERVED = UOW_ATTRIBUTES | BUILTINS_USED[FileKind.UOW] | MODULE_NAMES[FileKind.UOW]

# A transaction method is a class-level name of UnitOfWork too; so are the repositories.
TRANSACTION_NAMES_RESERVED = UOW_KEYS_RESERVED

# A finder parameter is a local of a repository method.
FINDER_PARAMETERS_RESERVED = (
    FINDER_LOCALS | MODULE_NAMES[FileKind.REPOSITORY] | BUILTINS_USED[FileKind.REPOSITORY]
)

# ``import <package>.models`` in env.py binds the package name there; users import it too.
PACKAGE_NAMES_RESERVED = (
    MODULE_NAMES[FileKind.MIGRATION_ENV]
    | frozenset(sys.stdlib_module_names)
    | DEPENDENCIES
    | frozenset(n for n in dir(builtins) if not n.startswith("_"))
    | frozenset(keyword.kwlist)
    | frozenset(keyword.softkwlist)
)

# A package name is a directory name and part of every module path; 100 characters leaves room
# under the 255-byte file-name limit for the longest names the package holds.
MAX_PACKAGE_NAME = 100


def package_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be the generated package's name, or None when it can."""
    if not name.isidentifier() or keyword.iskeyword(name):
        return f"package '{name}' is not a Python identifier"
    if not name.isascii():
        return f"package '{name}' is not ASCII (module names must be, to import everywhere)"
    if len(name) > MAX_PACKAGE_NAME:
        return f"package name is {len(name)} characters long; at most {MAX_PACKAGE_NAME}"
    if name in PACKAGE_NAMES_RESERVED:
        return (
            f"package '{name}' would shadow the module of that name (standard library, builtin "
            "or a dependency of the generated code)"
        )
    return None


def class_name_problem(name: str) -> str | None:
    """Why ``name`` (crud.yaml's ``class_name``) cannot name a generated class, or None."""
    if not name.isidentifier() or keyword.iskeyword(name):
        return f"class name '{name}' is not a Python identifier"
    if name.startswith("_"):
        return f"class name '{name}' starts with '_', which the generated code keeps for itself"
    if name in CLASS_NAMES_RESERVED or name in ("Base", "RawType"):
        return (
            f"class name '{name}' is a name the generated modules import or define; choose another"
        )
    return None
