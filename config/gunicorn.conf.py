"""gunicorn settings for the production shape (docker-compose.yml, Dockerfile): ``gunicorn -c config/gunicorn.conf.py``.

The access log never holds a query string or a referrer: URLs can carry search terms, and the docs promise
that logs never hold personal data. It logs the method, the path alone, the status, the size, the time taken
and the request id (set by the app), which is what operations need to follow a request.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
accesslog = "-"
errorlog = "-"
# %(U)s is the path without its query string; %(r)s (the request line) and %(f)s (the referrer) would carry one.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%({x-request-id}o)s"'
