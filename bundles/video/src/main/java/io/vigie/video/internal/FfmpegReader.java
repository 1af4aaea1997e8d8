package io.vigie.video.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.bytedeco.javacpp.BytePointer;

import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;

import io.vigie.api.video.ImageView;

/** Decodes a file, a network stream or a V4L2 camera with JavaCV's FFmpegFrameGrabber into BGR24. */
public final class FfmpegReader implements FrameReader {
    static final long DEFAULT_TIMEOUT_MS = 10_000;
    private final String input;
    private final String format;
    private final Map<String, String> options;
    private final Path mustExist;
    private final long timeoutMs; // network inputs only, else 0
    private FFmpegFrameGrabber grabber;
    private double fps;

    FfmpegReader(String input, String format, Map<String, String> options, Path mustExist, long timeoutMs) {
        this.timeoutMs = timeoutMs;
        this.input = input;
        this.format = format;
        this.options = options;
        this.mustExist = mustExist;
    }

    /** A reader for the URI; network inputs get open/read timeouts and RTSP goes over TCP. */
    public static FfmpegReader of(SourceUri uri, long openTimeoutMs) {
        Map<String, String> opts = new LinkedHashMap<>();
        // 0 or less would mean "wait forever" to FFmpeg: a source must never hang, use a default
        if (openTimeoutMs <= 0) openTimeoutMs = DEFAULT_TIMEOUT_MS;
        String micros = Long.toString(openTimeoutMs * 1000);
        switch (uri.kind()) {
            case FILE:
                return new FfmpegReader(uri.target(), null, opts, uri.path(), 0);
            case CAMERA: {
                // v4l2:/dev/video0?video_size=640x480&framerate=15&input_format=mjpeg -> FFmpeg options
                String dev = uri.target();
                int q = dev.indexOf('?');
                if (q >= 0) {
                    opts.putAll(queryOptions(dev.substring(q + 1), uri));
                    dev = dev.substring(0, q);
                }
                return new FfmpegReader(dev, "video4linux2", opts, java.nio.file.Paths.get(dev), 0);
            }
            case STREAM:
                String scheme = uri.target().substring(0, uri.target().indexOf(':')).toLowerCase();
                if (scheme.startsWith("rtsp")) {
                    opts.put("rtsp_transport", "tcp");
                    opts.put("timeout", micros); // RTSP: socket I/O timeout, µs
                } else if (scheme.startsWith("http")) {
                    opts.put("timeout", micros); // HTTP: socket I/O timeout, µs
                    opts.put("reconnect", "0");   // reconnects are ours, with back-off
                }
                opts.put("rw_timeout", micros); // any protocol: blocking read/write/open bound
                return new FfmpegReader(uri.target(), null, opts, null, openTimeoutMs);
            default:
                throw new IllegalArgumentException("not an FFmpeg input: " + uri);
        }
    }

    /**
     * FFmpeg prints a format dump (INFO) on stderr at every open, i.e. at every loop of a short
     * clip: keep warnings and errors only. FFmpeg's log level is process-wide; Vigie has no other
     * FFmpeg user. Returns false if the natives cannot be loaded (sources will report that).
     */
    public static boolean quietFfmpegLogs() {
        try {
            avutil.av_log_set_level(avutil.AV_LOG_WARNING);
            return true;
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    private static final Pattern OPTION = Pattern.compile("[a-z_]+=[A-Za-z0-9_.:+-]+");

    static Map<String, String> queryOptions(String query, SourceUri uri) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String kv : query.split("&")) {
            if (kv.isEmpty()) continue;
            if (!OPTION.matcher(kv).matches())
                throw new IllegalArgumentException("bad camera option '" + kv + "' in " + uri
                        + " (expected name=value, e.g. video_size=640x480)");
            int i = kv.indexOf('=');
            m.put(kv.substring(0, i), kv.substring(i + 1));
        }
        return m;
    }

    /** Device or URL given to FFmpeg (tests). */
    String input() { return input; }

    /** FFmpeg options (tests). */
    Map<String, String> options() { return Map.copyOf(options); }

    /**
     * {@code -Dvigie.video.simd=false}: FFmpeg's plain C code (no SSE/NEON) for the whole process, so decoded frames
     * are the same bytes on every arch (the SIMD paths differ by +-1 per pixel); scripts/arm64-check.sh compares arches
     * with it. Slower: never for production.
     */
    public static final String SIMD_PROPERTY = "vigie.video.simd";

    /** Only an explicit "false" (any case, spaces trimmed) turns SIMD off; anything else leaves FFmpeg as it is. */
    static boolean simdOff(String value) {
        return value != null && value.strip().equalsIgnoreCase("false");
    }

