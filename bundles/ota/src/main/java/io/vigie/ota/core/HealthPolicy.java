package io.vigie.ota.core;

/**
 * When a freshly installed model counts as healthy.
 *
 * @param windowMs        the new model must become active within this time after the install, then serve this long
 * @param maxModelErrors  detector errors about the new model tolerated once it is active (a refusal before that always fails)
 * @param latencyBudgetMs p95 of the frames' total time ({@code Timings.totalMillis}) on the new model must not exceed
 *                        this (0 = not checked)
 * @param minFpsRatio     frames per second on the new model must reach this fraction of the rate before the install
 *                        (0 = not checked)
 */
public record HealthPolicy(long windowMs, int maxModelErrors, double latencyBudgetMs, double minFpsRatio) {
    public HealthPolicy {
        if (windowMs <= 0) throw new IllegalArgumentException("health window must be > 0 ms");
        if (maxModelErrors < 0 || latencyBudgetMs < 0 || minFpsRatio < 0)
            throw new IllegalArgumentException("health thresholds must be >= 0");
    }

    /** What a watch under this policy checks, in words (shown on the packages page). */
    public String describe() {
        StringBuilder b = new StringBuilder("the model must become active within ").append(windowMs / 1000)
                .append(" s, then serve ").append(windowMs / 1000).append(" s with at most ").append(maxModelErrors)
                .append(" detector error(s)");
        if (latencyBudgetMs > 0) b.append(", p95 frame time <= ").append(Math.round(latencyBudgetMs)).append(" ms");
        if (minFpsRatio > 0) b.append(", frame rate >= ").append(Math.round(minFpsRatio * 100)).append(" % of the rate before");
        return b.toString();
    }
}
