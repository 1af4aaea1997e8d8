package io.vigie.tools.bench;

import java.util.List;

/**
 * Results of one environment: "normal" (the whole machine) or "edge" (cgroup CPU quota + memory limit).
 *
 * @param cpus      CPU quota in cores, null when unlimited
 * @param memoryMb  memory limit, null when unlimited
 * @param skipped   why the environment was not measured, or null
 */
public record Environment(String name, Double cpus, Long memoryMb, List<String> jvmOpts, List<RawResult> raw,
        List<PipelineResult> pipeline, String skipped) {
}
