# The operator's image: `make image` builds it as the chart and the kustomize base name it.
# Two stages: the first installs the pinned dependencies and the operator into a virtualenv; the
# second copies only that virtualenv onto a slim Python, runs as a non-root numeric user, and
# carries no compiler, pip cache or source tree. Every dependency comes from wheels.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ONLY_BINARY=:all:
RUN python -m venv /opt/failback-operator
WORKDIR /src
COPY requirements.lock ./
RUN /opt/failback-operator/bin/pip install --no-deps --requirement requirements.lock
COPY pyproject.toml README.md ./
COPY operator ./operator
# The project itself is pure Python: built here from source (so not wheels-only), installed without
# touching the pinned set; then pip and setuptools leave the virtualenv.
RUN env -u PIP_ONLY_BINARY /opt/failback-operator/bin/pip install --no-deps . \
    && /opt/failback-operator/bin/pip check \
    && /opt/failback-operator/bin/pip uninstall --yes pip setuptools

FROM ${PYTHON_IMAGE}
LABEL org.opencontainers.image.title="failback-operator" \
      org.opencontainers.image.description="Kubernetes operator that brings VMware VMs home from Azure Site Recovery" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=build /opt/failback-operator /opt/failback-operator
# The root filesystem is read-only in the pod; the chart mounts an emptyDir at /tmp for TMPDIR.
ENV PATH=/opt/failback-operator/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    TMPDIR=/tmp
USER 65532:65532
ENTRYPOINT ["failback-operator"]
CMD ["run"]
