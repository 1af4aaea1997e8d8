package io.vigie.detector.core;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.vigie.api.detect.DetectorTopics;
import io.vigie.api.detect.FrameListener;
import io.vigie.api.detect.FrameResult;
import io.vigie.api.detect.MotionGateStatus;
import io.vigie.api.detect.Timings;
import io.vigie.api.detect.ZoneState;
import io.vigie.api.inference.Detection;
import io.vigie.api.inference.InferenceResult;
import io.vigie.api.inference.ObjectDetector;
import io.vigie.api.model.ModelIdentity;
import io.vigie.api.video.Frame;
import io.vigie.api.video.FrameSource;
import io.vigie.api.video.FrameSourceFactory;
import io.vigie.api.video.ImageView;
import io.vigie.api.video.SourceStatus;

/**
 * The inference thread: source → the {@link ModelSwitcher}'s active model → class/score/area filters → zones and
 * dwell → sinks and intrusion events.
 * <p>
 * This thread owns the frame source, the active interpreter and the dwell trackers. A new source (configuration) and
 * a new model (the switcher's loader) arrive through single-slot hand-offs and are swapped in between two frames by
 * {@link #step}, so no frame ever sees a half-switched pipeline; the replaced source and interpreter are closed here.
 * Sinks get results through their own {@link SinkDispatcher}, so none can slow this thread.
 * <p>
 * With the motion gate on ({@link MotionGate}), a frame in which nothing moved since the last inferred frame does
 * not run the model: it reuses that frame's detections and still goes through zones, dwell and sinks, so a person
 * who stopped keeps the zone occupied and dwell/cooldown times run on.
 */
