# Market Link application image: web (gunicorn), worker and beat all run from it.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv UV_COMPILE_BYTECODE=1 PATH="/opt/venv/bin:$PATH"

RUN apt-get update \
 && apt-get install -y --no-install-recommends gettext libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/* \
 && pip install --no-cache-dir "uv>=0.9,<1" \
 && useradd --create-home --uid 1000 market

WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project
COPY . .
# Static files are built for production's storage (hashed names, staticfiles.json, .gz/.br): without the
# manifest every page answers 500. Production settings refuse to load without their secrets, so this one
# command gets throwaway build-only values; nothing connects to them and none reaches the image's ENV.
# Our own modules are compiled here too: with PYTHONDONTWRITEBYTECODE each worker would compile them at start.
RUN MARKET_ENV=development python manage.py compilemessages --ignore '.venv/*' -v0 \
 && MARKET_ENV=production STATIC_ROOT=/app/staticfiles ALLOWED_HOSTS=build.invalid \
    SECRET_KEY=build-only-collectstatic-placeholder-not-a-secret-never-served \
    DATABASE_URL=sqlite:////tmp/build-only.sqlite3 REDIS_URL=redis://build.invalid:6379/0 \
    python manage.py collectstatic --noinput -v0 \
 && python -m compileall -q -j 0 /app \
 && chown -R market /app

USER market
EXPOSE 8000
# SIGTERM (docker stop, a rolling update) is gunicorn's graceful shutdown: it stops accepting, lets requests in
# flight finish for up to --graceful-timeout seconds, then exits; compose gives it stop_grace_period: 40s.
STOPSIGNAL SIGTERM
CMD ["gunicorn", "market.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "2", "--graceful-timeout", "30", "--timeout", "60", "--access-logfile", "-"]
