package io.vigie.api.video;

/**
 * Snapshot of a source's health, for status pages and metrics.
 *
 * @param state      lifecycle state
 * @param error      last error message, or null
 * @param decoded    frames decoded since start
 * @param dropped    frames decoded but replaced by a newer one before anyone took them
 * @param reconnects times the source was reopened after a failure
 * @param fps        native frame rate reported by the container/stream (0 if unknown)
 * @param width      frame width (0 until known)
 * @param height     frame height (0 until known)
 */
public record SourceStatus(State state, String error, long decoded, long dropped, long reconnects, double fps,
        int width, int height) {
    public enum State { STARTING, RUNNING, RECONNECTING, ENDED, CLOSED }
}
