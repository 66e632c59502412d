# Production image: gunicorn web, Celery worker and Celery beat all run from this one image.
FROM node:20-bookworm-slim AS frontend
WORKDIR /build
COPY package.json package-lock.json ./
COPY scripts/build_frontend.sh scripts/build_frontend.sh
RUN ./scripts/build_frontend.sh

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
# WeasyPrint needs Pango; poppler is not needed in production.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 10001 rhi
WORKDIR /app
COPY pyproject.toml README.md requirements.lock ./
# Exactly the versions CI tested, checked against their hashes (./scripts/lock.sh writes the lock).
RUN pip install --upgrade pip && pip install --require-hashes -r requirements.lock && pip install --no-deps .
COPY . .
COPY --from=frontend /build/static_build ./static_build
RUN DJANGO_SECRET_KEY=build-only DJANGO_DEBUG=false python manage.py collectstatic --noinput
USER rhi
EXPOSE 8000
CMD ["gunicorn", "-c", "config/gunicorn.conf.py", "config.wsgi:application"]
