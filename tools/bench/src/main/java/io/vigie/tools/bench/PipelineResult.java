package io.vigie.tools.bench;

/**
 * One full-pipeline measurement of the real gateway for one model precision and thread count.
 *
 * @param activePrecision precision the detector reported as active (differs if it fell back)
 * @param coldStartMs     process spawn to the first /vigie/api/detections with a detection
 * @param apiUpMs         process spawn to the first answer of /vigie/api/status (framework, HTTP, web bundle up)
 * @param modelActiveMs   process spawn to the first status with an active model (model loaded and warmed up)
 * @param fps             framesProcessed delta / window wall time
 * @param latencyP50Ms    /vigie/api/metrics latencyMs (decode→result, last ≤512 frames at window end)
 * @param cpuCores        (utime+stime delta of the JVM) / window wall time
 */
public record PipelineResult(String precision, int threads, String activePrecision, Double coldStartMs, Double apiUpMs,
        Double modelActiveMs, Double windowS,
        Long frames, Double fps, Double statusFps, Double latencyP50Ms, Double latencyP95Ms, Double latencyP99Ms,
        Long latencySamples, Double inferenceP50Ms, Double decodeP50Ms, Long sourceDecoded, Long sourceDropped,
        Long sinkDrops, Double rssMaxMb, Double rssMeanMb, Integer rssSamples, Double rssAnonMaxMb, Double rssFileMaxMb,
        Double cgroupMaxUsageMb, Double cpuCores,
        String error) {

    public static PipelineResult failed(String precision, int threads, Double coldStartMs, Double apiUpMs, Double modelActiveMs,
            String error) {
        return new PipelineResult(precision, threads, null, coldStartMs, apiUpMs, modelActiveMs, null, null, null, null, null,
                null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, error);
    }
}
