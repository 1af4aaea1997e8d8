package io.vigie.detector.core;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.vigie.api.detect.DetectorTopics;
import io.vigie.api.inference.EngineOptions;
import io.vigie.api.inference.InferenceEngine;
import io.vigie.api.inference.ObjectDetector;
import io.vigie.api.model.DetectionModel;
import io.vigie.api.model.ModelIdentity;

/**
 * Model switching: which installed model serves ({@link ModelSelector}), loading and validating it on the loader
 * thread beside the running one, and what happens when the active model's service goes away (replacement window,
 * grace period). Models that failed to load are skipped until they are re-registered or the thread count changes;
 * models the checks refused (no person found, too slow: {@link ModelValidator.Refused}) also when the checks' settings
 * (the gate's minimum person score or latency budget) change.
 * <p>
 * <p>
 * Swaps without lost frames: on a short CPU a load runs step by step (read, build, each check inference), each step
 * right after the inference thread finished a frame ({@link LoadPacer}), so the two do not fight for it; an optional hot
 * standby ({@link DetectorSettings.ModelGate#standby}) keeps the best model of the other precision loaded and checked,
 * so a precision switch is a hand-off between two frames.
 * <p>
 * Threads: DS binds, configuration and the loader thread decide; a loaded model is handed to the inference thread
 * through a single-slot reference, and only the inference thread takes it, in {@link #swap}, which also closes the
 * interpreter it replaces (the only thread that used it). Time comes from the injected nanosecond clock and delays
 * run on the injected {@link Scheduler}, so tests drive both by hand.
 */
