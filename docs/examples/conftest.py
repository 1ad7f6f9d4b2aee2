"""The conftest.py of a project whose tests use the generated fixtures (app_db/testing.py)."""

# [snippet:conftest]
pytest_plugins = ["app_db.testing"]  # database_url, uow, sync_uow
# [/snippet:conftest]
