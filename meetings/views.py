"""Pages of the meetings app (namespace `meetings:`): meetings with their generated agenda and
decisions, the reminder letters with each letter's printable page and Word file.

Reads through `meetings.selectors` (scoped), writes through `meetings.services`.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from pathlib import PurePath

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessment.selectors import default_period
from core.files import stored_file_response
from core.forms import add_service_errors
from core.periods import Period
from projects import access, ui
from projects import selectors as project_selectors
from projects.models import Project
from supervision.uploads import DOCX

from . import exports, selectors, services
from .agenda import agenda_districts, meeting_agenda, sections
from .filters import LetterFilterSet, MeetingFilterSet
from .forms import DecisionForm, LetterReplyForm, LetterVerifyForm, MeetingForm, MinutesForm
from .letters import download_name, letter_text
from .models import Meeting

PAGE_SIZE = 50


def _meeting_or_404(request, pk: int) -> Meeting:
    """The meeting `pk` if the user may see it (out of scope: 404, as an unknown id)."""
    meeting = selectors.meeting_list(user=request.user).filter(pk=pk).first()
    if meeting is None:
        raise Http404(_("未找到该会议，或不在您的管辖范围内。"))
    return meeting


def _act(request, action: Callable[[], object], *, denied: str, done: str) -> None:
    """Runs a meeting page's service call and says how it went: the service's refusal (or
    `denied`), its validation messages, or `done`."""
    try:
        action()
    except PermissionDenied as exc:
        messages.error(request, str(exc) or denied)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, done)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_list(request):
    region = ui.region_from(request)
    form = MeetingForm(request.POST or None, initial={"date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_create(
                region=region, actor=request.user, **form.cleaned_data
            )
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("会议已创建，议程已根据数据生成。"))
            return redirect("meetings:meeting_detail", pk=meeting.pk)
    filterset = MeetingFilterSet(
        request.GET, queryset=selectors.meeting_list(user=request.user).order_by("-date", "-pk")
    )
    meetings = filterset.qs if filterset.is_valid() else filterset.queryset.none()
    page = Paginator(meetings, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "meetings/meeting_list.html",
        {
            "page": page,
            "form": form,
            "region": region,
            "can_hold": request.user.is_superuser or request.user.can_review,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_detail(request, pk: int):
    """A meeting and its agenda generated from the data (red/yellow projects with reasons,
    overdue and new issues, projects that should have started, the ranking, open decisions);
    supervisors record decisions here (each becomes an assigned issue)."""
    meeting = _meeting_or_404(request, pk)
    if request.method == "GET" and request.GET.get("export") == "xlsx":
        return exports.agenda_xlsx(meeting_agenda(meeting, user=request.user))
    form = DecisionForm(request.POST or None, user=request.user, meeting=meeting)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            project = project_selectors.project_by_code(
                user=request.user, code=data["project"].split(" ", 1)[0]
            )
            services.meeting_decide(
                meeting=meeting,
                project=project,
                title=data["title"],
                category=data["category"],
                unit=data["unit"],
                deadline=data["deadline"],
                actor=request.user,
            )
        except Project.DoesNotExist:
            form.add_error("project", _("未找到该项目编号，或不在您的管辖范围内。"))
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("议定事项已交办，将在后续会议上跟踪直至销号。"))
            return redirect("meetings:meeting_detail", pk=meeting.pk)
    agenda = meeting_agenda(meeting, user=request.user)
    view = _chair_view(request, meeting, agenda)
    shown = sections(agenda, only_red=view["only_red"], district=view["district"])
    return render(
        request,
        "meetings/meeting_detail.html",
        {
            "meeting": meeting,
            "agenda": agenda,
            "sections": shown,
            "total_minutes": sum(s.minutes for s in shown),
            "view": view,
            "form": form,
            "minutes_form": MinutesForm(initial={"minutes": meeting.minutes}),
            "can_decide": request.user.is_superuser or request.user.can_review,
        },
    )


def _chair_view(request, meeting, agenda) -> dict:
    """The chair's views of the agenda (`?view=red`: only red; `?district=CODE`: one district,
    by default a district official's own when the meeting is above their district). A
    district the agenda does not know is ignored (the whole agenda is shown)."""
    districts = agenda_districts(agenda)
    codes = {code for code, _ in districts}
    district = (request.GET.get("district") or "").strip()
    user_region = getattr(request.user, "region_id", None)
    if "district" not in request.GET and user_region in codes and user_region != meeting.region_id:
        district = user_region
    return {
        "only_red": request.GET.get("view") == "red",
        "district": district if district in codes else "",
        "districts": districts,
    }


@login_required
@require_GET
def decision_projects(request, pk: int):
    """htmx: the <option>s of the decision form's project search (code — name · district)."""
    meeting = _meeting_or_404(request, pk)
    projects = selectors.decision_projects(
        user=request.user, meeting=meeting, text=request.GET.get("project", "")
    )
    return render(request, "meetings/_project_options.html", {"projects": projects})


@login_required
@require_POST
def meeting_minutes(request, pk: int):
    """会议纪要 edited on the meeting's page (supervisors of its region)."""
    meeting = _meeting_or_404(request, pk)
    form = MinutesForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect("meetings:meeting_detail", pk=meeting.pk)
    _act(
        request,
        lambda: services.meeting_update(meeting=meeting, actor=request.user, **form.cleaned_data),
        denied=_("您无权修改该会议的纪要。"),
        done=_("会议纪要已保存。"),
    )
    return redirect(reverse("meetings:meeting_detail", args=[meeting.pk]) + "#minutes")


