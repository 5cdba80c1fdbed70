"""The test lock (requirements/test.txt) holds exactly what pyproject.toml's extras need, each pinned.

The installed environment is the judge of "need": starting from pyproject.toml's requirements, the
installed packages' own metadata gives the closure, which must equal the lock's packages for this
Python (markers evaluated). A package added to an extra without re-locking, or left in the lock
after it was dropped, fails here.
"""

from __future__ import annotations

import re
import sys
from importlib import metadata

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from support import ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - the lock is made for 3.10 too
    import tomli as tomllib

LOCK = ROOT / "requirements" / "test.txt"
LOCKED_EXTRAS = ("test",)
PROJECT = canonicalize_name("jobrun-contracts")


def locked() -> dict[str, str]:
    """Name -> pinned version, for the lines whose marker holds on this Python."""
    pins: dict[str, str] = {}
    for line in LOCK.read_text().splitlines():
        if not line or line[0] in "# ":
            continue
        requirement = Requirement(line)
        if requirement.marker is None or requirement.marker.evaluate():
            (specifier,) = requirement.specifier
            assert specifier.operator == "==", line
            pins[canonicalize_name(requirement.name)] = specifier.version
    return pins


def project_requirements(extras: tuple[str, ...]) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted, seen, found = list(extras), set(), [Requirement(r) for r in project["dependencies"]]
    while wanted:
        extra = wanted.pop()
        if extra in seen:
            continue
        seen.add(extra)
        for text in project["optional-dependencies"][extra]:
            requirement = Requirement(text)
            if canonicalize_name(requirement.name) == PROJECT:
                wanted.extend(requirement.extras)
            else:
                found.append(requirement)
    return found


def applies(requirement: Requirement, extras: set[str]) -> bool:
    if requirement.marker is None:
        return True
    return any(requirement.marker.evaluate({**default_environment(), "extra": e}) for e in extras | {""})


def closure(requirements: list[Requirement]) -> set[str]:
    """Every distribution the requirements pull in, read off the installed packages' metadata."""
    needed: dict[str, set[str]] = {}
    queue = [(r, {""}) for r in requirements]
    while queue:
        requirement, parent_extras = queue.pop()
        if not applies(requirement, parent_extras):
            continue
        name = canonicalize_name(requirement.name)
        extras = set(requirement.extras)
        if name in needed and extras <= needed[name]:
            continue
        needed.setdefault(name, set()).update(extras)
        try:
            distribution = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue  # required but not installed: it cannot be in the lock either, which the test says
        for text in distribution.requires or ():
            queue.append((Requirement(text), needed[name]))
    return set(needed)


def test_every_locked_line_is_pinned_and_the_lock_says_how_to_refresh_it() -> None:
    text = LOCK.read_text()
    assert "uv pip compile pyproject.toml" in text
    assert locked(), "the lock holds no packages"


def test_the_lock_holds_exactly_what_the_extras_need() -> None:
    pins = locked()
    needed = closure(project_requirements(LOCKED_EXTRAS))
    assert needed - set(pins) == set(), "in pyproject.toml's extras but not in the lock: re-lock"
    assert set(pins) - needed == set(), "in the lock but needed by no extra: re-lock"


def test_the_environment_is_the_locked_one() -> None:
    """The tests run on what the lock says, so a new upstream release cannot change a verdict."""
    pins = locked()
    installed = {canonicalize_name(d.metadata["Name"]): d.version for d in metadata.distributions()}
    drifted = {name: (version, installed.get(name)) for name, version in pins.items() if installed.get(name) != version}
    assert not drifted, f"installed versions differ from the lock (locked, installed): {drifted}"


def test_pyproject_keeps_ranges_for_users() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    texts = list(project["dependencies"]) + [t for e in project["optional-dependencies"].values() for t in e]
    assert not [t for t in texts if re.search(r"==", t)], "pyproject.toml pins a version: pins belong in the lock"
