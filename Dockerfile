# One image for every process of the installation: web (gunicorn), worker and beat (celery),
# and the one-shot migrate step. See docker-compose.yml and docs/deploy.md.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=portfolio.settings \
    DEBUG=0 \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/app/media

WORKDIR /app

# Dependencies first (their layer is rebuilt only when the lock file changes): exactly the
# versions of requirements/base.txt, made by `make lock` from pyproject.toml, each file checked
# against its hash. Then the project itself, without dependencies: it declares no installable
# packages ([tool.setuptools] packages = []), so this adds only its metadata; the code runs
# from /app.
COPY requirements/base.txt requirements/base.txt
RUN pip install --require-hashes --no-deps -r requirements/base.txt && pip check
COPY pyproject.toml README.md ./
RUN pip install --no-deps .

# The code (what is left out is listed in .dockerignore: tests, local databases, the venv).
COPY . .

# Static files are collected into the image and served by whitenoise (intranets have no CDN).
# DEBUG=0 (the image's default) selects the compressed manifest storage; the key below exists
# only for this step.
RUN SECRET_KEY=collectstatic-build-step-only-not-used-at-run-time-0123456789 \
    python manage.py collectstatic --no-input --verbosity 0

# An unprivileged user owns nothing but the media folder (uploads).
RUN useradd --system --create-home --uid 1000 app \
    && mkdir -p /app/media \
    && chown app:app /app/media
USER app

EXPOSE 8000
CMD ["gunicorn", "portfolio.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", \
     "--access-logfile", "-", "--timeout", "120"]
