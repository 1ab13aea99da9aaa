"""The habits of `make test` stay wired: the checks before the suite, the coverage floor, and a
pre-commit configuration that runs the same checks locally without fetching anything."""

import re
import tomllib

import yaml

from tests.deploy.conftest import ROOT, makefile_recipe

FLOOR_FLAG = re.compile(r"^COVERAGE \?= (.*)$", re.MULTILINE)


def checks_of_make_test() -> list[str]:
    """The commands `make test` runs before the suite, with .venv/bin for $(BIN)."""
    _rule, *recipe = makefile_recipe("test")
    commands = [line.replace("$(BIN)/", ".venv/bin/") for line in recipe]
    assert commands[-1].startswith(".venv/bin/python -m pytest")
    return commands[:-1]


def test_make_test_checks_lint_format_templates_types_layers_and_migrations_before_the_suite():
    assert checks_of_make_test() == [
        ".venv/bin/python manage.py check",
        ".venv/bin/python manage.py makemigrations --check --dry-run",
        ".venv/bin/ruff check .",
        ".venv/bin/ruff format --check .",
        ".venv/bin/djlint --lint .",
        ".venv/bin/mypy",
        ".venv/bin/lint-imports",
    ]


def test_make_lint_runs_the_checks_of_make_test_but_the_django_ones():
    _rule, *recipe = makefile_recipe("lint")
    commands = [line.replace("$(BIN)/", ".venv/bin/") for line in recipe]

    assert commands == [c for c in checks_of_make_test() if "manage.py" not in c]


def test_make_test_measures_coverage_against_the_floor_of_pyproject():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["coverage"]
    _rule, *recipe = makefile_recipe("test")

    assert "$(COVERAGE)" in recipe[-1]
    assert FLOOR_FLAG.search((ROOT / "Makefile").read_text())[1] == "--cov"
    assert config["report"]["fail_under"] > 0
    for app in config["run"]["source"]:
        assert (ROOT / app / "__init__.py").is_file(), app
    assert "*/migrations/*" in config["run"]["omit"]


def test_djlint_lints_the_templates_with_the_django_profile():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["djlint"]

    assert config["profile"] == "django"
    assert config["indent"] == 2


def test_pre_commit_runs_the_checks_of_make_test_with_the_tools_of_the_venv():
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    hooks = [hook for repo in config["repos"] for hook in repo["hooks"]]

    assert [repo["repo"] for repo in config["repos"]] == ["local"]  # nothing to download
    assert {hook["language"] for hook in hooks} == {"system"}
    entries = [hook["entry"].replace(" --force-exclude", "") for hook in hooks]
    checks = checks_of_make_test()
    for entry in entries:
        assert entry.startswith(".venv/bin/"), entry
        assert any(check == entry or check.startswith(f"{entry} ") for check in checks), entry
    for check in checks:
        assert any(check == entry or check.startswith(f"{entry} ") for entry in entries), check
