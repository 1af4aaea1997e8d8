package io.vigie.ota.osgi;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

import javax.servlet.Servlet;
import javax.servlet.ServletException;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import javax.servlet.http.Part;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.http.whiteboard.HttpWhiteboardConstants;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import io.vigie.ota.core.Deployer;
import io.vigie.ota.core.DpInfo;
import io.vigie.ota.core.DpStore;
import io.vigie.ota.core.HashSpec;
import io.vigie.ota.core.HttpDownloader;
import io.vigie.ota.core.OtaException;
import io.vigie.ota.core.OtaException.Kind;

/**
 * {@code /vigie/api/packages} in the {@code io.vigie} HTTP context: GET lists the packages with the health
 * watch's state, POST installs from an upload (raw body or multipart) or a URL ({@code {"url": ...}}),
 * DELETE /packages/NAME uninstalls; all through the {@link OtaAgent}'s package manager, so the checks and
 * events are the same as for DEPLOY-V2. Reads {@code download.timeout.seconds} and {@code max.package.mb}
 * of the OTA configuration.
 */
@Component(name = PackagesServlet.NAME, configurationPid = OtaComponent.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL,
        service = Servlet.class,
        property = {
            HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_NAME + "=" + OtaComponent.PID,
            HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_PATTERN + "=/api/packages",
            HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_PATTERN + "=/api/packages/*",
            HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_MULTIPART_ENABLED + "=true",
            HttpWhiteboardConstants.HTTP_WHITEBOARD_CONTEXT_SELECT + "=(" + HttpWhiteboardConstants.HTTP_WHITEBOARD_CONTEXT_NAME
                    + "=io.vigie)" })
public class PackagesServlet extends HttpServlet {
    static final String NAME = "io.vigie.ota.packages";
    private static final long serialVersionUID = 1L;
    private static final String JSON = "application/json; charset=utf-8";
    /** A detached signature fetched from {@code signatureUrl}: small, and quick to come. */
    private static final int SIGNATURE_TIMEOUT_MS = 10_000;
    private static final int SIGNATURE_MAX_BYTES = 64 * 1024;

    private final transient OtaAgent ota;
    private volatile transient HttpDownloader downloader;
    private volatile long maxBytes;

    @Activate
    public PackagesServlet(@Reference OtaAgent ota, PackagesConfig config) {
        this(ota, config.download_timeout_seconds() * 1000, config.max_package_mb() * 1024L * 1024L);
    }

    PackagesServlet(OtaAgent ota, int timeoutMs, long maxBytes) {
        this.ota = ota;
        limits(timeoutMs, maxBytes);
    }

    @Modified
    void modified(PackagesConfig config) {
        limits(config.download_timeout_seconds() * 1000, config.max_package_mb() * 1024L * 1024L);
    }

    /** REST installs may name a file: URL (an operator's local file); see HttpDownloader.FileUrls. */
    private void limits(int timeoutMs, long max) {
        maxBytes = max;
        downloader = new HttpDownloader(timeoutMs, max, HttpDownloader.FileUrls.ALLOWED);
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String name = nameOf(req);
        if (name == null) {
            JsonArray a = new JsonArray();
            for (Deployer.Installed i : ota.packages().list()) a.add(json(i));
            JsonObject o = new JsonObject();
            o.add("packages", a);
            o.add("health", health());
            send(resp, 200, o);
            return;
        }
        var i = ota.packages().get(name);
        if (i.isEmpty()) error(resp, new OtaException(Kind.NOT_FOUND, "no deployment package named " + name));
        else send(resp, 200, json(i.get()));
    }

