"""Serializers of /api/v1/summary/ and /api/v1/rankings/: the query parameters (validated into
a Region, a Period …, bad input → 400 with field messages) and, for the OpenAPI schema, the
shape of the responses. The bodies themselves are built by projects.measures.row_json and
projects.rankings.ranking (one home for each figure)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api import CleanCharField, PeriodField
from projects.models import Region

from .. import maps
from ..choices import AssessmentKind, AssessmentSubject, RankingScope
from ..measures import GROUPINGS


class RegionCodeField(serializers.CharField):
    """A region code → Region; the caller's own region is the one their login came with (no
    query) when the serializer's context has the request."""

    def to_internal_value(self, data):
        code = super().to_internal_value(data).strip()
        own = getattr(getattr(self.context.get("request"), "user", None), "region", None)
        if own is not None and own.code == code:
            return own
        region = Region.objects.filter(code=code).first()
        if region is None:
            raise serializers.ValidationError(_("未知的区域代码：%(c)s") % {"c": code})
        return region


class SummaryQuerySerializer(serializers.Serializer):
    region = RegionCodeField(
        required=False, help_text=_("区域代码（默认：本人管辖区域）。按区域分组时列出其下级。")
    )
    period = PeriodField(required=False, help_text=_("期间 YYYY-MM（默认：最近计算的期间）"))
    group_by = serializers.ChoiceField(
        choices=GROUPINGS, default="region", help_text=_("分组：level|category|region|leader|unit")
    )


class RankingsQuerySerializer(serializers.Serializer):
    scope = serializers.ChoiceField(
        choices=RankingScope.values,
        default=RankingScope.DISTRICT,
        help_text=_("排名范围：district（下级区域）|leader（包联领导）|unit（责任单位）"),
    )
    # named like an attribute of DRF's Field, which the stubs see (DRF's metaclass
    # moves declared fields off the class)
    parent = RegionCodeField(required=False, help_text=_("上级区域代码（默认：本人管辖区域）"))  # type: ignore[assignment]
    period = PeriodField(required=False, help_text=_("期间 YYYY-MM（默认：最近计算的期间）"))
    version = serializers.IntegerField(
        required=False, min_value=1, help_text=_("已发布排名的版本（默认：最新版本，未发布则实时）")
    )


class MeasuresRegionSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


def _rate(help_text):
    return serializers.FloatField(allow_null=True, help_text=help_text)


def _money(help_text):
    return serializers.DecimalField(max_digits=16, decimal_places=2, help_text=help_text)


class SummaryRowSerializer(serializers.Serializer):
    key = serializers.CharField(help_text=_("区域代码 / 级别 / 类别代码 / 人员或单位 id"))
    name = serializers.CharField()
    projects = serializers.IntegerField(help_text=_("项目数"))
    annual_plan = _money(_("年度计划投资（万元）"))
    completed_ytd = _money(_("累计完成投资（万元）"))
    investment_rate = _rate(_("投资完成率（小数）"))
    time_progress = _rate(_("时间进度（小数）"))
    new_start_planned = serializers.IntegerField(help_text=_("新开工项目数"))
    new_start_started = serializers.IntegerField(help_text=_("已开工的新开工项目数"))
    start_rate = _rate(_("开工率"))
    finish_planned = serializers.IntegerField(help_text=_("计划竣工项目数"))
    finished = serializers.IntegerField(help_text=_("已竣工的计划竣工项目数"))
    finish_rate = _rate(_("竣工率"))
    in_statistics = serializers.IntegerField(help_text=_("已纳统项目数"))
    statistics_rate = _rate(_("纳统率（已纳统 / 已开工）"))
    issues = serializers.IntegerField(help_text=_("年内收集问题数"))
    issues_resolved = serializers.IntegerField(help_text=_("已办结问题数"))
    resolution_rate = _rate(_("办结率"))
    green = serializers.IntegerField()
    white = serializers.IntegerField()
    yellow = serializers.IntegerField()
    red = serializers.IntegerField()
    original_plan = _money(_("年初计划投资（万元）"))
    investment_rate_original = _rate(_("投资完成率（按年初计划）"))
    under_construction = serializers.IntegerField(help_text=_("在建项目数"))
    started = serializers.IntegerField(help_text=_("已开工项目数"))
    issues_on_time = serializers.IntegerField(help_text=_("按期办结问题数"))
    on_time_rate = _rate(_("按期办结率"))
    four_new_completed = _money(_("“四新”项目累计完成投资（万元）"))
    four_new_share = _rate(_("“四新”投资占比"))
    # the summary's rows carry these (not a ranking's)
    four_new_share_last_year = serializers.FloatField(
        allow_null=True, required=False, help_text=_("上年同期“四新”投资占比")
    )
    four_new_share_change_points = serializers.FloatField(
        allow_null=True, required=False, help_text=_("“四新”投资占比较上年同期变化（百分点）")
    )
    pool_at_start = serializers.IntegerField(help_text=_("年初谋划/储备项目数"))
    converted = serializers.IntegerField(help_text=_("年内落地转化项目数"))
    conversion_rate = _rate(_("落地转化率"))


