package io.vigie.api.detect;

import java.util.List;

import io.vigie.api.inference.Detection;
import io.vigie.api.model.ModelIdentity;

/**
 * A person entered (START, after the dwell time) or left (END, after the cooldown) a zone.
 *
 * @param type            START or END
 * @param zone            zone name
 * @param startedMillis   when the intrusion started (first frame past the dwell)
 * @param timestampMillis when this event was decided
 * @param persons         people in the zone in the deciding frame (START) or the max seen (END)
 * @param detections      the people in the zone in the deciding frame
 * @param sequence        frame sequence number of the deciding frame
 * @param model           model that produced the detections
 */
public record IntrusionEvent(Type type, String zone, long startedMillis, long timestampMillis, int persons,
        List<Detection> detections, long sequence, ModelIdentity model) {
    public enum Type { START, END }

    public IntrusionEvent {
        detections = List.copyOf(detections);
    }
}