    @Override
    protected void doDelete(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String name = nameOf(req);
        try {
            if (name == null) throw new OtaException(Kind.BAD_REQUEST, "DELETE /vigie/api/packages/<name>");
            ota.packages().uninstall(name);
            JsonObject o = new JsonObject();
            o.addProperty("uninstalled", name);
            send(resp, 200, o);
        } catch (OtaException e) {
            error(resp, e);
        }
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        Path file = null;
        try {
            if (nameOf(req) != null) throw new OtaException(Kind.BAD_REQUEST, "POST to /vigie/api/packages (not to a package)");
            file = Files.createTempFile(ota.incoming(), "upload-", ".dp");
            String type = req.getContentType() == null ? "" : req.getContentType().toLowerCase(java.util.Locale.ROOT);
            String hash = req.getParameter("sha256") != null ? req.getParameter("sha256") : req.getParameter("hash");
            String sig = req.getParameter("signature");
            if (type.startsWith("application/json")) {
                JsonObject o;
                try {
                    JsonElement e = JsonParser.parseReader(req.getReader());
                    if (!e.isJsonObject()) throw new JsonParseException("not an object");
                    o = e.getAsJsonObject();
                } catch (JsonParseException | IllegalStateException e) {
                    throw new OtaException(Kind.BAD_REQUEST, "body is not a JSON object: " + e.getMessage());
                }
                String url = str(o, "url");
                if (url == null) throw new OtaException(Kind.BAD_REQUEST, "JSON install needs \"url\"");
                hash = firstNonNull(str(o, "sha256"), str(o, "hash"), hash);
                sig = firstNonNull(str(o, "signature"), sig);
                downloader.download(url, file);
                String sigUrl = str(o, "signatureUrl");
                if (sig == null && sigUrl != null) sig = fetchSignature(sigUrl);
            } else if (type.startsWith("multipart/form-data")) {
                Part dp = null;
                for (Part p : req.getParts()) {
                    switch (p.getName()) {
                        case "sha256", "hash" -> hash = text(p);
                        case "signature" -> sig = Base64.getEncoder().encodeToString(read(p, 64 * 1024));
                        default -> {
                            if (dp != null)
                                throw new OtaException(Kind.BAD_REQUEST, "one package per request (got " + dp.getName()
                                        + " and " + p.getName() + ")");
                            dp = p;
                        }
                    }
                }
                if (dp == null) throw new OtaException(Kind.BAD_REQUEST, "multipart upload without a package part");
                try (InputStream in = dp.getInputStream(); OutputStream out = Files.newOutputStream(file)) {
                    HttpDownloader.copyCapped(in, out, maxBytes);
                }
            } else {
                try (InputStream in = req.getInputStream(); OutputStream out = Files.newOutputStream(file)) {
                    if (HttpDownloader.copyCapped(in, out, maxBytes) == 0)
                        throw new OtaException(Kind.BAD_REQUEST, "empty body: send the .dp file");
                }
            }
            HashSpec expected = hash == null || hash.isBlank() ? null : HashSpec.parse(hash);
            byte[] signature = null;
            if (sig != null && !sig.isBlank()) {
                try {
                    signature = Base64.getMimeDecoder().decode(sig.trim());
                } catch (IllegalArgumentException e) {
                    throw new OtaException(Kind.BAD_REQUEST, "signature is not base64");
                }
            }
            DpInfo info = ota.packages().install(file, expected, signature);
            JsonObject o = new JsonObject();
            o.addProperty("installed", info.name());
            o.addProperty("version", info.version());
            o.addProperty("sha256", ota.store().entries().stream().filter(e -> e.name().equals(info.name()))
                    .map(DpStore.Entry::sha256)
                    .findFirst().orElse(null)); // recorded by the install: no second pass over the file
            JsonArray b = new JsonArray();
            info.bundles().forEach(r -> b.add(r.symbolicName() + " " + r.version()));
            o.add("bundles", b);
            // the verdict comes later: GET /vigie/api/packages -> health.last
            o.addProperty("healthCheck", ota.guard().pending(info.name()).isPresent() ? "watching" : "none");
            send(resp, 200, o);
        } catch (OtaException e) {
            error(resp, e);
        } catch (ServletException | IllegalStateException e) {
            error(resp, new OtaException(Kind.BAD_REQUEST, "bad upload: " + e.getMessage()));
        } catch (IOException e) {
            error(resp, new OtaException(Kind.INTERNAL, "upload failed: " + e.getMessage()));
        } finally {
            if (file != null) Files.deleteIfExists(file);
        }
    }

