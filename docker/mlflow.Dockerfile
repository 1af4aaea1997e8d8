# The MLflow tracking + registry server (mlflow 3.17.2) built the way ./vigie mlflow-server makes its venv: the
# project's tools/mlflow-server/setup.sh (scripts/python-venv.sh, every package hash-pinned) on Debian's Python 3.11.
# Context: docker/build.sh --mlflow (the two scripts, the pin files, and ca/: the build machine's extra CA
# certificates, for an egress proxy that re-signs TLS; empty elsewhere).
FROM debian:bookworm-slim
RUN set -eux; \
    apt-get update; \
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 python3-venv ca-certificates; \
    rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb; \
    useradd --system --uid 10002 --user-group --home-dir /var/lib/mlflow --shell /usr/sbin/nologin mlflow; \
    install -d -o mlflow -g mlflow -m 700 /var/lib/mlflow
COPY ca/ /usr/local/share/ca-certificates/
COPY scripts/ /opt/vigie/scripts/
COPY tools/ /opt/vigie/tools/
RUN set -eux; \
    update-ca-certificates; \
    py=$(PIP_CERT=/etc/ssl/certs/ca-certificates.crt VIGIE_VENV_ROOT=/opt/venv /opt/vigie/tools/mlflow-server/setup.sh); \
    "$py" -m mlflow db upgrade "sqlite:///$(dirname "$(dirname "$py")")/empty-mlflow.db" >/dev/null 2>&1; \
    rm -rf /root/.cache; chmod -R a+rX /opt/venv
USER mlflow
ENV VIGIE_VENV_ROOT=/opt/venv HOME=/var/lib/mlflow
VOLUME /var/lib/mlflow
EXPOSE 5000
# run.sh copies the migrated empty database (made above, beside the venv) into a new data dir
ENTRYPOINT ["/opt/vigie/tools/mlflow-server/run.sh", "--host", "0.0.0.0", "--port", "5000", "--dir", "/var/lib/mlflow"]