    @Override
    public void open() throws IOException {
        close();
        FfmpegNatives.await();
        if (simdOff(System.getProperty(SIMD_PROPERTY))) avutil.av_force_cpu_flags(0);
        if (mustExist != null && !Files.exists(mustExist))
            throw new IOException((format == null ? "no such file: " : "no such camera device: ") + mustExist);
        if (mustExist != null && Files.isDirectory(mustExist))
            throw new IOException(mustExist + " is a directory (use dir:" + mustExist + " for an image folder)");
        FFmpegFrameGrabber g = new FFmpegFrameGrabber(input);
        long t0 = System.nanoTime();
        try {
            if (format != null) g.setFormat(format);
            options.forEach(g::setOption);
            g.setPixelFormat(avutil.AV_PIX_FMT_BGR24);
            g.start();
            if (!g.hasVideo()) throw new IOException("no video stream in the input");
            if (g.getPixelFormat() != avutil.AV_PIX_FMT_BGR24)
                throw new IOException("decoder cannot deliver BGR24 (pixel format " + g.getPixelFormat() + ")");
            fps = g.getVideoFrameRate();
            if (!(fps > 0 && fps < 1000)) fps = 0;
            grabber = g;
        } catch (FrameGrabber.Exception e) {
            release(g);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            // FFmpeg reports a socket timeout as whatever the protocol made of it: say what happened
            String what = timeoutMs > 0 && ms >= timeoutMs ? "no usable answer within " + ms + " ms, " : "";
            throw new IOException("cannot open: " + what + clean(e.getMessage()), e);
        } catch (IOException | RuntimeException e) {
            release(g);
            throw e;
        }
    }

    @Override
    public double fps() { return fps; }

    @Override
    public ImageView read() throws IOException {
        if (grabber == null) throw new IOException("not open");
        Frame f;
        try {
            f = grabber.grabImage();
        } catch (FrameGrabber.Exception e) {
            throw new IOException("decode failed: " + clean(e.getMessage()), e);
        }
        if (f == null) return null;
        return view(f);
    }

    /** The BGR24 pixels of a JavaCV frame, without copying. */
    static ImageView view(Frame f) throws IOException {
        if (f.image == null || f.image.length == 0 || !(f.image[0] instanceof ByteBuffer b))
            throw new IOException("decoder returned a frame without 8-bit pixels");
        // we asked for BGR24; JavaCV derives imageChannels from the padded line size, so it can
        // read 6 for narrow images: trust the stride (bytes, since the depth is 8 bits) instead
        int stride = f.imageStride;
        if (f.imageWidth <= 0 || f.imageHeight <= 0 || stride < f.imageWidth * 3)
            throw new IOException("decoder returned a " + f.imageWidth + "x" + f.imageHeight + " frame with stride "
                    + stride + ", not BGR24");
        return new ImageView(f.imageWidth, f.imageHeight, stride, b);
    }

    @Override
    public void close() {
        FFmpegFrameGrabber g = grabber;
        grabber = null;
        if (g != null) release(g);
    }

    static void release(FFmpegFrameGrabber g) {
        try {
            g.close(); // stop() + release(): frees the format/codec contexts and frames now
        } catch (Exception | LinkageError e) {
            // nothing more to free
        }
    }

    private static final Pattern FF_ERROR = Pattern.compile("(\\w+)\\(\\) error (-?\\d+)");

    /**
     * JavaCV's messages repeat themselves and end with hints for programmers; users get FFmpeg's
     * own text for the error code, e.g. "Connection refused (avformat_open_input() error -111)".
     */
    static String clean(String m) {
        if (m == null) return "unknown FFmpeg error";
        Matcher x = FF_ERROR.matcher(m);
        if (x.find()) {
            int code = Integer.parseInt(x.group(2));
            return strerror(code) + " (" + x.group(1) + "() error " + code + ")";
        }
        int i = m.indexOf(" (");
        return i > 0 ? m.substring(0, i) : m;
    }

    static String strerror(int code) {
        try (BytePointer buf = new BytePointer(256)) {
            if (avutil.av_strerror(code, buf, 256) == 0) {
                byte[] b = new byte[256];
                buf.get(b);
                int n = 0;
                while (n < b.length && b[n] != 0) n++;
                return new String(b, 0, n, java.nio.charset.StandardCharsets.UTF_8);
            }
        } catch (RuntimeException | LinkageError e) {
            // natives unavailable: the code alone
        }
        return "FFmpeg error";
    }
}
