package io.vigie.tools.release;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.vigie.tools.bench.BenchMlflow;
import io.vigie.tools.mlflow.MlflowClient;
import io.vigie.tools.mlflow.MlflowException;
import io.vigie.tools.mlflow.RunLogger;

/**
 * The pipeline's MLflow side. {@code mlflow-log}: one parent run (experiment {@value #EXPERIMENT}) with a nested run
 * per result file (bench runs mapped by the bench's own {@link BenchMlflow}, eval runs with the keys {@code ./vigie eval
 * --mlflow} uses), report + chart + verdicts, the {@code .tflite} and {@code .dp} files as artifacts; then a registry
 * version per (precision, model sha256) of {@value #REGISTERED_MODEL} whose source is the run's {@code .dp}, tagged with
 * AP, FPS and the gate verdicts, alias {@value #CANDIDATE}. {@code promote}: on PROMOTE, alias {@value #CHAMPION} to the
 * candidates and the signed DPs + sha256 + report copied to {@code target/release/<version>/}. MLflow down: the stage
 * says "not logged" and the pipeline goes on; its decision and exit code never depend on MLflow.
 */
final class ReleaseMlflow {
    static final String EXPERIMENT = "vigie-pipeline";
    /** The detector family (today's only one): one registered model, one DP per precision. */
    static final String FAMILY = "ssd-mobilenet-v2";
    static final String REGISTERED_MODEL = "vigie-" + FAMILY;
    static final String CANDIDATE = "candidate", CHAMPION = "champion";
    static final List<String> PRECISIONS = List.of("fp32", "int8");
    /** Where kura-dp writes the model DPs (kura-dp/README.md); signed when built with -Dvigie.dp.signing.key. */
    static final String DP_DIR = "kura-dp/target";
    /** The mlflow-log stage's record output naming the candidate version of a precision: version.PRECISION = N. */
    static final String VERSION_OUTPUT = "version.";

    private ReleaseMlflow() {
    }

    static Path dp(PipelineContext c, String precision) {
        return c.root().resolve(DP_DIR).resolve("vigie-model-" + FAMILY + "-" + precision + ".dp");
    }

    /** Logs the run tree and registers the candidates; never fails the pipeline (SKIPPED "not logged" instead). */
    static final class LogStage extends ReleaseStages.ResultsStage {
        LogStage() {
            super("mlflow-log", "log the run tree (params, metrics, artifacts) to MLflow; registry versions, alias candidate");
        }

        @Override
        public Outcome run(PipelineContext c) throws IOException {
            if (RunLogger.resolveUri(c.mlflow()) == null)
                return Outcome.skipped("not logged: no --mlflow URI and MLFLOW_TRACKING_URI is unset");
            Path verdictsFile = ReleaseStages.decisionFile(c);
            if (!Files.isRegularFile(verdictsFile)) return Outcome.fail("no " + verdictsFile + ": run the gates stage first");
            JsonObject verdicts = JsonParser.parseString(Files.readString(verdictsFile, StandardCharsets.UTF_8))
                    .getAsJsonObject();
            Results results = Results.load(c.data());
            Map<String, String> outputs = new LinkedHashMap<>();
            String why;
            try (RunLogger parent = RunLogger.start(c.mlflow(), EXPERIMENT, "pipeline " + verdicts.get("decision")
                    .getAsString().toLowerCase(Locale.ROOT), c.out())) {
                try {
                    why = logTree(c, parent, results, verdicts, outputs);
                } catch (IOException | RuntimeException e) {
                    // garbage in a result or verdict file: the run is not logged, the decision still happens
                    why = e.getClass().getSimpleName() + ": " + e.getMessage();
                }
                if (why == null) parent.succeeded();
            }
            if (why != null) return Outcome.skipped("NOT logged (" + why + "); the decision does not depend on MLflow");
            return Outcome.pass("logged: " + outputs, outputs);
        }

