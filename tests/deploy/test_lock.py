"""The lock files (requirements/base.txt and dev.txt, made by `make lock` from pyproject.toml)
hold every dependency at one exact version with its hashes, and the Docker image and
`make install` install from them. These tests read the files; they fail when pyproject.toml
gains or changes a dependency and `make lock` was not run."""

import re
import tomllib
from importlib import metadata

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.deploy.conftest import ROOT, makefile_recipe

PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>\S+)$")
HASH = re.compile(r"^--hash=sha256:[0-9a-f]{64}$")


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def runtime_requirements() -> list[Requirement]:
    return [Requirement(line) for line in pyproject()["project"]["dependencies"]]


def extra_requirements(*extras: str) -> list[Requirement]:
    optional = pyproject()["project"]["optional-dependencies"]
    return [Requirement(line) for extra in extras for line in optional[extra]]


def entries(name: str) -> list[str]:
    """The requirement entries of a lock file, each with its continuation lines (the hashes)
    joined; comments dropped."""
    found: list[str] = []
    for line in (ROOT / "requirements" / name).read_text().splitlines():
        text = line.split("#", 1)[0].removesuffix("\\").strip()
        if not text:
            continue
        if line[0].isspace():
            found[-1] += f" {text}"
        else:
            found.append(text)
    return found


def lock(name: str) -> dict[str, tuple[str, list[str]]]:
    """{canonical name: (version, hashes)} of a lock file; every entry must be `name==version`
    followed by sha256 hashes."""
    pinned: dict[str, tuple[str, list[str]]] = {}
    for entry in entries(name):
        requirement, *hashes = entry.split()
        match = PIN.match(requirement)
        assert match, f"requirements/{name}: not an exact pin: {entry.strip()[:80]}"
        assert hashes and all(HASH.match(h) for h in hashes), f"{name}: {requirement} hashes"
        pinned[canonicalize_name(match["name"])] = (match["version"], hashes)
    return pinned


def through_extras(requirement: Requirement) -> list[Requirement]:
    """What an extra such as psycopg[binary] or celery[redis] adds (celery[redis] through
    kombu[redis]), from the installed metadata."""
    added = []
    for line in metadata.requires(requirement.name) or []:
        dependency = Requirement(line)
        marker = dependency.marker
        if marker and any(marker.evaluate({"extra": extra}) for extra in requirement.extras):
            added += [dependency, *through_extras(dependency)]
    return added


def assert_pinned(requirements: list[Requirement], pinned: dict, name: str) -> None:
    for requirement in requirements:
        key = canonicalize_name(requirement.name)
        if key not in pinned:
            pytest.fail(f"{requirement.name} is not in requirements/{name}: run make lock")
        version, _hashes = pinned[key]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"requirements/{name} pins {requirement.name}=={version}, pyproject.toml asks for "
            f"{requirement.specifier}: run make lock"
        )


@pytest.mark.parametrize("name", ["base.txt", "dev.txt"])
def test_every_entry_of_the_lock_files_is_an_exact_version_with_hashes(name):
    pinned = lock(name)

    assert len(pinned) == len(entries(name))  # no package twice
    assert "django" in pinned


def test_every_runtime_dependency_is_pinned_with_a_hash_in_base_txt():
    requirements = runtime_requirements()
    assert any(r.name == "psycopg" and "binary" in r.extras for r in requirements)

    pinned = lock("base.txt")

    assert_pinned(requirements, pinned, "base.txt")
    # psycopg[binary] → psycopg-binary (the wheels with libpq), celery[redis] → redis
    added = [dependency for r in requirements for dependency in through_extras(r)]
    assert {"psycopg-binary", "redis"} <= {canonicalize_name(d.name) for d in added}
    assert_pinned(added, pinned, "base.txt")


def test_base_txt_holds_no_development_tool():
    pinned = lock("base.txt")
    for requirement in extra_requirements("dev", "browser"):
        if requirement.name.lower() != "pyyaml":  # drf-spectacular needs it at run time too
            assert canonicalize_name(requirement.name) not in pinned, requirement.name


def test_dev_txt_adds_the_dev_and_browser_extras_at_the_versions_of_base_txt():
    base, dev = lock("base.txt"), lock("dev.txt")

    assert_pinned(runtime_requirements(), dev, "dev.txt")
    assert_pinned(extra_requirements("dev", "browser"), dev, "dev.txt")
    differ = {name: (base[name][0], dev[name][0]) for name in base if base[name] != dev.get(name)}
    assert not differ, f"base.txt and dev.txt disagree (run make lock): {differ}"


def dockerfile() -> list[list[str]]:
    """[instruction, argument] of each line of the Dockerfile, continuations joined."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    return [line.split(None, 1) for line in text.splitlines() if line and line[0].isupper()]


def test_dockerfile_installs_the_lock_with_hashes_then_the_project_without_dependencies():
    instructions = [(keyword, argument.split()) for keyword, argument in dockerfile()]
    installs = [
        (index, arguments)
        for index, (keyword, arguments) in enumerate(instructions)
        if keyword == "RUN" and "pip" in arguments and "install" in arguments
    ]
    copies = {arguments[0]: i for i, (k, arguments) in enumerate(instructions) if k == "COPY"}

    (lock_at, lock_install), (project_at, project_install) = installs
    assert {"--require-hashes", "--no-deps", "requirements/base.txt"} <= set(lock_install)
    assert lock_install[lock_install.index("-r") + 1] == "requirements/base.txt"
    assert copies["requirements/base.txt"] < lock_at
    assert project_at > lock_at
    assert {"--no-deps", "."} <= set(project_install)  # nothing from the index without a hash


def test_make_install_installs_the_dev_lock_with_hashes_then_the_project_without_dependencies():
    rule, *recipe = makefile_recipe("$(STAMP)")

    assert "requirements/dev.txt" in rule.split(":", 1)[1]  # a new lock reinstalls
    installs = [line for line in recipe if "pip install" in line and "--upgrade" not in line]
    assert installs == [
        "$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements/dev.txt",
        "$(BIN)/python -m pip install --quiet --no-deps -e .",
    ]


def test_make_lock_writes_both_lock_files_from_pyproject():
    _rule, *recipe = makefile_recipe("lock")
    recipe = [line for line in recipe if "$(UV_COMPILE)" in line or line.startswith("--")]
    compile_rule = next(
        line
        for line in (ROOT / "Makefile").read_text().replace("\\\n", " ").splitlines()
        if line.startswith("UV_COMPILE =")
    )

    assert "pip compile pyproject.toml" in compile_rule
    assert "--generate-hashes" in compile_rule
    assert "--python-version 3.11" in compile_rule
    assert recipe[0].endswith("--output-file requirements/base.txt")
    assert "--extra dev --extra browser --constraint requirements/base.txt" in recipe[1]
    assert recipe[1].endswith("--output-file requirements/dev.txt")
