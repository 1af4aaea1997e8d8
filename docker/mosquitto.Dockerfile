# The fleet's MQTT broker: Debian's mosquitto on the same base image as the gateway (no registry needed here).
# Anonymous clients on 1883 (docker/compose.yml publishes it on the host's loopback only, for the fleet tool): put
# password_file / TLS in a mounted mosquitto.conf for anything beyond a lab (mosquitto.conf(5)).
FROM debian:bookworm-slim
RUN set -eux; \
    apt-get update; \
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends mosquitto; \
    rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb; \
    printf 'listener 1883\nallow_anonymous true\npersistence false\nlog_dest stdout\nmax_queued_messages 10000\n' \
      > /etc/mosquitto/vigie.conf
USER mosquitto
EXPOSE 1883
CMD ["mosquitto", "-c", "/etc/mosquitto/vigie.conf"]
