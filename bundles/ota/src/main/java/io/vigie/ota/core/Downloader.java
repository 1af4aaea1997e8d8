package io.vigie.ota.core;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import io.vigie.ota.core.OtaException.Kind;

/** Fetches a package from http, https or file URLs into a file, with connect/read timeouts and a size cap. */
public final class Downloader {
    private final int timeoutMillis;
    private final long maxBytes;

    public Downloader(int timeoutMillis, long maxBytes) {
        this.timeoutMillis = timeoutMillis;
        this.maxBytes = maxBytes;
    }

    public void download(String url, Path target) throws OtaException, IOException {
        URL u;
        try {
            URI uri = new URI(url);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https") && !scheme.equals("file"))
                throw new OtaException(Kind.BAD_REQUEST, "unsupported URL scheme '" + scheme + "' (http, https, file)");
            u = uri.toURL();
        } catch (URISyntaxException | MalformedURLException | IllegalArgumentException e) {
            throw new OtaException(Kind.BAD_REQUEST, "bad URL '" + url + "': " + e.getMessage());
        }
        URLConnection c = u.openConnection();
        c.setConnectTimeout(timeoutMillis);
        c.setReadTimeout(timeoutMillis);
        try {
            if (c instanceof HttpURLConnection h) {
                int code = h.getResponseCode();
                if (code != 200) throw new OtaException(Kind.BAD_REQUEST, "download " + url + ": HTTP " + code);
            }
            long declared = c.getContentLengthLong();
            if (declared > maxBytes) throw new OtaException(Kind.BAD_REQUEST, "package too large: " + declared + " > " + maxBytes + " bytes");
            try (InputStream in = c.getInputStream(); OutputStream out = Files.newOutputStream(target)) {
                copyCapped(in, out, maxBytes);
            }
        } catch (java.net.SocketTimeoutException e) {
            throw new OtaException(Kind.BAD_REQUEST, "download " + url + " timed out after " + timeoutMillis + " ms");
        } catch (java.io.FileNotFoundException e) {
            throw new OtaException(Kind.BAD_REQUEST, "download " + url + ": not found");
        } catch (java.net.ConnectException | java.net.UnknownHostException e) {
            throw new OtaException(Kind.BAD_REQUEST, "download " + url + ": " + e);
        } finally {
            if (c instanceof HttpURLConnection h) h.disconnect();
        }
    }

    /** Copies at most max bytes; more is an error (the partial file is the caller's to delete). */
    public static long copyCapped(InputStream in, OutputStream out, long max) throws IOException, OtaException {
        byte[] buf = new byte[1 << 16];
        long total = 0;
        for (int n; (n = in.read(buf)) > 0;) {
            total += n;
            if (total > max) throw new OtaException(Kind.BAD_REQUEST, "package too large: more than " + max + " bytes");
            out.write(buf, 0, n);
        }
        return total;
    }
}
