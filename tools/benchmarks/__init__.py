"""The speed measurements behind docs/benchmarks.md, one module per area; ``manage.py benchmark`` runs them.

Figures are printed, never asserted; every measured write runs inside a transaction that is rolled back."""
