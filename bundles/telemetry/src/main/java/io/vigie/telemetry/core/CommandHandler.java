package io.vigie.telemetry.core;

import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import org.eclipse.kura.KuraErrorCode;
import org.eclipse.kura.KuraException;
import org.eclipse.kura.cloudconnection.message.KuraMessage;
import org.eclipse.kura.cloudconnection.request.RequestHandler;
import org.eclipse.kura.cloudconnection.request.RequestHandlerContext;
import org.eclipse.kura.cloudconnection.request.RequestHandlerMessageConstants;
import org.eclipse.kura.message.KuraPayload;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;

import io.vigie.api.detect.DetectorSettingsService;
import io.vigie.api.detect.DetectorStatus;
import io.vigie.api.detect.ZoneState;
import io.vigie.api.model.ModelIdentity;
import io.vigie.view.json.ApiJson;

/**
 * Kura request handler for app id VIGIE-V1 (configurable): {@code GET status}, {@code GET config},
 * {@code PUT config}, {@code GET snapshot}, {@code EXEC model}. Unknown resource → NOT_FOUND; bad
 * key/type/value, a body where none is expected or a request over the size limits → BAD_REQUEST
 * and nothing changed. Config changes are serialised (one at a time) and go through the detector's
 * {@link DetectorSettingsService}, which owns every range and format; this handler only decides which
 * keys may be changed remotely ({@link ConfigPatch}).
 */
public final class CommandHandler implements RequestHandler {
    static final int MAX_SEGMENT = 64;
    static final int MAX_BODY = 4096;

    /** Waits for the next snapshot; the handler bounds the wait. */
    @FunctionalInterface
    public interface Snapshots {
        CompletableFuture<Snapshot> request();
    }

    /** How long to wait and how to sleep while the detector takes up a zone change (fakes in tests). */
    public interface Waiter {
        long nowMillis();

        void sleep(long ms) throws InterruptedException;
    }

    private final Supplier<DetectorStatus> detector;
    private final Supplier<DetectorSettingsService> settings;
    private final Snapshots snapshots;
    private final Supplier<Payloads.Counters> counters;
    private final long snapshotTimeoutMs;
    private final long applyTimeoutMs;
    private final Waiter waiter;
    private final Gson gson = new GsonBuilder().serializeSpecialFloatingPointValues().create();
    private final Object configLock = new Object();

    /** @param settings the detector's settings service, null while there is none */
    public CommandHandler(Supplier<DetectorStatus> detector, Supplier<DetectorSettingsService> settings, Snapshots snapshots,
            Supplier<Payloads.Counters> counters, long snapshotTimeoutMs, long applyTimeoutMs, Waiter waiter) {
        this.detector = detector;
        this.settings = settings;
        this.snapshots = snapshots;
        this.counters = counters;
        this.snapshotTimeoutMs = snapshotTimeoutMs;
        this.applyTimeoutMs = applyTimeoutMs;
        this.waiter = waiter;
    }

    /** Real clock and sleep. */
    public static Waiter systemWaiter() {
        return new Waiter() {
            @Override
            public long nowMillis() {
                return System.currentTimeMillis();
            }

            @Override
            public void sleep(long ms) throws InterruptedException {
                Thread.sleep(ms);
            }
        };
    }

    @Override
    public KuraMessage doGet(RequestHandlerContext context, KuraMessage req) throws KuraException {
        String r = resource(req, "GET");
        noBody(req);
        switch (r) {
            case "status": return status();
            case "config": return getConfig();
            case "snapshot": return snapshot();
            case "model": throw badRequest("model supports EXEC (metric precision=INT8|FP32); GET status shows the active model");
            default: throw notFound("GET", r);
        }
    }

    @Override
    public KuraMessage doPut(RequestHandlerContext context, KuraMessage req) throws KuraException {
        String r = resource(req, "PUT");
        if (!r.equals("config")) throw known(r) ? badRequest(r + " does not support PUT") : notFound("PUT", r);
        noBody(req);
        Map<String, Object> patch;
        try {
            patch = ConfigPatch.parse(metrics(req));
        } catch (IllegalArgumentException e) {
            throw badRequest(e.getMessage());
        }
        return applyConfig(patch);
    }

    @Override
    public KuraMessage doExec(RequestHandlerContext context, KuraMessage req) throws KuraException {
        String r = resource(req, "EXEC");
        if (!r.equals("model")) throw known(r) ? badRequest(r + " does not support EXEC") : notFound("EXEC", r);
        noBody(req);
        Map<String, Object> m = metrics(req);
        if (m.size() != 1 || !m.containsKey("precision"))
            throw badRequest("EXEC model takes exactly one metric: precision=INT8|FP32, got " + m.keySet());
        Map<String, Object> patch;
        try {
            patch = ConfigPatch.parse(Map.of("model.precision", m.get("precision")));
            patch = settings().validate(patch);
        } catch (IllegalArgumentException e) {
            throw badRequest(e.getMessage().replace("model.precision", "precision"));
        }
        KuraMessage reply = applyConfig(patch);
        reply.getPayload().addMetric("precision.requested", patch.get("model.precision"));
        return reply;
    }

