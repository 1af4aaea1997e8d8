package io.vigie.web.core;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** multipart/x-mixed-replace framing for MJPEG over HTTP. */
public final class MjpegWriter {
    public static final String BOUNDARY = "vigieframe";
    public static final String CONTENT_TYPE = "multipart/x-mixed-replace; boundary=" + BOUNDARY;

    private MjpegWriter() {
    }

    /** Writes one part (boundary line, headers, blank line, JPEG, CRLF) and flushes. */
    public static void writePart(OutputStream out, byte[] jpeg) throws IOException {
        String head = "--" + BOUNDARY + "\r\nContent-Type: image/jpeg\r\nContent-Length: " + jpeg.length + "\r\n\r\n";
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        out.write(jpeg);
        out.write(new byte[] { '\r', '\n' });
        out.flush();
    }
}
