package io.vigie.tools.release;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * Vigie's release pipeline, stage by stage (names are the seam for CI jobs: {@code ./vigie pipeline --stage NAME}).
 * Commands are the project's own ({@code mvn}, {@code ./vigie eval}, {@code ./vigie bench}); report, gates and the
 * decision run in-process; {@code mlflow-log} and {@code promote} are {@link ReleaseMlflow}'s (MLflow run tree, registry,
 * release folder).
 */
final class ReleaseStages {
    static final String FP32_MODEL = "bundles/model-fp32/target/generated-resources/vigie-model/model/model.tflite";
    static final String INT8_MODEL = "bundles/model-int8/target/generated-resources/vigie-model/model/model.tflite";
    static final String GATEWAY_JAR = "features/gateway/target/vigie-gateway.jar";
    static final String ARM64_CHECK = "scripts/arm64-check.sh";
    /** What --quick builds: the gateway (no CDS training), the eval/bench tools and this one. */
    /** The model DPs' signing key (./vigie keys), from --signing-key or this environment variable. */
    static final String SIGNING_KEY_ENV = "VIGIE_DP_SIGNING_KEY";
    static final String QUICK_MODULES = "features/gateway,tools/eval,tools/bench,tools/release";
    /** Exit code of a BLOCK decision (1 is a broken stage). */
    static final int BLOCKED = 3;

    private ReleaseStages() {
    }

    static List<Stage> all() {
        List<Stage> s = new ArrayList<>();
        s.add(new CommandStage("build", "package everything (--quick: gateway + tools), no tests", ReleaseStages::build,
                c -> Map.of("pom.xml", c.root().resolve("pom.xml")), null));
        s.add(new CommandStage("tests", "mvn verify, the whole suite (--quick: unit tests of the tools)",
                ReleaseStages::tests, c -> Map.of("pom.xml", c.root().resolve("pom.xml")), null));
        s.add(eval("fp32", FP32_MODEL));
        s.add(eval("int8", INT8_MODEL));
        s.add(bench("bench-x86-fp32", "x86 FP32 pipeline, whole machine", "FP32", false));
        s.add(bench("bench-x86-int8", "x86 INT8 pipeline, whole machine", "INT8", false));
        s.add(bench("bench-edge-int8", "INT8 under the edge simulation (0.5 CPU, 512 MB) + edge profile row", "INT8", true));
        s.add(new Arm64Bench());
        s.add(new Arm64Check());
        s.add(new ReportStage());
        s.add(new GatesStage());
        s.add(new ReleaseMlflow.LogStage());
        s.add(new DecisionStage());
        s.add(new ReleaseMlflow.PromoteStage());
        return s;
    }

    private static List<String> mvn(PipelineContext c, String... args) {
        List<String> cmd = new ArrayList<>(List.of(c.env().getOrDefault("MVN", "mvn"), "-B"));
        if (c.offline()) cmd.add("-o");
        cmd.addAll(List.of(args));
        if (c.shared() != null) cmd.add("-Dvigie.shared=" + c.shared());
        return cmd;
    }

    static List<String> build(PipelineContext c) {
        List<String> cmd = c.quick()
                ? mvn(c, "-q", "package", "-pl", QUICK_MODULES, "-am", "-DskipTests", "-DskipITs", "-Dvigie.cds.skip=true")
                : mvn(c, "-q", "package", "-DskipTests", "-DskipITs");
        String key = c.env().get(SIGNING_KEY_ENV);
        if (key != null) cmd.add("-Dvigie.dp.signing.key=" + key);
        return cmd;
    }

    private static List<String> tests(PipelineContext c) {
        return c.quick() ? mvn(c, "-q", "test", "-pl", "tools/bench,tools/release") : mvn(c, "verify");
    }

    private static Stage eval(String precision, String model) {
        String name = "eval-" + precision;
        return new CommandStage(name, "person AP of the " + precision.toUpperCase(Locale.ROOT) + " model, coco128 val",
                c -> List.of("./vigie", "eval", "--model", model, "--dataset", dataset(c).toString(), "--split", "val",
                        "--json", c.data().resolve(name + ".json").toString()),
                c -> Map.of("model", c.root().resolve(model), "dataset", dataset(c).resolve("labels/val2017")),
                c -> c.data().resolve(name + ".json"));
    }

    private static Path dataset(PipelineContext c) {
        return (c.shared() == null ? c.root().resolve("../shared") : c.shared()).resolve("datasets/coco128");
    }

