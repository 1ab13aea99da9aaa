"""Spreadsheet imports: the project ledger (台账) and monthly reports (月报), all or nothing.

Usable outside the management commands (the browser upload runs them in a Celery task with a
progress callback):

    from imports.ledger import import_ledger

    result = import_ledger(file, year=2024, user=request.user, progress=callback)
    if not result.ok:
        for error in result.errors:  # RowError(row, column, reason)
            ...
"""
