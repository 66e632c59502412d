"""What every endpoint of the REST API (/api/v1/, docs/api.md) shares, one module per concern: the one error
body and the exception handler (``errors``), keyset pagination with ``changed_since`` (``pagination``), who is
calling and the audit event of a call (``callers``), the per-client throttle (``throttling``), the base view
(``views``), ETags (``etags``) and idempotency keys with their model and service (``idempotency``).

The API is a thin layer: visibility comes from the access policy, reads from the apps' selectors, writes from
their services, exactly as for the web pages. This app knows no domain: each app's ``api.py`` builds on it.
"""
