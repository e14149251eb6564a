# syntax=docker/dockerfile:1
# One image for the whole uv workspace: every service, the sandbox and their CLIs.
# The command picks what runs:
#   docker run waops python -m core serve          (migrate, seed-demo)
#   docker run waops python -m webhook_adapter serve
#   docker run waops python -m waops_sandbox
ARG PYTHON_IMAGE=python:3.11-slim

# ---------------------------------------------------------------- build: the virtualenv
FROM ${PYTHON_IMAGE} AS build
ARG UV_VERSION=0.13.9
# uv from PyPI, pinned, as the Makefile installs it.
RUN pip install --no-cache-dir "uv==${UV_VERSION}"
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /src

# Third-party dependencies from the lock file alone: this layer is rebuilt only when
# uv.lock changes. --frozen because the members' pyproject files are not there yet.
RUN --mount=type=cache,target=/root/.cache/uv \
    --mount=type=bind,source=uv.lock,target=uv.lock \
    --mount=type=bind,source=pyproject.toml,target=pyproject.toml \
    uv sync --frozen --no-dev --no-install-workspace

# Then the workspace's own packages, as real (non-editable) installs, so the runtime
# stage needs the virtualenv only, not the sources.
COPY . .
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable

# ---------------------------------------------------------------- runtime
FROM ${PYTHON_IMAGE} AS runtime
LABEL org.opencontainers.image.title="waops" \
      org.opencontainers.image.description="WhatsApp operations layer: every waops service in one image"
# /app stays root-owned (read-only to the service); the one place waops writes is the
# webhook adapter's local media store, WAOPS_MEDIA_DIR, owned by the service's user so that a
# new compose volume mounted there takes that owner (Kubernetes mounts a volume there too).
RUN groupadd --system --gid 10001 waops \
 && useradd --system --uid 10001 --gid waops --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin waops \
 && install -d -o 10001 -g 10001 -m 0750 /var/lib/waops/media
COPY --from=build /app/.venv /app/.venv
COPY deploy/docker/healthcheck.py /app/healthcheck.py
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    WAOPS_ENV=production \
    WAOPS_HTTP_HOST=0.0.0.0 \
    WAOPS_MEDIA_DIR=/var/lib/waops/media
WORKDIR /app
# Numeric so Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
USER 10001:10001
EXPOSE 8080 8081 8082 8083 8084 8085 8086 8090
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "/app/healthcheck.py", "/healthz"]
CMD ["python", "-c", "raise SystemExit('waops image: give a command, e.g. python -m core serve (see docs/configuration.md)')"]