    @Override
    public KuraMessage doPost(RequestHandlerContext context, KuraMessage req) throws KuraException {
        String r = resource(req, "POST");
        throw known(r) ? badRequest(r + " does not support POST") : notFound("POST", r);
    }

    @Override
    public KuraMessage doDel(RequestHandlerContext context, KuraMessage req) throws KuraException {
        String r = resource(req, "DEL");
        throw known(r) ? badRequest(r + " does not support DEL") : notFound("DEL", r);
    }

    // ---- resources -------------------------------------------------------------------------

    private KuraMessage status() throws KuraException {
        DetectorStatus st = detector.get();
        KuraPayload p = new KuraPayload();
        JsonObject body = new JsonObject();
        if (st == null) {
            p.addMetric("state", "ABSENT");
            body.addProperty("state", "ABSENT");
        } else {
            p.addMetric("state", st.state().name());
            if (st.error() != null) p.addMetric("error", st.error());
            Payloads.putFinite(p, "fps", st.fps());
            p.addMetric("frames.processed", st.framesProcessed());
            p.addMetric("drops.sink", st.sinkDrops());
            if (st.source() != null) {
                p.addMetric("source.state", st.source().state().name());
                p.addMetric("source.decoded", st.source().decoded());
                p.addMetric("drops.source", st.source().dropped());
                p.addMetric("source.reconnects", st.source().reconnects());
                p.addMetric("source.width", st.source().width());
                p.addMetric("source.height", st.source().height());
            }
            if (st.activeModel() != null) Payloads.putModel(p, st.activeModel());
            p.addMetric("models.available", String.join(",", st.availableModels().stream().map(ModelIdentity::shortId).toList()));
            p.addMetric("zones", st.zones().size());
            body = statusJson(st);
        }
        Payloads.Counters c = counters.get();
        Payloads.putCounters(p, c);
        body.add("telemetry", gson.toJsonTree(c));
        p.setBody(gson.toJson(body).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return new KuraMessage(p);
    }

    private JsonObject statusJson(DetectorStatus st) {
        JsonObject o = new JsonObject();
        o.addProperty("state", st.state().name());
        o.addProperty("error", st.error());
        if (Double.isFinite(st.fps())) o.addProperty("fps", st.fps());
        o.addProperty("framesProcessed", st.framesProcessed());
        o.addProperty("sinkDrops", st.sinkDrops());
        if (st.source() != null) o.add("source", gson.toJsonTree(st.source()));
        if (st.activeModel() != null) o.add("activeModel", ApiJson.model(st.activeModel()));
        o.add("availableModels", ApiJson.models(st.availableModels()));
        o.add("zones", ApiJson.zones(st.zones()));
        return o;
    }

    /** The settings in force (defaults included, source credentials masked) as the detector reports them. */
    private KuraMessage getConfig() throws KuraException {
        KuraPayload p = new KuraPayload();
        JsonObject body = new JsonObject();
        for (Map.Entry<String, Object> e : settings().current().entrySet()) {
            Object v = e.getValue();
            p.addMetric(e.getKey(), metric(e.getKey(), v));
            body.add(e.getKey(), gson.toJsonTree(v));
        }
        p.addMetric("settable", String.join(",", ConfigPatch.keys()));
        p.setBody(gson.toJson(body).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return new KuraMessage(p);
    }

    /** A list as the one String PUT accepts: zones joined with '|', labels with ','. */
    private static Object metric(String key, Object v) {
        return v instanceof String[] a ? String.join(key.equals("classes") ? "," : "|", a) : v;
    }

    private KuraMessage snapshot() throws KuraException {
        CompletableFuture<Snapshot> f = snapshots.request();
        Snapshot s;
        try {
            s = f.get(snapshotTimeoutMs, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(false);
            throw new KuraException(KuraErrorCode.TIMED_OUT,
                    "no processed frame within " + snapshotTimeoutMs + " ms (detector idle?)");
        } catch (ExecutionException e) {
            throw new KuraException(KuraErrorCode.SERVICE_UNAVAILABLE, e.getCause(),
                    "snapshot failed: " + e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            f.cancel(false);
            throw new KuraException(KuraErrorCode.TIMED_OUT, "interrupted");
        }
        KuraPayload p = new KuraPayload();
        p.setTimestamp(new java.util.Date(s.timestampMillis()));
        p.addMetric("content.type", "image/jpeg");
        p.addMetric("bytes", s.jpeg().length);
        p.addMetric("width", s.width());
        p.addMetric("height", s.height());
        p.addMetric("sequence", s.sequence());
        p.addMetric("annotated", s.annotated());
        if (s.model() != null) Payloads.putModel(p, s.model());
        p.setBody(s.jpeg());
        return new KuraMessage(p);
    }

    /**
     * Applies the patch through the detector's settings service, which refuses a bad value before
     * anything is stored (BAD_REQUEST). Zones are answered once the detector runs them (the settings
     * in force show the normalised zones); if it does not within the apply timeout, the previous
     * values are put back and the reply is TIMED_OUT.
     */
    private KuraMessage applyConfig(Map<String, Object> patch) throws KuraException {
        DetectorSettingsService s = settings();
        synchronized (configLock) {
            Map<String, Object> before = s.current();
            Map<String, Object> applied = apply(s, patch);
            if (applied.containsKey("zones")) {
                String late = awaitZones(s, (String[]) applied.get("zones"));
                if (late != null) {
                    Map<String, Object> previous = new LinkedHashMap<>(before);
                    previous.keySet().retainAll(applied.keySet());
                    apply(s, previous);
                    throw new KuraException(KuraErrorCode.TIMED_OUT,
                            "detector did not confirm the zones: " + late + "; previous configuration restored");
                }
            }
            KuraPayload p = new KuraPayload();
            p.addMetric("applied", String.join(",", applied.keySet()));
            applied.forEach((k, v) -> p.addMetric(k, metric(k, v)));
            return new KuraMessage(p);
        }
    }

    private static Map<String, Object> apply(DetectorSettingsService s, Map<String, Object> values) throws KuraException {
        try {
            return s.apply(values);
        } catch (IllegalArgumentException e) {
            throw badRequest(e.getMessage());
        } catch (IOException | RuntimeException e) {
            throw new KuraException(KuraErrorCode.CONFIGURATION_UPDATE, e, "cannot update io.vigie.detector: " + e.getMessage());
        }
    }

    private DetectorSettingsService settings() throws KuraException {
        DetectorSettingsService s = settings.get();
        if (s == null)
            throw new KuraException(KuraErrorCode.SERVICE_UNAVAILABLE, "no detector: its settings service is not registered");
        return s;
    }

    /** null = the detector runs the requested zones; else why not ("timeout ..."). */
    private String awaitZones(DetectorSettingsService s, String[] zones) {
        long end = waiter.nowMillis() + applyTimeoutMs;
        while (true) {
            Object running = s.current().get("zones");
            if (running instanceof String[] r && Arrays.equals(r, zones)) return null;
            if (waiter.nowMillis() >= end) {
                DetectorStatus st = detector.get();
                String state = st == null ? "no detector"
                        : "state " + st.state() + (st.error() == null ? "" : ", error " + st.error());
                return "timeout after " + applyTimeoutMs + " ms (" + state + ", zones in force "
                        + (running instanceof String[] r ? Arrays.toString(r) : running) + ")";
            }
            try {
                waiter.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "timeout (interrupted)";
            }
        }
    }

    // ---- request parsing -------------------------------------------------------------------

    /** Request metrics set by the requester for the cloud connection (Kura's request.id / requester.client.id). */
    static final Set<String> ENVELOPE = Set.of("request.id", "requester.client.id");

    private static final Set<String> RESOURCES = Set.of("status", "config", "snapshot", "model");

    private static boolean known(String r) {
        return RESOURCES.contains(r);
    }

    /** The single resource segment; anything deeper is an unknown resource. */
    static String resource(KuraMessage req, String method) throws KuraException {
        if (req == null || req.getPayload() == null) throw badRequest("empty request");
        Object args = req.getProperties().get(RequestHandlerMessageConstants.ARGS_KEY.value());
        if (!(args instanceof List<?> list) || list.isEmpty())
            throw badRequest(method + " needs a resource: status, config, snapshot or model");
        for (Object o : list) {
            if (!(o instanceof String s) || s.isEmpty() || s.length() > MAX_SEGMENT)
                throw badRequest("bad resource path " + shorten(list));
        }
        if (list.size() > 1) throw notFound(method, String.join("/", list.stream().map(String::valueOf).toList()));
        return (String) list.get(0);
    }

    private static Map<String, Object> metrics(KuraMessage req) throws KuraException {
        Map<String, Object> m = req.getPayload().metrics();
        if (m == null) return Map.of();
        Map<String, Object> out = new LinkedHashMap<>(m);
        // Kura's request envelope rides in the same metrics: it addresses the reply, it is not an argument
        out.keySet().removeAll(ENVELOPE);
        if (out.size() > ConfigPatch.MAX_KEYS) throw badRequest("too many metrics: " + out.size() + " > " + ConfigPatch.MAX_KEYS);
        return out;
    }

    private static void noBody(KuraMessage req) throws KuraException {
        byte[] b = req.getPayload().getBody();
        if (b != null && b.length > 0)
            throw badRequest("unexpected body (" + b.length + " bytes" + (b.length > MAX_BODY ? ", oversized" : "")
                    + "): send metrics only");
    }

    private static String shorten(Object o) {
        String s = String.valueOf(o);
        return s.length() > 100 ? s.substring(0, 100) + "..." : s;
    }

    static KuraException badRequest(String message) {
        return new KuraException(KuraErrorCode.BAD_REQUEST, message);
    }

    static KuraException notFound(String method, String resource) {
        return new KuraException(KuraErrorCode.NOT_FOUND,
                method + " " + shorten(resource) + ": no such resource (status, config, snapshot, model)");
    }
}
