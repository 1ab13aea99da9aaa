"""What every app shares and nothing app-specific: the period, formatting at the edge, the
abstract base models and the small helpers of services and forms. Imports no app (an
import-linter contract)."""
