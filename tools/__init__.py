"""Tooling that measures the product rather than being part of it: the speed benchmarks
(``manage.py benchmark``, docs/benchmarks.md). Nothing in a domain app imports this package."""
