# BZPEER production image: gunicorn serves the site and WhiteNoise its static files.
# The same image runs the Celery worker and beat (see docker-compose.yml).
FROM python:3.13-slim

# uv from PyPI, pinned like the Makefile's; the lock file decides every other version.
ARG UV_VERSION=0.13.9
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    PATH=/app/.venv/bin:$PATH
RUN pip install --no-cache-dir "uv==${UV_VERSION}"

WORKDIR /app
# Dependencies first, so a code change does not reinstall them.
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project --python /usr/local/bin/python3.13
COPY . .
RUN uv sync --frozen --no-dev --python /usr/local/bin/python3.13

# Hashed, compressed static files are part of the image; collectstatic reads no secret.
RUN DEBUG=0 SECRET_KEY=collectstatic-at-build-time-only python manage.py collectstatic \
        --noinput --verbosity 0

RUN useradd --system --uid 10001 --no-create-home --home-dir /app bzpeer
USER bzpeer

EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"]
CMD ["sh", "-c", "python manage.py migrate --noinput && python manage.py render_markdown && exec gunicorn bzpeer.wsgi --bind 0.0.0.0:8000 --workers ${WEB_CONCURRENCY:-2} --worker-class gthread --threads 4 --access-logfile -"]
