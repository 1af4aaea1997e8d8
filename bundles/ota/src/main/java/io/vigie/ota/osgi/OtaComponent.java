package io.vigie.ota.osgi;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javax.servlet.Servlet;
import javax.servlet.ServletException;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import javax.servlet.http.Part;

import org.eclipse.kura.KuraException;
import org.eclipse.kura.cloudconnection.request.RequestHandlerRegistry;
import org.eclipse.kura.configuration.ConfigurableComponent;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.deploymentadmin.DeploymentAdmin;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;
import org.osgi.service.http.whiteboard.HttpWhiteboardConstants;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import io.vigie.ota.core.Deployer;
import io.vigie.ota.core.DeployV2Handler;
import io.vigie.ota.core.Downloader;
import io.vigie.ota.core.DpInfo;
import io.vigie.ota.core.DpInspector;
import io.vigie.ota.core.DpStore;
import io.vigie.ota.core.HashSpec;
import io.vigie.ota.core.HealthPolicy;
import io.vigie.ota.core.ModelGuard;
import io.vigie.ota.core.ModelRef;
import io.vigie.ota.core.OtaException;
import io.vigie.ota.core.OtaException.Kind;
import io.vigie.ota.core.PackageManager;
import io.vigie.ota.core.SignatureVerifier;

/**
 * OTA agent: {@code /vigie/api/packages} in the {@code io.vigie} HTTP context (GET list, POST
 * install from an upload or a URL, DELETE /packages/NAME), all through the real DeploymentAdmin;
 * packages are kept under {@code ${vigie.data}/dp} and re-installed at start (core first), and a
 * seed folder ({@code vigie.dp.seed}) provides the first ones. Posts
 * {@code io/vigie/ota/INSTALLED|UNINSTALLED|FAILED|HEALTHY|ROLLBACK}.
 * <p>
 * Also the cloud side: a Kura DEPLOY-V2 request handler registered with every
 * {@link RequestHandlerRegistry} (cloud connection), and the automatic rollback of model packages,
 * fed with the detector's FRAME/MODEL events (this component is their EventHandler).
 */
@Designate(ocd = OtaConfig.class)
@Component(name = OtaComponent.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL,
        service = { Servlet.class, ConfigurableComponent.class, EventHandler.class },
        property = {
            "service.pid=" + OtaComponent.PID,
            EventConstants.EVENT_TOPIC + "=" + OtaComponent.FRAME_TOPIC,
            EventConstants.EVENT_TOPIC + "=" + OtaComponent.MODEL_TOPIC,
            HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_NAME + "=" + OtaComponent.PID,
            HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_PATTERN + "=/api/packages",
            HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_PATTERN + "=/api/packages/*",
            HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_MULTIPART_ENABLED + "=true",
            HttpWhiteboardConstants.HTTP_WHITEBOARD_CONTEXT_SELECT + "=(" + HttpWhiteboardConstants.HTTP_WHITEBOARD_CONTEXT_NAME + "=io.vigie)" })
public class OtaComponent extends HttpServlet implements ConfigurableComponent, PackageManager.Listener, EventHandler {
    public static final String PID = "io.vigie.ota";
    public static final String TOPIC = "io/vigie/ota/";
    /** The detector's topics (io.vigie.api DetectorTopics; plain strings so this bundle needs no Vigie API). */
    static final String FRAME_TOPIC = "io/vigie/detector/FRAME";
    static final String MODEL_TOPIC = "io/vigie/detector/MODEL";
    static final String DETECTOR_PID = "io.vigie.detector";
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(OtaComponent.class);
    private static final String JSON = "application/json; charset=utf-8";

    private final transient EventAdmin events;
    private final transient PackageManager manager;
    private final transient DpStore store;
    private final transient Path incoming;
    private final transient Path defaultSeed;
    private volatile transient Downloader downloader;
    private volatile long maxBytes;
    private volatile transient Thread restorer;
    private final transient ModelGuard guard;
    private final transient DeployV2Handler deployV2;
    private final transient java.util.concurrent.ScheduledExecutorService ticker;
    private final transient java.util.concurrent.ExecutorService jobs;
    private final transient List<RequestHandlerRegistry> registries = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile String appId;
    private volatile transient OtaConfig config;
    private volatile transient ConfigurationAdmin configAdmin;

