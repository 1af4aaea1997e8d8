package io.vigie.ota.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * Judges one freshly installed model from the detector's events, on a clock the caller supplies
 * (so tests replay synthetic streams). Two phases:
 * <ol>
 * <li>waiting: the detector refusing the model ({@code io/vigie/detector/MODEL} with {@code error}
 * for its identity) fails at once; the first frame (or MODEL event) on it makes it active; if it is
 * not active after the window and it should have been (frames were flowing on a model of the same
 * precision before the install), it fails; otherwise (another precision is preferred, or the source
 * is idle) nothing can be judged and it passes as "not observed";</li>
 * <li>active, for one window: more detector errors on it than allowed fail at once; at the end,
 * p95 of the frames' total time above the latency budget, or a frame rate below the ratio of the rate
 * before the install, fail. When the detector moves to another model before the window ends (an
 * operator switched precision), the stint it served is judged instead, and one shorter than a third
 * of the window passes as too short to judge: leaving the model is not its failure (the detector's
 * own refusals arrive as errors).</li>
 * </ol>
 */
public final class HealthWatch {
    /** The outcome; {@code healthy=false} means roll back. */
    public record Verdict(boolean healthy, String reason) {
    }

    /**
     * Where a watch stands, for a countdown: {@code judging=false} while the model has not served a frame yet
     * (then a whole window of judging is still to come), {@code remainingMs} left in the current phase.
     */
    public record Progress(boolean judging, long remainingMs, long maxRemainingMs) {
    }

    private final ModelRef model;
    private final HealthPolicy policy;
    private final long startMs;
    private final double fpsBefore;
    private final ModelRef activeBefore;
    private final boolean expectActive;
    private long activeAt = -1;
    private long leftAt = -1;
    private ModelRef leftFor;
    private int errors;
    private final List<Double> totals = new ArrayList<>();
    private Verdict verdict;

    /**
     * @param fpsBefore    frames per second before the install (0 when no frames were flowing)
     * @param activeBefore the model serving frames before the install, or null
     */
    public HealthWatch(ModelRef model, HealthPolicy policy, long startMs, double fpsBefore, ModelRef activeBefore) {
        this.model = model;
        this.policy = policy;
        this.startMs = startMs;
        this.fpsBefore = fpsBefore;
        this.activeBefore = activeBefore;
        this.expectActive = fpsBefore > 0 && activeBefore != null && activeBefore.precision().equalsIgnoreCase(model.precision());
    }

    public ModelRef model() {
        return model;
    }

    public synchronized boolean active() {
        return activeAt >= 0;
    }

    public synchronized Verdict verdict() {
        return verdict;
    }

    public HealthPolicy policy() {
        return policy;
    }

    /** The countdown at {@code now} (the verdict itself comes from {@link #tick}). */
    public synchronized Progress progress(long now) {
        long w = policy.windowMs();
        if (activeAt < 0) {
            long left = Math.max(0, startMs + w - now);
            return new Progress(false, left, left + w);
        }
        long left = Math.max(0, activeAt + w - now);
        return new Progress(true, left, left);
    }

    /** A frame the detector processed (its FrameResult). */
    public synchronized void frame(ModelRef m, double totalMs, long now) {
        if (verdict != null || leftAt >= 0) return;
        if (!model.sameAs(m)) {
            if (activeAt >= 0) {
                leftAt = now;
                leftFor = m;
            }
            return;
        }
        if (activeAt < 0) activeAt = now;
        if (now <= activeAt + policy.windowMs()) totals.add(totalMs);
    }

    /** A MODEL event ({@code error} null: the model became active). */
    public synchronized void model(ModelRef m, String error, long now) {
        if (verdict != null || !model.sameAs(m)) return;
        if (error == null) {
            if (activeAt < 0) activeAt = now;
            return;
        }
        if (activeAt < 0) {
            verdict = new Verdict(false, "the detector refused model " + model.shortId() + ": " + error);
            return;
        }
        if (++errors > policy.maxModelErrors())
            verdict = new Verdict(false, errors + " detector error(s) on model " + model.shortId() + " (max "
                    + policy.maxModelErrors() + "), last: " + error);
    }

    /** Advances the clock; returns the verdict once there is one (null while still watching). */
    public synchronized Verdict tick(long now) {
        if (verdict != null) return verdict;
        if (activeAt < 0) {
            if (now - startMs < policy.windowMs()) return null;
            verdict = expectActive
                    ? new Verdict(false, "model " + model.shortId() + " did not become active within " + policy.windowMs()
                            + " ms (the detector stayed on " + activeBefore.shortId() + ")")
                    : new Verdict(true, "model " + model.shortId() + " not observed: "
                            + (fpsBefore <= 0 ? "no frames were being processed" : "the detector prefers another precision"));
            return verdict;
        }
        if (leftAt < 0 && now - activeAt < policy.windowMs()) return null;
        long served = leftAt >= 0 ? Math.min(leftAt - activeAt, policy.windowMs()) : policy.windowMs();
        if (leftAt >= 0 && served < policy.windowMs() / 3) {
            verdict = new Verdict(true, "model " + model.shortId() + " served " + served + " ms, then the detector switched to "
                    + leftFor.shortId() + ": too short to judge");
            return verdict;
        }
        verdict = judge(Math.max(1, served));
        return verdict;
    }

    private Verdict judge(long served) {
        int n = totals.size();
        double fps = n / (served / 1000.0);
        double p95 = p95(totals);
        String stats = String.format(Locale.ROOT, "%d frames in %d ms (%.1f fps, %.1f before), p95 total %.0f ms",
                n, served, fps, fpsBefore, p95);
        if (policy.latencyBudgetMs() > 0 && n > 0 && p95 > policy.latencyBudgetMs())
            return new Verdict(false, "model " + model.shortId() + " too slow: " + stats + " > budget "
                    + Math.round(policy.latencyBudgetMs()) + " ms");
        if (policy.minFpsRatio() > 0 && fpsBefore > 0 && fps < policy.minFpsRatio() * fpsBefore)
            return new Verdict(false, String.format(Locale.ROOT, "model %s too slow: %s < %.0f%% of the rate before",
                    model.shortId(), stats, 100 * policy.minFpsRatio()));
        return new Verdict(true, "model " + model.shortId() + " healthy: " + stats);
    }

    static double p95(List<Double> values) {
        if (values.isEmpty()) return 0;
        List<Double> s = new ArrayList<>(values);
        Collections.sort(s);
        int idx = (int) Math.ceil(0.95 * s.size()) - 1;
        return s.get(Math.max(0, idx));
    }
}
