"""The supervision office's pages: the issues board (overdue first) and an issue moved through
its states from its page, meetings with their generated agenda and decisions, reminder letters
to view and download; scoped like everything else."""

import datetime as dt

import pytest
from django.urls import reverse

from meetings import services as meeting_services
from meetings.models import Meeting, ReminderLetter
from projects.choices import UnitKind
from projects.models import Unit
from supervision import services
from supervision.choices import IssueStatus
from supervision.models import Issue
from tests.ui.conftest import YEAR

pytestmark = pytest.mark.django_db

BOARD = reverse("supervision:issue_board")


@pytest.fixture
def unit(regions):
    return Unit.objects.create(
        name="市南区自然资源局", region=regions["district"], kind=UnitKind.DEPARTMENT
    )


@pytest.fixture
def issues(portfolio, district_official, other_official, unit):
    """A collected issue in each district, and an overdue assigned one in 市南区."""
    ours = services.issue_create(
        project=portfolio["district"][0],
        title="用地指标未落实",
        category="land",
        actor=district_official,
    )
    theirs = services.issue_create(
        project=portfolio["other"][0],
        title="市北区资金缺口",
        category="funding",
        actor=other_official,
    )
    late = services.issue_create(
        project=portfolio["district"][1],
        title="施工许可证办理慢",
        category="approval",
        actor=district_official,
        at=dt.datetime(2024, 10, 8, 9, tzinfo=dt.UTC),
    )
    late = services.issue_transition(
        issue=late, action="assign", unit=unit, at=dt.datetime(2024, 10, 8, 9, tzinfo=dt.UTC)
    )
    return {"ours": ours, "theirs": theirs, "late": late}


def board_titles(response, status):
    column = next(c for c in response.context["columns"] if c["status"] == status)
    return [i.title for i in column["issues"]]


def test_board_shows_the_districts_issues_by_state(client, district_official, issues):
    client.force_login(district_official)
    response = client.get(BOARD)
    assert response.status_code == 200
    assert board_titles(response, IssueStatus.COLLECTED) == ["用地指标未落实"]
    assert board_titles(response, IssueStatus.ASSIGNED) == ["施工许可证办理慢"]
    assert "市北区资金缺口" not in response.content.decode()
    assert response.context["overdue_count"] == 1


def test_overdue_issues_come_first_in_their_column(client, city_official, issues, unit):
    fresh = services.issue_transition(issue=issues["ours"], action="assign", unit=unit)
    client.force_login(city_official)
    titles = board_titles(client.get(BOARD), IssueStatus.ASSIGNED)
    assert titles == ["施工许可证办理慢", fresh.title]


def test_list_view_filters_with_the_apis_filters(client, city_official, issues):
    client.force_login(city_official)
    response = client.get(BOARD, {"view": "list", "overdue": "true"})
    assert [i.title for i in response.context["page"].object_list] == ["施工许可证办理慢"]


def test_issue_of_another_district_is_not_found(client, other_official, issues):
    client.force_login(other_official)
    url = reverse("supervision:issue_detail", args=[issues["ours"].pk])
    assert client.get(url).status_code == 404


