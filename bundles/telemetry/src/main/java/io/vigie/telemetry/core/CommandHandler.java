package io.vigie.telemetry.core;

import java.io.IOException;
import java.lang.reflect.Array;
import java.util.Arrays;
import java.util.HashMap;
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

import io.vigie.api.detect.DetectorStatus;
import io.vigie.api.detect.ZoneState;
import io.vigie.api.model.ModelIdentity;
import io.vigie.view.json.ApiJson;

/**
 * Kura request handler for app id VIGIE-V1 (configurable): {@code GET status}, {@code GET config},
 * {@code PUT config}, {@code GET snapshot}, {@code EXEC model}. Unknown resource → NOT_FOUND; bad
 * key/type/value, a body where none is expected or a request over the size limits → BAD_REQUEST
 * and nothing changed. Config changes are serialised (one at a time).
 */
public final class CommandHandler implements RequestHandler {
    static final int MAX_SEGMENT = 64;
    static final int MAX_BODY = 4096;

    /** Waits for the next snapshot; the handler bounds the wait. */
    @FunctionalInterface
    public interface Snapshots {
        CompletableFuture<Snapshot> request();
    }

    /** How long to wait and how to sleep while the detector confirms a zone change (fakes in tests). */
    public interface Waiter {
        long nowMillis();

        void sleep(long ms) throws InterruptedException;
    }

    private final Supplier<DetectorStatus> detector;
    private final DetectorConfigStore config;
    private final Snapshots snapshots;
    private final Supplier<Payloads.Counters> counters;
    private final long snapshotTimeoutMs;
    private final long applyTimeoutMs;
    private final Waiter waiter;
    private final Gson gson = new GsonBuilder().serializeSpecialFloatingPointValues().create();
    private final Object configLock = new Object();