@login_required
@require_POST
def meeting_refresh(request, pk: int):
    """按最新数据刷新 the draft agenda (before it is frozen)."""
    meeting = _meeting_or_404(request, pk)
    _act(
        request,
        lambda: services.meeting_refresh_agenda(meeting=meeting, actor=request.user),
        denied=_("您无权刷新该会议的议程。"),
        done=_("议程已按最新数据重新生成。"),
    )
    return redirect("meetings:meeting_detail", pk=meeting.pk)


@login_required
@require_POST
def meeting_freeze(request, pk: int):
    """定稿: the agenda as shown now becomes the meeting's record (supervisors of its region)."""
    meeting = _meeting_or_404(request, pk)
    _act(
        request,
        lambda: services.meeting_freeze_agenda(meeting=meeting, actor=request.user),
        denied=_("您无权为该会议的议程定稿。"),
        done=_("议程已定稿：此后不再随数据变化。"),
    )
    return redirect("meetings:meeting_detail", pk=meeting.pk)


# --- Reminder letters -----------------------------------------------------------------------


@login_required
@require_GET
def letter_list(request):
    filterset = LetterFilterSet(request.GET, queryset=selectors.letter_list(user=request.user))
    try:
        letters = filterset.qs if filterset.is_valid() else filterset.queryset.none()
        letters = list(letters.order_by("-year", "-month", "region_id")[:200])
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        letters = []
    region = ui.home_region(request.user)
    return render(
        request,
        "meetings/letter_list.html",
        {
            "letters": letters,
            "period": default_period(),
            "region": region,
            "can_generate": request.user.is_superuser or request.user.can_review,
        },
    )


@login_required
@require_POST
def letter_generate(request):
    """Generates (or finds) the letters of a period for every district with yellow or red
    projects under the user's region."""
    region = ui.home_region(request.user)
    try:
        period = Period.parse_optional(request.POST.get("period"))
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("meetings:letter_list")
    period = period or default_period()
    try:
        letters = services.letters_generate_for_period(
            parent=region, year=period.year, month=period.month, actor=request.user
        )
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已生成 %(n)s 份提示函。") % {"n": len(letters)})
    return redirect("meetings:letter_list")


@login_required
def letter_print(request, pk: int):
    letter = get_object_or_404(selectors.letter_list(user=request.user), pk=pk)
    text = letter_text(letter)
    return render(
        request,
        "meetings/letter_print.html",
        {"letter": letter, "text": text, "rows": zip(text["rows"], letter.rows, strict=True)},
    )


@login_required
def letter_docx(request, pk: int):
    letter = get_object_or_404(selectors.letter_list(user=request.user), pk=pk)
    return stored_file_response(
        letter.file, filename=download_name(letter), content_type=DOCX.content_type
    )


@login_required
@require_http_methods(["GET", "POST"])
def letter_reply(request, pk: int):
    """A letter's loop: the district's reply (text, measures, an attachment), the city's
    verification (accepted / unsatisfactory with a note) and, for the city, regenerating the
    letter from the current colours (the message says what changed)."""
    letter = get_object_or_404(selectors.letter_list(user=request.user), pk=pk)
    action = request.POST.get("action") if request.method == "POST" else None
    reply_form = LetterReplyForm(
        request.POST if action == "reply" else None,
        request.FILES if action == "reply" else None,
        initial={"reply_text": letter.reply_text, "reply_measures": letter.reply_measures},
    )
    verify_form = LetterVerifyForm(request.POST if action == "verify" else None)
    try:
        if action == "reply" and reply_form.is_valid():
            data = reply_form.cleaned_data
            services.letter_reply(
                letter=letter,
                text=data["reply_text"],
                measures=data["reply_measures"],
                attachment=data["attachment"],
                actor=request.user,
            )
            messages.success(request, _("反馈已提交，等待市级核验。"))
            return redirect("meetings:letter_reply", pk=letter.pk)
        if action == "verify" and verify_form.is_valid():
            data = verify_form.cleaned_data
            services.letter_verify(
                letter=letter,
                accepted=data["verdict"] == "accepted",
                note=data["verification_note"],
                actor=request.user,
            )
            messages.success(request, _("核验结果已记录。"))
            return redirect("meetings:letter_reply", pk=letter.pk)
        if action == "regenerate":
            messages.success(request, services.letter_regenerate(letter=letter, actor=request.user))
            return redirect("meetings:letter_reply", pk=letter.pk)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        add_service_errors(reply_form if action == "reply" else verify_form, exc)
    city = letter.region.parent_id
    may_supervise = request.user.is_superuser or bool(
        request.user.can_review and city and access.covers(request.user, city)
    )
    return render(
        request,
        "meetings/letter_reply.html",
        {
            "letter": letter,
            "reply_form": reply_form,
            "verify_form": verify_form,
            "may_reply": request.user.can_edit and letter.verdict != "accepted",
            "may_verify": may_supervise
            and letter.replied_at is not None
            and letter.verdict != "accepted",
            "may_regenerate": may_supervise,
        },
    )


@login_required
def letter_reply_file(request, pk: int):
    letter = get_object_or_404(selectors.letter_list(user=request.user), pk=pk)
    name = PurePath(letter.reply_attachment.name or "").name
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return stored_file_response(letter.reply_attachment, filename=name, content_type=content_type)
