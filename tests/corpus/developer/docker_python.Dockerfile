# Dockerfile: a Python service with a pinned base image digest and a non-root user
FROM python:3.12.3-slim@sha256:2be8daddbb82756f7d1f2c7ece706aadcb284bf6ab6d769ea695cc3ed6016743 AS base
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN apt-get update && apt-get install -y --no-install-recommends libpq5 tini \
    && rm -rf /var/lib/apt/lists/*

FROM base AS builder
RUN apt-get update && apt-get install -y --no-install-recommends build-essential libpq-dev
COPY requirements.lock /tmp/
RUN pip wheel --wheel-dir /wheels --require-hashes -r /tmp/requirements.lock

FROM base
RUN useradd --create-home --uid 10001 app
COPY --from=builder /wheels /wheels
RUN pip install --no-index --find-links /wheels /wheels/*.whl && rm -rf /wheels
WORKDIR /home/app
COPY --chown=app:app src/ ./src/
USER app
ENV DJANGO_SETTINGS_MODULE=src.settings.production
EXPOSE 8000
ENTRYPOINT ["tini", "--"]
CMD ["gunicorn", "src.wsgi:application", "--bind", "[::]:8000", "--workers", "4"]