        /** Null when everything was logged, else why not. */
        private static String logTree(PipelineContext c, RunLogger parent, Results results, JsonObject verdicts,
                Map<String, String> outputs) throws IOException {
            if (!parent.active()) return "MLflow at " + c.mlflow() + " did not take the run: see the mlflow: line above";
            String decision = verdicts.get("decision").getAsString();
            parent.params(Map.of("gates.version", verdicts.get("gatesVersion").getAsString(), "gates.sha256",
                    verdicts.get("gatesSha256").getAsString(), "quick", Boolean.toString(c.quick())));
            parent.tags(Map.of("decision", decision));
            for (Results.Result r : results.byName().values()) {
                try (RunLogger child = parent.child(r.name())) {
                    if (r.json() == null) {
                        child.tags(Map.of("error", r.error()));
                    } else if (r.name().startsWith(Results.BENCH)) {
                        child.params(BenchMlflow.params(r.json())).metrics(BenchMlflow.metrics(r.json()))
                                .tags(BenchMlflow.goals(r.json()));
                    } else if (r.name().startsWith(Results.EVAL)) {
                        child.params(evalParams(r.json())).metrics(evalMetrics(r.json()));
                    }
                    child.params(Map.of("result.sha256", r.sha256())).artifact(r.file(), "results").succeeded();
                }
            }
            parent.artifact(c.reportDir().resolve("report.md"), "report").artifact(c.reportDir().resolve("chart.png"), "report")
                    .artifact(ReleaseStages.decisionFile(c), "report");
            Map<String, Path> dps = new LinkedHashMap<>();
            for (String p : PRECISIONS) {
                Results.Result eval = results.byName().get(Results.EVAL + p);
                if (eval == null || eval.json() == null) continue;
                Path model = c.root().resolve(text(eval.json().get("model"))).normalize();
                // only the file that was measured (a rebuilt model with another sha256 is not this run's), in the checkout
                if (model.startsWith(c.root()) && Files.isRegularFile(model)
                        && Hashes.sha256(model).equals(text(eval.json().get("sha256"))))
                    parent.artifact(model, "model/" + p);
                else c.out().println("pipeline: " + model + " is not the evaluated " + p + " model here: .tflite not logged");
                Path dp = dp(c, p);
                if (Files.isRegularFile(dp)) {
                    parent.artifact(dp, "dp");
                    dps.put(p, dp);
                } else c.out().println("pipeline: no " + dp + " (build kura-dp): no registry version for " + p);
            }
            if (!parent.active()) return "the upload to MLflow failed";
            try {
                register(c, parent, results, verdicts, dps, outputs);
            } catch (MlflowException e) {
                c.out().println("pipeline: MLflow registry: " + e.getMessage());
                return e.getMessage();
            }
            return null;
        }

        private static void register(PipelineContext c, RunLogger parent, Results results, JsonObject verdicts,
                Map<String, Path> dps, Map<String, String> outputs) throws MlflowException, IOException {
            MlflowClient client = parent.client();
            outputs.put("run", parent.run().runId());
            if (dps.isEmpty()) return;
            client.ensureRegisteredModel(REGISTERED_MODEL, "Vigie person detector " + FAMILY
                    + ": one version per (precision, model sha256), source = the pipeline run's .dp (docs/MLFLOW.md)");
            for (Map.Entry<String, Path> e : dps.entrySet()) {
                String p = e.getKey();
                JsonObject eval = results.byName().get(Results.EVAL + p).json();
                Map<String, String> tags = versionTags(p, eval, results, verdicts, gateInputs(c));
                tags.put("dp.sha256", Hashes.sha256(e.getValue()));
                tags.put("pipeline.run", parent.run().runId());
                MlflowClient.ModelVersion v = client.registerVersion(REGISTERED_MODEL, p, eval.get("sha256").getAsString(),
                        MlflowClient.artifactUri(parent.run(), "dp/" + e.getValue().getFileName()), parent.run().runId(),
                        tags);
                client.setAlias(REGISTERED_MODEL, CANDIDATE + "-" + p, v.version());
                c.out().printf(Locale.ROOT, "pipeline: registry %s version %s (%s) = %s-%s, gates %s%n", REGISTERED_MODEL,
                        v.version(), p, CANDIDATE, p, tags.get("gates"));
                outputs.put(VERSION_OUTPUT + p, v.version());
            }
        }
    }

    /** The keys {@code ./vigie eval --mlflow} logs, read back from its --json report. */
    /** Gate id -> the result it reads (a gate on eval-int8 or bench-*-int8 judges the INT8 version). */
    static Map<String, String> gateInputs(PipelineContext c) throws IOException {
        Map<String, String> m = new LinkedHashMap<>();
        for (GateFile.Gate g : GateFile.read(c.gates()).gates()) m.put(g.id(), g.input());
        return m;
    }