    private String fetchSignature(String url) throws OtaException, IOException {
        Path f = Files.createTempFile(ota.incoming(), "sig-", ".sig");
        try {
            new HttpDownloader(SIGNATURE_TIMEOUT_MS, SIGNATURE_MAX_BYTES, HttpDownloader.FileUrls.ALLOWED).download(url, f);
            return Base64.getEncoder().encodeToString(Files.readAllBytes(f));
        } finally {
            Files.deleteIfExists(f);
        }
    }

    private static byte[] read(Part p, int max) throws IOException, OtaException {
        try (InputStream in = p.getInputStream()) {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            HttpDownloader.copyCapped(in, out, max);
            return out.toByteArray();
        }
    }

    private static String text(Part p) throws IOException, OtaException {
        return new String(read(p, 1024), StandardCharsets.UTF_8).trim();
    }

    private static String str(JsonObject o, String k) throws OtaException {
        JsonElement e = o.get(k);
        if (e == null || e.isJsonNull()) return null;
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString())
            throw new OtaException(Kind.BAD_REQUEST, "\"" + k + "\" must be a string");
        return e.getAsString();
    }

    @SafeVarargs
    private static <T> T firstNonNull(T... v) {
        for (T t : v) if (t != null) return t;
        return null;
    }

    /** /api/packages/NAME -> NAME; /api/packages -> null. */
    static String nameOf(HttpServletRequest req) {
        String info = req.getPathInfo();
        if (info == null || info.equals("/") || info.isEmpty()) return null;
        String n = info.startsWith("/") ? info.substring(1) : info;
        return n.endsWith("/") ? n.substring(0, n.length() - 1) : n;
    }

    /** {"watching":[names],"last":{name:{state,version,reason,restoredVersion,...}}} */
    private JsonObject health() {
        JsonObject h = new JsonObject();
        JsonArray w = new JsonArray();
        ota.guard().watching().forEach(w::add);
        h.add("watching", w);
        JsonObject last = new JsonObject();
        ota.guard().outcomes().forEach((name, o) -> {
            JsonObject x = new JsonObject();
            x.addProperty("state", o.state());
            x.addProperty("version", o.version());
            x.addProperty("model", o.model().shortId());
            x.addProperty("reason", o.reason());
            if (o.restoredVersion() != null) x.addProperty("restoredVersion", o.restoredVersion());
            if (!o.healthy()) x.addProperty("uninstalled", o.uninstalled());
            if (o.rollbackError() != null) x.addProperty("rollbackError", o.rollbackError());
            last.add(name, x);
        });
        h.add("last", last);
        return h;
    }

    private static JsonObject json(Deployer.Installed i) {
        JsonObject o = new JsonObject();
        o.addProperty("name", i.name());
        o.addProperty("version", i.version());
        JsonArray b = new JsonArray();
        for (DpInfo.BundleRef r : i.bundles()) {
            JsonObject x = new JsonObject();
            x.addProperty("symbolicName", r.symbolicName());
            x.addProperty("version", r.version());
            b.add(x);
        }
        o.add("bundles", b);
        return o;
    }

    private static void error(HttpServletResponse resp, OtaException e) throws IOException {
        JsonObject o = new JsonObject();
        o.addProperty("error", e.getMessage());
        o.addProperty("status", e.kind.status);
        send(resp, e.kind.status, o);
    }

    private static void send(HttpServletResponse resp, int status, JsonObject body) throws IOException {
        resp.setStatus(status);
        resp.setContentType(JSON);
        resp.setHeader("Cache-Control", "no-store");
        byte[] b = new Gson().toJson(body).getBytes(StandardCharsets.UTF_8);
        resp.setContentLength(b.length);
        resp.getOutputStream().write(b);
    }
}
