"""Benchmarks for dbgen: the generated data layer against raw asyncpg and FastCRUD, and
generation against sqlacodegen. Run with ``python -m bench`` (``make bench``); ``--quick`` for a
one-minute smoke run. Results go to bench/results.md and bench/ratios.png."""
