"""Code any app may import, with no models and no domain rules: parsing what comes in a URL
(``query_params``), the request size limits (``limits``), queueing background work after commit
(``enqueue``) and typed form-field helpers (``forms``). It imports no project app, so it sits under all of
them (docs/architecture.md)."""
