# The workspace image: web (uvicorn), Celery worker and beat all run from it (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# Static files are collected into the image (served by WhiteNoise). The stand-in secret exists only for this step;
# the running containers get the real one from the environment.
RUN SECRET_KEY=collectstatic-only-not-a-secret DEBUG=false python manage.py collectstatic --noinput -v 0

RUN useradd --create-home --uid 10001 app && chown -R app:app /app
USER app

EXPOSE 8000
# No per-message compression on websockets: a board sends each frame to every participant, and compressing it once
# per connection was the largest single cost of that fan-out (frames are small JSON; see tests/bench/README.md).
# X-Forwarded-For and X-Forwarded-Proto are believed only from TRUSTED_PROXIES (none unless set), the same list the
# app itself uses (collab/client_address.py): trusting anyone let each sign-in attempt claim a new address.
CMD ["sh", "-c", "exec uvicorn config.asgi:application --host=0.0.0.0 --port=8000 --workers=4 --lifespan=off \
--proxy-headers --forwarded-allow-ips=\"${TRUSTED_PROXIES:-}\" --ws-per-message-deflate=false"]
