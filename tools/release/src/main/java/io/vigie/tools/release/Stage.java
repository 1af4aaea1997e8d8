package io.vigie.tools.release;

import java.util.Map;

/**
 * One pipeline stage (the seam other parts plug into: a stage has a name, says what it reads and runs).
 * Stages talk through files only (target/pipeline/data/*.json, docs/release/), so any stage can be re-run alone.
 */
interface Stage {
    /** Outcome kinds: NOT_WIRED is a stage whose implementation has not landed (it says so, never "done"). */
    enum Status { PASS, FAIL, SKIPPED, NOT_WIRED }

    /**
     * @param exitCode the pipeline's exit code when this stage stops it (FAIL): 1 a broken stage, 3 a BLOCK decision
     * @param outputs  name to path of what the stage wrote
     */
    record Outcome(Status status, String message, int exitCode, Map<String, String> outputs) {
        static Outcome pass(String message, Map<String, String> outputs) {
            return new Outcome(Status.PASS, message, 0, outputs);
        }

        static Outcome fail(String message) {
            return new Outcome(Status.FAIL, message, 1, Map.of());
        }

        static Outcome skipped(String message) {
            return new Outcome(Status.SKIPPED, message, 0, Map.of());
        }

        static Outcome notWired(String message) {
            return new Outcome(Status.NOT_WIRED, message, 0, Map.of());
        }
    }

    String name();

    /** One line for --list and the help. */
    String description();

    /** What this run reads, by name, with its SHA-256 (or "missing"), recorded in the stage's result. */
    Map<String, String> inputs(PipelineContext c) throws Exception;

    Outcome run(PipelineContext c) throws Exception;
}
