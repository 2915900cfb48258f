# Pulse: one process running the Discord and/or Slack connectors and the scheduler.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
# The package installed is this project; its dependency ranges live in pyproject.toml.
# hadolint ignore=DL3013
RUN pip install --no-cache-dir ".[postgres]" \
    && useradd --create-home --uid 10001 pulse \
    && mkdir /data && chown pulse /data

USER 10001
WORKDIR /data
# Slack http mode listens here (set slack.host = "0.0.0.0" in the container's config).
EXPOSE 3000
ENTRYPOINT ["pulse"]
CMD ["run", "-c", "/config/config.toml"]
