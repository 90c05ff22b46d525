# syntax=docker/dockerfile:1.7
# The service image. The build stage makes the venv exactly as tests/deploy/test_wheel.py does
# (deploy/build-venv.sh: the locked dependencies without dev extras, then the project's wheel);
# the final stage keeps only that venv. Build and run it where a container engine exists:
#   docker build -t csharp-ai-buddy .
#   docker compose up            (the whole stack: see README, "Deploy")

ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS build
# The same uv as the Makefile's UV_VERSION; a test keeps the two equal.
ARG UV_VERSION=0.13.8
RUN pip install --no-cache-dir --disable-pip-version-check "uv==${UV_VERSION}"
# The cache below is a mount, so uv copies files into the venv instead of linking them.
ENV UV_LINK_MODE=copy
WORKDIR /src
# Dependencies first: a change under src/ then rebuilds only the small layer of the wheel.
COPY pyproject.toml uv.lock deploy/build-venv.sh ./
RUN --mount=type=cache,target=/root/.cache/uv \
    WORK_DIR=/tmp/build ./build-venv.sh deps /opt/buddy
COPY README.md ./
COPY src ./src
RUN --mount=type=cache,target=/root/.cache/uv \
    WORK_DIR=/tmp/build ./build-venv.sh app /opt/buddy

FROM ${PYTHON_IMAGE} AS runtime
RUN groupadd --system --gid 10001 buddy \
    && useradd --system --uid 10001 --gid buddy --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin buddy \
    && install -d -o buddy -g buddy -m 0750 /data
# The venv keeps its build-stage path: its scripts name /opt/buddy/bin/python.
COPY --from=build /opt/buddy /opt/buddy
ENV PATH=/opt/buddy/bin:$PATH
# One start and one answer, as root before the switch of user, compile to bytecode what the
# service imports (the base image ships the standard library without it); the service user
# cannot write there later. This is also the image's smoke test: a service that cannot
# start or answer fails the build.
RUN --mount=type=bind,source=deploy/warm_start.py,target=/tmp/warm_start.py \
    python /tmp/warm_start.py
# Production by default: the service refuses to start until BUDDY_KEY_PEPPER and
# BUDDY_CORS_ORIGINS are given at run time (never baked into a layer).
ENV PYTHONUNBUFFERED=1 \
    ENVIRONMENT=production \
    BUDDY_HOST=0.0.0.0 \
    PORT=8000 \
    BUDDY_DATA_DIR=/data \
    BUDDY_LOG_FORMAT=json
# An empty folder owned by root: a stray .env cannot be dropped into the working folder.
WORKDIR /srv
USER 10001:10001
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ.get('PORT', '8000'), timeout=4)"]
# buddy (uvicorn) is PID 1 and handles SIGTERM itself: it stops accepting, lets open answer
# streams finish, then exits. The engine's stop timeout bounds that wait (compose sets
# stop_grace_period; `docker stop -t`). It also runs unchanged under `docker run --init`.
STOPSIGNAL SIGTERM
ENTRYPOINT ["buddy"]
CMD ["serve"]
