package io.vigie.tools.release;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

/**
 * The release report: performance rows of every bench result (each environment's pipeline rows and the edge profile
 * row), accuracy rows of every eval result, the gate verdicts and the decision, as Markdown. Numbers are copied as
 * the JSON holds them (its digits, no re-rounding) so the report can be checked against the files.
 */
final class ReleaseReport {
    /**
     * One pipeline measurement; numbers as JSON text ("—" when null), {@code fps}/{@code p95} also as numbers;
     * {@code root} is its result file's JSON and {@code source} the object in it the numbers come from (which gate
     * reads this row: {@link #readBy}).
     */
    record PerfRow(String input, String environment, String model, String threads, String fpsText, String p95Text,
            String p50Text, String rssText, String error, Double fps, Double p95, JsonObject root, JsonObject source) {

        /**
         * True when {@code gate} reads this row's numbers: same result file, and the gate's path without its last
         * step picks this very object (identity: two runs with equal numbers are still two bars).
         */
        boolean readBy(GateFile.Gate gate) {
            if (!gate.input().equals(input) || root == null) return false;
            String[] steps = gate.path().split("\\.(?![^\\[]*])");
            if (steps.length < 2) return false;
            try {
                return JsonPick.pick(root, String.join(".", java.util.Arrays.copyOf(steps, steps.length - 1))) == source;
            } catch (IllegalArgumentException e) {
                return false;
            }
        }
    }

    record EvalRow(String input, String model, String sha256, String ap50, String ap5095, String precision, String recall,
            String images, String persons) {
    }

    private ReleaseReport() {
    }

    static List<PerfRow> perfRows(Results results) {
        List<PerfRow> rows = new ArrayList<>();
        for (Results.Result r : results.byName().values()) {
            if (!r.name().startsWith(Results.BENCH) || r.json() == null) continue;
            JsonObject b = r.json();
            String arch = arch(b);
            if (b.has("environments") && b.get("environments").isJsonArray()) {
                for (JsonElement ee : b.getAsJsonArray("environments")) {
                    if (!ee.isJsonObject()) continue;
                    JsonObject e = ee.getAsJsonObject();
                    if (!isNull(e.get("skipped")) || !e.has("pipeline") || !e.get("pipeline").isJsonArray()) continue;
                    String env = envLabel(e, arch);
                    for (JsonElement pe : e.getAsJsonArray("pipeline"))
                        if (pe.isJsonObject()) rows.add(row(r.name(), env, b, pe.getAsJsonObject()));
                }
            }
            JsonElement ep = b.get("edgeProfile");
            if (ep != null && ep.isJsonObject() && ep.getAsJsonObject().get("result") != null
                    && ep.getAsJsonObject().get("result").isJsonObject())
                rows.add(row(r.name(), "edge profile (" + arch + ")", b, ep.getAsJsonObject().getAsJsonObject("result")));
        }
        return rows;
    }

    static List<EvalRow> evalRows(Results results) {
        List<EvalRow> rows = new ArrayList<>();
        for (Results.Result r : results.byName().values()) {
            if (!r.name().startsWith(Results.EVAL) || r.json() == null) continue;
            JsonObject o = r.json();
            String model = r.name().substring(Results.EVAL.length()).toUpperCase(Locale.ROOT);
            String sha = text(o.get("sha256"));
            rows.add(new EvalRow(r.name(), model, sha.length() > 12 ? sha.substring(0, 12) : sha, text(o.get("ap50")),
                    text(o.get("ap50_95")), text(o.get("precision")), text(o.get("recall")), text(o.get("images")),
                    text(o.get("persons"))));
        }
        return rows;
    }

