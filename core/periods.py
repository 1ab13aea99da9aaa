"""The period (期间) of every figure: year Y, months 1..m ("1—m月").

One type for the measures, the filters, the pages and the jobs. Text is parsed with
`Period.parse` (or `Period.parse_optional` where blank means "the default"); a bad value raises
`InvalidPeriod`, a Django `ValidationError` (so forms, filters and the API answer 400 with the
message) that is also a `ValueError` (so a command or a job treats it as a bad argument).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from . import formatting

FIRST_YEAR, LAST_YEAR = 2000, 2100
_TEXT = re.compile(r"^(?P<year>\d{4})-(?P<month>\d{2})$")


class InvalidPeriod(ValidationError, ValueError):
    """A period that does not exist or text that is not "YYYY-MM"."""


@dataclass(frozen=True, order=True)
class Period:
    """Year Y, months 1..m. Ordered in time; hashable; `str()` is "YYYY-MM"."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not FIRST_YEAR <= self.year <= LAST_YEAR:
            raise InvalidPeriod(
                _("年份应在 2000 至 2100 之间：%(y)s") % {"y": self.year}, code="invalid_period"
            )
        if not 1 <= self.month <= 12:
            raise InvalidPeriod(
                _("月份应在 1 至 12 之间：%(m)s") % {"m": self.month}, code="invalid_period"
            )

    # --- Making one ------------------------------------------------------------------------

    @classmethod
    def parse(cls, text: str | None) -> Period:
        """'2024-10' → Period(2024, 10); anything else ('2024-1', '2024-13') → InvalidPeriod."""
        match = _TEXT.match((text or "").strip())
        if match:
            year, month = int(match["year"]), int(match["month"])
            if FIRST_YEAR <= year <= LAST_YEAR and 1 <= month <= 12:
                return cls(year, month)
        raise InvalidPeriod(
            _("期间“%(value)s”格式不正确，应为 YYYY-MM（如 2024-10），月份 01–12。")
            % {"value": text or ""},
            code="invalid_period",
        )

    @classmethod
    def parse_optional(cls, text: str | None) -> Period | None:
        """Like `parse`, but blank text is None (the caller's default applies)."""
        return cls.parse(text) if (text or "").strip() else None

    @classmethod
    def of(cls, day: dt.date) -> Period:
        """The period whose last month contains `day`."""
        return cls(day.year, day.month)

    @classmethod
    def current(cls, today: dt.date | None = None) -> Period:
        """This month (still running: its figures are as of today)."""
        return cls.of(today or timezone.localdate())

    @classmethod
    def latest_complete(cls, today: dt.date | None = None) -> Period:
        """The reporting period: last month (a month's reports arrive early the next)."""
        return cls.current(today).previous()

    @classmethod
    def from_index(cls, index: int) -> Period:
        """The period with the given `index` (months since year 0)."""
        year, month0 = divmod(index - 1, 12)
        return cls(year, month0 + 1)

    # --- Arithmetic ------------------------------------------------------------------------

    @property
    def index(self) -> int:
        """Months since year 0: differences of indexes are numbers of months."""
        return self.year * 12 + self.month

    def shifted(self, months: int) -> Period:
        return Period.from_index(self.index + months)

    def previous(self) -> Period:
        return self.shifted(-1)

    def next(self) -> Period:
        return self.shifted(1)

    def lookback_start(self, months: int) -> Period:
        """The first month of a look-back of `months` months ending with this period, or January
        of this year where that is earlier (figures of the year always start in January)."""
        return min(self.shifted(1 - months), Period(self.year, 1))

    def same_month_last_year(self) -> Period:
        return Period(self.year - 1, self.month)

    def months_of_year(self) -> Iterator[Period]:
        """January .. this month of the same year."""
        return (Period(self.year, m) for m in range(1, self.month + 1))

    def __iter__(self) -> Iterator[int]:
        """`year, month = period`."""
        return iter((self.year, self.month))

    # --- Days ------------------------------------------------------------------------------

    @property
    def year_start(self) -> dt.date:
        return dt.date(self.year, 1, 1)

    @property
    def start(self) -> dt.date:
        """The first day of the period's last month."""
        return dt.date(self.year, self.month, 1)

    @property
    def end(self) -> dt.date:
        """The period's last day."""
        return dt.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def as_of(self, today: dt.date | None = None) -> dt.date:
        """The day the figures are taken on: the period's last day, or today if earlier."""
        return min(self.end, today or timezone.localdate())

    def is_future(self, today: dt.date | None = None) -> bool:
        """True if the period's last month has not begun yet."""
        return self > Period.current(today)

    # --- Measures and words ----------------------------------------------------------------

    @property
    def time_progress(self) -> Decimal:
        """m / 12, exact (时间进度 without a monthly plan)."""
        return Decimal(self.month) / Decimal(12)

    @property
    def label(self) -> str:
        """ "2024年1—10月" (the months a year-to-date figure covers)."""
        return formatting.cnperiod(self)

    @property
    def month_label(self) -> str:
        """ "2024年10月" (the one month)."""
        return formatting.cnmonth(self)

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d}"


def month_start(index: int) -> dt.date:
    """The first day of the month with the given `Period.index`."""
    return Period.from_index(index).start
