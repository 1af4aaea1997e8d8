package io.vigie.video.internal;

import java.net.URI;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Locale;
import java.util.regex.Pattern;

import io.vigie.api.video.SourceConfig;

/**
 * A parsed source URI.
 *
 * @param kind   what opens it
 * @param target what FFmpeg (or the folder reader) is given: a path, a device or a URL
 * @param text   the URI as configured, for messages
 */
public record SourceUri(Kind kind, String target, String text) {

    public enum Kind {
        FILE(false), DIR(false), STREAM(true), CAMERA(true);

        private final boolean live;

        Kind(boolean live) { this.live = live; }

        /** Live inputs run at their own pace and their end of input is a failure, not an end. */
        public boolean live() { return live; }
    }

    private static final Pattern VIDEO_DEVICE = Pattern.compile("/dev/video\\d+");
    private static final Pattern SCHEME = Pattern.compile("^([a-zA-Z][a-zA-Z0-9+.-]*):.*");

    /** @throws IllegalArgumentException for an empty URI or an unsupported scheme (a configuration error) */
    public static SourceUri parse(String uri) {
        if (uri == null || uri.isBlank()) throw new IllegalArgumentException("source uri is empty");
        String u = uri.strip();
        if (VIDEO_DEVICE.matcher(u).matches()) return new SourceUri(Kind.CAMERA, u, uri);
        var m = SCHEME.matcher(u);
        // "C:\..." style drive letters are single letters: treat as paths.
        if (!m.matches() || m.group(1).length() == 1) return new SourceUri(Kind.FILE, u, uri);
        String scheme = m.group(1).toLowerCase(Locale.ROOT);
        String rest = u.substring(scheme.length() + 1);
        switch (scheme) {
            case "file":
                return new SourceUri(Kind.FILE, localPath(u, rest), uri);
            case "dir":
                return new SourceUri(Kind.DIR, localPath(null, rest), uri);
            case "v4l2": {
                String dev = rest.startsWith("//") ? rest.substring(2) : rest;
                if (dev.isEmpty()) throw new IllegalArgumentException("v4l2 source without a device: " + uri);
                return new SourceUri(Kind.CAMERA, dev, uri);
            }
            case "rtsp": case "rtsps": case "http": case "https": case "rtmp": case "udp": case "srt":
                if (!rest.startsWith("//") || rest.length() <= 2)
                    throw new IllegalArgumentException("stream URL without a host: " + SourceConfig.masked(uri));
                return new SourceUri(Kind.STREAM, u, uri);
            default:
                throw new IllegalArgumentException("unsupported source uri scheme '" + scheme + "' in " + SourceConfig.masked(uri)
                        + " (use file:, dir:, v4l2:, rtsp://, http(s)://, or a plain path)");
        }
    }

    private static String localPath(String fullUri, String rest) {
        if (rest.isEmpty()) throw new IllegalArgumentException("source uri without a path: " + fullUri);
        // file:///x and file:/x are proper URIs (may hold %20 escapes); file:x and dir:x are taken literally.
        if (fullUri != null && rest.startsWith("/")) {
            try {
                return Paths.get(URI.create(fullUri)).toString();
            } catch (RuntimeException e) {
                // not a well-formed URI (spaces...): fall through to the literal path
            }
        }
        String p = rest.startsWith("//") ? rest.substring(2) : rest;
        return p;
    }

    public Path path() { return Paths.get(target); }

    /** The URI with its password (or lone user / token) masked: what logs, thread names and status may show. */
    public String shown() { return SourceConfig.masked(text); }

    /** {@code message} with every copy of the raw URI (FFmpeg quotes its input) replaced by {@link #shown()}. */
    public String scrub(String message) {
        if (message == null) return null;
        String shown = shown();
        return message.replace(text, shown).replace(text.strip(), shown).replace(target, SourceConfig.masked(target));
    }

    /** Masked ({@link #shown()}): a SourceUri in a log line never prints a password. */
    @Override
    public String toString() { return shown(); }
}
