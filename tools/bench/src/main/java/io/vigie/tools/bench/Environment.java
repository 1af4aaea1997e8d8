package io.vigie.tools.bench;

import java.util.List;

/**
 * Results of one environment: "normal" (the whole machine) or "edge" (cgroup CPU quota + memory limit).
 *
 * @param cpus      CPU quota in cores, null when unlimited
 * @param memoryMb  memory limit, null when unlimited
 * @param skipped   why the environment was not measured, or null
 * @param swaps     model swaps measured on a running gateway (SwapBench), empty when not run
 */
public record Environment(String name, Double cpus, Long memoryMb, List<String> jvmOpts, List<RawResult> raw,
        List<PipelineResult> pipeline, String skipped, List<SwapBench.Swap> swaps) {

    public Environment(String name, Double cpus, Long memoryMb, List<String> jvmOpts, List<RawResult> raw,
            List<PipelineResult> pipeline, String skipped) {
        this(name, cpus, memoryMb, jvmOpts, raw, pipeline, skipped, List.of());
    }
}
