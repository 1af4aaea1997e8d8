package io.vigie.api.detect;

/**
 * Counters of the detector's motion gate since the detector started (see the detector's motion.* settings). With the
 * gate on, a frame in which nothing moved since the last inferred frame reuses that frame's detections instead of
 * running the model; every frame still produces a result, so {@link DetectorStatus#framesProcessed()} counts both.
 *
 * @param enabled  the gate is on (motion.gate.enabled)
 * @param skipped  frames that reused the last inference because nothing moved
 * @param motion   frames inferred because they moved (the first frame, and the first after a swap, count here too)
 * @param rechecks frames inferred by the periodic re-check although nothing moved
 */
public record MotionGateStatus(boolean enabled, long skipped, long motion, long rechecks) {
    /** A detector without a gate: nothing counted. */
    public static final MotionGateStatus OFF = new MotionGateStatus(false, 0, 0, 0);
}
