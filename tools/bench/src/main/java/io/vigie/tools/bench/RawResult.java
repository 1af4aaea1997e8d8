package io.vigie.tools.bench;

/**
 * One raw interpreter measurement ({@link RawMain}: engine preprocess + TFLite Invoke, back to back).
 *
 * @param fps                  sustained: runs / wall time of the timed loop (preprocess + invoke)
 * @param fpsP50               1000 / invokeP50Ms (tools/eval BenchMain's definition)
 * @param fpsPreprocessInvoke  1000 / preprocessInvokeP50Ms
 */
public record RawResult(String precision, int threads, Double fps, Double fpsP50, Double invokeP50Ms, Double invokeP95Ms,
        Double fpsPreprocessInvoke, Double preprocessInvokeP50Ms, Double preprocessInvokeP95Ms, String error) {

    public static RawResult failed(String precision, int threads, String error) {
        return new RawResult(precision, threads, null, null, null, null, null, null, null, error);
    }
}
