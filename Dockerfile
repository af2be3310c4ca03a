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
RUN MARKET_ENV=development python manage.py compilemessages --ignore '.venv/*' -v0 \
 && MARKET_ENV=development STATIC_ROOT=/app/staticfiles python manage.py collectstatic --noinput -v0 \
 && chown -R market /app

USER market
EXPOSE 8000
CMD ["gunicorn", "market.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "2", "--access-logfile", "-"]