final class FrameLoop implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FrameLoop.class);
    private static final int SINK_QUEUE = 4;

    private final FrameSourceFactory sources;
    private final ModelSwitcher models;
    private final EventSink events;
    private final LongSupplier nanos;
    private final Supplier<GreyScaler> scalers;

    private final Map<FrameListener, SinkDispatcher> sinks = new ConcurrentHashMap<>();
    private final List<SinkDispatcher> sinkList = new CopyOnWriteArrayList<>();
    private final AtomicReference<FrameSource> pendingSource = new AtomicReference<>();
    private volatile DetectorSettings settings;
    private volatile boolean zonesDirty = true;
    private volatile boolean gateDirty = true;
    private volatile boolean running;
    private volatile long removedSinkDrops;
    private Thread thread;

    // Owned by the inference thread; volatile only so status reads see them.
    private volatile FrameSource source;
    private volatile FrameResult latest;
    private volatile long framesProcessed;
    private ObjectDetector active;
    private boolean announceSwap;
    private long lastErrorLogNanos;
    private final Map<String, DwellTracker> trackers = new LinkedHashMap<>();
    private final FpsMeter fps = new FpsMeter(30);
    private final MotionGate gate = new MotionGate();
    private GreyScaler scaler;
    private boolean scalerMissingLogged;
    /** Detections of the last inferred frame, which frames the gate skips reuse. */
    private List<Detection> lastKept = List.of();

    /** Without a grey scaler: the motion gate stays off whatever the settings say. */
    FrameLoop(FrameSourceFactory sources, ModelSwitcher models, EventSink events, LongSupplier nanos) {
        this(sources, models, events, nanos, () -> null);
    }

    /** @param scalers makes the motion gate's grey scaler, on the inference thread, when the gate is first on */
    FrameLoop(FrameSourceFactory sources, ModelSwitcher models, EventSink events, LongSupplier nanos,
            Supplier<GreyScaler> scalers) {
        this.sources = sources;
        this.models = models;
        this.events = events;
        this.nanos = nanos;
        this.scalers = scalers;
    }

    /** New accepted settings: reopens the source when it changed, rebuilds the trackers when zones/dwell did. */
    void configure(DetectorSettings next) {
        DetectorSettings prev = settings;
        settings = next;
        if (prev == null || !prev.source().equals(next.source())) {
            LOG.info("Opening source {}", SettingsService.maskCredentials(next.source().uri()));
            ModelSwitcher.closeQuietly(pendingSource.getAndSet(sources.open(next.source())));
        }
        if (prev == null || !prev.zones().equals(next.zones()) || prev.dwellMs() != next.dwellMs()
                || prev.cooldownMs() != next.cooldownMs()) {
            zonesDirty = true;
        }
        gateDirty = true; // filters, zones or the gate changed: the last detections may not hold, infer the next frame
    }

    // ---- sinks -------------------------------------------------------------------------------------------------

    void addListener(FrameListener l) {
        SinkDispatcher d = new SinkDispatcher(l, SINK_QUEUE);
        if (sinks.putIfAbsent(l, d) == null) sinkList.add(d);
        else d.close();
    }

    void removeListener(FrameListener l) {
        SinkDispatcher d = sinks.remove(l);
        if (d != null) {
            sinkList.remove(d);
            removedSinkDrops += d.dropped();
            d.close();
        }
    }

    /** Results dropped by slow sinks, including those already removed. */
    long sinkDrops() {
        long drops = removedSinkDrops;
        for (SinkDispatcher d : sinkList) drops += d.dropped();
        return drops;
    }

    // ---- the thread --------------------------------------------------------------------------------------------

    synchronized void start() {
        if (running) return;
        running = true;
        thread = new Thread(this::run, "vigie-detector");
        thread.start();
    }

    private void run() {
        try {
            while (running) step();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            ModelSwitcher.closeQuietly(source);
            source = null;
            models.stopped(active);
            active = null;
            if (scaler != null) scaler.close();
            scaler = null;
        }
    }

    /** One turn of the inference thread: take the hand-offs, then process one frame if there is one. */
    void step() throws InterruptedException {
        swapPending();
        FrameSource src = source;
        if (src == null) {
            Thread.sleep(50);
            return;
        }
        Frame f = src.take(100, TimeUnit.MILLISECONDS);
        if (f == null) return;
        try (f) {
            if (active != null) process(f);
        } catch (RuntimeException e) {
            long now = nanos.getAsLong();
            if (lastErrorLogNanos == 0 || now - lastErrorLogNanos > TimeUnit.SECONDS.toNanos(5)) {
                LOG.error("Frame {} failed: {}", f.sequence(), e.toString(), e);
                lastErrorLogNanos = now;
            }
        }
    }

    private void swapPending() {
        FrameSource ns = pendingSource.getAndSet(null);
        if (ns != null) {
            ModelSwitcher.closeQuietly(source);
            source = ns;
            gateDirty = true;
        }
        ObjectDetector next = models.swap(active);
        if (next != null && next != active) announceSwap = true;
        active = next;
        DetectorSettings s = settings;
        if (zonesDirty && s != null) { // no settings yet (configuration refused at start): nothing to track
            zonesDirty = false;
            trackers.clear();
            for (Zone z : s.zones()) trackers.put(z.name(), new DwellTracker(s.dwellMs(), s.cooldownMs()));
        }
        if (gateDirty && s != null) {
            gateDirty = false;
            gate.configure(s.motion());
            gate.reset();
        }
    }

    /** The gate's verdict on this frame; with the gate off (or no scaler) always "infer". */
    private MotionGate.Decision gate(ImageView img, long timestampMs) {
        if (!gate.settings().enabled()) return gate.decide(null, timestampMs, false, false);
        if (scaler == null) scaler = scalers.get();
        if (scaler == null) {
            if (!scalerMissingLogged) LOG.warn("motion.gate.enabled is set but no grey scaler is available: gate off");
            scalerMissingLogged = true;
            return new MotionGate.Decision(true, MotionGate.Reason.OFF, 0, null);
        }
        boolean tracking = !lastKept.isEmpty();
        for (DwellTracker t : trackers.values()) tracking |= t.state() != DwellTracker.State.IDLE;
        return gate.decide(scaler.grey(img), timestampMs, tracking, announceSwap);
    }

    private void process(Frame f) {
        DetectorSettings s = settings;
        ObjectDetector det = active;
        ImageView img = f.image();
        long g0 = nanos.getAsLong();
        MotionGate.Decision decision = gate(img, f.timestampMillis());
        double gateMs = (nanos.getAsLong() - g0) / 1e6;
        InferenceResult r = null;
        if (decision.infer()) {
            try {
                r = det.detect(img, s.scoreThreshold());
            } catch (RuntimeException e) {
                gate.reset(); // the gate took this frame as its reference, but no detections came from it
                throw e;
            }
        }
        long p0 = nanos.getAsLong();

        List<Detection> kept;
        if (r == null) {
            kept = lastKept; // nothing moved since the frame these came from
        } else {
            kept = new ArrayList<>(r.detections().size());
            for (Detection d : r.detections()) {
                if (d.score() >= s.scoreThreshold() && s.classes().contains(d.label().toLowerCase(Locale.ROOT))
                        && d.area() >= s.minBoxArea()) {
                    kept.add(d);
                }
            }
            lastKept = kept; // not changed after this point
        }
        ModelIdentity model = det.identity();
        // exact values, frame by frame: scripts/arm64-check.sh compares two arches' logs with this line
        if (r != null && LOG.isDebugEnabled()) LOG.debug("Frame {} by {}: {}", f.sequence(), model.shortId(), exact(kept));
        List<ZoneState> zoneStates = new ArrayList<>(s.zones().size());
        List<Map<String, Object>> starts = new ArrayList<>(0), ends = new ArrayList<>(0);
        for (Zone z : s.zones()) {
            List<Detection> inZone = new ArrayList<>();
            for (Detection d : kept) if (z.contains(d.footX(), d.footY())) inZone.add(d);
            DwellTracker tr = trackers.get(z.name());
            if (tr == null) continue; // zones changed, trackers rebuilt next frame
            DwellTracker.Transition t = tr.update(f.timestampMillis(), inZone.size());
            if (t != DwellTracker.Transition.NONE) {
                Map<String, Object> p = ModelSwitcher.modelProps(model);
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
        long done = nanos.getAsLong();
        // the gate's grey frame and comparison are preprocessing; a skipped frame has no inference time
        double pre = gateMs + (r == null ? 0 : r.preprocessMillis()), inf = r == null ? 0 : r.inferenceMillis();
        double post = (r == null ? 0 : r.postprocessMillis()) + (done - p0) / 1e6;
        // frame timestamps are wall-clock: their age is measured on the wall clock
        double total = f.decodeMillis() + Math.max(0, System.currentTimeMillis() - f.timestampMillis());
        Timings timings = new Timings(f.decodeMillis(), pre, inf, post, Math.max(total, f.decodeMillis() + pre + inf + post));
        FrameResult result = new FrameResult(f.sequence(), f.timestampMillis(), img.width(), img.height(), kept,
                zoneStates, model, timings);
        latest = result;
        framesProcessed++;
        fps.tick(done);

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
        if (announceSwap) { // with the first frame the new model produced: swap.ms = request -> that frame
            announceSwap = false;
            models.firstFrame(model, f.sequence());
        }
    }

    private void postIntrusions(String topic, String what, List<Map<String, Object>> props, ModelIdentity model) {
        for (Map<String, Object> p : props) {
            // the frame sequence lets a log be compared frame by frame (the gating benchmark reads it)
            LOG.info("Intrusion {} in zone {} (frame {}, {} persons, model {})", what, p.get(DetectorTopics.ZONE),
                    p.get(DetectorTopics.SEQUENCE), p.get(DetectorTopics.PERSONS), model.shortId());
            events.post(topic, p);
        }
    }

    /** {@code n [label score xmin ymin xmax ymax]...} with every float in full (Float.toString), for diffs. */
    static String exact(List<Detection> ds) {
        StringBuilder b = new StringBuilder().append(ds.size());
        for (Detection d : ds) {
            b.append(" [").append(d.label()).append(' ').append(d.score()).append(' ').append(d.xmin()).append(' ')
                    .append(d.ymin()).append(' ').append(d.xmax()).append(' ').append(d.ymax()).append(']');
        }
        return b.toString();
    }

    /** Private copy for sinks that asked for pixels: the source reuses its buffer after close. */
    private static ImageView copyOf(ImageView img) {
        ByteBuffer src = img.bgr().duplicate();
        src.clear().limit(img.stride() * img.height());
        ByteBuffer dst = ByteBuffer.allocate(src.remaining());
        dst.put(src).flip();
        return new ImageView(img.width(), img.height(), img.stride(), dst);
    }

    // ---- status ------------------------------------------------------------------------------------------------

    boolean running() {
        return running;
    }

    FrameResult latest() {
        return latest;
    }

    long framesProcessed() {
        return framesProcessed;
    }

    /** The motion gate's counters; {@code enabled} as the last applied settings say. */
    MotionGateStatus motionGate() {
        DetectorSettings s = settings;
        return new MotionGateStatus(s != null && s.motion().enabled(), gate.skipped(), gate.motion(), gate.rechecks());
    }

    /** Processed frames per second over the recent window, decaying while no frame comes. */
    double fps() {
        return fps.fps(nanos.getAsLong());
    }

    /** The source's own status, or null before the first source was taken. */
    SourceStatus sourceStatus() {
        FrameSource src = source;
        return src == null ? null : src.status();
    }

    /** Stops the thread (which closes the source and the interpreter), then the sinks. */
    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            running = false;
            t = thread;
        }
        if (t != null) {
            t.interrupt();
            try {
                t.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        ModelSwitcher.closeQuietly(pendingSource.getAndSet(null));
        for (SinkDispatcher s : sinkList) s.close();
        sinkList.clear();
        sinks.clear();
    }
}
