package io.vigie.tools.quantizer;

/**
 * Entry point for exec-maven-plugin's {@code java} goal: same options as {@link QuantizeMain}, but
 * failures are thrown (they fail the build with their message) instead of System.exit, which
 * would end Maven's own JVM.
 */
public final class QuantizeBuildStep {
    private QuantizeBuildStep() {
    }

    public static void main(String[] args) throws Exception {
        System.out.println("[quantizer] " + QuantizeMain.run(args));
    }
}
