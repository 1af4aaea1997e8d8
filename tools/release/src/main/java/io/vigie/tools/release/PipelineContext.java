package io.vigie.tools.release;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;

/**
 * What every stage sees: the checkout, where results go, the run's options.
 *
 * @param work      target/pipeline: one {@code <stage>.json} per stage (status, wall time, input hashes)
 * @param data      target/pipeline/data: the result files the gates read ({@code <input>.json})
 * @param reportDir docs/release by default: report.md + chart.png
 * @param mlflow    tracking URI (--mlflow or MLFLOW_TRACKING_URI), null when none
 * @param env       extra environment for the commands stages run
 */
record PipelineContext(Path root, Path work, Path data, Path reportDir, Path gates, Path shared, boolean quick,
        boolean offline, String mlflow, Map<String, String> env, PrintStream out) {
    static PipelineContext of(Path root, Path shared, boolean quick, boolean offline, String mlflow, PrintStream out) {
        Path work = root.resolve("target/pipeline");
        return new PipelineContext(root, work, work.resolve("data"), root.resolve("docs/release"),
                root.resolve("conf/release-gates.json"), shared, quick, offline, mlflow, Map.of("VIGIE_NO_BUILD", "1"), out);
    }
}