class SummaryResponseSerializer(serializers.Serializer):
    period = serializers.CharField()
    # named like an attribute of DRF's Field, which the stubs see (DRF's metaclass
    # moves declared fields off the class)
    label = serializers.CharField(help_text=_("如“2024年1-10月”"))  # type: ignore[assignment]
    region = MeasuresRegionSerializer()
    group_by = serializers.CharField()
    computed_at = serializers.DateTimeField(allow_null=True)
    rows = SummaryRowSerializer(many=True)
    total = SummaryRowSerializer()


class RankingRowSerializer(SummaryRowSerializer):
    rank = serializers.IntegerField(help_text=_("名次（并列同名次：1, 2, 2, 4）"))
    score = serializers.FloatField(allow_null=True, help_text=_("综合得分"))
    movement = serializers.IntegerField(
        allow_null=True, help_text=_("较上期名次变化（正数为上升）")
    )
    praised = serializers.BooleanField(help_text=_("通报表扬（前 N 名）"))
    called_in = serializers.BooleanField(help_text=_("约谈（后 N 名）"))


class RankingWeightSerializer(serializers.Serializer):
    measure = serializers.CharField()
    name = serializers.CharField()
    weight = serializers.FloatField()
    cap = serializers.FloatField(allow_null=True)


class RankingResponseSerializer(serializers.Serializer):
    period = serializers.CharField()
    scope = serializers.CharField()
    parent = MeasuresRegionSerializer()
    version = serializers.IntegerField(allow_null=True, help_text=_("已发布版本；实时计算为 null"))
    published_at = serializers.DateTimeField(allow_null=True)
    published_by = serializers.CharField(allow_null=True)
    reason = serializers.CharField(help_text=_("更正原因"))
    computed_at = serializers.DateTimeField(allow_null=True)
    indicators = RankingWeightSerializer(many=True)
    praised_top = serializers.IntegerField()
    called_in_bottom = serializers.IntegerField()
    rows = RankingRowSerializer(many=True)


class RankingTargetSerializer(serializers.Serializer):
    """Which ranking: its scope, parent region and period (the query of versions and
    differences, the body of a publication)."""

    scope = serializers.ChoiceField(
        choices=RankingScope.values,
        default=RankingScope.DISTRICT,
        help_text=_("排名范围：district（下级区域）|leader（包联领导）|unit（责任单位）"),
    )
    parent = RegionCodeField(required=False, help_text=_("上级区域代码（默认：本人管辖区域）"))  # type: ignore[assignment]
    period = PeriodField(required=False, help_text=_("期间 YYYY-MM（默认：最近计算的期间）"))


class RankingDiffQuerySerializer(RankingTargetSerializer):
    # "from"/"to" are Python keywords: the fields are declared under other names and renamed
    old = serializers.RegexField(
        r"^(live|[1-9][0-9]{0,4})$",
        help_text=_("对比的原版本号，或 live（实时计算）"),
    )
    new = serializers.RegexField(
        r"^(live|[1-9][0-9]{0,4})$",
        required=False,
        help_text=_("对比的新版本号，或 live（默认：最新发布版本）"),
    )


class RankingPublishSerializer(RankingTargetSerializer):
    reason = CleanCharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text=_("更正原因（首次发布可不填，发布更正版本必填）"),
    )


class RankingVersionSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    published_at = serializers.DateTimeField()
    published_by = serializers.CharField(allow_null=True)
    reason = serializers.CharField()


class RankingVersionsResponseSerializer(serializers.Serializer):
    period = serializers.CharField()
    scope = serializers.CharField()
    parent = MeasuresRegionSerializer()
    versions = RankingVersionSerializer(many=True)


