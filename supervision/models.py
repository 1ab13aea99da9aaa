"""Supervision: issue lists, dispatch meetings, reminder letters, inspections (issue #4)."""
