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

    /** Shown instead of a source URI's password (or lone user / token). */
    public static final String MASK = "***";

    /** The uri as logs, thread names, status messages and settings pages may show it: {@link #masked(String)}. */
    public String maskedUri() {
        return masked(uri);
    }

    /**
     * {@code rtsp://user:pw@host/x} → {@code rtsp://user:***@host/x}; a lone user or token ({@code http://tok@h/})
     * is masked whole; anything without {@code scheme://...@} is returned as it is. The one place a source's
     * credentials are hidden: every text that leaves the video pipeline goes through it.
     */
    public static String masked(String uri) {
        int scheme = uri.indexOf("://");
        if (scheme < 0) return uri;
        int start = scheme + 3;
        int end = start;
        while (end < uri.length() && "/?#".indexOf(uri.charAt(end)) < 0) end++;
        int at = uri.lastIndexOf('@', end - 1);
        if (at < start) return uri;
        int colon = uri.indexOf(':', start);
        String user = colon >= 0 && colon < at ? uri.substring(start, colon + 1) : "";
        return uri.substring(0, start) + user + MASK + uri.substring(at);
    }
}