    /** One bench of the matrix: one precision, 1 thread, one environment; no swap / gating suites (not gated). */
    static List<String> benchCommand(PipelineContext c, String name, String precision, boolean edge) {
        List<String> cmd = new ArrayList<>(List.of("./vigie", "bench", "--precisions", precision, "--threads", "1",
                "--no-swap", "--no-gating", "--out", c.data().resolve(name + ".json").toString()));
        if (edge) cmd.addAll(List.of("--envs", "edge"));
        else cmd.add("--no-edge");
        if (c.quick()) cmd.add("--quick");
        return cmd;
    }

    private static Stage bench(String name, String what, String precision, boolean edge) {
        return new CommandStage(name, what, c -> benchCommand(c, name, precision, edge),
                c -> Map.of("gateway", c.root().resolve(GATEWAY_JAR),
                        "model", c.root().resolve(precision.equals("FP32") ? FP32_MODEL : INT8_MODEL),
                        "edge-profile", c.root().resolve("conf/edge-profile.properties")),
                c -> c.data().resolve(name + ".json"));
    }

    /** The arm64 INT8 bench: a CI job on an arm64 runner (ubuntu-24.04-arm); elsewhere skipped, never emulated. */
    static final class Arm64Bench extends NamedStage {
        Arm64Bench() {
            super("bench-arm64-int8",
                    "arm64 INT8 pipeline, whole machine (arm64 hosts only: the release workflow's arm64 job)");
        }

        @Override
        public Map<String, String> inputs(PipelineContext c) throws IOException {
            return Map.of("gateway", Hashes.orMissing(c.root().resolve(GATEWAY_JAR)));
        }

        @Override
        public Outcome run(PipelineContext c) throws Exception {
            String arch = System.getProperty("os.arch");
            if (!arch.equals("aarch64"))
                return Outcome.skipped("not an arm64 host (" + arch + "): measured by release.yml's arm64 job");
            return new CommandStage(name(), description(), x -> benchCommand(x, name(), "INT8", false), x -> Map.of(),
                    x -> x.data().resolve(name() + ".json")).run(c);
        }
    }

    /** The arm64 correctness check under qemu-user (scripts/arm64-check.sh, printing JSON), when present. */
    static final class Arm64Check extends NamedStage {
        Arm64Check() {
            super("arm64-check",
                    "arm64 gateway under qemu-user: same detections as x86 (emulated: timings are not measurements)");
        }

        @Override
        public Map<String, String> inputs(PipelineContext c) throws IOException {
            return Map.of(ARM64_CHECK, Hashes.orMissing(c.root().resolve(ARM64_CHECK)));
        }

        @Override
        public Outcome run(PipelineContext c) throws Exception {
            Path script = c.root().resolve(ARM64_CHECK);
            if (!Files.isRegularFile(script))
                return Outcome.notWired("NOT WIRED: " + ARM64_CHECK + " is not in this checkout yet (the arm64 part)");
            Path log = c.work().resolve("arm64-check.out");
            // stdout to a file (the JSON), the script's path and the file as arguments, never spliced into the shell text
            List<String> cmd = List.of("bash", "-c", "bash \"$0\" > \"$1\"", ARM64_CHECK, log.toString());
            Outcome o = new CommandStage(name(), description(), x -> cmd, x -> Map.of(), null).run(c);
            if (o.status() != Status.PASS) return o;
            String out = Files.readString(log, StandardCharsets.UTF_8).trim();
            try {
                JsonParser.parseString(out.substring(Math.max(0, out.lastIndexOf("\n{") + 1))).getAsJsonObject();
            } catch (RuntimeException e) {
                return Outcome.fail(ARM64_CHECK + " printed no JSON object at the end: " + e.getMessage());
            }
            Path json = c.data().resolve("arm64-check.json");
            Files.writeString(json, out.substring(Math.max(0, out.lastIndexOf("\n{") + 1)) + "\n", StandardCharsets.UTF_8);
            return Outcome.pass("ok (emulated)", Map.of("result", json.toString()));
        }
    }

    /** A stage reading the run's result files and the gate file: those are its inputs. */
    abstract static class ResultsStage extends NamedStage {
        ResultsStage(String name, String description) {
            super(name, description);
        }

        @Override
        public final Map<String, String> inputs(PipelineContext c) throws IOException {
            return dataInputs(c);
        }
    }

    /** Report + chart from the data folder and the gate verdicts (the gates stage decides; this one shows). */
    static final class ReportStage extends ResultsStage {
        ReportStage() {
            super("report", "Markdown report + PNG chart (docs/release/)");
        }

