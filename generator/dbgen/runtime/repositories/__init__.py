"""The shared repository machinery (the generated package renders its own ``__init__.py``)."""
