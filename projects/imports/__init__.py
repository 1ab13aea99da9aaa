"""Spreadsheet imports: the project ledger (台账) and monthly reports (月报), all or nothing.

Usable outside the management commands (the browser upload runs them in a Celery task with a
progress callback):

    result = import_ledger(file, year=2024, user=request.user, progress=callback)
    if not result.ok:
        for error in result.errors:  # RowError(row, column, reason)
            ...
"""

from .ledger import import_ledger, ledger_columns
from .reports import REPORT_COLUMNS, import_reports
from .result import FILE_ROW, ImportResult, RowError

__all__ = [
    "FILE_ROW",
    "REPORT_COLUMNS",
    "ImportResult",
    "RowError",
    "import_ledger",
    "import_reports",
    "ledger_columns",
]
