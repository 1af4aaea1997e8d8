package io.vigie.api.inference;

/**
 * @param threads    interpreter threads (≥ 1)
 * @param useXnnpack XNNPACK delegate (default on; off only for debugging/bit-exact comparisons)
 * @param maxResults cap on returned detections
 */
public record EngineOptions(int threads, boolean useXnnpack, int maxResults) {
    public EngineOptions {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1");
        if (maxResults < 1) throw new IllegalArgumentException("maxResults must be >= 1");
    }

    public static EngineOptions defaults() {
        return new EngineOptions(1, true, 100);
    }
}
