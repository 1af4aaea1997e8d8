package io.vigie.tools.bench;

/**
 * One raw interpreter measurement (tools/eval BenchMain): invoke only, and the engine's own
 * preprocess + invoke; FPS = 1000 / p50 as BenchMain computes it.
 */
public record RawResult(String precision, int threads, Double fps, Double invokeP50Ms, Double invokeP95Ms,
        Double fpsPreprocessInvoke, Double preprocessInvokeP50Ms, Double preprocessInvokeP95Ms, String error) {

    public static RawResult failed(String precision, int threads, String error) {
        return new RawResult(precision, threads, null, null, null, null, null, null, error);
    }
}