class RankingDiffFieldSerializer(serializers.Serializer):
    field = serializers.CharField()
    old = serializers.JSONField(allow_null=True)
    new = serializers.JSONField(allow_null=True)


class RankingDiffRowSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    old_rank = serializers.IntegerField(allow_null=True)
    new_rank = serializers.IntegerField(allow_null=True)
    state = serializers.ChoiceField(choices=["changed", "added", "removed"])
    # named like Serializer.fields, which the stubs see (as `parent` above)
    fields = RankingDiffFieldSerializer(many=True)  # type: ignore[assignment]


class RankingDiffResponseSerializer(serializers.Serializer):
    period = serializers.CharField()
    scope = serializers.CharField()
    parent = MeasuresRegionSerializer()
    old = serializers.IntegerField(allow_null=True, help_text=_("原版本；实时计算为 null"))
    new = serializers.IntegerField(allow_null=True, help_text=_("新版本；实时计算为 null"))
    rows = RankingDiffRowSerializer(many=True)
    unchanged = serializers.IntegerField()


class MapQuerySerializer(serializers.Serializer):
    region = RegionCodeField(required=False, help_text=_("区域代码（默认：本人管辖区域）"))
    period = PeriodField(required=False, help_text=_("期间 YYYY-MM（默认：最近计算的期间）"))
    measure = serializers.ChoiceField(
        choices=["investment_rate", "red_share", "start_rate"],
        default="investment_rate",
        help_text=_("下级区域着色指标：investment_rate|red_share|start_rate"),
    )
    bbox = serializers.CharField(
        required=False,
        help_text=_("只取此范围内的项目：最小经度,最小纬度,最大经度,最大纬度（RFC 7946 顺序）"),
    )
    limit = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text=_("最多返回的项目点数（默认且不超过 MAP_MAX_POINTS；红灯、黄灯优先）"),
    )

    def validate_bbox(self, value):
        try:
            return maps.parse_bbox(value)
        except ValueError:
            raise serializers.ValidationError(
                _("范围应为“最小经度,最小纬度,最大经度,最大纬度”四个数。")
            ) from None


class ForecastQuerySerializer(serializers.Serializer):
    region = RegionCodeField(required=False, help_text=_("区域代码（默认：本人管辖区域）"))
    period = PeriodField(required=False, help_text=_("期间 YYYY-MM（默认：最近计算的期间）"))
    group_by = serializers.ChoiceField(
        choices=("region", "level"), default="region", help_text=_("分组：region|level")
    )


class ForecastRowSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    annual_plan = serializers.DecimalField(max_digits=18, decimal_places=2, allow_null=True)
    completed_ytd = serializers.DecimalField(max_digits=18, decimal_places=2, allow_null=True)
    forecast_completed = serializers.DecimalField(
        max_digits=18, decimal_places=2, allow_null=True, help_text=_("预计全年完成（万元）")
    )
    forecast_rate = serializers.CharField(
        allow_null=True, help_text=_("预计全年投资完成率 = Σ预计完成 ÷ Σ年度计划（小数）")
    )
    forecast_low = serializers.DecimalField(max_digits=18, decimal_places=2, allow_null=True)
    forecast_high = serializers.DecimalField(max_digits=18, decimal_places=2, allow_null=True)
    forecast_rate_low = serializers.CharField(allow_null=True)
    forecast_rate_high = serializers.CharField(allow_null=True)
    method = serializers.CharField(help_text=_("seasonal|naive_fallback|mixed"))
    method_label = serializers.CharField()
    projects = serializers.IntegerField()
    cannot_reach = serializers.IntegerField(help_text=_("按最好月份也完不成年度计划的项目数"))
    next_yellow = serializers.IntegerField(help_text=_("预计下月投资进度转黄的项目数"))
    next_red = serializers.IntegerField(help_text=_("预计下月投资进度转红的项目数"))


class ForecastResponseSerializer(serializers.Serializer):
    period = serializers.CharField()
    region = MeasuresRegionSerializer()
    group_by = serializers.CharField()
    rows = ForecastRowSerializer(many=True)
    total = ForecastRowSerializer()
    behind = serializers.ListField(
        child=serializers.CharField(), help_text=_("预计完不成年度计划的下级区域（代码）")
    )


# --- /api/v1/assessments/ (半年考核 / 年终考核) ------------------------------------------