    @Activate
    public OtaComponent(@Reference DeploymentAdmin da, @Reference EventAdmin events, BundleContext context, OtaConfig config)
            throws IOException {
        this.events = events;
        String data = context.getProperty("vigie.data");
        Path dir = data != null ? Path.of(data, "dp") : context.getDataFile("dp").toPath();
        this.store = new DpStore(dir);
        this.incoming = Files.createDirectories(dir.resolve("incoming"));
        String seed = context.getProperty("vigie.dp.seed");
        this.defaultSeed = seed == null || seed.isBlank() ? null : Path.of(seed);
        String processor = DpInspector.processorOf(System.getProperty("os.arch"));
        this.manager = new PackageManager(new DaDeployer(da, context), store, new DpInspector(processor), this);
        this.guard = new ModelGuard(manager, policy(config), this::outcome);
        this.jobs = java.util.concurrent.Executors.newSingleThreadExecutor(r -> daemon(r, "vigie-ota-deploy-v2"));
        this.deployV2 = new DeployV2Handler(manager, guard, dir.resolve("downloads"), jobs,
                new DeployV2Handler.Settings(config.deploy_v2_app_id(), config.download_timeout_seconds() * 1000,
                        config.max_package_mb() * 1024L * 1024L));
        this.appId = config.deploy_v2_app_id();
        modified(config);
        this.ticker = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "vigie-ota-health"));
        // verdicts and rollbacks run here: never on EventAdmin's or SCR's threads
        ticker.scheduleWithFixedDelay(() -> {
            try {
                guard.tick(System.currentTimeMillis());
            } catch (RuntimeException e) {
                LOG.error("OTA: health check failed", e);
            }
        }, 500, 500, java.util.concurrent.TimeUnit.MILLISECONDS);
        Path seedDir = config.seed_dir().isBlank() ? defaultSeed : Path.of(config.seed_dir());
        // DA installs and starts bundles: never from SCR's activation thread.
        restorer = new Thread(() -> {
            List<String> done = manager.restore(seedDir);
            if (!done.isEmpty()) LOG.info("OTA: installed at start: {}", done);
        }, "vigie-ota-restore");
        restorer.setDaemon(true);
        restorer.start();
        LOG.info("OTA: packages in {} (processor {}){}", dir, processor, seedDir == null ? "" : ", seed " + seedDir);
    }

    @Modified
    void modified(OtaConfig config) {
        SignatureVerifier v = null;
        if (!config.public_key().isBlank()) {
            try {
                v = SignatureVerifier.of(config.public_key());
            } catch (IllegalArgumentException e) {
                LOG.error("OTA: {}: {}", PID, e.getMessage());
            }
        }
        if (config.signature_required() && v == null)
            LOG.warn("OTA: signature required but no valid public key: every install is refused");
        manager.options(new PackageManager.Options(v, config.signature_required()));
        maxBytes = config.max_package_mb() * 1024L * 1024L;
        downloader = new Downloader(config.download_timeout_seconds() * 1000, maxBytes);
        this.config = config;
        HealthPolicy hp = policy(config);
        guard.configure(config.rollback_enabled(), hp);
        LOG.info("OTA: rollback {}, health window {} s, health budget {} ms, min fps ratio {}, max model errors {}; DEPLOY-V2 app id {}",
                config.rollback_enabled() ? "on" : "off", config.health_window_seconds(), Math.round(hp.latencyBudgetMs()),
                hp.minFpsRatio(), hp.maxModelErrors(), config.deploy_v2_app_id());
        deployV2.settings(new DeployV2Handler.Settings(config.deploy_v2_app_id(), config.download_timeout_seconds() * 1000, maxBytes),
                2L * config.health_window_seconds() * 1000 + 30_000);
        String previous = appId;
        if (!previous.equals(config.deploy_v2_app_id())) {
            appId = config.deploy_v2_app_id();
            for (RequestHandlerRegistry r : registries) {
                unregister(r, previous);
                register(r);
            }
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        Thread t = restorer;
        if (t != null) t.join(5_000);
        ticker.shutdownNow();
        deployV2.close();
        jobs.shutdownNow();
    }

    // ---- DEPLOY-V2: one handler, registered with every matching cloud connection. The default target is the
    // standalone runtime's own connection: inside Kura, Kura's DEPLOY-V2 cloudlet owns that app id, and Kura's
    // registry replaces a handler registered under an id already taken, so ours must not reach it unasked.

    @Reference(name = "RequestHandlerRegistry", cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            target = OtaConfig.STANDALONE_REGISTRY)
    void bindRequestHandlerRegistry(RequestHandlerRegistry r) {
        registries.add(r);
        register(r);
    }

    void unbindRequestHandlerRegistry(RequestHandlerRegistry r) {
        registries.remove(r);
        unregister(r, appId);
    }

    private void register(RequestHandlerRegistry r) {
        try {
            r.registerRequestHandler(appId, deployV2);
            LOG.info("OTA: request handler {} registered with {}", appId, r.getClass().getName());
        } catch (KuraException | RuntimeException e) {
            LOG.warn("OTA: cannot register request handler {}: {}", appId, e.getMessage());
        }
    }

    private void unregister(RequestHandlerRegistry r, String id) {
        try {
            r.unregister(id);
        } catch (KuraException | RuntimeException e) {
            LOG.debug("OTA: unregister {}: {}", id, e.getMessage());
        }
    }

    // ---- automatic rollback

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    void bindConfigurationAdmin(ConfigurationAdmin ca) {
        configAdmin = ca;
    }

    void unbindConfigurationAdmin(ConfigurationAdmin ca) {
        if (configAdmin == ca) configAdmin = null;
    }

    private HealthPolicy policy(OtaConfig c) {
        long budget = c.health_latency_budget_ms() < 0 ? detectorBudget() : c.health_latency_budget_ms();
        return new HealthPolicy(c.health_window_seconds() * 1000L, c.health_max_model_errors(), budget, c.health_min_fps_ratio());
    }

    /** The detector's model.latency.budget.ms (its metatype default 1000 when it has no configuration). */
    private long detectorBudget() {
        ConfigurationAdmin ca = configAdmin;
        if (ca == null) return 1000;
        try {
            Configuration[] cs = ca.listConfigurations("(service.pid=" + DETECTOR_PID + ")");
            Object v = cs == null || cs.length == 0 || cs[0].getProperties() == null ? null : cs[0].getProperties().get("model.latency.budget.ms");
            if (v == null) return 1000;
            return v instanceof Number n ? n.longValue() : Long.parseLong(v.toString().trim());
        } catch (Exception e) {
            LOG.debug("OTA: cannot read the detector's latency budget: {}", e.toString());
            return 1000;
        }
    }

    @Override
    public void handleEvent(Event e) {
        ModelRef m = modelOf(e);
        if (m == null) return;
        long now = System.currentTimeMillis();
        if (FRAME_TOPIC.equals(e.getTopic())) {
            Object t = e.getProperty("total.ms");
            guard.frame(m, t instanceof Number n ? n.doubleValue() : 0, now);
        } else if (MODEL_TOPIC.equals(e.getTopic())) {
            Object err = e.getProperty("error");
            guard.model(m, err == null ? null : err.toString(), now);
        }
    }

    private static ModelRef modelOf(Event e) {
        Object n = e.getProperty("model.name"), p = e.getProperty("model.precision"), v = e.getProperty("model.version"),
                s = e.getProperty("model.sha256");
        if (n == null || p == null || v == null || s == null) return null;
        return new ModelRef(n.toString(), p.toString(), v.toString(), s.toString());
    }

    private void outcome(ModelGuard.Outcome o) {
        Map<String, Object> p = new HashMap<>();
        p.put("name", o.name());
        p.put("version", o.version());
        p.put("model", o.model().shortId());
        p.put("reason", o.reason());
        if (o.healthy()) {
            LOG.info("OTA: {} {} healthy: {}", o.name(), o.version(), o.reason());
            post("HEALTHY", p);
            return;
        }
        p.put("state", o.state());
        p.put("uninstalled", o.uninstalled());
        if (o.restoredVersion() != null) p.put("restored.version", o.restoredVersion());
        if (o.rollbackError() != null) p.put("error", o.rollbackError());
        LOG.warn("OTA: {}", DeployV2Handler.rollbackText(o));
        post("ROLLBACK", p);
    }

    // ---- events

    private void post(String what, Map<String, Object> props) {
        events.postEvent(new Event(TOPIC + what, props));
    }

    @Override
    public void installed(DpInfo info, String sha256) {
        LOG.info("OTA: installed {} {} ({} bundles, sha256 {})", info.name(), info.version(), info.bundles().size(), sha256);
        OtaConfig c = config;
        if (c != null) guard.configure(c.rollback_enabled(), policy(c)); // the detector's budget may have changed
        guard.installed(info, manager.storedFile(info.name()), System.currentTimeMillis())
                .ifPresent(w -> LOG.info("OTA: watching the model of {} {} before keeping it", info.name(), info.version()));
        Map<String, Object> p = new HashMap<>();
        p.put("name", info.name());
        p.put("version", info.version());
        p.put("sha256", sha256);
        p.put("bundles", info.bundles().stream().map(DpInfo.BundleRef::symbolicName).toArray(String[]::new));
        post("INSTALLED", p);
    }

    @Override
    public void uninstalled(String name) {
        LOG.info("OTA: uninstalled {}", name);
        guard.uninstalled(name);
        post("UNINSTALLED", Map.of("name", name));
    }

    @Override
    public void failed(String name, String operation, OtaException e) {
        LOG.warn("OTA: {} {} failed: {}", operation, name, e.getMessage());
        post("FAILED", Map.of("name", name, "operation", operation, "message", String.valueOf(e.getMessage()),
                "status", e.kind.status));
    }

    // ---- HTTP

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String name = nameOf(req);
        if (name == null) {
            JsonArray a = new JsonArray();
            for (Deployer.Installed i : manager.list()) a.add(json(i));
            JsonObject o = new JsonObject();
            o.add("packages", a);
            o.add("health", health());
            send(resp, 200, o);
            return;
        }
        var i = manager.get(name);
        if (i.isEmpty()) error(resp, new OtaException(Kind.NOT_FOUND, "no deployment package named " + name));
        else send(resp, 200, json(i.get()));
    }

    @Override
    protected void doDelete(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String name = nameOf(req);
        try {
            if (name == null) throw new OtaException(Kind.BAD_REQUEST, "DELETE /vigie/api/packages/<name>");
            manager.uninstall(name);
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
            file = Files.createTempFile(incoming, "upload-", ".dp");
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
                            if (dp != null) throw new OtaException(Kind.BAD_REQUEST, "one package per request (got " + dp.getName() + " and " + p.getName() + ")");
                            dp = p;
                        }
                    }
                }
                if (dp == null) throw new OtaException(Kind.BAD_REQUEST, "multipart upload without a package part");
                try (InputStream in = dp.getInputStream(); OutputStream out = Files.newOutputStream(file)) {
                    Downloader.copyCapped(in, out, maxBytes);
                }
            } else {
                try (InputStream in = req.getInputStream(); OutputStream out = Files.newOutputStream(file)) {
                    if (Downloader.copyCapped(in, out, maxBytes) == 0) throw new OtaException(Kind.BAD_REQUEST, "empty body: send the .dp file");
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
            DpInfo info = manager.install(file, expected, signature);
            JsonObject o = new JsonObject();
            o.addProperty("installed", info.name());
            o.addProperty("version", info.version());
            o.addProperty("sha256", store.entries().stream().filter(e -> e.name().equals(info.name())).map(DpStore.Entry::sha256)
                    .findFirst().orElse(null)); // recorded by the install: no second pass over the file
            JsonArray b = new JsonArray();
            info.bundles().forEach(r -> b.add(r.symbolicName() + " " + r.version()));
            o.add("bundles", b);
            // the verdict comes later: GET /vigie/api/packages -> health.last
            o.addProperty("healthCheck", guard.pending(info.name()).isPresent() ? "watching" : "none");
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
        Path f = Files.createTempFile(incoming, "sig-", ".sig");
        try {
            new Downloader(10_000, 64 * 1024).download(url, f);
            return Base64.getEncoder().encodeToString(Files.readAllBytes(f));
        } finally {
            Files.deleteIfExists(f);
        }
    }

    private static byte[] read(Part p, int max) throws IOException, OtaException {
        try (InputStream in = p.getInputStream()) {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            Downloader.copyCapped(in, out, max);
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
        guard.watching().forEach(w::add);
        h.add("watching", w);
        JsonObject last = new JsonObject();
        guard.outcomes().forEach((name, o) -> {
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
