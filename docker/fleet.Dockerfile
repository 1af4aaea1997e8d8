# The fleet rollout tool (./vigie fleet, docs/FLEET.md) as a container on the fleet's network: it speaks MQTT (Kura
# BIRTH, DEPLOY-V2) to the broker and serves the package over HTTP to the gateways itself (--http-host fleet).
# Built by docker/build.sh --fleet on top of the gateway image, which already has Debian's Java 17 and the vigie
# user; the context holds tools/fleet's jar and its libraries (Maven's target/lib).
ARG GATEWAY_IMAGE=vigie-gateway:dev
FROM ${GATEWAY_IMAGE}
COPY --chown=root:root fleet/ /opt/vigie-fleet/
USER root
RUN install -d -o vigie -g vigie -m 700 /var/lib/vigie-fleet
USER vigie
# rollout state (resume, second-rollout lock) and reports
VOLUME /var/lib/vigie-fleet
HEALTHCHECK NONE
ENTRYPOINT ["java", "-cp", "/opt/vigie-fleet/*:/opt/vigie-fleet/lib/*", "io.vigie.tools.fleet.FleetMain"]
CMD ["--help"]
