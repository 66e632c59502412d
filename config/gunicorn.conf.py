"""gunicorn settings for the production shape (docker-compose.yml, Dockerfile): ``gunicorn -c config/gunicorn.conf.py``.

The access log never holds a query string or a referrer: URLs can carry search terms, and the docs promise
that logs never hold personal data. It logs the method, the path alone, the status, the size, the time taken
and the request id (set by the app), which is what operations need to follow a request.
"""

import os

from gunicorn.glogging import Logger

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# Request line and headers are refused (400) past these before Django runs; the body's limit is the app's
# (core/limits.py: 413 on Content-Length before the body is read).
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190
accesslog = "-"
errorlog = "-"
# %(U)s is the path without its query string; %(r)s (the request line) and %(f)s (the referrer) would carry one.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%({x-request-id}o)s"'


class PathOnlyLogger(Logger):
    """gunicorn's error log names the URI when a request fails outside Django ("Error handling request
    /path?query"): keep the path, drop the query string, as in the access log."""

    def exception(self, msg: str, *args: object, **kwargs: object) -> None:
        super().exception(msg, *(a.split("?", 1)[0] if isinstance(a, str) else a for a in args), **kwargs)


logger_class = PathOnlyLogger


def post_worker_init(worker: object) -> None:
    """Each worker loads WeasyPrint as it starts (the app is loaded by then), so the first PDF it serves does not
    also pay for the import (reporting.exports.prepare_pdf_rendering)."""
    from reporting.exports import prepare_pdf_rendering  # noqa: PLC0415 — Django is set up only in the worker

    prepare_pdf_rendering()
