"""Demo data of the supervision app, called by `seed_demo` (seed.demo) at its end:
`seed_supervision(rng=random.Random(...), today=date)`.

For the projects that exist it writes, through the services (so every transition has its row
and every deadline is in working days): issues in every state — some overdue and escalated by
the daily job, hard issues with plans —, a few months of dispatch meetings (weekly, monthly,
quarterly, an observation tour) whose decisions are assigned issues followed from meeting to
meeting, inspections whose findings raised issues, and the reminder letters of the last computed
period when colours exist. Idempotent: if any meeting exists, it does nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from assessment.choices import Colour
from assessment.models import ProjectStatus
from meetings import services as meeting_services
from meetings.choices import MeetingKind
from meetings.models import Meeting
from projects.choices import RegionLevel, Role, Stage, UnitKind
from projects.models import Person, Project, Region, Unit, User
from supervision import services
from supervision.choices import Difficulty, InspectionKind, IssueCategory, IssueStatus
from supervision.models import Issue
from supervision.workdays import WorkCalendar
from supervision.workflow import Action

from .synthetic import weighted

TITLES: dict[str, list[str]] = {
    IssueCategory.LAND: [
        "新增建设用地指标未落实，影响项目按期供地",
        "土地征收组卷报批进度滞后",
        "项目用地规划调整尚未批复",
    ],
    IssueCategory.FUNDING: [
        "项目贷款授信未到位，资金缺口较大",
        "专项债券资金拨付滞后",
        "配套资金未及时落实",
    ],
    IssueCategory.ENVIRONMENT: [
        "污染物排放总量替代指标未落实",
        "环评批复办理进度慢",
    ],
    IssueCategory.ENERGY: ["能耗指标缺口，节能审查未通过", "用能权指标待协调"],
    IssueCategory.APPROVAL: [
        "施工许可证办理进度慢",
        "规划许可手续尚未办结",
        "消防设计审查意见未反馈",
    ],
    IssueCategory.DEMOLITION: [
        "地上附着物拆迁未完成",
        "部分村民补偿协议未签订",
    ],
    IssueCategory.UTILITIES: [
        "施工临时用电接入未到位",
        "供水、燃气配套管网未接通",
        "道路及雨污管网配套滞后",
    ],
    IssueCategory.OTHER: ["施工队伍不足，建设进度缓慢", "设备采购合同签订滞后"],
}
DEPARTMENT_HINTS: dict[str, str] = {
    IssueCategory.LAND: "自然资源",
    IssueCategory.FUNDING: "财政",
    IssueCategory.ENVIRONMENT: "生态环境",
    IssueCategory.ENERGY: "发展和改革",
    IssueCategory.APPROVAL: "行政审批",
    IssueCategory.DEMOLITION: "住房和城乡建设",
    IssueCategory.UTILITIES: "住房和城乡建设",
}
# Where an ordinary demo issue ends up (weights), oldest issues mostly closed.
FATES = [
    (IssueStatus.COLLECTED, 8),
    (IssueStatus.ASSIGNED, 14),
    (IssueStatus.IN_PROGRESS, 22),
    (IssueStatus.RESOLVED, 10),
    (IssueStatus.FEEDBACK, 8),
    (IssueStatus.CLOSED, 38),
]
ORDER: list[str] = [
    IssueStatus.COLLECTED,
    IssueStatus.ASSIGNED,
    IssueStatus.IN_PROGRESS,
    IssueStatus.RESOLVED,
    IssueStatus.FEEDBACK,
    IssueStatus.CLOSED,
]


class _Seeder:
    def __init__(self, rng: random.Random, today: dt.date):
        self.rng = rng
        self.today = today
        self.now = timezone.now()
        self.calendar = WorkCalendar.load()
        users = list(User.objects.filter(is_active=True).select_related("region", "person"))
        self.supervisor = next(
            (u for u in users if u.role == Role.ADMIN and u.region and u.region.level == "city"),
            next((u for u in users if u.is_superuser), None),
        )
        self.officials = {
            u.region_id: u
            for u in users
            if u.role == Role.OFFICIAL and u.region and u.region.level == RegionLevel.COUNTY
        }
        self.units = defaultdict(list)
        for unit in Unit.objects.filter(active=True, kind=UnitKind.DEPARTMENT):
            self.units[unit.region_id].append(unit)
        self.people = defaultdict(list)
        for person in Person.objects.filter(active=True, unit__isnull=False):
            self.people[person.unit_id].append(person)

    def at(self, day: dt.date) -> dt.datetime:
        moment = dt.datetime.combine(day, dt.time(self.rng.randint(8, 17), self.rng.randint(0, 59)))
        moment = timezone.make_aware(moment)
        return min(moment, self.now - dt.timedelta(minutes=5))

    def official(self, project: Project):
        return self.officials.get(project.region_id)

    def unit_for(self, project: Project, category: str) -> Unit | None:
        units = self.units.get(project.region_id) or []
        if not units:
            return None
        hint = DEPARTMENT_HINTS.get(category, "")
        matching = [u for u in units if hint and hint in u.name]
        return self.rng.choice(matching or units)

    def assignee_for(self, unit: Unit | None) -> Person | None:
        people = self.people.get(unit.pk) if unit is not None else None
        return self.rng.choice(people) if people else None

    def step(self, issue: Issue, action: str, day: dt.date, user, **kwargs) -> Issue:
        moment = self.at(day)
        last = issue.transitions.order_by("-at").values_list("at", flat=True).first()
        if last is not None and moment <= last:
            moment = min(last + dt.timedelta(minutes=self.rng.randint(10, 120)), self.now)
        return services.issue_transition(
            issue=issue,
            action=action,
            actor=user,
            at=moment,
            calendar=self.calendar,
            **kwargs,
        )

    def later(self, day: dt.date, low: int, high: int) -> dt.date:
        return day + dt.timedelta(days=self.rng.randint(low, high))

    def issue(
        self,
        project: Project,
        raised_on: dt.date,
        *,
        fate: str,
        category: str | None = None,
        hard: bool = False,
    ) -> Issue | None:
        category = category or self.rng.choice(list(TITLES))
        unit = self.unit_for(project, category)
        if unit is None:
            return None
        official = self.official(project)
        issue = services.issue_create(
            project=project,
            title=self.rng.choice(TITLES[category]),
            description="项目负责人反映：" + self.rng.choice(TITLES[category]) + "，请协调解决。",
            category=category,
            difficulty=Difficulty.HARD if hard else Difficulty.ORDINARY,
            actor=official,
            at=self.at(raised_on),
        )
        self.advance(issue, raised_on, fate=fate, unit=unit)
        return issue

    def advance(self, issue: Issue, since: dt.date, *, fate: str, unit: Unit | None = None):
        """Moves an issue towards `fate`, one dated step after another, never past today."""
        official = self.official(issue.project)
        target = ORDER.index(fate)
        day = since
        if issue.status == IssueStatus.COLLECTED and target >= 1:
            day = self.later(day, 0, 2)
            if day >= self.today:
                return issue
            unit = unit or self.unit_for(issue.project, issue.category)
            issue = self.step(
                issue,
                Action.ASSIGN,
                day,
                self.supervisor,
                unit=unit,
                assignee=self.assignee_for(unit),
                note="请按时限办结并反馈。",
            )
        if issue.status == IssueStatus.ASSIGNED and target >= 2:
            day = self.later(day, 1, 2)
            if day >= self.today:
                return issue
            plan = "成立工作专班，明确责任人，分步骤推进。" if issue.difficulty == "hard" else ""
            issue = self.step(
                issue, Action.START, day, official, plan=plan, note="已对接项目单位。"
            )
            if issue.difficulty == Difficulty.HARD and issue.deadline is None:
                day = self.later(day, 0, 1)
                if day < self.today:
                    issue = self.step(
                        issue,
                        Action.SET_DEADLINE,
                        day,
                        self.supervisor,
                        deadline=self.later(day, 12, 25),
                        note="根据办理方案确定办结时限。",
                    )
        if issue.status == IssueStatus.IN_PROGRESS and target >= 3:
            day = self.later(day, 2, 7)
            if day >= self.today:
                return issue
            issue = self.step(
                issue, Action.RESOLVE, day, official, note="已协调相关部门解决，手续已办结。"
            )
        if issue.status == IssueStatus.RESOLVED and target >= 4:
            day = self.later(day, 1, 3)
            if day >= self.today:
                return issue
            issue = self.step(
                issue, Action.FEEDBACK, day, official, note="项目单位对办理结果满意。"
            )
        if issue.status == IssueStatus.FEEDBACK and target >= 5:
            day = self.later(day, 1, 3)
            if day >= self.today:
                return issue
            issue = self.step(
                issue, Action.CLOSE, day, self.supervisor, note="问题已解决，予以销号。"
            )
        return issue


def _city(projects) -> Region | None:
    district = projects[0].region if projects else None
    node = district
    while node is not None and node.level != RegionLevel.CITY:
        node = node.parent
    return node or district


def _meeting_days(today: dt.date, calendar: WorkCalendar):
    """Weekly meetings on the first working day of each of the last 8 weeks; monthly joint
    meetings around the 10th of the last 3 months; a quarterly meeting; an observation tour."""

    def workday_on_or_after(day: dt.date) -> dt.date:
        while not calendar.is_workday(day):
            day += dt.timedelta(days=1)
        return day

    monday = today - dt.timedelta(days=today.weekday())
    days = []
    for weeks in range(8, 0, -1):
        day = workday_on_or_after(monday - dt.timedelta(weeks=weeks))
        if day < today:
            days.append((day, MeetingKind.WEEKLY))
    first = today.replace(day=1)
    for back in range(3, 0, -1):
        month_start = (first - dt.timedelta(days=28 * back)).replace(day=10)
        day = workday_on_or_after(month_start)
        if day < today:
            days.append((day, MeetingKind.MONTHLY))
    quarter_start = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    day = workday_on_or_after(quarter_start + dt.timedelta(days=14))
    if day < today:
        days.append((day, MeetingKind.QUARTERLY))
    else:
        days.append(
            (workday_on_or_after(quarter_start - dt.timedelta(days=75)), MeetingKind.QUARTERLY)
        )
    days.append((workday_on_or_after(today - dt.timedelta(days=40)), MeetingKind.OBSERVATION))
    return sorted(set(days))


@transaction.atomic
def seed_supervision(*, rng: random.Random, today: dt.date | None = None) -> dict:
    """Seeds issues, meetings, decisions, inspections and letters; returns counts."""
    today = today or timezone.localdate()
    counts = {"issues": 0, "meetings": 0, "decisions": 0, "inspections": 0, "letters": 0}
    if Meeting.objects.exists():
        return counts
    projects = list(
        Project.objects.active()
        .filter(stage__in=[Stage.SIGNED, *Stage.started()])
        .select_related("region", "region__parent")
        .order_by("code")
    )
    if not projects:
        return counts
    seeder = _Seeder(rng, today)

    # Issues raised over the last four months; the older ones have gone further.
    sample = rng.sample(projects, k=min(len(projects), max(20, len(projects) // 3)))
    for project in sample:
        for _ in range(rng.choice([1, 1, 2])):
            raised_on = today - dt.timedelta(days=rng.randint(1, 120))
            fate = weighted(rng, FATES)
            if raised_on > today - dt.timedelta(days=10) and fate == IssueStatus.CLOSED:
                fate = IssueStatus.IN_PROGRESS
            if fate in (IssueStatus.ASSIGNED, IssueStatus.IN_PROGRESS) and rng.random() < 0.7:
                raised_on = today - dt.timedelta(days=rng.randint(1, 6))  # most within time
            hard = rng.random() < 0.15
            if seeder.issue(project, raised_on, fate=fate, hard=hard):
                counts["issues"] += 1

    # Meetings of the city, in date order, with decisions followed up afterwards.
    city = _city(projects)
    assert city is not None  # there are projects
    chair = (
        seeder.supervisor.person
        if seeder.supervisor and seeder.supervisor.person_id
        else Person.objects.filter(region=city).first()
    )
    leaders = list(
        Person.objects.filter(region__code__startswith=city.prefix, title__contains="区长")[:12]
    )
    statuses = defaultdict(list)
    for status in ProjectStatus.objects.filter(
        colour__in=[Colour.RED, Colour.YELLOW], project__in=projects
    ).select_related("project"):
        statuses[(status.year, status.month)].append(status.project)
    for day, kind in _meeting_days(today, seeder.calendar):
        meeting = meeting_services.meeting_create(
            kind=kind,
            region=city,
            date=day,
            chair=chair,
            attendees=rng.sample(leaders, k=min(len(leaders), 6)),
            location="市政府第一会议室"
            if kind != MeetingKind.OBSERVATION
            else "各区（市）项目现场",
            minutes=(
                "会议通报了全市重点项目建设进展和各区（市）排名情况，"
                "听取了黄色、红色项目的问题汇报，对有关事项作出部署。"
            ),
        )
        counts["meetings"] += 1
        if kind not in (MeetingKind.MONTHLY, MeetingKind.QUARTERLY, MeetingKind.WEEKLY):
            continue
        period = max((p for p in statuses if p <= (day.year, day.month)), default=None)
        focus = (statuses.get(period) if period is not None else None) or projects
        for project in rng.sample(focus, k=min(len(focus), rng.randint(1, 3))):
            category = rng.choice(list(TITLES))
            unit = seeder.unit_for(project, category)
            if unit is None:
                continue
            issue = meeting_services.meeting_decide(
                meeting=meeting,
                project=project,
                title="会议议定：" + rng.choice(TITLES[category]),
                category=category,
                unit=unit,
                assignee=seeder.assignee_for(unit),
                actor=seeder.supervisor,
                at=seeder.at(day),
            )
            counts["decisions"] += 1
            seeder.advance(issue, day, fate=weighted(rng, FATES[1:]))

    # Inspections (巡查) whose findings raised issues in one step.
    inspectors = [p for p in Person.objects.filter(region=city)[:6]]
    for project in rng.sample(projects, k=min(len(projects), 12)):
        day = today - dt.timedelta(days=rng.randint(3, 60))
        category = rng.choice(list(TITLES))
        findings = [
            services.FindingInput(
                description=rng.choice(TITLES[category]),
                category=category,
                raise_issue=rng.random() < 0.6,
            ),
            services.FindingInput(description="施工现场安全文明施工措施基本到位。"),
        ]
        services.inspection_create(
            project=project,
            date=day,
            kind=rng.choice([InspectionKind.PATROL, InspectionKind.SUPERVISION]),
            inspectors=rng.sample(inspectors, k=min(len(inspectors), 2)),
            summary="现场查看项目建设进度，听取项目单位汇报。",
            findings=findings,
            actor=seeder.supervisor,
            at=seeder.at(day),
        )
        counts["inspections"] += 1

    # Reminder letters for the last computed period.
    latest = ProjectStatus.objects.order_by("-year", "-month").values("year", "month").first()
    if latest is not None:
        letters = meeting_services.letters_generate_for_period(
            parent=city, year=latest["year"], month=latest["month"], on=today
        )
        counts["letters"] = len(letters)

    # The daily job: overdue issues are flagged, escalated and notified.
    services.issues_flag_overdue(today=today)
    return counts
