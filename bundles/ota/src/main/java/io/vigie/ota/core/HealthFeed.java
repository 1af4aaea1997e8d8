package io.vigie.ota.core;

import java.util.Map;
import java.util.function.Function;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.vigie.api.detect.DetectorSettingsService;
import io.vigie.api.detect.DetectorTopics;
import io.vigie.api.detect.FrameListener;
import io.vigie.api.detect.FrameResult;
import io.vigie.api.model.ModelIdentity;
import io.vigie.api.video.ImageView;

/**
 * What the {@link ModelGuard} learns from the detector, without OSGi: every frame result (a
 * {@link FrameListener}: model identity and total time, never pixels), the MODEL events (a model
 * taken or refused), the clock ticks, and the health policy, whose latency budget {@code -1} follows
 * the detector's own {@code model.latency.budget.ms} read through its {@link DetectorSettingsService}.
 */
public final class HealthFeed implements FrameListener {
    private static final Logger LOG = LoggerFactory.getLogger(HealthFeed.class);
    /** The detector's setting a budget of -1 follows. */
    public static final String DETECTOR_BUDGET = "model.latency.budget.ms";
    /** The detector's default for it, used while its settings service is absent or does not say. */
    public static final long DEFAULT_DETECTOR_BUDGET_MS = 1000;

    /**
     * The health part of the OTA configuration ({@code rollback.enabled}, {@code health.*}).
     *
     * @param latencyBudgetMs -1: the detector's {@code model.latency.budget.ms}; 0: not checked
     */
    public record Settings(boolean rollbackEnabled, int windowSeconds, int maxModelErrors, long latencyBudgetMs,
            double minFpsRatio) {
        /** The policy with a known detector budget. */
        public HealthPolicy policy(long detectorBudgetMs) {
            return new HealthPolicy(windowSeconds * 1000L, maxModelErrors,
                    latencyBudgetMs < 0 ? detectorBudgetMs : latencyBudgetMs, minFpsRatio);
        }
    }

    private final ModelGuard guard;
    private final LongSupplier clock;
    private volatile DetectorSettingsService detector;
    /** The detector's dispatcher calls {@link #onFrame} from one thread; volatile for the odd re-registration. */
    private volatile Last last;

    private record Last(ModelIdentity id, ModelRef ref) {
    }

    public HealthFeed(ModelGuard guard, LongSupplier clock) {
        this.guard = guard;
        this.clock = clock;
    }

    /** The detector's settings service came (or was replaced). */
    public synchronized void detector(DetectorSettingsService d) {
        detector = d;
    }

    /** The detector's settings service went: the budget falls back to the default if it was this one. */
    public synchronized void detectorGone(DetectorSettingsService d) {
        if (detector == d) detector = null;
    }

    /**
     * Applies the settings to the guard, which asks for the policy at each install: the detector's budget is
     * read then, so a change on the detector's side counts from the next install.
     *
     * @return the policy as of now (for the log)
     */
    public HealthPolicy configure(Settings s) {
        guard.configure(s.rollbackEnabled(), () -> policy(s));
        return policy(s);
    }

    public HealthPolicy policy(Settings s) {
        return s.policy(s.latencyBudgetMs() < 0 ? detectorBudget() : 0);
    }

    /** The detector's model.latency.budget.ms; its default when the service is absent or does not say. */
    long detectorBudget() {
        DetectorSettingsService d = detector;
        if (d == null) return DEFAULT_DETECTOR_BUDGET_MS;
        try {
            Map<String, Object> current = d.current();
            Object v = current == null ? null : current.get(DETECTOR_BUDGET);
            if (v == null) return DEFAULT_DETECTOR_BUDGET_MS;
            return v instanceof Number n ? n.longValue() : Long.parseLong(v.toString().trim());
        } catch (RuntimeException e) { // a detector going away or a value that is no number: its default
            LOG.debug("OTA: cannot read the detector's latency budget: {}", e.toString());
            return DEFAULT_DETECTOR_BUDGET_MS;
        }
    }

    @Override
    public void onFrame(FrameResult r, ImageView image) {
        ModelIdentity id = r.model();
        if (id == null) return;
        // per frame: the model changes only at a swap, so its ModelRef is made once per model, not per frame
        Last l = last;
        if (l == null || l.id() != id) last = l = new Last(id, ref(id));
        guard.frame(l.ref(), r.timings() == null ? 0 : r.timings().totalMillis(), clock.getAsLong());
    }

    @Override
    public boolean wantsImages() {
        return false;
    }

    /**
     * A {@link DetectorTopics#MODEL_CHANGED} event, by its properties: {@link DetectorTopics#ERROR} set = the detector
     * refused or failed that model, else it became active.
     */
    public void modelEvent(Function<String, Object> property) {
        Object n = property.apply(DetectorTopics.MODEL_NAME), p = property.apply(DetectorTopics.MODEL_PRECISION),
                v = property.apply(DetectorTopics.MODEL_VERSION), s = property.apply(DetectorTopics.MODEL_SHA256);
        if (n == null || p == null || v == null || s == null) return;
        Object err = property.apply(DetectorTopics.ERROR);
        guard.model(new ModelRef(n.toString(), p.toString(), v.toString(), s.toString()),
                err == null ? null : err.toString(), clock.getAsLong());
    }

    /** Verdicts and rollbacks happen here, on the caller's thread. */
    public void tick() {
        guard.tick(clock.getAsLong());
    }

    static ModelRef ref(ModelIdentity m) {
        return new ModelRef(m.name(), m.precision().name(), m.version(), m.sha256());
    }
}
