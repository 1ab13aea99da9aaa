from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core.periods import Period
from projects import access, signals
from supervision import issue_sets


class AssessmentConfig(AppConfig):
    name = "assessment"
    verbose_name = _("考核评价")

    def ready(self) -> None:
        from . import selectors, tasks  # noqa: PLC0415  (models are loaded only now)

        # the issue board's 办结率 sets (`?set=`) count the issues of the period's portfolio
        issue_sets.set_portfolio(selectors.portfolio_ids)

        access.register(
            {
                # A period's computed figures belong to the district stored with them (the
                # project's district during the period); a project's page reads them through
                # the project.
                "assessment.projectstatus": ("region__code", "project__town__code"),
                "assessment.projectforecast": ("region__code", "project__town__code"),
                "assessment.rankingsnapshot": ("parent__code", None),
                "assessment.assessmentsnapshot": ("parent__code", None),
                "assessment.assessmentscore": ("region__code", None),
                "assessment.observationscore": ("project__region__code", "project__town__code"),
            }
        )
        from django.db.models.signals import post_delete, post_save  # noqa: PLC0415

        from .api import cache  # noqa: PLC0415
        from .models import (  # noqa: PLC0415
            ColourRules,
            PeriodComputation,
            RankingIndicator,
            RankingSnapshot,
        )

        def rules_changed(**kwargs) -> None:
            """Colour rules and ranking indicators change answers without a recompute."""
            cache.invalidate()

        for model in (ColourRules, RankingIndicator):
            post_save.connect(
                rules_changed, sender=model, weak=False, dispatch_uid=f"api_cache.{model.__name__}"
            )

        def period_changed(instance, **kwargs) -> None:
            """A computation or a published ranking saved or deleted (also by hand, in the
            admin or a shell): the period's answers go when it commits."""
            cache.invalidate_on_commit(Period(instance.year, instance.month))

        for period_model in (PeriodComputation, RankingSnapshot):
            for signal in (post_save, post_delete):
                signal.connect(
                    period_changed,
                    sender=period_model,
                    weak=False,
                    dispatch_uid=f"api_cache.{period_model.__name__}.{signal is post_save}",
                )
        signals.reports_changed.connect(
            tasks.reports_changed, dispatch_uid="assessment.recompute_after_reports"
        )
