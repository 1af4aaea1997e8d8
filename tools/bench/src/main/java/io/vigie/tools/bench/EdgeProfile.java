package io.vigie.tools.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The "edge profile" row: the gateway at the edge with the detector settings of conf/edge-profile.properties (what
 * {@code ./vigie demo --edge} runs) over the bench's own, at the bench's source; verdicts against the seed's gates.
 */
public final class EdgeProfile {
    /** The profile: its file and its key=value settings in file order. */
    public record Settings(Path file, Map<String, String> values) {
        /** "model.precision=INT8, threads=1, ..." for the verdict lines. */
        public String describe() {
            return values.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(", "));
        }
    }

    /** The row's outcome (result null when the run could not start, e.g. the edge simulation was skipped). */
    public record Run(Settings settings, PipelineResult result, String skipped) {
    }

    private EdgeProfile() {
    }

    /** Reads key=value lines; '#' comments and blank lines skipped; anything else is an error. */
    public static Settings read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException("edge profile not found: " + file);
        Map<String, String> m = new LinkedHashMap<>();
        int n = 0;
        for (String line : Files.readAllLines(file)) {
            n++;
            String t = line.trim();
            if (t.isEmpty() || t.startsWith("#")) continue;
            int eq = t.indexOf('=');
            String key = eq < 0 ? "" : t.substring(0, eq).trim();
            if (!key.matches("[a-z0-9.]+"))
                throw new IllegalArgumentException(file + ":" + n + ": expected key=value, got '" + t + "'");
            m.put(key, t.substring(eq + 1).trim());
        }
        if (m.isEmpty()) throw new IllegalArgumentException(file + ": no settings");
        return new Settings(file, m);
    }

    /** The bench's detector configuration (the same source, zone, thresholds) with the profile's settings over it. */
    public static Map<String, Object> detectorConfig(Path video, Settings s, double benchMaxFps) {
        Map<String, Object> c = PipelineBench.detectorConfig(video, precision(s), threads(s), benchMaxFps);
        c.putAll(s.values());
        return c;
    }

    static String precision(Settings s) {
        return s.values().getOrDefault("model.precision", "INT8").toUpperCase(Locale.ROOT);
    }

    static int threads(Settings s) {
        return Integer.parseInt(s.values().getOrDefault("threads", "1"));
    }

    public static Run run(PipelineBench edge, Settings s, Path workDir) throws IOException, InterruptedException {
        BenchRunner.deleteTree(workDir);
        Files.createDirectories(workDir);
        PipelineResult r = edge.run(precision(s), threads(s), workDir,
                detectorConfig(edge.setup().video(), s, edge.setup().sourceMaxFps()));
        return new Run(s, r, null);
    }

    /** FPS > 10 and p95 < 100 ms at the edge with the profile; SKIP when not measured. */
    public static List<Report.Goal> goals(Run run) {
        String fpsGoal = String.format(Locale.ROOT, "edge profile pipeline > %.0f FPS", Report.EDGE_FPS_GOAL);
        String p95Goal = String.format(Locale.ROOT, "edge profile pipeline p95 < %.0f ms", Report.EDGE_P95_GOAL_MS);
        String config = "config " + run.settings().file().getFileName() + ": " + run.settings().describe();
        List<Report.Goal> g = new ArrayList<>();
        PipelineResult r = run.result();
        if (r == null || r.fps() == null || r.error() != null) {
            String why = run.skipped() != null ? run.skipped() : r == null ? "not run" : r.error() != null ? r.error() : "no FPS";
            g.add(new Report.Goal("edge_profile_fps", fpsGoal, "SKIP", null, "fps", why + "; " + config));
            g.add(new Report.Goal("edge_profile_p95", p95Goal, "SKIP", null, "ms", why + "; " + config));
            return g;
        }
        g.add(new Report.Goal("edge_profile_fps", fpsGoal, r.fps() > Report.EDGE_FPS_GOAL ? "PASS" : "FAIL", r.fps(), "fps",
                String.format(Locale.ROOT, "%.1f FPS (%s)", r.fps(), config)));
        Double p95 = r.latencyP95Ms();
        g.add(new Report.Goal("edge_profile_p95", p95Goal, p95 == null ? "SKIP" : p95 < Report.EDGE_P95_GOAL_MS ? "PASS" : "FAIL",
                p95, "ms", String.format(Locale.ROOT, "p95 %s ms, p50 %s ms (%s)", Report.fmt(p95, 1),
                        Report.fmt(r.latencyP50Ms(), 1), config)));
        return g;
    }

    /** One Markdown row (with header) for the printed report. */
    public static String table(Run run) {
        PipelineResult r = run.result();
        String head = "| row | settings | pipeline FPS | p50 / p95 ms | CPU cores | RSS max MB | cold start s (API / model)"
                + " | note |\n|---|---|---|---|---|---|---|---|\n";
        if (r == null) return head + "| edge profile | " + run.settings().describe() + " | | | | | | " + run.skipped() + " |\n";
        return head + "| edge profile | " + run.settings().describe() + " | " + Report.fmt(r.fps(), 1) + " | "
                + Report.fmt(r.latencyP50Ms(), 1) + " / " + Report.fmt(r.latencyP95Ms(), 1) + " | " + Report.fmt(r.cpuCores(), 2)
                + " | " + Report.fmt(r.rssMaxMb(), 0) + " | "
                + (r.coldStartMs() == null ? "–" : Report.fmt(r.coldStartMs() / 1000, 1) + " ("
                        + Report.fmt(r.apiUpMs() == null ? null : r.apiUpMs() / 1000, 1) + " / "
                        + Report.fmt(r.modelActiveMs() == null ? null : r.modelActiveMs() / 1000, 1) + ")")
                + " | " + (r.error() == null ? "" : r.error().replace('|', '/')) + " |\n";
    }
}