        @Override
        public Outcome run(PipelineContext c) throws IOException {
            Results results = Results.load(c.data());
            GateFile gates = GateFile.read(c.gates());
            GateEvaluator.Outcome outcome = GateEvaluator.evaluate(gates, results);
            Files.createDirectories(c.reportDir());
            Path png = c.reportDir().resolve("chart.png"), md = c.reportDir().resolve("report.md");
            String header = "Run of " + java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                    + (c.quick() ? " with --quick (short windows: not release numbers)" : "") + "; results in "
                    + c.root().relativize(c.data().toAbsolutePath()) + ".";
            Chart.write(ReleaseReport.perfRows(results), gates, png, ReleaseReport.subtitle(results, c.quick()));
            Files.writeString(md, ReleaseReport.markdown(results, outcome, stageNotes(c), png.getFileName().toString(), header),
                    StandardCharsets.UTF_8);
            return Outcome.pass(results.byName().size() + " results, decision would be " + outcome.decision(),
                    Map.of("report", md.toString(), "chart", png.toString()));
        }
    }

    /** Evaluates the gates; writes the verdicts + decision to target/pipeline/verdicts.json (the decision stage reads it). */
    static final class GatesStage extends ResultsStage {
        GatesStage() {
            super("gates", "every gate of conf/release-gates.json against the results");
        }

        @Override
        public Outcome run(PipelineContext c) throws IOException {
            GateEvaluator.Outcome o = GateEvaluator.evaluate(GateFile.read(c.gates()), Results.load(c.data()));
            for (GateEvaluator.Verdict v : o.verdicts())
                c.out().printf(Locale.ROOT, "pipeline:   %-4s %-30s %s%n", v.status(), v.id(), v.reason());
            Path f = decisionFile(c);
            Files.writeString(f, new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(o) + "\n",
                    StandardCharsets.UTF_8);
            return Outcome.pass(o.decision() + " (" + o.reasons().size() + " blocking gate(s) failed)",
                    Map.of("decision", f.toString()));
        }
    }

    /** Exit 0 on PROMOTE, {@link #BLOCKED} with the reasons on BLOCK (the gates stage's file, so it re-runs alone). */
    static final class DecisionStage extends NamedStage {
        DecisionStage() {
            super("decision",
                    "PROMOTE (exit 0) or BLOCK (exit 3, with the reasons)");
        }

        @Override
        public Map<String, String> inputs(PipelineContext c) throws IOException {
            return Map.of("verdicts.json", Hashes.orMissing(decisionFile(c)));
        }

        @Override
        public Outcome run(PipelineContext c) throws IOException {
            Path f = decisionFile(c);
            if (!Files.isRegularFile(f)) return Outcome.fail("no " + f + ": run the gates stage first");
            JsonObject o = JsonParser.parseString(Files.readString(f, StandardCharsets.UTF_8)).getAsJsonObject();
            String decision = o.get("decision").getAsString();
            if (decision.equals(GateEvaluator.Decision.PROMOTE.name())) return Outcome.pass("PROMOTE", Map.of());
            JsonArray reasons = o.getAsJsonArray("reasons");
            List<String> r = new ArrayList<>();
            reasons.forEach(x -> r.add(x.getAsString()));
            for (String x : r) c.out().println("pipeline: BLOCK: " + x);
            return new Outcome(Status.FAIL, "BLOCK: " + String.join("; ", r), BLOCKED, Map.of());
        }
    }

    static Path decisionFile(PipelineContext c) {
        return c.work().resolve("verdicts.json");
    }

    private static Map<String, String> dataInputs(PipelineContext c) throws IOException {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("gates", Hashes.orMissing(c.gates()));
        for (Results.Result r : Results.load(c.data()).byName().values()) m.put(r.name(), r.sha256());
        return m;
    }

    /** One line per stage record found (status, wall time) for the report. */
    private static List<String> stageNotes(PipelineContext c) throws IOException {
        List<String> notes = new ArrayList<>();
        for (Stage s : all()) {
            Path f = c.work().resolve(s.name() + ".json");
            if (!Files.isRegularFile(f)) continue;
            try {
                JsonObject o = JsonParser.parseString(Files.readString(f, StandardCharsets.UTF_8)).getAsJsonObject();
                boolean quick = o.has("quick") && o.get("quick").getAsBoolean();
                notes.add(String.format(Locale.ROOT, "%s: %s in %s s (%s%s) %s", s.name(), o.get("status").getAsString(),
                        o.get("wallS").getAsString(), o.get("startedAt").getAsString(), quick ? ", --quick" : "",
                        o.get("message").getAsString()));
            } catch (RuntimeException e) {
                notes.add(s.name() + ": unreadable record " + f.getFileName());
            }
        }
        return notes;
    }
}