    public CommandHandler(Supplier<DetectorStatus> detector, DetectorConfigStore config, Snapshots snapshots,
            Supplier<Payloads.Counters> counters, long snapshotTimeoutMs, long applyTimeoutMs, Waiter waiter) {
        this.detector = detector;
        this.config = config;
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

    private KuraMessage getConfig() throws KuraException {
        Map<String, Object> props;
        try {
            props = config.read();
        } catch (IOException | RuntimeException e) {
            throw new KuraException(KuraErrorCode.CONFIGURATION_ERROR, e, "cannot read io.vigie.detector: " + e.getMessage());
        }
        KuraPayload p = new KuraPayload();
        JsonObject body = new JsonObject();
        p.addMetric("configured", props != null);
        if (props != null) {
            for (Map.Entry<String, Object> e : new java.util.TreeMap<>(props).entrySet()) {
                String k = e.getKey();
                if (k.startsWith("service.") || k.startsWith("felix.") || k.startsWith("component.")) continue;
                Object v = e.getValue();
                if (v == null) continue;
                if (v.getClass().isArray()) {
                    String[] items = new String[Array.getLength(v)];
                    for (int i = 0; i < items.length; i++) items[i] = String.valueOf(Array.get(v, i));
                    // same separators PUT accepts: zones with '|', labels with ','
                    p.addMetric(k, String.join(k.equals("classes") ? "," : "|", items));
                    body.add(k, gson.toJsonTree(items));
                } else if (v instanceof String || v instanceof Boolean || v instanceof Integer || v instanceof Long
                        || v instanceof Float || v instanceof Double) {
                    p.addMetric(k, v);
                    body.add(k, gson.toJsonTree(v));
                } else {
                    p.addMetric(k, String.valueOf(v));
                    body.addProperty(k, String.valueOf(v));
                }
            }
        }
        p.addMetric("settable", String.join(",", ConfigPatch.keys()));
        p.setBody(gson.toJson(body).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return new KuraMessage(p);
    }

    private KuraMessage snapshot() throws KuraException {
        CompletableFuture<Snapshot> f = snapshots.request();
        Snapshot s;
        try {
            s = f.get(snapshotTimeoutMs, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(false);
            throw new KuraException(KuraErrorCode.TIMED_OUT, "no processed frame within " + snapshotTimeoutMs + " ms (detector idle?)");
        } catch (ExecutionException e) {
            throw new KuraException(KuraErrorCode.SERVICE_UNAVAILABLE, e.getCause(), "snapshot failed: " + e.getCause().getMessage());
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
     * Merges the patch into the detector's configuration. The detector validates zones itself and
     * refuses a bad configuration as a whole (status ERROR "zones: ..."): when zones change we wait
     * for its verdict; a refusal puts the previous configuration back and answers BAD_REQUEST.
     */
    private KuraMessage applyConfig(Map<String, Object> patch) throws KuraException {
        synchronized (configLock) {
            Map<String, Object> before;
            try {
                before = config.read();
            } catch (IOException | RuntimeException e) {
                throw new KuraException(KuraErrorCode.CONFIGURATION_ERROR, e, "cannot read io.vigie.detector: " + e.getMessage());
            }
            DetectorStatus st0 = detector.get();
            String errorBefore = st0 == null ? null : st0.error();
            Map<String, Object> next = new HashMap<>(before == null ? Map.of() : before);
            next.putAll(patch);
            write(next);
            if (patch.containsKey("zones")) {
                String verdict = awaitZones((String[]) patch.get("zones"), errorBefore);
                if (verdict != null) {
                    write(before); // the detector kept its running settings; make the stored config match again
                    if (verdict.startsWith("timeout"))
                        throw new KuraException(KuraErrorCode.TIMED_OUT, "detector did not confirm the zones: " + verdict + "; previous configuration restored");
                    throw badRequest("detector refused the configuration: " + verdict + "; nothing changed");
                }
            }
            KuraPayload p = new KuraPayload();
            p.addMetric("applied", String.join(",", patch.keySet()));
            for (Map.Entry<String, Object> e : patch.entrySet()) {
                Object v = e.getValue();
                p.addMetric(e.getKey(), v instanceof String[] a ? String.join(e.getKey().equals("classes") ? "," : "|", a) : v);
            }
            return new KuraMessage(p);
        }
    }

    private void write(Map<String, Object> props) throws KuraException {
        try {
            config.write(props);
        } catch (IOException | RuntimeException e) {
            throw new KuraException(KuraErrorCode.CONFIGURATION_UPDATE, e, "cannot update io.vigie.detector: " + e.getMessage());
        }
    }

    /** null = the detector runs the requested zones; else why not ("timeout ..." or its error). */
    private String awaitZones(String[] zones, String errorBefore) throws KuraException {
        List<String> wanted = Arrays.stream(zones).map(z -> z.substring(0, Math.max(0, z.indexOf(':'))).trim()).toList();
        long end = waiter.nowMillis() + applyTimeoutMs;
        String last = "no detector";
        while (true) {
            DetectorStatus st = detector.get();
            if (st != null) {
                String err = st.error();
                boolean refused = st.state() == DetectorStatus.State.ERROR && err != null && err.startsWith("zones:")
                        && !err.equals(errorBefore);
                if (refused) return err;
                List<String> names = st.zones().stream().map(ZoneState::name).toList();
                boolean configError = st.state() == DetectorStatus.State.ERROR && err != null && err.startsWith("zones:");
                if (names.equals(wanted) && !configError && samePolygons(st.zones(), zones)) return null;
                last = "state " + st.state() + ", zones " + names + (err == null ? "" : ", error " + err);
            }
            if (waiter.nowMillis() >= end) return "timeout after " + applyTimeoutMs + " ms (" + last + ")";
            try {
                waiter.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "timeout (interrupted)";
            }
        }
    }

    /** Lenient comparison of the running polygons with the requested ones (names already match). */
    private static boolean samePolygons(List<ZoneState> running, String[] specs) {
        for (int i = 0; i < specs.length; i++) {
            String[] pts = specs[i].substring(specs[i].indexOf(':') + 1).split(";");
            List<float[]> poly = running.get(i).polygon();
            if (poly.size() != pts.length) return false;
            for (int j = 0; j < pts.length; j++) {
                String[] xy = pts[j].trim().split(",");
                try {
                    if (xy.length != 2 || Math.abs(Float.parseFloat(xy[0].trim()) - poly.get(j)[0]) > 1e-4
                            || Math.abs(Float.parseFloat(xy[1].trim()) - poly.get(j)[1]) > 1e-4)
                        return false;
                } catch (NumberFormatException e) {
                    return false;
                }
            }
        }
        return true;
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
        if (!(args instanceof List<?> list) || list.isEmpty()) throw badRequest(method + " needs a resource: status, config, snapshot or model");
        for (Object o : list) {
            if (!(o instanceof String s) || s.isEmpty() || s.length() > MAX_SEGMENT) throw badRequest("bad resource path " + shorten(list));
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
            throw badRequest("unexpected body (" + b.length + " bytes" + (b.length > MAX_BODY ? ", oversized" : "") + "): send metrics only");
    }

    private static String shorten(Object o) {
        String s = String.valueOf(o);
        return s.length() > 100 ? s.substring(0, 100) + "..." : s;
    }

    static KuraException badRequest(String message) {
        return new KuraException(KuraErrorCode.BAD_REQUEST, message);
    }

    static KuraException notFound(String method, String resource) {
        return new KuraException(KuraErrorCode.NOT_FOUND, method + " " + shorten(resource) + ": no such resource (status, config, snapshot, model)");
    }
}
