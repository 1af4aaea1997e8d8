package io.vigie.detector.core;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.vigie.api.detect.DetectorStatus;
import io.vigie.api.detect.FrameListener;
import io.vigie.api.detect.FrameResult;
import io.vigie.api.detect.ZoneState;
import io.vigie.api.inference.InferenceEngine;
import io.vigie.api.model.DetectionModel;
import io.vigie.api.model.ModelIdentity;
import io.vigie.api.video.FrameSourceFactory;
import io.vigie.api.video.SourceStatus;

/**
 * The detector: source → active model → filters → zones/dwell → sinks and events. A façade over the two parts the
 * OSGi glue drives: {@link ModelSwitcher} (which model serves, loaded beside the running one) and {@link FrameLoop}
 * (the frames), plus the settings and the status that combine them.
 * <p>
 * Threads: the source has its own capture thread; the frame loop runs one inference thread that owns the frame
 * source and the active interpreter, and one loader thread loads and warms up models beside the running one.
 * Replacements (source, model) are handed to the inference thread through single-slot references and swapped
 * between two frames, so no frame ever sees a half-switched pipeline and the old interpreter is closed by the only
 * thread that used it.
 */
public final class DetectionPipeline implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DetectionPipeline.class);

    private final ScheduledExecutorService loader;
    private final ModelSwitcher models;
    private final FrameLoop loop;
    private volatile DetectorSettings settings;
    private volatile String configError;

    /** The loader thread's priority: below the detector's, so the OS gives the detector the CPU when both want it. */
    static final int LOADER_PRIORITY = Thread.MIN_PRIORITY;

    public DetectionPipeline(InferenceEngine engine, FrameSourceFactory sources, EventSink events) {
        this(engine, sources, events, ModelValidator.builtIn());
    }

    public DetectionPipeline(InferenceEngine engine, FrameSourceFactory sources, EventSink events,
            ModelValidator validator) {
        this(engine, sources, events, validator, () -> null);
    }

    /** @param greyScalers the motion gate's grey scaler (OpenCV in the bundle); without one the gate stays off */
    public DetectionPipeline(InferenceEngine engine, FrameSourceFactory sources, EventSink events,
            ModelValidator validator, Supplier<GreyScaler> greyScalers) {
        this.loader = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "vigie-model-loader");
            t.setDaemon(true);
            // loads, checks and the standby run behind the detector (its hash thread inherits this): a nice
            // value with the launcher's -XX:ThreadPriorityPolicy=1 -XX:JavaPriority1_To_OSPriority=10
            t.setPriority(LOADER_PRIORITY);
            return t;
        });
        ModelSwitcher.Scheduler onLoader = new ModelSwitcher.Scheduler() {
            @Override
            public void execute(Runnable task) {
                loader.execute(task);
            }

            @Override
            public void schedule(Runnable task, long delayMs) {
                loader.schedule(task, delayMs, TimeUnit.MILLISECONDS);
            }
        };
        this.models = new ModelSwitcher(engine, validator, events, onLoader, System::nanoTime);
        this.loop = new FrameLoop(sources, models, events, System::nanoTime, greyScalers);
    }

    // ---- lifecycle -------------------------------------------------------------------------

    public void start() {
        loop.start();
    }

    @Override
    public void close() {
        loop.close();
        loader.shutdownNow();
        try {
            loader.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        models.close();
    }

    /**
     * Applies new settings live. Raw config is validated by the caller ({@link DetectorSettings#validate});
     * call {@link #rejectConfig} instead when it did not validate, which keeps the running settings.
     */
    public void configure(DetectorSettings next) {
        synchronized (this) {
            settings = next;
            configError = null;
        }
        loop.configure(next);
        models.configure(next);
    }

    /** Records a refused configuration; everything keeps running as it was. */
    public void rejectConfig(String message) {
        configError = message;
        LOG.error("Configuration refused, keeping the running settings: {}", message);
    }

    // ---- models and sinks ------------------------------------------------------------------

    public void modelAdded(DetectionModel model) {
        models.modelAdded(model);
    }

    public void modelRemoved(DetectionModel model) {
        models.modelRemoved(model);
    }

    public void addListener(FrameListener l) {
        loop.addListener(l);
    }

    public void removeListener(FrameListener l) {
        loop.removeListener(l);
    }

    // ---- status ----------------------------------------------------------------------------

    public FrameResult latest() {
        return loop.latest();
    }

    public DetectorStatus status() {
        DetectorSettings s = settings;
        String configErr = configError;
        SourceStatus ss = loop.sourceStatus();
        ModelIdentity activeId = models.activeId();
        List<ModelIdentity> available = models.available();
        String err = configErr != null ? configErr : models.error();
        if (err == null && ss != null && ss.error() != null && ss.state() != SourceStatus.State.RUNNING) {
            err = ss.error();
        }
        DetectorStatus.State state;
        if (!loop.running()) state = DetectorStatus.State.STOPPED;
        else if (s == null || configErr != null || (ss != null && ss.state() == SourceStatus.State.RECONNECTING))
            state = DetectorStatus.State.ERROR;
        else if (activeId == null) state = DetectorStatus.State.NO_MODEL;
        else state = DetectorStatus.State.RUNNING;
        if (state == DetectorStatus.State.NO_MODEL && err == null)
            err = available.isEmpty() ? "no model service installed (install a model bundle / DP)" : "loading model";
        FrameResult last = loop.latest();
        List<ZoneState> zones;
        if (last != null && s != null && last.zones().size() == s.zones().size()) zones = last.zones();
        else {
            zones = new ArrayList<>();
            if (s != null) for (Zone z : s.zones()) zones.add(new ZoneState(z.name(), z.points(), 0, false));
        }
        return new DetectorStatus(state, err, ss, activeId, available, loop.framesProcessed(), loop.fps(),
                loop.sinkDrops(), zones, loop.motionGate());
    }
}
