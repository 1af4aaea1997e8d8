package io.vigie.detector.core;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.vigie.api.detect.DetectorStatus;
import io.vigie.api.detect.DetectorTopics;
import io.vigie.api.detect.FrameListener;
import io.vigie.api.detect.FrameResult;
import io.vigie.api.detect.Timings;
import io.vigie.api.detect.ZoneState;
import io.vigie.api.inference.Detection;
import io.vigie.api.inference.EngineOptions;
import io.vigie.api.inference.InferenceEngine;
import io.vigie.api.inference.InferenceResult;
import io.vigie.api.inference.ObjectDetector;
import io.vigie.api.model.DetectionModel;
import io.vigie.api.model.ModelIdentity;
import io.vigie.api.video.Frame;
import io.vigie.api.video.FrameSource;
import io.vigie.api.video.FrameSourceFactory;
import io.vigie.api.video.ImageView;
import io.vigie.api.video.SourceStatus;

/**
 * The detector loop: source → active model → filters → zones/dwell → sinks and events.
 * <p>
 * Threads: the source has its own capture thread; this class runs one inference thread that
 * owns the frame source and the active interpreter, and one loader thread that loads and warms
 * up models beside the running one. Replacements (source, model) are handed to the inference
 * thread through single-slot references and swapped between two frames, so no frame ever sees a
 * half-switched pipeline and the old interpreter is closed by the only thread that used it.
 */
