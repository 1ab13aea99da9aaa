"""The interface tests reuse the import tests' xlsx fixture."""

from tests.imports.conftest import xlsx  # noqa: F401
