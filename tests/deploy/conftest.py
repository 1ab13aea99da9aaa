"""Helpers of the deployment tests: the project root, the variables settings.py reads, the
README, a Makefile recipe, and a skip that CI turns into a failure."""

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# env.str("NAME", …), env.bool("NAME", …), env.db("NAME", …), env("NAME", …)
ENV_CALL = re.compile(r"\benv(?:\.\w+)?\(\s*[\"']([A-Z][A-Z0-9_]*)[\"']")


def settings_variables() -> set[str]:
    return set(ENV_CALL.findall((ROOT / "portfolio" / "settings.py").read_text()))


def readme() -> str:
    return (ROOT / "README.md").read_text()


def makefile_recipe(target: str) -> list[str]:
    """The rule line of a Makefile target and its recipe, continuations joined."""
    text = (ROOT / "Makefile").read_text().replace("\\\n", " ")
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{target}:"))
    recipe = []
    for line in lines[start + 1 :]:
        if not line.startswith("\t"):
            break
        recipe.append(" ".join(line.split()))
    return [lines[start], *recipe]


def skip_or_fail(reason: str) -> None:
    """Skip (the embedded default has no Redis or PostgreSQL) unless REQUIRE_CELERY_WORKER=1 says
    this run must exercise the real worker (.ci/run step 3): then a skip would hide a gap."""
    if os.environ.get("REQUIRE_CELERY_WORKER") == "1":
        pytest.fail(f"REQUIRE_CELERY_WORKER=1 but: {reason}", pytrace=False)
    pytest.skip(reason)
