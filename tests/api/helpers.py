"""Data builders of the API tests."""

import datetime as dt

from assessment.choices import Colour
from projects import services
from projects.models import Category
from tests.factories import PersonFactory, chain_role, stored_status


def add_status(project, year, month, *, colour=Colour.WHITE, rate="0.5", progress="0.5"):
    """A ProjectStatus row as the recompute job writes it (colour from the progress check)."""
    return stored_status(project, year, month, colour, rate=rate, progress=progress)


def dress(project, *, categories=("manufacturing", "four_new"), leader_name=None):
    """Gives a project categories and a full four-in-one chain (one member replaced, so the
    chain also has history)."""
    project.categories.set(Category.objects.filter(code__in=categories))
    people = {}
    for code in ("leader", "department_head", "town_head", "staff"):
        name = leader_name if (code == "leader" and leader_name) else None
        person = PersonFactory(region=project.region, **({"name": name} if name else {}))
        services.chain_assign(
            project=project, role=chain_role(code), person=person, on=dt.date(2024, 1, 1)
        )
        people[code] = person
    replacement = PersonFactory(region=project.region)
    services.chain_assign(
        project=project, role=chain_role("staff"), person=replacement, on=dt.date(2024, 6, 1)
    )
    people["staff"] = replacement
    return people