class AssessmentTargetSerializer(serializers.Serializer):
    """Which assessment: its kind, year and parent region."""

    kind = serializers.ChoiceField(
        choices=AssessmentKind.choices,
        help_text=_("考核类型：half_year（半年考核，6 月数据）|year_end（年终考核，12 月数据）"),
    )
    year = serializers.IntegerField(min_value=2000, max_value=2100, help_text=_("考核年度"))
    parent = RegionCodeField(required=False, help_text=_("上级区域代码（默认：本人管辖区域）"))  # type: ignore[assignment]
    subject = serializers.ChoiceField(
        choices=AssessmentSubject.choices,
        default=AssessmentSubject.DISTRICT,
        help_text=_("考核对象：district（县市区，默认）|department（市直部门）"),
    )


class AssessmentQuerySerializer(AssessmentTargetSerializer):
    version = serializers.IntegerField(
        required=False, min_value=1, help_text=_("已发布的版本（默认：最新版本，未发布则实时）")
    )


class AssessmentPublishSerializer(AssessmentTargetSerializer):
    reason = CleanCharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text=_("更正原因（首次发布可不填，发布更正版本必填）"),
    )


class AssessmentScoreInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=AssessmentKind.choices)
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    indicator = serializers.SlugField(help_text=_("录入评分的考核指标代码（如 tour：观摩评议）"))
    region = RegionCodeField(help_text=_("被考核区域代码"))
    score = serializers.DecimalField(max_digits=6, decimal_places=2, min_value=0)
    note = CleanCharField(required=False, allow_blank=True, max_length=200)


class AssessmentScoreSerializer(serializers.Serializer):
    kind = serializers.CharField()
    year = serializers.IntegerField()
    indicator = serializers.CharField()
    region = serializers.CharField()
    score = serializers.DecimalField(max_digits=6, decimal_places=2)
    note = serializers.CharField()
    entered_by = serializers.CharField(allow_null=True)
    entered_at = serializers.DateTimeField()


class AssessmentIndicatorSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    source = serializers.CharField(help_text=_("计分来源：指标代码，或 entered（考核组录入）"))  # type: ignore[assignment]
    weight = serializers.FloatField()
    cap = serializers.FloatField(allow_null=True)
    full_marks = serializers.FloatField()


class AssessmentRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField(help_text=_("名次（并列同名次：1, 2, 2, 4）"))
    key = serializers.CharField()
    name = serializers.CharField()
    score = serializers.FloatField(allow_null=True, help_text=_("综合得分"))
    praised = serializers.BooleanField(help_text=_("通报表扬（前 N 名）"))
    called_in = serializers.BooleanField(help_text=_("约谈（后 N 名）"))
    points = serializers.DictField(
        child=serializers.FloatField(allow_null=True), help_text=_("各指标得分（指标代码 → 分）")
    )
    entered = serializers.DictField(
        child=serializers.FloatField(allow_null=True), help_text=_("录入的原始评分")
    )
    projects = serializers.IntegerField()
    annual_plan = serializers.CharField(allow_null=True)
    completed_ytd = serializers.CharField(allow_null=True)
    investment_rate = serializers.FloatField(allow_null=True)
    start_rate = serializers.FloatField(allow_null=True)
    finish_rate = serializers.FloatField(allow_null=True)
    statistics_rate = serializers.FloatField(allow_null=True)
    resolution_rate = serializers.FloatField(allow_null=True)


class AssessmentMissingSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    indicator = serializers.CharField()


class AssessmentResponseSerializer(serializers.Serializer):
    kind = serializers.CharField()
    subject = serializers.ChoiceField(choices=AssessmentSubject.choices)
    year = serializers.IntegerField()
    period = serializers.CharField()
    parent = MeasuresRegionSerializer()
    version = serializers.IntegerField(allow_null=True, help_text=_("已发布版本；实时计算为 null"))
    published_at = serializers.DateTimeField(allow_null=True)
    published_by = serializers.CharField(allow_null=True)
    reason = serializers.CharField()
    computed_at = serializers.DateTimeField(allow_null=True)
    indicators = AssessmentIndicatorSerializer(many=True)
    praised_top = serializers.IntegerField()
    called_in_bottom = serializers.IntegerField()
    missing = AssessmentMissingSerializer(many=True, help_text=_("尚未录入的评分"))
    rows = AssessmentRowSerializer(many=True)


class AssessmentVersionsResponseSerializer(serializers.Serializer):
    kind = serializers.CharField()
    year = serializers.IntegerField()
    parent = MeasuresRegionSerializer()
    versions = RankingVersionSerializer(many=True)
