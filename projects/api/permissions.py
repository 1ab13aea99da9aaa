"""Permissions of the projects API. What a user may see is scoping (`projects.access.scope`,
applied by every queryset); these classes decide what a user's role lets them do."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission


class IsEditorOrReadOnly(BasePermission):
    """Readers (Role.VIEWER, Role.LEADER) read; editors (Role.editors()) also write."""

    message = _("您的角色只能查看，不能修改。")

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return bool(getattr(request.user, "can_edit", False))


class IsReviewer(BasePermission):
    """Reviewing a withdrawal (退库审核) needs a reviewer's role (Role.reviewers())."""

    message = _("只有审核人可以审核退库申请。")

    def has_permission(self, request, view) -> bool:
        return bool(getattr(request.user, "can_review", False))
