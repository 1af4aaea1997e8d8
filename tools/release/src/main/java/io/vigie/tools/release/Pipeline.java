package io.vigie.tools.release;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;

/**
 * Runs stages in order and keeps each one's result in {@code <work>/<stage>.json} (schema {@value #SCHEMA}: status,
 * message, wall time, input hashes, outputs). A FAIL stops the chain; {@code only} re-runs one stage alone,
 * {@code from} resumes the chain at a stage. Wall time per stage is printed as it ends and in the summary.
 */
final class Pipeline {
    static final String SCHEMA = "vigie-pipeline-stage/1";

    /** One stage's record, as written. */
    record Run(String stage, Stage.Status status, String message, double wallS, int exitCode) {
    }

    private final List<Stage> stages;

    /** Names a stage may not take: files of target/pipeline that are not stage records. */
    static final java.util.Set<String> RESERVED = java.util.Set.of("verdicts", "data");

    Pipeline(List<Stage> stages) {
        this.stages = List.copyOf(stages);
        if (stages.stream().map(Stage::name).distinct().count() != stages.size())
            throw new IllegalArgumentException("duplicate stage names");
        for (Stage s : stages)
            if (RESERVED.contains(s.name()) || !s.name().matches("[a-z0-9][a-z0-9-]*"))
                throw new IllegalArgumentException("bad stage name '" + s.name() + "'");
    }

    List<Stage> stages() {
        return stages;
    }

    /** The stages a selection runs: all, one ({@code only}) or from one to the end ({@code from}); unknown = error. */
    List<Stage> select(String only, String from) {
        if (only != null && from != null) throw new IllegalArgumentException("--stage and --from exclude each other");
        String name = only != null ? only : from;
        if (name == null) return stages;
        int i = indexOf(name);
        if (i < 0)
            throw new IllegalArgumentException("unknown stage '" + name + "' (stages: "
                    + String.join(", ", stages.stream().map(Stage::name).toList()) + ")");
        return only != null ? List.of(stages.get(i)) : stages.subList(i, stages.size());
    }

    private int indexOf(String name) {
        for (int i = 0; i < stages.size(); i++) if (stages.get(i).name().equals(name)) return i;
        return -1;
    }

    /** Runs the selection; returns the records in order (the last one is the FAIL that stopped it, if any). */
    List<Run> run(PipelineContext c, List<Stage> selection) throws IOException {
        Files.createDirectories(c.work());
        Files.createDirectories(c.data());
        List<Run> runs = new ArrayList<>();
        for (Stage s : selection) {
            c.out().printf(Locale.ROOT, "pipeline: == %s: %s%n", s.name(), s.description());
            Instant start = Instant.now();
            long t0 = System.nanoTime();
            Map<String, String> inputs;
            Stage.Outcome o;
            try {
                inputs = s.inputs(c);
            } catch (Exception e) {
                inputs = Map.of("error", String.valueOf(e));
            }
            try {
                o = s.run(c);
            } catch (Exception e) {
                o = Stage.Outcome.fail(e.getClass().getSimpleName() + ": " + e.getMessage());
            }
            double wall = Math.round((System.nanoTime() - t0) / 1e7) / 100.0;
            Run r = new Run(s.name(), o.status(), o.message(), wall, o.status() == Stage.Status.FAIL ? o.exitCode() : 0);
            write(c, s, r, start, inputs, o.outputs());
            runs.add(r);
            c.out().printf(Locale.ROOT, "pipeline: -- %s %s in %.1f s: %s%n", s.name(), o.status(), wall, o.message());
            if (o.status() == Stage.Status.FAIL) break;
        }
        return runs;
    }

    /** The wall-time summary table; the exit code is the stopping stage's, else 0. */
    static int summarize(List<Run> runs, PipelineContext c) {
        double total = 0;
        c.out().println("pipeline: stage                 status      wall s");
        for (Run r : runs) {
            total += r.wallS();
            c.out().printf(Locale.ROOT, "pipeline:   %-20s %-10s %7.1f%n", r.stage(), r.status(), r.wallS());
        }
        c.out().printf(Locale.ROOT, "pipeline:   %-20s %-10s %7.1f%n", "total", "", total);
        Run last = runs.isEmpty() ? null : runs.get(runs.size() - 1);
        return last != null && last.status() == Stage.Status.FAIL ? last.exitCode() : 0;
    }

    private static void write(PipelineContext c, Stage s, Run r, Instant start, Map<String, String> inputs,
            Map<String, String> outputs) throws IOException {
        JsonObject o = new JsonObject();
        o.addProperty("schema", SCHEMA);
        o.addProperty("stage", s.name());
        o.addProperty("status", r.status().name());
        o.addProperty("message", r.message());
        o.addProperty("startedAt", start.truncatedTo(ChronoUnit.SECONDS).toString());
        o.addProperty("wallS", r.wallS());
        o.addProperty("exitCode", r.exitCode());
        o.addProperty("quick", c.quick());
        o.add("inputs", new GsonBuilder().create().toJsonTree(new LinkedHashMap<>(inputs)));
        o.add("outputs", new GsonBuilder().create().toJsonTree(new LinkedHashMap<>(outputs)));
        Path f = c.work().resolve(s.name() + ".json");
        Path tmp = c.work().resolve(s.name() + ".json.tmp");
        Files.writeString(tmp, new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(o) + "\n",
                StandardCharsets.UTF_8);
        Files.move(tmp, f, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
}