def test_issue_list_exports_as_the_offices_filed_list(client, district_official, issues):
    import io

    from openpyxl import load_workbook

    client.force_login(district_official)
    response = client.get(BOARD, {"export": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0].startswith("问题清单（交办单） · 截至 2024年11月15日")
    header = rows[1]
    listed = [dict(zip(header, row, strict=True)) for row in rows[2:-1]]
    # 市南区's two issues, the overdue one first; never 市北区's
    assert [r["问题"] for r in listed] == ["施工许可证办理慢", "用地指标未落实"]
    late = listed[0]
    assert late["责任单位"] == "市南区自然资源局"
    assert isinstance(late["超期（工作日）"], int) and late["超期（工作日）"] > 0
    assert late["办结时限"] is not None and listed[1]["超期（工作日）"] is None
    assert rows[-1][1] == "合计" and rows[-1][2] == "2 个问题，逾期 1 个"
    assert sheet.print_title_rows == "$2:$2"


def test_issue_list_export_applies_the_pages_filters(client, city_official, issues):
    import io

    from openpyxl import load_workbook

    client.force_login(city_official)
    response = client.get(BOARD, {"export": "xlsx", "category": "funding"})
    rows = list(
        load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(
            values_only=True
        )
    )
    assert [row[4] for row in rows[2:-1]] == ["市北区资金缺口"]
    assert "资金" in rows[0][0]  # the filter is named in the title


def test_an_issue_moves_through_its_states_from_its_page(
    client, city_official, district_official, issues, unit
):
    issue = issues["ours"]
    url = reverse("supervision:issue_detail", args=[issue.pk])
    client.force_login(city_official)
    steps = [
        (city_official, {"action": "assign", "unit": unit.pk}, IssueStatus.ASSIGNED),
        (district_official, {"action": "start"}, IssueStatus.IN_PROGRESS),
        (district_official, {"action": "resolve", "note": "已落实用地指标"}, IssueStatus.RESOLVED),
        (district_official, {"action": "feedback", "note": "企业确认"}, IssueStatus.FEEDBACK),
        (city_official, {"action": "close", "note": "销号"}, IssueStatus.CLOSED),
    ]
    for user, data, status in steps:
        client.force_login(user)
        page = client.get(url)
        assert data["action"] in [a for a, _label in page.context["actions"]]
        response = client.post(url, data)
        assert response.status_code == 302, response.content.decode()[:800]
        issue.refresh_from_db()
        assert issue.status == status
    timeline = client.get(url).context["transitions"]
    assert [t.to_status for t in timeline] == [
        IssueStatus.COLLECTED,
        IssueStatus.ASSIGNED,
        IssueStatus.IN_PROGRESS,
        IssueStatus.RESOLVED,
        IssueStatus.FEEDBACK,
        IssueStatus.CLOSED,
    ]
    assert timeline[3].note == "已落实用地指标"


def test_resolving_without_a_result_is_refused_beside_the_field(
    client, city_official, issues, unit
):
    issue = services.issue_transition(issue=issues["ours"], action="assign", unit=unit)
    issue = services.issue_transition(issue=issue, action="start")
    client.force_login(city_official)
    url = reverse("supervision:issue_detail", args=[issue.pk])
    response = client.post(url, {"action": "resolve", "note": ""})
    assert response.status_code == 200  # the page again, with the messages (never a 500)
    assert response.context["form"].errors["note"]
    assert Issue.objects.get(pk=issue.pk).status == IssueStatus.IN_PROGRESS


def test_an_action_the_user_may_not_take_is_refused(client, district_official, issues, unit):
    client.force_login(district_official)  # an official may not escalate (supervisors do)
    issue = services.issue_transition(issue=issues["ours"], action="assign", unit=unit)
    url = reverse("supervision:issue_detail", args=[issue.pk])
    assert "escalate" not in [a for a, _label in client.get(url).context["actions"]]
    response = client.post(url, {"action": "escalate"})
    assert response.status_code == 200  # the page again, with the messages (never a 500)
    assert Issue.objects.get(pk=issue.pk).status == IssueStatus.ASSIGNED


def test_a_new_issue_is_raised_from_the_project_page(client, district_official, portfolio):
    client.force_login(district_official)
    url = reverse("supervision:issue_new", args=["SN-002"])
    response = client.post(
        url, {"title": "供电线路未接入", "category": "utilities", "difficulty": "ordinary"}
    )
    assert response.status_code == 302
    assert Issue.objects.get(title="供电线路未接入").project.code == "SN-002"
    client.force_login(district_official)
    assert client.get(reverse("supervision:issue_new", args=["SB-000"])).status_code == 404


@pytest.fixture
def meeting(regions, city_official):
    return meeting_services.meeting_create(
        kind="monthly", region=regions["city"], date=dt.date(2024, 11, 15), actor=city_official
    )


def test_meeting_page_shows_the_agenda_generated_from_the_data(
    client, city_official, meeting, issues
):
    client.force_login(city_official)
    # The draft was generated when the meeting was made, before the issues: refreshed explicitly.
    refresh = client.post(reverse("meetings:meeting_refresh", args=[meeting.pk]))
    assert refresh.status_code == 302
    response = client.get(reverse("meetings:meeting_detail", args=[meeting.pk]))
    assert response.status_code == 200
    agenda = response.context["agenda"]
    assert {p["project"] for p in agenda["colour_projects"]} == {"SN-000", "SN-003", "SB-000"}
    assert [i["title"] for i in agenda["overdue_issues"]] == ["施工许可证办理慢"]
    body = response.content.decode()
    assert "未报送月度完成投资" in body


def test_a_decision_becomes_an_assigned_issue(client, city_official, meeting, portfolio, unit):
    client.force_login(city_official)
    url = reverse("meetings:meeting_detail", args=[meeting.pk])
    response = client.post(
        url,
        {
            "project": "SN-001",
            "title": "协调解决施工用电",
            "category": "utilities",
            "unit": unit.pk,
            "deadline": "2024-11-29",
        },
    )
    assert response.status_code == 302
    decision = Issue.objects.get(title="协调解决施工用电")
    assert decision.meeting == meeting and decision.status == IssueStatus.ASSIGNED


def test_district_official_does_not_see_the_citys_meeting(client, district_official, meeting):
    client.force_login(district_official)
    assert client.get(reverse("meetings:meeting_detail", args=[meeting.pk])).status_code == 404


def test_a_supervisor_creates_a_meeting(client, city_official, regions):
    client.force_login(city_official)
    response = client.post(
        reverse("meetings:meeting_list"), {"kind": "weekly", "date": "2024-11-18"}
    )
    assert response.status_code == 302
    assert Meeting.objects.get().region == regions["city"]


@pytest.fixture
def letter(regions, city_official, portfolio, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return meeting_services.letter_generate(
        region=regions["district"], year=YEAR, month=10, actor=city_official
    )


def test_letter_list_links_to_the_printable_letter_and_its_word_file(
    client, district_official, letter
):
    client.force_login(district_official)
    response = client.get(reverse("meetings:letter_list"))
    assert response.context["letters"] == [letter]
    body = response.content.decode()
    assert reverse("meetings:letter_print", args=[letter.pk]) in body
    assert reverse("meetings:letter_docx", args=[letter.pk]) in body
    assert client.get(reverse("meetings:letter_print", args=[letter.pk])).status_code == 200


def test_letters_of_another_district_are_not_listed(client, other_official, letter):
    client.force_login(other_official)
    assert client.get(reverse("meetings:letter_list")).context["letters"] == []


def test_generating_the_periods_letters(client, city_official, portfolio, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(city_official)
    response = client.post(reverse("meetings:letter_generate"), {"period": "2024-10"})
    assert response.status_code == 302
    assert set(ReminderLetter.objects.values_list("region__name", flat=True)) == {
        "市南区",
        "市北区",
    }


def test_board_queries_do_not_grow_with_the_number_of_issues(
    client, city_official, portfolio, district_official, django_assert_num_queries
):
    client.force_login(city_official)
    client.get(BOARD)
    for count in (2, 20):
        for i in range(count - Issue.objects.count()):
            services.issue_create(
                project=portfolio["district"][i % 6],
                title=f"问题{i}",
                category="other",
                actor=district_official,
            )
        # 1 session, 2 user, 3 the user's region (scoping), 4 counts by state and overdue
        # (one grouped query), 5 the ids of each column's first issues (one UNION of index
        # ranges; SQLite: a window function), 6 those issues (projects, regions, units,
        # people, meetings joined), 7 the regions of the region picker.
        with django_assert_num_queries(7):
            response = client.get(BOARD)
        assert sum(c["count"] for c in response.context["columns"]) == count
