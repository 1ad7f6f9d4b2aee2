"""dbgen: PostgreSQL DDL + crud.yaml -> a typed Python data layer."""

__version__ = "0.1.0"
