"""The lists the supervision office files (web.lists, /exports/): 进度清单 / 配档表, 责任清单,
任务清单, 时效清单 and the meeting agenda, each opened with openpyxl — numbers and dates stored
as such, a title naming the list, the region and the day, and a 合计 row equal to the list's
own total; scoped; constant queries."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from meetings import services as meeting_services
from projects.choices import UnitKind
from projects.models import ChainAssignment, Milestone, Person, Unit
from tests.factories import chain_role

pytestmark = pytest.mark.django_db

TODAY = dt.date(2024, 11, 15)  # the UI tests' frozen day


def workbook(response):
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def table(sheet):
    """title, header, item rows, the 合计 row."""
    rows = list(sheet.iter_rows(values_only=True))
    return rows[0][0], rows[1], rows[2:-1], rows[-1]


def assert_filed_layout(sheet):
    assert sheet.freeze_panes is not None and sheet.print_title_rows == "$2:$2"
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.fitToWidth == 1


@pytest.fixture
def unit(regions):
    return Unit.objects.create(
        name="市南区住建局", region=regions["district"], kind=UnitKind.DEPARTMENT
    )


@pytest.fixture
def milestones(portfolio, regions):
    person = Person.objects.create(name="周工", region=regions["district"])
    a, b = portfolio["district"][:2]
    return [
        Milestone.objects.create(
            project=a,
            name="主体封顶",
            due_date=dt.date(2024, 9, 30),
            done_on=dt.date(2024, 9, 20),
            responsible=person,
        ),
        Milestone.objects.create(
            project=a, name="设备安装", due_date=dt.date(2024, 10, 31), responsible=person
        ),  # 15 days late on the 15th of November
        Milestone.objects.create(project=b, name="竣工验收", due_date=dt.date(2024, 12, 31)),
        Milestone.objects.create(
            project=portfolio["other"][0], name="市北区节点", due_date=dt.date(2024, 10, 1)
        ),
    ]


def test_the_progress_list_has_each_milestone_with_its_state_and_a_total(
    client, district_official, milestones, django_assert_max_num_queries
):
    client.force_login(district_official)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("web:list_export", args=["milestones"]))
    sheet = workbook(response).worksheets[0]
    title, _header, rows, total = table(sheet)
    assert "进度清单" in title and "市南区" in title and "2024年11月15日" in title
    assert_filed_layout(sheet)
    assert [r[4] for r in rows] == ["主体封顶", "设备安装", "竣工验收"]  # not 市北区's
    states = {r[4]: (r[9], r[10]) for r in rows}
    assert states == {
        "主体封顶": ("按期完成", None),
        "设备安装": ("逾期未完成", 15),
        "竣工验收": ("未到期", None),
    }
    assert isinstance(rows[0][6], dt.datetime) and rows[0][10] is None
    assert total[1] == "合计" and total[2] == "3 个节点，已完成 1 个，逾期未完成 1 个"


def test_the_responsibility_list_has_the_chain_and_the_investment_total(
    client, district_official, portfolio, regions
):
    leader = Person.objects.create(name="王副区长", title="副区长", region=regions["district"])
    for project in portfolio["district"][:4]:
        ChainAssignment.objects.create(
            project=project,
            role=chain_role("leader"),
            person=leader,
            start_date=dt.date(2024, 1, 1),
        )
    client.force_login(district_official)
    sheet = workbook(client.get(reverse("web:list_export", args=["chain"]))).worksheets[0]
    title, header, rows, total = table(sheet)
    assert "责任清单" in title and "市南区" in title
    leader_column = header.index(chain_role("leader").name)
    assert [r[leader_column] for r in rows].count("王副区长（副区长）") == 4
    assert all(isinstance(r[5], (int, float)) for r in rows)  # 总投资 as a number
    assert total[5] == sum(r[5] for r in rows) == 60000  # six projects of 10,000 万元
    assert total[2] == "6 个项目，责任链缺位 6 个"  # the other roles are vacant everywhere
    assert sheet.cell(row=3, column=6).number_format == "#,##0.00"


@pytest.fixture
def decisions(regions, city_official, portfolio, unit):
    meeting = meeting_services.meeting_create(
        kind="monthly", region=regions["city"], date=dt.date(2024, 11, 15), actor=city_official
    )
    at = dt.datetime(2024, 11, 1, 9, tzinfo=dt.UTC)
    late = meeting_services.meeting_decide(
        meeting=meeting,
        project=portfolio["district"][0],
        title="协调施工用电",
        unit=unit,
        actor=city_official,
        deadline=dt.date(2024, 11, 8),
        at=at,
    )
    soon = meeting_services.meeting_decide(
        meeting=meeting,
        project=portfolio["district"][1],
        title="办理施工许可",
        unit=unit,
        actor=city_official,
        deadline=dt.date(2024, 11, 19),
        at=at,
    )
    return meeting, late, soon


def test_the_task_list_has_the_decisions_with_working_days_left_or_overdue(
    client, city_official, decisions
):
    client.force_login(city_official)
    sheet = workbook(client.get(reverse("web:list_export", args=["tasks"]))).worksheets[0]
    title, _header, rows, total = table(sheet)
    assert "任务清单" in title and "青岛市" in title
    assert [r[5] for r in rows] == ["协调施工用电", "办理施工许可"]  # by deadline
    # 8 Nov (Fri) → 15 Nov (Fri): five working days overdue; 15 → 19 Nov: two left
    assert (rows[0][11], rows[0][12]) == (-5, "超期")
    assert (rows[1][11], rows[1][12]) == (2, "临期")
    assert "议定" in rows[0][1]
    assert total[2] == "2 项议定事项，超期 1 项，临期 1 项"


def test_the_time_limit_list_has_every_open_issue_and_decision(
    client, district_official, decisions, portfolio
):
    from supervision import services

    services.issue_create(
        project=portfolio["district"][2],
        title="资金缺口",
        category="funding",
        actor=district_official,
    )
    client.force_login(district_official)
    sheet = workbook(client.get(reverse("web:list_export", args=["deadlines"]))).worksheets[0]
    title, _header, rows, total = table(sheet)
    assert "时效清单" in title and "市南区" in title
    assert sorted(r[5] for r in rows) == ["办理施工许可", "协调施工用电", "资金缺口"]
    assert total[2] == "3 项事项，超期 1 项，临期 1 项"


def test_an_unknown_list_is_a_404_and_a_region_outside_the_scope_too(
    client, district_official, regions
):
    client.force_login(district_official)
    assert client.get(reverse("web:list_export", args=["nothing"])).status_code == 404
    response = client.get(reverse("web:list_export", args=["chain"]), {"region": "370203"})
    assert response.status_code == 404


def test_the_lists_page_links_every_list(client, district_official, django_assert_max_num_queries):
    client.force_login(district_official)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("web:lists"))
    body = response.content.decode()
    for kind in ("milestones", "chain", "tasks", "deadlines"):
        assert reverse("web:list_export", args=[kind]) in body
    assert reverse("imports:ledger_export") in body and "清单导出" in body
    listed = client.get(reverse("projects:project_list")).content.decode()
    assert reverse("web:lists") in listed  # reached from the project list


def test_the_agenda_exports_each_section_with_its_count(client, city_official, decisions):
    meeting, _late, _soon = decisions
    client.force_login(city_official)
    url = reverse("meetings:meeting_detail", args=[meeting.pk])
    agenda = client.get(url).context["agenda"]
    book = workbook(client.get(url, {"export": "xlsx"}))
    red_yellow = book["红黄项目"]
    title, _header, rows, total = table(red_yellow)
    assert "青岛市" in title and "数据截至 2024-10" in title and "未定稿" in title
    assert len(rows) == len(agenda["colour_projects"]) > 0
    assert total[1] == "合计" and total[2] == f"{len(rows)} 项"
    assert all(isinstance(r[5], (int, float)) for r in rows if r[5] is not None)
    assert red_yellow.cell(row=3, column=6).number_format == "0.0%"
    decided = table(book["本次议定事项"])[2]
    assert [r[3] for r in decided] == ["协调施工用电", "办理施工许可"]
    assert_filed_layout(red_yellow)
    ranking = book["县市区排名"]
    ranked, last = table(ranking)[2], table(ranking)[3]
    assert last[4] == pytest.approx(sum(r[4] for r in ranked))
    assert Decimal(str(last[4])) == Decimal("10800")  # nine projects of 1,200 万元
