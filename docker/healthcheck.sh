#!/usr/bin/env bash
# The gateway image's HEALTHCHECK: /vigie/metrics (Prometheus text, the one path served without a login) answers
# and reports vigie_up 1 (a detector bound and RUNNING). bash's /dev/tcp: the image needs no curl.
set -euo pipefail
exec 3<>"/dev/tcp/127.0.0.1/${VIGIE_PORT:-8080}"
printf 'GET /vigie/metrics HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
grep -q '^vigie_up 1' <&3
