package io.vigie.api.detect;

import java.util.List;

/**
 * A zone as seen in one frame.
 *
 * @param name     zone name from configuration
 * @param polygon  normalised vertices x0,y0,x1,y1,... (0..1)
 * @param persons  people whose foot point lies in the zone in this frame
 * @param intrusion true while an intrusion is active (after the dwell time, before the end)
 */
public record ZoneState(String name, List<float[]> polygon, int persons, boolean intrusion) {
    public ZoneState {
        polygon = List.copyOf(polygon);
    }
}
