package io.vigie.tools.bench;

/**
 * One run of the Python peer (tools/peer-python/peer.py) for one precision and thread count, measured like
 * {@link PipelineResult}: frames and latencies from its /stats endpoint, CPU and RSS from /proc.
 *
 * @param coldStartMs   process spawn to the first processed frame
 * @param latencyP50Ms  decode→result over its last ≤512 frames at window end (Vigie's definition)
 * @param streamFps     MJPEG parts/s the one connected viewer received during the window
 */
public record PeerResult(String precision, int threads, Double coldStartMs, Double windowS, Long frames, Double fps,
        Double latencyP50Ms, Double latencyP95Ms, Double latencyP99Ms, Long latencySamples, Double decodeP50Ms,
        Double preprocessP50Ms, Double inferenceP50Ms, Double postprocessP50Ms, Long sourceDecoded, Long sourceDropped,
        Double rssMaxMb, Double rssMeanMb, Double cpuCores, Double streamFps, String error) {

    public static PeerResult failed(String precision, int threads, Double coldStartMs, String error) {
        return new PeerResult(precision, threads, coldStartMs, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null, null, error);
    }
}
