package io.vigie.ota.osgi;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Hashtable;

import javax.servlet.MultipartConfigElement;
import javax.servlet.Servlet;
import javax.servlet.ServletException;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import javax.servlet.http.Part;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
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
import io.vigie.ota.core.DownloadPolicy;
import io.vigie.ota.core.HashSpec;
import io.vigie.ota.core.HttpDownloader;
import io.vigie.ota.core.ModelGuard;
import io.vigie.ota.core.OtaException;
import io.vigie.ota.core.OtaException.Kind;
import io.vigie.ota.core.PackageManager;

/**
 * {@code /vigie/api/packages} in the {@code io.vigie} HTTP context: GET lists the packages with the health
 * watch's state, POST installs from an upload (raw body or multipart) or a URL ({@code {"url": ...}}),
 * DELETE /packages/NAME uninstalls; all through the {@link OtaAgent}'s package manager, so the checks and
 * events are the same as for DEPLOY-V2. Reads {@code download.*} and {@code max.package.mb} of the OTA configuration.
 * <p>
 * Registers itself with the HTTP Whiteboard (not through DS) because its multipart limits derive from
 * {@code max.package.mb}: the container refuses a larger upload while parsing it, so nothing oversized is spooled,
 * and spools the rest into the OTA's own incoming folder.
 */
@Component(name = PackagesServlet.NAME, configurationPid = OtaComponent.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL,
        service = {})
public class PackagesServlet extends HttpServlet {
    static final String NAME = "io.vigie.ota.packages";
    private static final long serialVersionUID = 1L;
    private static final String JSON = "application/json; charset=utf-8";
    /** A detached signature fetched from {@code signatureUrl}: small, and quick to come. */
    private static final int SIGNATURE_TIMEOUT_MS = 10_000;
    private static final int SIGNATURE_MAX_BYTES = 64 * 1024;
    /** A JSON install request names a URL: it is small. */
    static final int JSON_MAX_BYTES = 64 * 1024;
    /** Room for the multipart parts beside the package (sha256, signature) and their headers. */
    static final long MULTIPART_OVERHEAD = 256 * 1024;
    /** Parts up to this size stay in memory; larger ones are spooled to the incoming folder. */
    static final int MULTIPART_THRESHOLD = 64 * 1024;

    private final transient OtaAgent ota;
    private volatile transient HttpDownloader downloader;
    private volatile transient DownloadPolicy policy;
    private volatile long maxBytes;
    private transient ServiceRegistration<Servlet> registration;

    @Activate
    public PackagesServlet(@Reference OtaAgent ota, PackagesConfig config, BundleContext context) {
        this(ota, config.download_timeout_seconds() * 1000, maxBytes(config), policy(config));
        registration = context.registerService(Servlet.class, this, whiteboard(maxBytes, ota.incoming()));
    }

    PackagesServlet(OtaAgent ota, int timeoutMs, long maxBytes, DownloadPolicy policy) {
        this.ota = ota;
        limits(timeoutMs, maxBytes, policy);
    }

    @Modified
    void modified(PackagesConfig config) {
        long before = maxBytes;
        limits(config.download_timeout_seconds() * 1000, maxBytes(config), policy(config));
        if (maxBytes != before) registration.setProperties(whiteboard(maxBytes, ota.incoming()));
    }

    @Deactivate
    void deactivate() {
        try {
            registration.unregister();
        } catch (IllegalStateException e) {
            // already gone with the bundle
        }
    }

    private static long maxBytes(PackagesConfig c) {
        return c.max_package_mb() * 1024L * 1024L;
    }

    private static DownloadPolicy policy(PackagesConfig c) {
        return DownloadPolicy.of(c.download_allow_local(), c.download_allowed_hosts());
    }

    private void limits(int timeoutMs, long max, DownloadPolicy p) {
        maxBytes = max;
        policy = p;
        downloader = new HttpDownloader(timeoutMs, max, p);
    }

    /** The whole multipart request may hold the package and the small parts beside it. */
    static long multipartMax(long maxBytes) {
        return maxBytes + MULTIPART_OVERHEAD;
    }