public final class DetectionPipeline implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DetectionPipeline.class);
    private static final int SINK_QUEUE = 4;

    private final InferenceEngine engine;
    private final FrameSourceFactory sources;
    private final EventSink events;
    private final ScheduledExecutorService loader;
    private final ModelValidator validator;

    private final Map<ModelIdentity, DetectionModel> models = new ConcurrentHashMap<>();
    private final Set<ModelIdentity> failedModels = ConcurrentHashMap.newKeySet();
    private final Map<FrameListener, SinkDispatcher> sinks = new ConcurrentHashMap<>();
    private final List<SinkDispatcher> sinkList = new CopyOnWriteArrayList<>();

    private final AtomicReference<FrameSource> pendingSource = new AtomicReference<>();
    private final AtomicReference<ObjectDetector> pendingDetector = new AtomicReference<>();
    private volatile boolean zonesDirty = true;
    private volatile boolean dropActive;
    private volatile long swapRequestedNanos;

    private volatile DetectorSettings settings;
    private volatile String configError;
    private volatile String modelError;
    private volatile boolean running;
    private Thread loop;

    // Owned by the inference thread; volatile only so status() can read them.
    private volatile FrameSource source;
    private volatile ObjectDetector active;
    private volatile ModelIdentity activeId;
    private volatile FrameResult latest;
    private final Map<String, DwellTracker> trackers = new LinkedHashMap<>();

    private ModelIdentity loadingId; // guarded by this
    /** When the active model's service went away while we kept its interpreter (0: not holding). */
    private volatile long holdingSinceNanos;
    /**
     * A DP update stops the old model bundle and starts the new one within about a second: for this long after the
     * active model's service went away, only a replacement (same name and precision) is loaded, not a fallback to
     * another model — loading one would cost CPU and delay the replacement on the single loader thread.
     */
    static final long REPLACEMENT_WINDOW_MS = 3000;
    private volatile long framesProcessed;
    private volatile long removedSinkDrops;
    private final FpsMeter fps = new FpsMeter(30);

    public DetectionPipeline(InferenceEngine engine, FrameSourceFactory sources, EventSink events) {
        this(engine, sources, events, ModelValidator.builtIn());
    }

    public DetectionPipeline(InferenceEngine engine, FrameSourceFactory sources, EventSink events,
            ModelValidator validator) {
        this.validator = validator;
        this.engine = engine;
        this.sources = sources;
        this.events = events;
        this.loader = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "vigie-model-loader");
            t.setDaemon(true);
            return t;
        });
    }

    // ---- lifecycle -------------------------------------------------------------------------

    public synchronized void start() {
        if (running) return;
        running = true;
        loop = new Thread(this::runLoop, "vigie-detector");
        loop.start();
    }

    @Override
    public void close() {
        synchronized (this) {
            running = false;
        }
        if (loop != null) {
            loop.interrupt();
            try {
                loop.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        loader.shutdownNow();
        try {
            loader.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeQuietly(pendingSource.getAndSet(null));
        closeQuietly(pendingDetector.getAndSet(null));
        for (SinkDispatcher s : sinkList) s.close();
        sinkList.clear();
        sinks.clear();
    }

    /**
     * Applies new settings live. Raw config is validated by the caller ({@link DetectorSettings#validate});
     * call {@link #rejectConfig} instead when it did not validate, which keeps the running settings.
     */
    public void configure(DetectorSettings next) {
        DetectorSettings prev;
        synchronized (this) {
            prev = settings;
            settings = next;
            configError = null;
        }
        if (prev == null || !prev.source().equals(next.source())) {
            LOG.info("Opening source {}", next.source().uri());
            closeQuietly(pendingSource.getAndSet(sources.open(next.source())));
        }
        if (prev == null || !prev.zones().equals(next.zones()) || prev.dwellMs() != next.dwellMs()
                || prev.cooldownMs() != next.cooldownMs()) {
            zonesDirty = true;
        }
        boolean reload = prev != null && prev.threads() != next.threads();
        if (prev == null || prev.precision() != next.precision() || reload) {
            if (reload) failedModels.clear();
            selectModel(reload);
        }
    }

    /** Records a refused configuration; everything keeps running as it was. */
    public void rejectConfig(String message) {
        configError = message;
        LOG.error("Configuration refused, keeping the running settings: {}", message);
    }

    // ---- models ----------------------------------------------------------------------------

    public void modelAdded(DetectionModel model) {
        ModelIdentity id = model.identity();
        models.put(id, model);
        LOG.info("Model available: {}", id.shortId());
        selectModel(false);
    }

    public void modelRemoved(DetectionModel model) {
        ModelIdentity id = model.identity();
        models.remove(id, model);
        failedModels.remove(id);
        if (id.equals(activeId)) {
            holdingSinceNanos = System.nanoTime();
            // We own the bytes and the interpreter: keep serving until a replacement is ready
            // (a DP update stops the old bundle before starting the new one), but not forever.
            long grace = settings == null ? 0 : settings.gate().graceMs();
            LOG.info("Model service {} went away; serving with the loaded interpreter for up to {} ms until a replacement is bound",
                    id.shortId(), grace);
            loader.schedule(() -> {
                if (id.equals(activeId) && !models.containsKey(id) && pendingDetector.get() == null && !loading()) {
                    modelError = "model " + id.shortId() + " was removed and no replacement came within " + grace + " ms";
                    LOG.warn(modelError);
                    dropActive = true;
                }
            }, grace, TimeUnit.MILLISECONDS);
        }
        selectModel(false);
    }

    private void selectModel(boolean force) {
        DetectorSettings s = settings;
        if (s == null) return;
        Map<ModelIdentity, DetectionModel> candidates = new HashMap<>(models);
        candidates.keySet().removeAll(failedModels);
        Optional<ModelIdentity> choice = ModelSelector.choose(candidates.keySet(), s.precision());
        synchronized (this) {
            if (choice.isEmpty()) return;
            ModelIdentity id = choice.get();
            ModelIdentity held = activeId;
            if (held != null && models.containsKey(held)) holdingSinceNanos = 0; // its service is back
            long holding = holdingSinceNanos;
            if (!force && holding != 0 && held != null && !id.equals(held) && !(id.name().equals(held.name())
                    && id.precision() == held.precision())) {
                long waitMs = REPLACEMENT_WINDOW_MS - (System.nanoTime() - holding) / 1_000_000;
                if (waitMs > 0) { // still serving the held interpreter: give its replacement a chance first
                    loader.schedule(() -> selectModel(false), waitMs, TimeUnit.MILLISECONDS);
                    return;
                }
            }
            if (!force && id.equals(held)) {
                loadingId = null; // a load of another model in flight is superseded: it closes what it loaded
                ObjectDetector pending = pendingDetector.get();
                if (pending == null || pending.identity().equals(id)) return; // already serving it
                // a fallback was loaded while the held model's service was gone, and the model came back (e.g. a
                // rollback reinstalled it): keep serving it and drop the fallback, unless the detector took it already
                if (pendingDetector.compareAndSet(pending, null)) {
                    closeQuietly(pending);
                    LOG.info("Model {} is back: keeping it, {} not switched to", id.shortId(), pending.identity().shortId());
                    return;
                }
            }
            if (id.equals(loadingId)) return;
            loadingId = id;
            DetectionModel model = candidates.get(id);
            int threads = s.threads();
            DetectorSettings.ModelGate gate = s.gate();
            swapRequestedNanos = System.nanoTime();
            loader.execute(() -> load(model, id, threads, gate));
        }
    }

    private synchronized boolean loading() {
        return loadingId != null;
    }

    private void load(DetectionModel model, ModelIdentity id, int threads, DetectorSettings.ModelGate gate) {
        long t0 = System.nanoTime();
        ObjectDetector det = null;
        ModelValidator.Report report;
        try {
            byte[] bytes = model.loadBytes();
            det = engine.load(id, bytes, model.spec(), new EngineOptions(threads, true, 100));
            report = validator.validate(det, gate.minPersonScore(), gate.latencyBudgetMs());
        } catch (Exception | LinkageError e) {
            closeQuietly(det);
            failedModels.add(id);
            String msg = "model " + id.shortId() + (e instanceof IllegalStateException ? " refused: " : " failed to load: ")
                    + e.getMessage();
            modelError = msg;
            LOG.error(msg, e);
            Map<String, Object> p = modelProps(id);
            p.put(DetectorTopics.ERROR, msg);
            events.post(DetectorTopics.MODEL_CHANGED, p);
            synchronized (this) {
                if (id.equals(loadingId)) loadingId = null;
            }
            selectModel(false); // fall back to another model if one exists
            return;
        }
        synchronized (this) {
            if (!id.equals(loadingId)) { // superseded while loading
                det.close();
                return;
            }
            loadingId = null;
        }
        modelError = null;
        LOG.info("Model {} loaded and validated in {} ms ({} threads): person {} on the check image, {} ms/frame",
                id.shortId(), Math.round((System.nanoTime() - t0) / 1e6), threads,
                String.format(java.util.Locale.ROOT, "%.2f", report.bestPersonScore()),
                String.format(java.util.Locale.ROOT, "%.1f", report.medianMillis()));
        closeQuietly(pendingDetector.getAndSet(det));
    }

    // ---- sinks -----------------------------------------------------------------------------

    public void addListener(FrameListener l) {
        SinkDispatcher d = new SinkDispatcher(l, SINK_QUEUE);
        if (sinks.putIfAbsent(l, d) == null) sinkList.add(d);
        else d.close();
    }

    public void removeListener(FrameListener l) {
        SinkDispatcher d = sinks.remove(l);
        if (d != null) {
            sinkList.remove(d);
            removedSinkDrops += d.dropped();
            d.close();
        }
    }

    // ---- the loop --------------------------------------------------------------------------

    private void runLoop() {
        long lastErrorLog = 0;
        try {
            while (running) {
                swapPending();
                FrameSource src = source;
                if (src == null) {
                    Thread.sleep(50);
                    continue;
                }
                Frame f = src.take(100, TimeUnit.MILLISECONDS);
                if (f == null) continue;
                try (f) {
                    if (active != null) process(f);
                } catch (RuntimeException e) {
                    long now = System.currentTimeMillis();
                    if (now - lastErrorLog > 5000) {
                        LOG.error("Frame {} failed: {}", f.sequence(), e.toString(), e);
                        lastErrorLog = now;
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            closeQuietly(source);
            source = null;
            closeQuietly(active);
            active = null;
            activeId = null;
        }
    }

    private void swapPending() {
        FrameSource ns = pendingSource.getAndSet(null);
        if (ns != null) {
            closeQuietly(source);
            source = ns;
        }
        ObjectDetector nd = pendingDetector.getAndSet(null);
        if (nd != null) {
            ObjectDetector old = active;
            active = nd;
            activeId = nd.identity();
            closeQuietly(old);
            LOG.info("Active model is now {}{}", nd.identity().shortId(),
                    old == null ? "" : " (was " + old.identity().shortId() + ")");
            announceSwap = true;
        }
        if (dropActive) {
            dropActive = false;
            closeQuietly(active);
            active = null;
            activeId = null;
        }
        DetectorSettings s = settings;
        if (zonesDirty && s != null) { // no settings yet (configuration refused at start): nothing to track
            zonesDirty = false;
            Map<String, DwellTracker> next = new LinkedHashMap<>();
            for (Zone z : s.zones()) next.put(z.name(), new DwellTracker(s.dwellMs(), s.cooldownMs()));
            trackers.clear();
            trackers.putAll(next);
        }
    }

    private boolean announceSwap; // inference thread only

    private void process(Frame f) {
        DetectorSettings s = settings;
        ObjectDetector det = active;
        ImageView img = f.image();
        InferenceResult r = det.detect(img, s.scoreThreshold());
        long p0 = System.nanoTime();

        List<Detection> kept = new ArrayList<>(r.detections().size());
        for (Detection d : r.detections()) {
            if (d.score() >= s.scoreThreshold() && s.classes().contains(d.label().toLowerCase(java.util.Locale.ROOT))
                    && d.area() >= s.minBoxArea()) {
                kept.add(d);
            }
        }
        ModelIdentity model = det.identity();
        List<ZoneState> zoneStates = new ArrayList<>(s.zones().size());
        List<Map<String, Object>> starts = new ArrayList<>(0), ends = new ArrayList<>(0);
        for (Zone z : s.zones()) {
            List<Detection> inZone = new ArrayList<>();
            for (Detection d : kept) if (z.contains(d.footX(), d.footY())) inZone.add(d);
            DwellTracker tr = trackers.get(z.name());
            if (tr == null) continue; // zones changed, trackers rebuilt next frame
            DwellTracker.Transition t = tr.update(f.timestampMillis(), inZone.size());
            if (t != DwellTracker.Transition.NONE) {
                Map<String, Object> p = modelProps(model);
                p.put(DetectorTopics.ZONE, z.name());
                p.put(DetectorTopics.SEQUENCE, f.sequence());
                p.put(DetectorTopics.TIMESTAMP, f.timestampMillis());
                p.put(DetectorTopics.STARTED, tr.startedAt());
                p.put(DetectorTopics.PERSONS, t == DwellTracker.Transition.START ? inZone.size() : tr.maxPersons());
                p.put(DetectorTopics.DETECTIONS_JSON, Json.detections(inZone));
                (t == DwellTracker.Transition.START ? starts : ends).add(p);
            }
            zoneStates.add(new ZoneState(z.name(), z.points(), inZone.size(), tr.intrusion()));
        }
        double post = r.postprocessMillis() + (System.nanoTime() - p0) / 1e6;
        double total = f.decodeMillis() + Math.max(0, System.currentTimeMillis() - f.timestampMillis());
        Timings timings = new Timings(f.decodeMillis(), r.preprocessMillis(), r.inferenceMillis(), post,
                Math.max(total, f.decodeMillis() + r.preprocessMillis() + r.inferenceMillis() + post));
        FrameResult result = new FrameResult(f.sequence(), f.timestampMillis(), img.width(), img.height(), kept,
                zoneStates, model, timings);
        latest = result;
        framesProcessed++;
        fps.tick(System.nanoTime());

        ImageView copy = null;
        for (SinkDispatcher sink : sinkList) {
            ImageView forSink = null;
            if (sink.wantsImages()) {
                if (copy == null) copy = copyOf(img);
                forSink = copy;
            }
            sink.offer(result, forSink);
        }
        postIntrusions(DetectorTopics.INTRUSION_START, "START", starts, model);
        postIntrusions(DetectorTopics.INTRUSION_END, "END", ends, model);
        events.post(DetectorTopics.FRAME, frameProps(result));
        if (announceSwap) {
            // Announced with the first frame the new model produced: swap.ms = request -> that frame.
            announceSwap = false;
            double swapMs = (System.nanoTime() - swapRequestedNanos) / 1e6;
            LOG.info("First frame #{} on {} {} ms after the model was requested", f.sequence(), model.shortId(),
                    Math.round(swapMs));
            Map<String, Object> p = modelProps(model);
            p.put(DetectorTopics.SEQUENCE, f.sequence());
            p.put("swap.ms", swapMs);
            events.post(DetectorTopics.MODEL_CHANGED, p);
        }
    }

    private void postIntrusions(String topic, String what, List<Map<String, Object>> props, ModelIdentity model) {
        for (Map<String, Object> p : props) {
            LOG.info("Intrusion {} in zone {} ({} persons, model {})", what, p.get(DetectorTopics.ZONE),
                    p.get(DetectorTopics.PERSONS), model.shortId());
            events.post(topic, p);
        }
    }

    /** Private copy for sinks that asked for pixels: the source reuses its buffer after close. */
    private static ImageView copyOf(ImageView img) {
        ByteBuffer src = img.bgr().duplicate();
        src.clear().limit(img.stride() * img.height());
        ByteBuffer dst = ByteBuffer.allocate(src.remaining());
        dst.put(src).flip();
        return new ImageView(img.width(), img.height(), img.stride(), dst);
    }

    private static Map<String, Object> modelProps(ModelIdentity id) {
        Map<String, Object> p = new HashMap<>();
        p.put(DetectorTopics.MODEL_NAME, id.name());
        p.put(DetectorTopics.MODEL_PRECISION, id.precision().name());
        p.put(DetectorTopics.MODEL_VERSION, id.version());
        p.put(DetectorTopics.MODEL_SHA256, id.sha256());
        return p;
    }

    static Map<String, Object> frameProps(FrameResult r) {
        Map<String, Object> p = modelProps(r.model());
        p.put(DetectorTopics.SEQUENCE, r.sequence());
        p.put(DetectorTopics.TIMESTAMP, r.timestampMillis());
        p.put(DetectorTopics.PERSONS, r.detections().size());
        p.put(DetectorTopics.DETECTIONS_JSON, Json.detections(r.detections()));
        Timings t = r.timings();
        p.put(DetectorTopics.DECODE_MS, t.decodeMillis());
        p.put(DetectorTopics.PREPROCESS_MS, t.preprocessMillis());
        p.put(DetectorTopics.INFERENCE_MS, t.inferenceMillis());
        p.put(DetectorTopics.POSTPROCESS_MS, t.postprocessMillis());
        p.put(DetectorTopics.TOTAL_MS, t.totalMillis());
        return p;
    }

    // ---- status ----------------------------------------------------------------------------

    public FrameResult latest() {
        return latest;
    }

    public DetectorStatus status() {
        DetectorSettings s = settings;
        FrameSource src = source;
        SourceStatus ss = src == null ? null : src.status();
        String err = configError != null ? configError : modelError;
        if (err == null && ss != null && ss.error() != null && ss.state() != SourceStatus.State.RUNNING) err = ss.error();
        DetectorStatus.State state;
        if (!running) state = DetectorStatus.State.STOPPED;
        else if (s == null || configError != null || (ss != null && ss.state() == SourceStatus.State.RECONNECTING))
            state = DetectorStatus.State.ERROR;
        else if (activeId == null) state = DetectorStatus.State.NO_MODEL;
        else state = DetectorStatus.State.RUNNING;
        if (state == DetectorStatus.State.NO_MODEL && err == null)
            err = models.isEmpty() ? "no model service installed (install a model bundle / DP)" : "loading model";
        List<ModelIdentity> available = new ArrayList<>(models.keySet());
        available.sort((a, b) -> a.shortId().compareTo(b.shortId()));
        long drops = removedSinkDrops;
        for (SinkDispatcher d : sinkList) drops += d.dropped();
        FrameResult last = latest;
        List<ZoneState> zones;
        if (last != null && s != null && last.zones().size() == s.zones().size()) zones = last.zones();
        else {
            zones = new ArrayList<>();
            if (s != null) for (Zone z : s.zones()) zones.add(new ZoneState(z.name(), z.points(), 0, false));
        }
        return new DetectorStatus(state, err, ss, activeId, available, framesProcessed, fps.fps(), drops, zones);
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) return;
        try {
            c.close();
        } catch (Exception e) {
            LOG.warn("Close failed: {}", e.toString());
        }
    }
}