    static String markdown(Results results, GateEvaluator.Outcome outcome, List<String> notes, String chartFile,
            String header) {
        StringBuilder md = new StringBuilder();
        md.append("# Release report: ").append(outcome.decision()).append("\n\n").append(header).append("\n\n");
        md.append("## Decision: ").append(outcome.decision()).append("\n\n");
        if (outcome.reasons().isEmpty()) md.append("Every blocking gate passed.\n\n");
        else for (String reason : outcome.reasons()) md.append("- ").append(cell(reason)).append('\n');
        if (!outcome.reasons().isEmpty()) md.append('\n');
        md.append("## Gates (conf/release-gates.json version ").append(outcome.gatesVersion()).append(", sha256 ")
                .append(outcome.gatesSha256(), 0, 12).append(")\n\n");
        md.append("| Gate | Status | Measured | Rule | Run |\n|---|---|---|---|---|\n");
        for (GateEvaluator.Verdict v : outcome.verdicts())
            md.append("| ").append(v.id()).append(" | ").append(v.status()).append(v.blocking() ? "" : " (advisory)")
                    .append(" | ").append(cell(v.reason())).append(" | ").append(cell(v.rule())).append(" | ")
                    .append(cell(v.run() == null ? "—" : v.run())).append(" |\n");
        md.append("\n## Performance (vigie-bench/1)\n\n");
        if (chartFile != null) md.append("![FPS and p95 latency per environment and model, with the gate lines](")
                .append(chartFile).append(")\n\n");
        md.append("| Run | Environment | Model | Threads | FPS | p95 ms | p50 ms | RSS max MB | Error |\n")
                .append("|---|---|---|---|---|---|---|---|---|\n");
        for (PerfRow p : perfRows(results))
            md.append("| ").append(String.join(" | ", p.input(), p.environment(), p.model(), p.threads(), p.fpsText(),
                    p.p95Text(), p.p50Text(), p.rssText(), cell(p.error()))).append(" |\n");
        md.append("\n| Run | Machine | Load at start / end (1 5 15 min) | Quick | Window s |\n|---|---|---|---|---|\n");
        for (Results.Result r : results.byName().values()) {
            if (!r.name().startsWith(Results.BENCH) || r.json() == null) continue;
            JsonObject m = obj(r.json(), "machine"), params = obj(r.json(), "params");
            md.append("| ").append(r.name()).append(" | ").append(cell(text(m.get("nproc")) + " CPU " + text(m.get("cpuModel"))
                    + ", " + text(m.get("os")))).append(" | ").append(cell(text(m.get("loadAvgStart")) + " / "
                    + text(m.get("loadAvgEnd")))).append(" | ").append(text(params.get("quick"))).append(" | ")
                    .append(text(params.get("windowS"))).append(" |\n");
        }
        md.append("\n## Accuracy (person, ./vigie eval)\n\n")
                .append("| Run | Model | sha256 | AP@0.5 | AP@[.5:.95] | Precision | Recall | Images | Persons |\n")
                .append("|---|---|---|---|---|---|---|---|---|\n");
        for (EvalRow e : evalRows(results))
            md.append("| ").append(String.join(" | ", e.input(), e.model(), e.sha256(), e.ap50(), e.ap5095(), e.precision(),
                    e.recall(), e.images(), e.persons())).append(" |\n");
        md.append("\n## Inputs\n\n| Result | File | sha256 | Problem |\n|---|---|---|---|\n");
        for (Results.Result r : results.byName().values())
            md.append("| ").append(r.name()).append(" | ").append(cell(r.file().getFileName().toString())).append(" | ")
                    .append(r.sha256()).append(" | ").append(cell(r.error())).append(" |\n");
        if (!notes.isEmpty()) {
            md.append("\n## Stages\n\n");
            for (String n : notes) md.append("- ").append(cell(n)).append('\n');
        }
        return md.toString();
    }

    /** "2026-12-07 06:57 UTC, load 14.6 at start, --quick" from the bench results (first bench's machine). */
    static String subtitle(Results results, boolean quick) {
        for (Results.Result r : results.byName().values()) {
            if (!r.name().startsWith(Results.BENCH) || r.json() == null) continue;
            JsonObject m = obj(r.json(), "machine");
            String load = text(m.get("loadAvgStart"));
            return text(r.json().get("startedAt")).replace('T', ' ').replace("Z", " UTC") + ", " + text(m.get("nproc"))
                    + " CPU, load " + load.split(" ")[0] + " at the start of " + r.name()
                    + (quick ? ", --quick (short windows)" : "");
        }
        return quick ? "--quick" : null;
    }

    private static PerfRow row(String input, String env, JsonObject root, JsonObject p) {
        String err = isNull(p.get("error")) ? "" : text(p.get("error"));
        return new PerfRow(input, env, text(p.get("precision")), text(p.get("threads")), text(p.get("fps")),
                text(p.get("latencyP95Ms")), text(p.get("latencyP50Ms")), text(p.get("rssMaxMb")), err, num(p.get("fps")),
                num(p.get("latencyP95Ms")), root, p);
    }

    /** "x86-64" / "arm64" from the bench's machine.os ("Linux 6.1 amd64"), else the raw word. */
    static String arch(JsonObject bench) {
        JsonElement m = bench.get("machine");
        if (m == null || !m.isJsonObject() || isNull(m.getAsJsonObject().get("os"))) return "?";
        String os = m.getAsJsonObject().get("os").getAsString().trim();
        String a = os.substring(os.lastIndexOf(' ') + 1);
        return switch (a) {
            case "amd64", "x86_64" -> "x86-64";
            case "aarch64", "arm64" -> "arm64";
            default -> a;
        };
    }

    private static String envLabel(JsonObject e, String arch) {
        String name = text(e.get("name"));
        if (!"edge".equals(name)) return arch;
        return "edge sim " + text(e.get("cpus")) + " CPU " + text(e.get("memoryMb")) + " MB (" + arch + ")";
    }

    /** The member object, or an empty one (a field missing or of the wrong type prints as "—"). */
    private static JsonObject obj(JsonObject o, String key) {
        return o.has(key) && o.get(key).isJsonObject() ? o.getAsJsonObject(key) : new JsonObject();
    }

    private static boolean isNull(JsonElement e) {
        return e == null || e.isJsonNull();
    }

    static String text(JsonElement e) {
        if (isNull(e)) return "—";
        return e.isJsonPrimitive() ? e.getAsString() : e.toString();
    }

    private static Double num(JsonElement e) {
        if (isNull(e) || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) return null;
        double d = e.getAsDouble();
        return Double.isFinite(d) ? d : null;
    }

    /** A table cell: no pipes or line breaks from the data. */
    static String cell(String s) {
        if (s == null || s.isEmpty()) return "";
        return s.replace("|", "\\|").replaceAll("[\\r\\n]+", " ");
    }
}
