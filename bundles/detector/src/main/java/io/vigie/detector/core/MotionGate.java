package io.vigie.detector.core;

/**
 * Decides, frame by frame, whether the model must run: cheap change detection on a small grey frame (e.g. 160×120,
 * blurred; see {@link GreyScaler}).
 * <p>
 * The background a frame is compared with is the <em>last inferred frame</em>: a frame is skipped only when fewer than
 * {@code minArea} of its pixels differ by more than {@code threshold} grey levels from the frame whose detections it
 * then reuses. So a skipped frame never shows more change than that from what the detector last saw, however slowly
 * the change came (a running average would absorb a slow change without the model ever seeing it, and after every
 * stop it needs frames to settle, all inferred). Guarantees, in order:
 * <ol>
 * <li>the first frame, a frame of another size and a frame after {@link #reset} or with {@code force} are inferred;</li>
 * <li>the first frame that moved is inferred: there is no hold-off, so an intrusion's first frame is never skipped;</li>
 * <li>nothing moved: the model still runs every {@code recheckMs} while people are tracked (someone standing still is
 * re-checked) and every {@code idleRecheckMs} otherwise (a safety net for changes below the thresholds).</li>
 * </ol>
 * Not thread-safe: the inference thread owns it.
 */
public final class MotionGate {

    /**
     * @param enabled       off: every frame is inferred and no grey frame is needed
     * @param threshold     grey-level difference (1..255) above which a pixel changed
     * @param minArea       fraction of the small frame's pixels that must change to count as motion
     * @param recheckMs     longest time without inference while people are tracked
     * @param idleRecheckMs longest time without inference while nobody is
     */
    public record Settings(boolean enabled, int threshold, float minArea, long recheckMs, long idleRecheckMs) {
        public static final Settings OFF = new Settings(false, SettingsRules.MOTION_THRESHOLD_DEFAULT,
                SettingsRules.MOTION_MIN_AREA_DEFAULT, SettingsRules.MOTION_RECHECK_DEFAULT,
                SettingsRules.MOTION_IDLE_RECHECK_DEFAULT);
    }

    /** Why a frame was or was not inferred. */
    public enum Reason {
        /** the gate is off */
        OFF,
        /** no comparable reference (first frame, new size, reset) or forced by the caller */
        FIRST,
        /** enough pixels changed since the last inferred frame */
        MOTION,
        /** nothing moved, but the re-check interval ran out */
        RECHECK,
        /** nothing moved: the last inference stands */
        STILL
    }

    /** Bounding box of the changed pixels in small-frame pixels, max exclusive; null when none changed. */
    public record Box(int x0, int y0, int x1, int y1) {
    }

    /** One frame's verdict: infer or not, why, how many pixels changed and where. */
    public record Decision(boolean infer, Reason reason, int changed, Box box) {
    }

    private static final Decision OFF_DECISION = new Decision(true, Reason.OFF, 0, null);

    private Settings settings = Settings.OFF;
    private byte[] reference;
    private int refWidth, refHeight;
    private long lastInferMs;
    // written by the owning thread, read by status calls
    private volatile long skipped, motion, rechecks;

    /** New settings; a change of any of them drops the reference, so the next frame is inferred. */
    public void configure(Settings next) {
        if (!next.equals(settings)) reset();
        settings = next;
    }

    public Settings settings() {
        return settings;
    }

    /** Forget the reference: the next frame is inferred. */
    public void reset() {
        reference = null;
    }

    /**
     * @param frame    the small grey frame (ignored when the gate is off)
     * @param nowMs    the frame's time
     * @param tracking people were seen by the last inference, or a zone is not idle
     * @param force    infer this frame whatever moved (e.g. the first frame of a new model)
     */
    public Decision decide(GreyFrame frame, long nowMs, boolean tracking, boolean force) {
        Settings s = settings;
        if (!s.enabled()) return OFF_DECISION;
        if (force || reference == null || frame.width() != refWidth || frame.height() != refHeight) {
            motion++;
            return inferred(frame, nowMs, new Decision(true, Reason.FIRST, 0, null));
        }
        byte[] px = frame.pixels(), ref = reference;
        int w = refWidth, h = refHeight, t = s.threshold();
        int changed = 0, x0 = w, y0 = h, x1 = -1, y1 = -1;
        for (int y = 0, i = 0; y < h; y++) {
            for (int x = 0; x < w; x++, i++) {
                if (Math.abs((px[i] & 0xff) - (ref[i] & 0xff)) > t) {
                    changed++;
                    if (x < x0) x0 = x;
                    if (x > x1) x1 = x;
                    if (y < y0) y0 = y;
                    y1 = y;
                }
            }
        }
        Box box = changed == 0 ? null : new Box(x0, y0, x1 + 1, y1 + 1);
        if (changed >= minPixels(s, w * h)) {
            motion++;
            return inferred(frame, nowMs, new Decision(true, Reason.MOTION, changed, box));
        }
        if (nowMs - lastInferMs >= (tracking ? s.recheckMs() : s.idleRecheckMs())) {
            rechecks++;
            return inferred(frame, nowMs, new Decision(true, Reason.RECHECK, changed, box));
        }
        skipped++;
        return new Decision(false, Reason.STILL, changed, box);
    }

    /** At least one pixel: a min area of 0 must not make every frame "moved". */
    static int minPixels(Settings s, int pixels) {
        return Math.max(1, (int) Math.ceil(s.minArea() * pixels));
    }

    private Decision inferred(GreyFrame frame, long nowMs, Decision d) {
        byte[] px = frame.pixels();
        if (reference == null || reference.length != px.length) reference = new byte[px.length];
        System.arraycopy(px, 0, reference, 0, px.length);
        refWidth = frame.width();
        refHeight = frame.height();
        lastInferMs = nowMs;
        return d;
    }

    /** Frames skipped because nothing moved. */
    public long skipped() {
        return skipped;
    }

    /** Frames inferred because they moved (or had no reference). */
    public long motion() {
        return motion;
    }

    /** Frames inferred by the re-check interval. */
    public long rechecks() {
        return rechecks;
    }
}
