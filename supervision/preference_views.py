"""我的通知设置: which event kinds reach a user by which channel (in-app always; e-mail; the
daily digest instead of e-mails). Writes through `services.notification_preferences_save`."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import channels, services
from .choices import EventKind


class PreferencesForm(forms.Form):
    """A checkbox per event kind and channel (`<kind>__email`, `<kind>__digest`)."""

    def __init__(self, *args, current: dict[str, tuple[bool, bool]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for kind, label in EventKind.choices:
            email, digest = current.get(kind, (True, False))
            self.fields[f"{kind}__email"] = forms.BooleanField(
                label=_("%(kind)s：邮件") % {"kind": label}, required=False, initial=email
            )
            self.fields[f"{kind}__digest"] = forms.BooleanField(
                label=_("%(kind)s：每日汇总") % {"kind": label}, required=False, initial=digest
            )

    def rows(self) -> list[tuple[str, str, forms.BoundField, forms.BoundField]]:
        return [
            (kind, str(label), self[f"{kind}__email"], self[f"{kind}__digest"])
            for kind, label in EventKind.choices
        ]

    def choices(self) -> dict[str, tuple[bool, bool]]:
        data = self.cleaned_data
        return {
            kind: (bool(data.get(f"{kind}__email")), bool(data.get(f"{kind}__digest")))
            for kind in EventKind.values
        }


@login_required
@require_http_methods(["GET", "POST"])
def notification_preferences(request):
    current = channels.preference_grid(request.user.pk)
    form = PreferencesForm(request.POST or None, current=current)
    if request.method == "POST" and form.is_valid():
        services.notification_preferences_save(user=request.user, choices=form.choices())
        messages.success(request, _("通知设置已保存。"))
        return redirect("supervision:notification_preferences")
    return render(request, "supervision/notification_preferences.html", {"form": form})
