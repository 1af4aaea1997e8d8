package io.vigie.api.detect;

import java.util.List;

import io.vigie.api.model.ModelIdentity;
import io.vigie.api.video.SourceStatus;

/**
 * Health of the pipeline, for status pages and telemetry.
 *
 * @param state          RUNNING, NO_MODEL (waiting for a model service), ERROR (see error), STOPPED
 * @param error          last configuration/model/source error, human-readable, or null
 * @param source         the frame source's own status, or null when not started
 * @param activeModel    the model serving frames, or null
 * @param availableModels every model service currently registered
 * @param framesProcessed frames that produced a result (with the motion gate on, some reused the last inference)
 * @param fps            processed frames per second (recent window)
 * @param sinkDrops      results dropped by slow sinks
 * @param zones          configured zones
 * @param motionGate     motion gate counters, never null ({@link MotionGateStatus#OFF} without a gate)
 */
public record DetectorStatus(State state, String error, SourceStatus source, ModelIdentity activeModel,
        List<ModelIdentity> availableModels, long framesProcessed, double fps, long sinkDrops, List<ZoneState> zones,
        MotionGateStatus motionGate) {
    public enum State { RUNNING, NO_MODEL, ERROR, STOPPED }

    public DetectorStatus {
        availableModels = List.copyOf(availableModels);
        zones = List.copyOf(zones);
        if (motionGate == null) motionGate = MotionGateStatus.OFF;
    }

    /** A status without motion gate counters (the form of version 2.0). */
    public DetectorStatus(State state, String error, SourceStatus source, ModelIdentity activeModel,
            List<ModelIdentity> availableModels, long framesProcessed, double fps, long sinkDrops, List<ZoneState> zones) {
        this(state, error, source, activeModel, availableModels, framesProcessed, fps, sinkDrops, zones,
                MotionGateStatus.OFF);
    }
}
