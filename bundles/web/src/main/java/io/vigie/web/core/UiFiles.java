package io.vigie.web.core;

import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

/**
 * The dashboard's static files, served from memory: the allow-list is the set of files the bundle ships (read once
 * at start), so no part of a request ever reaches a file system or a class loader. Only plain names with a known
 * extension are taken. Answers carry an ETag (browsers revalidate, so a bundle update shows at once), nosniff, and
 * on pages a Content-Security-Policy that allows only this origin's scripts (no inline script) and no framing.
 */
public final class UiFiles {
    static final Map<String, String> TYPES = Map.of("html", "text/html;charset=utf-8",
            "js", "text/javascript;charset=utf-8", "css", "text/css;charset=utf-8", "svg", "image/svg+xml",
            "png", "image/png", "json", "application/json;charset=utf-8", "woff2", "font/woff2");
    /** What a shipped file may be called. */
    static final String NAME = "[a-z0-9][a-z0-9_.-]{0,63}";
    static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            + "img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'self'; "
            + "form-action 'self'; frame-ancestors 'none'";

    private record File(byte[] bytes, String type, String etag) {
    }

    private final Map<String, File> files = new TreeMap<>();

    /** @param shipped file name to content; names that are not plain or of an unknown type are left out */
    public UiFiles(Map<String, byte[]> shipped) {
        shipped.forEach((name, bytes) -> {
            String type = typeOf(name);
            if (type != null) files.put(name, new File(bytes.clone(), type, "\"" + sha256(bytes).substring(0, 20) + "\""));
        });
    }

    /** @return the content type for a plain shipped name, or null when it cannot be served */
    static String typeOf(String name) {
        if (name == null || !name.matches(NAME) || name.contains("..")) return null;
        int dot = name.lastIndexOf('.');
        return dot < 0 ? null : TYPES.get(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    public java.util.Set<String> names() {
        return files.keySet();
    }

    /** Serves {@code name} (the part after /ui/), 404 JSON when it is not one of the files, 405 for non-GETs. */
    public void serve(String name, HttpServletRequest req, HttpServletResponse resp) throws IOException {
        File f = name == null ? null : files.get(name);
        if (f == null) {
            AccessPolicy.refuse(resp, 404, "no such dashboard file");
            return;
        }
        if (!"GET".equals(req.getMethod()) && !"HEAD".equals(req.getMethod())) {
            resp.setHeader("Allow", "GET, HEAD");
            AccessPolicy.refuse(resp, 405, "dashboard files are read-only");
            return;
        }
        resp.setHeader("ETag", f.etag());
        resp.setHeader("Cache-Control", "no-cache"); // revalidate each time: cheap with the ETag
        resp.setHeader("X-Content-Type-Options", "nosniff");
        if (f.type().startsWith("text/html")) {
            resp.setHeader("Content-Security-Policy", CSP);
            resp.setHeader("X-Frame-Options", "DENY");
            resp.setHeader("Referrer-Policy", "same-origin");
        }
        String match = req.getHeader("If-None-Match");
        if (match != null && match.contains(f.etag())) {
            resp.setStatus(304);
            return;
        }
        resp.setContentType(f.type());
        resp.setContentLength(f.bytes().length);
        if ("GET".equals(req.getMethod())) resp.getOutputStream().write(f.bytes());
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