    /** The servlet's whiteboard registration: path, context and the multipart limits of the upload size cap. */
    static Hashtable<String, Object> whiteboard(long maxBytes, Path spool) {
        Hashtable<String, Object> p = new Hashtable<>();
        p.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_NAME, OtaComponent.PID);
        p.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_PATTERN, new String[] { "/api/packages", "/api/packages/*" });
        p.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_CONTEXT_SELECT,
                "(" + HttpWhiteboardConstants.HTTP_WHITEBOARD_CONTEXT_NAME + "=io.vigie)");
        p.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_MULTIPART_ENABLED, Boolean.TRUE);
        p.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_MULTIPART_MAXFILESIZE, maxBytes);
        p.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_MULTIPART_MAXREQUESTSIZE, multipartMax(maxBytes));
        p.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_MULTIPART_FILESIZETHRESHOLD, MULTIPART_THRESHOLD);
        p.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_MULTIPART_LOCATION, spool.toString());
        return p;
    }

    /** The same limits for a servlet container configured directly (tests). */
    static MultipartConfigElement multipartConfig(long maxBytes, Path spool) {
        return new MultipartConfigElement(spool.toString(), maxBytes, multipartMax(maxBytes), MULTIPART_THRESHOLD);
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
            // false only when the operator turned signatures off: shown so it is never a silent state
            PackageManager.Options opts = ota.packages().options();
            o.addProperty("signatureRequired", opts.signatureRequired());
            o.addProperty("signatureKeys", opts.verifier() == null ? 0 : opts.verifier().keys());
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
            inBackground(() -> {
                ota.packages().uninstall(name);
                return null;
            });
            JsonObject o = new JsonObject();
            o.addProperty("uninstalled", name);
            send(resp, 200, o);
        } catch (OtaException e) {
            error(resp, e);
        }
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String type = req.getContentType() == null ? "" : req.getContentType().toLowerCase(java.util.Locale.ROOT);
        boolean json = type.startsWith("application/json");
        boolean multipart = type.startsWith("multipart/form-data");
        if (!json && !multipart && !type.startsWith("application/octet-stream")) {
            error(resp, 415, "Content-Type must be application/octet-stream (the .dp as the body), multipart/form-data"
                    + " or application/json (a URL), not '" + req.getContentType() + "'");
            return;
        }
        long limit = json ? JSON_MAX_BYTES : multipart ? multipartMax(maxBytes) : maxBytes;
        if (req.getContentLengthLong() > limit) { // refused before reading any of it
            error(resp, 413, "request too large: " + req.getContentLengthLong() + " > " + limit + " bytes");
            return;
        }
        Path file = null;
        try {
            if (nameOf(req) != null) throw new OtaException(Kind.BAD_REQUEST, "POST to /vigie/api/packages (not to a package)");
            file = Files.createTempFile(ota.incoming(), "upload-", ".dp");
            // from the query string only: the container's getParameter would parse a multipart body unasked
            String hash = firstNonNull(query(req, "sha256"), query(req, "hash"));
            String sig = query(req, "signature");
            if (json) {
                byte[] body = req.getInputStream().readNBytes(JSON_MAX_BYTES + 1);
                if (body.length > JSON_MAX_BYTES) {
                    error(resp, 413, "JSON body larger than " + JSON_MAX_BYTES + " bytes");
                    return;
                }
                JsonObject o;
                try {
                    JsonElement e = JsonParser.parseString(new String(body, StandardCharsets.UTF_8));
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
            } else if (multipart) {
                java.util.Collection<Part> parts;
                try {
                    parts = req.getParts();
                } catch (IllegalStateException e) { // the servlet API's way to say a limit was passed
                    error(resp, 413, "upload too large (at most " + maxBytes + " bytes per package): " + e.getMessage());
                    return;
                }
                Part dp = null;
                for (Part p : parts) {
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
            } else { // application/octet-stream
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
            Path upload = file;
            HashSpec hashSpec = expected;
            byte[] sigBytes = signature;
            PackageManager.Result r = inBackground(() -> ota.packages().install(upload, hashSpec, sigBytes));
            DpInfo info = r.info();
            JsonObject o = new JsonObject();
            o.addProperty("installed", info.name());
            o.addProperty("version", info.version());
            o.addProperty("sha256", r.sha256());
            if (r.unchanged()) o.addProperty("unchanged", true); // that very package was installed: nothing done
            JsonArray b = new JsonArray();
            info.bundles().forEach(x -> b.add(x.symbolicName() + " " + x.version()));
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

    /** Runs a package operation on the agent's background thread; the request waits for it. */
    private <T> T inBackground(java.util.concurrent.Callable<T> op) throws OtaException, IOException {
        java.util.concurrent.Future<T> f = ota.installs().submit(op);
        try {
            return f.get();
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof OtaException o) throw o;
            if (c instanceof IOException io) throw io;
            if (c instanceof RuntimeException r) throw r;
            if (c instanceof Error x) throw x;
            throw new OtaException(Kind.INTERNAL, String.valueOf(c), c);
        } catch (InterruptedException e) {
            f.cancel(false); // not started yet: never runs; running: finishes, its outcome is in the events
            Thread.currentThread().interrupt();
            throw new OtaException(Kind.INTERNAL, "interrupted while the package operation ran");
        }
    }

    private String fetchSignature(String url) throws OtaException, IOException {
        Path f = Files.createTempFile(ota.incoming(), "sig-", ".sig");
        try {
            new HttpDownloader(SIGNATURE_TIMEOUT_MS, SIGNATURE_MAX_BYTES, policy).download(url, f);
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

    /** A parameter of the query string (decoded), or null. */
    static String query(HttpServletRequest req, String name) {
        String q = req.getQueryString();
        if (q == null) return null;
        for (String kv : q.split("&")) {
            int eq = kv.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8);
            if (k.equals(name)) return eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8);
        }
        return null;
    }

    /** /api/packages/NAME -> NAME; /api/packages -> null. */
    static String nameOf(HttpServletRequest req) {
        String info = req.getPathInfo();
        if (info == null || info.equals("/") || info.isEmpty()) return null;
        String n = info.startsWith("/") ? info.substring(1) : info;
        return n.endsWith("/") ? n.substring(0, n.length() - 1) : n;
    }

    /**
     * {"watching":[names],"watches":[{name,version,model,phase,remainingMs,maxRemainingMs,windowMs,checks}],
     * "now":ms,"last":{name:{state,version,reason,restoredVersion,at,...}}}: "watches" carries the countdown of each
     * running watch (the health feed's clock is the wall clock: "now" and "at" are epoch ms).
     */
    private JsonObject health() {
        long now = System.currentTimeMillis();
        JsonObject h = new JsonObject();
        JsonArray w = new JsonArray();
        ota.guard().watching().forEach(w::add);
        h.add("watching", w);
        h.addProperty("now", now);
        JsonArray watches = new JsonArray();
        for (ModelGuard.Watching x : ota.guard().watches(now)) {
            JsonObject o = new JsonObject();
            o.addProperty("name", x.name());
            o.addProperty("version", x.version());
            o.addProperty("model", x.model().shortId());
            // waiting: the model has not served a frame yet; judging: its window of frames runs
            o.addProperty("phase", x.progress().judging() ? "judging" : "waiting");
            o.addProperty("remainingMs", x.progress().remainingMs());
            o.addProperty("maxRemainingMs", x.progress().maxRemainingMs());
            o.addProperty("windowMs", x.policy().windowMs());
            o.addProperty("checks", x.policy().describe());
            watches.add(o);
        }
        h.add("watches", watches);
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
            Long at = ota.guard().outcomeAt(name);
            if (at != null) x.addProperty("at", at);
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
        error(resp, e.kind.status, e.getMessage());
    }

    private static void error(HttpServletResponse resp, int status, String message) throws IOException {
        JsonObject o = new JsonObject();
        o.addProperty("error", message);
        o.addProperty("status", status);
        send(resp, status, o);
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
