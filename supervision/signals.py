"""Signals of the supervision app, for the apps above it (which it must not import).

- `calendar_changed(sender=WorkCalendar, calendar=…)`: a holiday schedule or a day was loaded or
  corrected; sent inside the transaction that recomputes the issues' working-day deadlines.
  Receivers recompute their own working-day deadlines (the meetings app: letters' reply
  deadlines) and return how many they changed.
"""

from django.dispatch import Signal

calendar_changed = Signal()