    static Map<String, String> evalParams(JsonObject eval) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String k : List.of("model", "dataset", "split", "threshold", "threads"))
            if (eval.has(k)) m.put(k, text(eval.get(k)));
        m.put("model.sha256", text(eval.get("sha256")));
        return m;
    }

    static Map<String, Double> evalMetrics(JsonObject eval) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (String k : List.of("ap50", "ap50_95", "precision", "recall", "images", "persons")) number(m, k, eval.get(k));
        number(m, "mean_invoke_ms", eval.get("meanInvokeMillis"));
        return m;
    }

    /**
     * A version's tags: AP from its eval, FPS of each bench of its precision (1 thread; the edge profile's), each gate
     * on its precision's results (gate.ID = PASS|FAIL|WARN value), gates = PASS or FAIL, the run's decision and reasons.
     */
    static Map<String, String> versionTags(String precision, JsonObject eval, Results results, JsonObject verdicts,
            Map<String, String> gateInputs) {
        Map<String, String> t = new LinkedHashMap<>();
        t.put("ap50", text(eval.get("ap50")));
        t.put("ap50_95", text(eval.get("ap50_95")));
        String up = precision.toUpperCase(Locale.ROOT);
        for (Results.Result r : results.byName().values()) {
            if (!r.name().startsWith(Results.BENCH) || !r.name().endsWith("-" + precision) || r.json() == null) continue;
            for (String path : List.of("edgeProfile.result.fps", "environments[name=normal].pipeline[precision=" + up
                    + ",threads=1].fps")) {
                try {
                    t.put("fps." + r.name().substring(Results.BENCH.length()), text(JsonPick.pick(r.json(), path)));
                    break;
                } catch (IllegalArgumentException notThere) {
                    // next path
                }
            }
        }
        List<String> failed = new ArrayList<>(), passed = new ArrayList<>();
        for (JsonElement e : verdicts.getAsJsonArray("verdicts")) {
            JsonObject v = e.getAsJsonObject();
            String id = v.get("id").getAsString();
            String input = gateInputs.get(id);
            if (input == null || !input.endsWith("-" + precision)) continue;
            boolean pass = v.get("pass").getAsBoolean(), blocking = v.get("blocking").getAsBoolean();
            t.put("gate." + id, (pass ? "PASS" : blocking ? "FAIL" : "WARN") + " " + text(v.get("value")));
            (pass || !blocking ? passed : failed).add(id);
        }
        t.put("gates", failed.isEmpty() ? "PASS" : "FAIL");
        t.put("gates.passed", String.join(",", passed));
        t.put("gates.failed", String.join(",", failed));
        t.put("decision", verdicts.get("decision").getAsString());
        List<String> reasons = new ArrayList<>();
        verdicts.getAsJsonArray("reasons").forEach(r -> reasons.add(r.getAsString()));
        t.put("block.reasons", String.join("; ", reasons));
        return t;
    }

    private static void number(Map<String, Double> m, String k, JsonElement v) {
        if (v != null && v.isJsonPrimitive() && v.getAsJsonPrimitive().isNumber()) m.put(k, v.getAsDouble());
    }

    private static String text(JsonElement e) {
        return e == null || e.isJsonNull() ? "" : e.isJsonPrimitive() ? e.getAsString() : e.toString();
    }

    /**
     * PROMOTE only (the decision stage stops the chain on BLOCK; run alone after a BLOCK, it refuses): the signed DPs
     * (X.dp + X.dp.sig) with their sha256 and the report into target/release/VERSION/, then alias champion to the
     * candidate versions mlflow-log registered. The release folder does not need MLflow; champion does.
     */
    static final class PromoteStage extends NamedStage {
        PromoteStage() {
            super("promote", "PROMOTE only: alias champion -> the gated versions, signed DPs published as the release");
        }

        @Override
        public Map<String, String> inputs(PipelineContext c) throws IOException {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("verdicts.json", Hashes.orMissing(ReleaseStages.decisionFile(c)));
            for (String p : PRECISIONS) m.put(dp(c, p).getFileName().toString(), Hashes.orMissing(dp(c, p)));
            return m;
        }

        @Override
        public Outcome run(PipelineContext c) throws IOException {
            Path f = ReleaseStages.decisionFile(c);
            if (!Files.isRegularFile(f)) return Outcome.fail("no " + f + ": run the gates stage first");
            JsonObject v = JsonParser.parseString(Files.readString(f, StandardCharsets.UTF_8)).getAsJsonObject();
            if (!GateEvaluator.Decision.PROMOTE.name().equals(v.get("decision").getAsString()))
                return new Outcome(Status.FAIL, "BLOCK: nothing promoted, champion not moved", ReleaseStages.BLOCKED, Map.of());
            List<Path> dps = new ArrayList<>();
            for (String p : PRECISIONS) {
                Path dp = dp(c, p), sig = sig(dp);
                if (!Files.isRegularFile(dp)) return Outcome.fail("no " + dp + ": build kura-dp first");
                if (!Files.isRegularFile(sig) || Files.size(sig) == 0)
                    return Outcome.fail(dp.getFileName() + " is not signed (no " + sig.getFileName()
                            + "): build kura-dp with -Dvigie.dp.signing.key=KEY or ./vigie sign --key KEY " + dp);
                dps.add(dp);
            }
            Path release = publish(c, dps);
            String champion = moveChampion(c, c.out());
            return Outcome.pass("release " + c.root().relativize(release) + "; " + champion,
                    Map.of("release", release.toString()));
        }

        private static Path sig(Path dp) {
            return dp.resolveSibling(dp.getFileName() + ".sig");
        }

        /** target/release/VERSION/: the DPs, their .sig, SHA256SUMS (sha256sum -c format) and the report. */
        static Path publish(PipelineContext c, List<Path> dps) throws IOException {
            String version = dpVersion(dps.get(0));
            Path dir = c.root().resolve("target/release").resolve(version);
            Files.createDirectories(dir);
            StringBuilder sums = new StringBuilder();
            for (Path dp : dps) {
                for (Path x : List.of(dp, sig(dp))) {
                    Files.copy(x, dir.resolve(x.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                    sums.append(Hashes.sha256(x)).append("  ").append(x.getFileName()).append('\n');
                }
            }
            Files.writeString(dir.resolve("SHA256SUMS"), sums.toString(), StandardCharsets.UTF_8);
            for (String r : List.of("report.md", "chart.png")) {
                Path x = c.reportDir().resolve(r);
                if (Files.isRegularFile(x)) Files.copy(x, dir.resolve(r), StandardCopyOption.REPLACE_EXISTING);
            }
            Files.copy(ReleaseStages.decisionFile(c), dir.resolve("verdicts.json"), StandardCopyOption.REPLACE_EXISTING);
            c.out().println("pipeline: release published in " + dir);
            return dir;
        }

        /** The DP's DeploymentPackage-Version (what the gateway sees), a safe folder name; else "unversioned". */
        static String dpVersion(Path dp) {
            try (java.util.jar.JarFile j = new java.util.jar.JarFile(dp.toFile())) {
                String v = j.getManifest() == null ? null
                        : j.getManifest().getMainAttributes().getValue("DeploymentPackage-Version");
                return v != null && v.matches("[A-Za-z0-9._-]{1,64}") && !v.startsWith(".") ? v : "unversioned";
            } catch (IOException | RuntimeException e) {
                return "unversioned";
            }
        }

        /** champion-PRECISION -> the candidate of this run (mlflow-log's record); says why not when it cannot. */
        static String moveChampion(PipelineContext c, PrintStream out) throws IOException {
            if (RunLogger.resolveUri(c.mlflow()) == null) return "champion not moved (no MLflow URI: not logged)";
            Path rec = c.work().resolve("mlflow-log.json");
            JsonObject outputs = Files.isRegularFile(rec)
                    ? JsonParser.parseString(Files.readString(rec, StandardCharsets.UTF_8)).getAsJsonObject()
                            .getAsJsonObject("outputs")
                    : new JsonObject();
            List<String> moved = new ArrayList<>();
            try {
                MlflowClient client = new MlflowClient(RunLogger.resolveUri(c.mlflow()));
                for (String p : PRECISIONS) {
                    if (!outputs.has(VERSION_OUTPUT + p)) return "champion not moved (mlflow-log registered no " + p
                            + " version: not logged)";
                }
                for (String p : PRECISIONS) {
                    String version = outputs.get(VERSION_OUTPUT + p).getAsString();
                    client.setAlias(REGISTERED_MODEL, CHAMPION + "-" + p, version);
                    client.setVersionTag(REGISTERED_MODEL, version, "promoted", java.time.Instant.now()
                            .truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
                    moved.add(CHAMPION + "-" + p + " -> " + version);
                }
            } catch (MlflowException e) {
                out.println("pipeline: MLflow: " + e.getMessage());
                return "champion " + (moved.isEmpty() ? "not moved" : "moved only " + moved) + " (" + e.getMessage()
                        + ": not logged)";
            }
            return String.join(", ", moved);
        }
    }
}
