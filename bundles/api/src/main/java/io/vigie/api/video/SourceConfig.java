package io.vigie.api.video;

import java.util.Objects;

/**
 * Where frames come from and how fast.
 *
 * @param uri              {@code file:/x.avi} or a plain path, {@code rtsp://}, {@code http(s)://},
 *                         {@code v4l2:/dev/video0} (or {@code /dev/videoN}), {@code dir:/images}
 * @param loop             restart files/folders at their end
 * @param maxFps           frame pacing: at most this many frames per second (0 = unlimited)
 * @param realtime         files and folders are played at their native rate, like a camera
 * @param reconnectMinMs   first back-off after a failure
 * @param reconnectMaxMs   back-off ceiling (doubling)
 * @param openTimeoutMs    network open/read timeout
 */
public record SourceConfig(String uri, boolean loop, double maxFps, boolean realtime, long reconnectMinMs,
        long reconnectMaxMs, long openTimeoutMs) {
    public SourceConfig {
        Objects.requireNonNull(uri, "uri");
        if (uri.isBlank()) throw new IllegalArgumentException("source uri is empty");
        if (maxFps < 0) throw new IllegalArgumentException("maxFps < 0");
        if (reconnectMinMs <= 0 || reconnectMaxMs < reconnectMinMs)
            throw new IllegalArgumentException("reconnect back-off must satisfy 0 < min <= max");
    }
}
