"""Tooling that measures the product rather than being part of it: the speed benchmarks
(``manage.py benchmark``, docs/benchmarks.md) and the DfE validator check of the SSDA903 exports
(``manage.py export_ssda903_returns``, tools/dfe903/, docs/returns.md). Nothing in a domain app imports this
package."""
