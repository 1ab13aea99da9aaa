"""`letter.issued` and `decision.assigned` (meetings.services): each told once, to the right
people, scoped to the district."""

import pytest

from meetings import services as meeting_services
from projects.choices import Role
from supervision.models import Notification
from tests.factories import UserFactory
from tests.supervision.test_letters import colours  # noqa: F401  (the fixture)
from tests.supervision.test_meetings import dataset  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


def test_issuing_a_letter_tells_the_districts_officials_once(
    colours,  # noqa: F811
    regions,
    city_official,
    district_official,
    other_official,
):
    reviewer = UserFactory(username="sn-reviewer", role=Role.REVIEWER, region=regions["district"])
    letter = meeting_services.letter_generate(
        region=regions["district"], year=2026, month=8, actor=city_official
    )
    rows = Notification.objects.filter(kind="letter.issued")
    assert {n.recipient_user for n in rows} == {district_official, reviewer}
    first = rows.get(recipient_user=district_official)
    assert letter.number in first.text and "请于" in first.text
    assert first.link == f"/letters/{letter.pk}/reply/"
    assert first.region_id == "370202"
    # asked again, or regenerated: the same letter, nobody told twice
    meeting_services.letter_generate(
        region=regions["district"], year=2026, month=8, actor=city_official
    )
    meeting_services.letter_generate(
        region=regions["district"], year=2026, month=8, actor=city_official, regenerate=True
    )
    assert Notification.objects.filter(kind="letter.issued").count() == 2


def test_a_decision_assigned_tells_the_unit_and_the_districts_officials(
    dataset,  # noqa: F811
    project,
    unit,
    assignee,
    unit_member,
    city_official,
    district_official,
    other_official,
):
    decision = meeting_services.meeting_decide(
        meeting=dataset["meeting"],
        project=project,
        title="协调解决临时用电",
        category="utilities",
        unit=unit,
        assignee=assignee,
        actor=city_official,
    )
    rows = Notification.objects.filter(kind="decision.assigned")
    assert {(n.recipient_person, n.recipient_user) for n in rows} == {
        (assignee, unit_member),  # the unit's person, with their login
        (None, district_official),
    }
    note = rows.first()
    assert note.issue == decision
    assert "协调解决临时用电" in note.text and unit.name in note.text
    assert note.link == f"/issues/{decision.pk}/"
    assert not Notification.objects.filter(recipient_user=other_official).exists()
