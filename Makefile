# Developer and CI entry points. `make test` is the README's (and .ci/run's) test command.

VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
# Re-install only when the dependencies can have changed.
STAMP := $(VENV)/.installed
# The demo's generated package (crud.yaml's `package:`), for type-checking the output.
PACKAGE ?= app_db

.PHONY: venv build test check golden db-migrate lint bench bench-scaffolded

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -e ".[test]"
	touch $@

build: venv
	$(BIN)/dbgen build specs/

test: venv
	$(BIN)/pytest -q

check: venv
	$(BIN)/dbgen check specs/

# Golden files are only ever rewritten by the generator itself, through this target.
golden: venv
	$(BIN)/pytest tests/golden --update-goldens

db-migrate: venv
	@test -n "$$DATABASE_URL" || { echo "db-migrate: set DATABASE_URL=postgresql+asyncpg://user:pass@host:port/db" >&2; exit 2; }
	$(BIN)/alembic -c generated/alembic.ini upgrade head

# generated/ is excluded from ruff's default walk (pyproject); naming it explicitly lints it.
lint: venv
	$(BIN)/ruff format --check generator tests bench docs/examples
	$(BIN)/ruff check generator tests bench docs/examples
	$(BIN)/ruff check generated
	$(BIN)/mypy --strict
	MYPYPATH=generated $(BIN)/mypy --strict -p $(PACKAGE)
	MYPYPATH=generated $(BIN)/mypy --strict docs/examples

bench: venv
	$(BIN)/python -m bench

# Generation at scale (issue 15): the scaffolded musicbrainz spec, figures in bench/scaffolded.md.
bench-scaffolded: venv
	$(BIN)/python -m bench.scaffolded