final class ModelSwitcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ModelSwitcher.class);

    /** The loader thread: runs tasks one at a time, now or after a delay measured on the switcher's clock. */
    interface Scheduler {
        void execute(Runnable task);

        void schedule(Runnable task, long delayMs);
    }

    /**
     * A DP update stops the old model bundle and starts the new one within about a second: for this long after the
     * active model's service went away, only a replacement (same name and precision) is loaded, not a fallback to
     * another model — loading one would cost CPU and delay the replacement on the single loader thread.
     */
    static final long REPLACEMENT_WINDOW_MS = 3000;

    private final InferenceEngine engine;
    private final ModelValidator validator;
    private final EventSink events;
    private final Scheduler loader;
    private final LongSupplier nanos;
    private final LoadPacer pacer;

    /** A loaded, checked interpreter and the thread count it was built with. */
    private record Loaded(ObjectDetector detector, int threads) {
        ModelIdentity id() {
            return detector.identity();
        }
    }

    private final Map<ModelIdentity, DetectionModel> models = new ConcurrentHashMap<>();
    private final Set<ModelIdentity> failedModels = ConcurrentHashMap.newKeySet();
    /** The subset of {@link #failedModels} refused by a check whose outcome depends on the gate's settings. */
    private final Set<ModelIdentity> refusedModels = ConcurrentHashMap.newKeySet();
    private final AtomicReference<Loaded> pendingDetector = new AtomicReference<>();
    /** Hot standby: loaded and checked, not serving (idle); whoever takes it out of the slot owns it. */
    private final AtomicReference<Loaded> standby = new AtomicReference<>();
    /** Threads of the interpreter the inference thread serves with (inference thread only). */
    private int activeThreads;
    private volatile DetectorSettings settings;
    private volatile String modelError;
    private volatile boolean dropActive;
    private volatile long swapRequestedNanos;
    /** Set by the inference thread in {@link #swap}; read by the decisions. */
    private volatile ModelIdentity activeId;
    /** When the active model's service went away while we kept its interpreter (0: not holding). */
    private volatile long holdingSinceNanos;
    private ModelIdentity loadingId; // guarded by this
    /**
     * Run on the loader thread after a load while no model serves frames (cold start). The model's bytes passed
     * through the heap (24 MB for FP32, straight into the old generation); with the launcher's heap free ratios a
     * full GC gives those pages back to the OS (RSS), and with no frames flowing its pause delays nobody.
     */
    private volatile Runnable idleHeapTrim = System::gc;

    ModelSwitcher(InferenceEngine engine, ModelValidator validator, EventSink events, Scheduler loader,
            LongSupplier nanos) {
        this(engine, validator, events, loader, nanos, new LoadPacer(LoadPacer.MAX_WAIT_MS));
    }

    ModelSwitcher(InferenceEngine engine, ModelValidator validator, EventSink events, Scheduler loader,
            LongSupplier nanos, LoadPacer pacer) {
        this.pacer = pacer;
        this.engine = engine;
        this.validator = validator;
        this.events = events;
        this.loader = loader;
        this.nanos = nanos;
    }

    /**
     * New accepted settings: a precision or thread-count change selects (and for threads reloads) the model; a change
     * of the checks' settings re-evaluates the models they refused (without a restart).
     */
    void configure(DetectorSettings next) {
        DetectorSettings prev;
        synchronized (this) {
            prev = settings;
            settings = next;
        }
        boolean reload = prev != null && prev.threads() != next.threads();
        boolean recheck = prev != null && !refusedModels.isEmpty() && !sameChecks(prev.gate(), next.gate());
        if (prev != null && (reload || !sameChecks(prev.gate(), next.gate()) || !next.gate().standby()))
            dropStandby(); // built or checked under other settings, or not wanted any more
        if (next.gate().standby() && (prev == null || !prev.gate().standby() || reload)) loader.execute(this::fillStandby);
        if (reload) {
            failedModels.clear();
            refusedModels.clear();
        } else if (recheck) {
            LOG.info("Model checks changed (min person score {}, latency budget {} ms): re-evaluating {}",
                    next.gate().minPersonScore(), next.gate().latencyBudgetMs(), refusedModels);
            failedModels.removeAll(refusedModels);
            refusedModels.clear();
        }
        if (prev == null || prev.precision() != next.precision() || reload || recheck) select(reload);
    }

    /** The gate's settings a check depends on (the grace period is not a check). */
    private static boolean sameChecks(DetectorSettings.ModelGate a, DetectorSettings.ModelGate b) {
        return a.minPersonScore() == b.minPersonScore() && a.latencyBudgetMs() == b.latencyBudgetMs();
    }

    void modelAdded(DetectionModel model) {
        ModelIdentity id = model.identity();
        models.put(id, model);
        LOG.info("Model available: {}", id.shortId());
        select(false);
    }

    void modelRemoved(DetectionModel model) {
        ModelIdentity id = model.identity();
        models.remove(id, model);
        failedModels.remove(id);
        refusedModels.remove(id);
        Loaded sb = standby.get();
        if (sb != null && sb.id().equals(id) && standby.compareAndSet(sb, null)) closeQuietly(sb.detector());
        if (id.equals(activeId)) {
            holdingSinceNanos = nanos.getAsLong();
            // We own the bytes and the interpreter: keep serving until a replacement is ready
            // (a DP update stops the old bundle before starting the new one), but not forever.
            DetectorSettings s = settings;
            long grace = s == null ? 0 : s.gate().graceMs();
            LOG.info("Model service {} went away; serving with the loaded interpreter for up to {} ms until a "
                    + "replacement is bound", id.shortId(), grace);
            loader.schedule(() -> {
                if (id.equals(activeId) && !models.containsKey(id) && pendingDetector.get() == null && !loading()) {
                    modelError = "model " + id.shortId() + " was removed and no replacement came within " + grace
                            + " ms";
                    LOG.warn(modelError);
                    dropActive = true;
                }
            }, grace);
        }
        select(false);
    }

    private void select(boolean force) {
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
                long waitMs = REPLACEMENT_WINDOW_MS - (nanos.getAsLong() - holding) / 1_000_000;
                if (waitMs > 0) { // still serving the held interpreter: give its replacement a chance first
                    loader.schedule(() -> select(false), waitMs);
                    return;
                }
            }
            if (!force && id.equals(held)) {
                loadingId = null; // a load of another model in flight is superseded: it closes what it loaded
                Loaded pending = pendingDetector.get();
                if (pending == null || pending.id().equals(id)) return; // already serving it
                // a fallback was loaded while the held model's service was gone, and the model came back (e.g. a
                // rollback reinstalled it): keep serving it and drop the fallback, unless the detector took it
                if (pendingDetector.compareAndSet(pending, null)) {
                    closeQuietly(pending.detector());
                    LOG.info("Model {} is back: keeping it, {} not switched to", id.shortId(),
                            pending.id().shortId());
                    return;
                }
            }
            if (id.equals(loadingId)) return;
            Loaded waiting = pendingDetector.get();
            if (!force && waiting != null && waiting.id().equals(id)) return; // loaded, not yet taken
            Loaded sb = standby.get();
            if (!force && sb != null && sb.id().equals(id) && sb.threads() == s.threads()
                    && standby.compareAndSet(sb, null)) { // hot standby: nothing to load
                loadingId = null;
                swapRequestedNanos = nanos.getAsLong();
                Loaded replaced = pendingDetector.getAndSet(sb);
                if (replaced != null) closeQuietly(replaced.detector());
                LOG.info("Model {} taken from the hot standby", id.shortId());
                return;
            }
            loadingId = id;
            DetectionModel model = candidates.get(id);
            int threads = s.threads();
            DetectorSettings.ModelGate gate = s.gate();
            swapRequestedNanos = nanos.getAsLong();
            loader.execute(() -> load(model, id, threads, gate));
        }
    }

    private synchronized boolean loading() {
        return loadingId != null;
    }

    private void load(DetectionModel model, ModelIdentity id, int threads, DetectorSettings.ModelGate gate) {
        long t0 = nanos.getAsLong();
        ObjectDetector det = null;
        ModelValidator.Report report;
        long cpu0 = LoadPacer.threadCpuNanos();
        try {
            Checked c = loadAndCheck(model, id, threads, gate);
            det = c.detector();
            report = c.report();
        } catch (Exception | LinkageError e) {
            closeQuietly(det);
            failedModels.add(id);
            if (e instanceof ModelValidator.Refused) {
                refusedModels.add(id);
                DetectorSettings now = settings;
                if (now != null && !sameChecks(gate, now.gate())) { // the checks changed while it was checked
                    failedModels.remove(id);
                    refusedModels.remove(id);
                }
            }
            String msg = "model " + id.shortId()
                    + (e instanceof IllegalStateException ? " refused: " : " failed to load: ") + e.getMessage();
            modelError = msg;
            LOG.error(msg, e);
            Map<String, Object> p = modelProps(id);
            p.put(DetectorTopics.ERROR, msg);
            events.post(DetectorTopics.MODEL_CHANGED, p);
            synchronized (this) {
                if (id.equals(loadingId)) loadingId = null;
            }
            select(false); // fall back to another model if one exists
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
        if (activeId == null && pendingDetector.get() == null) idleHeapTrim.run();
        LOG.info("Model {} loaded and validated in {} ms, {} ms CPU ({} threads{}): person {} on the check image, "
                + "{} ms/frame", id.shortId(), Math.round((nanos.getAsLong() - t0) / 1e6),
                Math.round((LoadPacer.threadCpuNanos() - cpu0) / 1e6), threads, paced() ? ", paced" : "",
                String.format(Locale.ROOT, "%.2f", report.bestPersonScore()),
                String.format(Locale.ROOT, "%.1f", report.medianMillis()));
        Loaded replaced = pendingDetector.getAndSet(new Loaded(det, threads));
        if (replaced != null) closeQuietly(replaced.detector());
    }

    private record Checked(ObjectDetector detector, ModelValidator.Report report) {
    }

    /** Loader thread: read, build and check a model, each step in the inference thread's idle time when paced. */
    private Checked loadAndCheck(DetectionModel model, ModelIdentity id, int threads,
            DetectorSettings.ModelGate gate) throws Exception {
        Runnable turn = () -> {
            if (paced()) pacer.awaitTurn();
        };
        turn.run();
        byte[] bytes = model.loadBytes();
        turn.run();
        ObjectDetector det = engine.load(id, bytes, model.spec(), new EngineOptions(threads, true, 100));
        try {
            return new Checked(det, validator.validate(det, gate.minPersonScore(), gate.latencyBudgetMs(), turn));
        } catch (RuntimeException | Error e) {
            closeQuietly(det);
            throw e;
        }
    }

    /**
     * Pace loads only while a model serves frames (otherwise nothing waits for the CPU, and no turns come) and the
     * CPU is short (no free core for the loader).
     */
    private boolean paced() {
        DetectorSettings s = settings;
        return s != null && s.gate().pacedLoad() && activeId != null && pacer.cpuShort(s.threads());
    }

    /** Loader thread: keeps the best model of the other precision loaded and checked, when the standby is wanted. */
    private void fillStandby() {
        DetectorSettings s = settings;
        ModelIdentity active = activeId;
        if (s == null || !s.gate().standby() || active == null || loading()) return;
        List<ModelIdentity> other = new ArrayList<>();
        for (ModelIdentity m : models.keySet())
            if (m.precision() != active.precision() && !failedModels.contains(m)) other.add(m);
        Optional<ModelIdentity> choice = ModelSelector.choose(other, s.precision());
        Loaded sb = standby.get();
        if (choice.isEmpty() || sb != null && sb.id().equals(choice.get()) && sb.threads() == s.threads()) return;
        ModelIdentity id = choice.get();
        DetectionModel model = models.get(id);
        if (model == null) return;
        long t0 = nanos.getAsLong();
        try {
            ObjectDetector det = loadAndCheck(model, id, s.threads(), s.gate()).detector();
            Loaded prev = standby.getAndSet(new Loaded(det, s.threads()));
            if (prev != null) closeQuietly(prev.detector());
            LOG.info("Hot standby: {} loaded and checked in {} ms", id.shortId(),
                    Math.round((nanos.getAsLong() - t0) / 1e6));
        } catch (Exception | LinkageError e) {
            LOG.warn("Hot standby: {} not loaded: {}", id.shortId(), e.toString());
        }
    }

    private void dropStandby() {
        Loaded sb = standby.getAndSet(null);
        if (sb != null) closeQuietly(sb.detector());
    }

    // ---- inference thread --------------------------------------------------------------------------------------

    /**
     * Inference thread only, between two frames: the detector for the next frame (null: none). A loaded model
     * replaces {@code current}, which is closed here; after an expired grace period the held one is closed.
     */
    ObjectDetector swap(ObjectDetector current) {
        pacer.turn(); // between two frames: a paced load may take its next step now
        ObjectDetector serving = current;
        Loaded next = pendingDetector.getAndSet(null);
        if (next != null) {
            serving = next.detector();
            activeId = next.id();
            Loaded old = current == null ? null : new Loaded(current, activeThreads);
            activeThreads = next.threads();
            boolean kept = keptAsStandby(old);
            if (!kept) closeQuietly(current);
            LOG.info("Active model is now {}{}", next.id().shortId(), current == null ? ""
                    : " (was " + current.identity().shortId() + (kept ? ", kept as hot standby)" : ")"));
        }
        if (dropActive) {
            dropActive = false;
            stopped(serving);
            serving = null;
        }
        return serving;
    }

    /** Inference thread only: the loop ended (or dropped the model); closes the interpreter it served with. */
    void stopped(ObjectDetector current) {
        closeQuietly(current);
        activeId = null;
    }

    /** Inference thread: the interpreter a switch replaced becomes the standby if it is the one wanted. */
    private boolean keptAsStandby(Loaded old) {
        DetectorSettings s = settings;
        if (old == null || s == null || !s.gate().standby() || old.threads() != s.threads()) return false;
        ModelIdentity id = old.id();
        return models.containsKey(id) && !failedModels.contains(id) && id.precision() != activeId.precision()
                && standby.compareAndSet(null, old);
    }

    /** Inference thread: the new model produced its first frame; announces the switch with its latency. */
    void firstFrame(ModelIdentity model, long sequence) {
        double swapMs = (nanos.getAsLong() - swapRequestedNanos) / 1e6;
        LOG.info("First frame #{} on {} {} ms after the model was requested", sequence, model.shortId(),
                Math.round(swapMs));
        Map<String, Object> p = modelProps(model);
        p.put(DetectorTopics.SEQUENCE, sequence);
        p.put(DetectorTopics.SWAP_MS, swapMs);
        events.post(DetectorTopics.MODEL_CHANGED, p);
        if (settings != null && settings.gate().standby()) loader.execute(this::fillStandby);
    }

    // ---- status ------------------------------------------------------------------------------------------------

    /** Tests: replaces the heap trim run after a load while nothing serves frames. */
    void idleHeapTrim(Runnable trim) {
        idleHeapTrim = trim;
    }

    ModelIdentity activeId() {
        return activeId;
    }

    /** Every registered model, sorted by short id. */
    List<ModelIdentity> available() {
        List<ModelIdentity> list = new ArrayList<>(models.keySet());
        list.sort(Comparator.comparing(ModelIdentity::shortId));
        return list;
    }

    /** The last load, validation or grace-period failure; cleared by the next successful load. */
    String error() {
        return modelError;
    }

    /** Closes a loaded model the inference thread never took. Call after the loader stopped. */
    @Override
    public void close() {
        Loaded pending = pendingDetector.getAndSet(null);
        if (pending != null) closeQuietly(pending.detector());
        dropStandby();
    }

    /** The hot standby's model, or null. */
    ModelIdentity standbyId() {
        Loaded sb = standby.get();
        return sb == null ? null : sb.id();
    }

    static Map<String, Object> modelProps(ModelIdentity id) {
        Map<String, Object> p = new HashMap<>();
        p.put(DetectorTopics.MODEL_NAME, id.name());
        p.put(DetectorTopics.MODEL_PRECISION, id.precision().name());
        p.put(DetectorTopics.MODEL_VERSION, id.version());
        p.put(DetectorTopics.MODEL_SHA256, id.sha256());
        return p;
    }

    static void closeQuietly(AutoCloseable c) {
        if (c == null) return;
        try {
            c.close();
        } catch (Exception e) {
            LOG.warn("Close failed: {}", e.toString());
        }
    }
}
