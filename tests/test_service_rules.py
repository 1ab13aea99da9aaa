"""The services' pure rules, which the bulk importer applies too (one home each)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from projects import services
from projects.models import ChainAssignment, ProjectYear


def test_the_first_plan_is_the_original_and_a_change_is_a_revision_with_a_reason():
    py = ProjectYear(year=2024)
    assert services.plan_change(py, Decimal("1000")) is None
    assert (py.original_plan, py.annual_plan) == (Decimal("1000"), Decimal("1000"))
    assert services.plan_change(py, Decimal("1000")) is None  # the same amount: nothing
    with pytest.raises(ValidationError) as err:
        services.plan_change(py, Decimal("800"), reason="  ")
    assert "须填写调整原因" in " ".join(err.value.message_dict["annual_plan"])
    assert py.annual_plan == Decimal("1000")  # refused: unchanged
    revision = services.plan_change(py, Decimal("800"), reason=" 用地未落实 ")
    assert (revision.previous_plan, revision.new_plan, revision.reason) == (
        Decimal("1000"),
        Decimal("800"),
        "用地未落实",
    )
    assert (py.original_plan, py.annual_plan) == (Decimal("1000"), Decimal("800"))


def test_a_handover_ends_the_term_on_that_day_never_before_it_began():
    current = ChainAssignment(start_date=dt.date(2024, 5, 1))
    services.chain_handover(current, dt.date(2024, 6, 30))
    assert current.end_date == dt.date(2024, 6, 30)
    late = ChainAssignment(start_date=dt.date(2024, 7, 1))
    services.chain_handover(late, dt.date(2024, 6, 30))  # a back-dated handover
    assert late.end_date == dt.date(2024, 7, 1)
