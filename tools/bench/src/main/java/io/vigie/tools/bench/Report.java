package io.vigie.tools.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

/** Builds the vigie-bench/1 JSON document, the Markdown table and the goal verdicts (reported, not asserted). */
public final class Report {
    public static final String SCHEMA = "vigie-bench/1";
    public static final double RATIO_GOAL = 0.9, EDGE_FPS_GOAL = 10, EDGE_P95_GOAL_MS = 100, RSS_GOAL_MB = 200,
            COLD_GOAL_MS = 5000, SWAP_GOAL_MS = 1000, EDGE_SWAP_GOAL_MS = 2000;

    /** One verdict; status PASS, FAIL or SKIP (nothing measured). */
    public record Goal(String id, String goal, String status, Double value, String unit, String detail) {
        String line() {
            return String.format(Locale.ROOT, "%-4s %-26s %s — %s", status, id, goal, detail);
        }
    }

    /**
     * A raw/pipeline pair for the same environment, precision and thread count. The ratio is taken against what the
     * pipeline could at most deliver: the raw FPS, or the source's frame-rate cap when the model is faster than that
     * ({@code sourceBound}: then the pipeline can only match the source, never the raw interpreter).
     */
    public record Pair(String environment, String precision, int threads, Double rawFps, Double pipelineFps, Double ratio,
            boolean sourceBound) {
    }

    private Report() {
    }

    public static List<Pair> pairs(List<Environment> envs) {
        return pairs(envs, 0);
    }

    /** @param sourceCapFps the source's frame-rate cap of the pipeline runs (--source-max-fps), 0 = none */
    public static List<Pair> pairs(List<Environment> envs, double sourceCapFps) {
        List<Pair> out = new ArrayList<>();
        for (Environment e : envs) {
            for (PipelineResult p : e.pipeline()) {
                Double raw = e.raw().stream().filter(r -> r.precision().equals(p.precision()) && r.threads() == p.threads())
                        .map(RawResult::fps).filter(v -> v != null).findFirst().orElse(null);
                boolean bound = sourceCapFps > 0 && raw != null && raw > sourceCapFps;
                Double ceiling = raw == null ? null : bound ? sourceCapFps : raw;
                Double ratio = ceiling == null || p.fps() == null || ceiling == 0 ? null : Json.round(p.fps() / ceiling);
                out.add(new Pair(e.name(), p.precision(), p.threads(), raw, p.fps(), ratio, bound));
            }
        }
        return out;
    }

    public static List<Goal> goals(List<Environment> envs) {
        return goals(envs, 0);
    }

    public static List<Goal> goals(List<Environment> envs, double sourceCapFps) {
        List<Goal> goals = new ArrayList<>();
        List<Pair> pairs = pairs(envs, sourceCapFps);
        for (Environment e : envs) {
            if (e.skipped() != null) continue;
            List<Pair> mine = pairs.stream().filter(p -> p.environment().equals(e.name()) && p.ratio() != null).toList();
            String goal = String.format(Locale.ROOT, "pipeline FPS >= %.1f x raw FPS "
                    + "(same model, threads; x the source cap when the model is faster)", RATIO_GOAL);
            if (mine.isEmpty()) {
                goals.add(new Goal("pipeline_vs_raw." + e.name(), goal, "SKIP", null, "ratio", "no raw/pipeline pair measured"));
            } else {
                double min = mine.stream().mapToDouble(Pair::ratio).min().getAsDouble();
                String detail = mine.stream()
                        .map(p -> String.format(Locale.ROOT, "%s/%dt %.1f/%.1f=%.2f", p.precision(), p.threads(),
                                p.pipelineFps(), p.sourceBound() ? sourceCapFps : p.rawFps(), p.ratio())
                                + (p.sourceBound() ? " source-bound" : ""))
                        .collect(Collectors.joining(", "));
                goals.add(new Goal("pipeline_vs_raw." + e.name(), goal, min >= RATIO_GOAL ? "PASS" : "FAIL", min, "ratio",
                        String.format(Locale.ROOT, "min %.2f (%s)", min, detail)));
            }
        }
        Optional<Environment> edge = envs.stream().filter(e -> e.name().equals("edge") && e.skipped() == null).findFirst();
        // The two edge goals hold for one configuration an operator would run: the fastest INT8 configuration that
        // meets both if there is one, else the fastest.
        List<PipelineResult> int8 = edge.map(e -> e.pipeline().stream()
                .filter(p -> p.precision().equals("INT8") && p.fps() != null && p.error() == null).toList()).orElse(List.of());
        Comparator<PipelineResult> faster = Comparator.comparingDouble(PipelineResult::fps);
        Optional<PipelineResult> best = int8.stream().filter(Report::meetsEdgeGoals).max(faster)
                .or(() -> int8.stream().max(faster));
        String fpsGoal = String.format(Locale.ROOT, "edge INT8 pipeline > %.0f FPS", EDGE_FPS_GOAL);
        String p95Goal = String.format(Locale.ROOT, "edge INT8 pipeline p95 < %.0f ms", EDGE_P95_GOAL_MS);
        if (best.isEmpty()) {
            goals.add(new Goal("edge_int8_fps", fpsGoal, "SKIP", null, "fps", "edge INT8 pipeline not measured"));
            goals.add(new Goal("edge_int8_p95", p95Goal, "SKIP", null, "ms", "edge INT8 pipeline not measured"));
        } else {
            PipelineResult b = best.get();
            // which configuration ran: the bench's own (PipelineBench.detectorConfig), not the edge profile's
            String config = String.format(Locale.ROOT, "bench config: %d thread(s), source.max.fps %s, detector defaults"
                    + " otherwise", b.threads(), sourceCapFps > 0 ? fmt(sourceCapFps, 0) : "unlimited");
            goals.add(new Goal("edge_int8_fps", fpsGoal, b.fps() > EDGE_FPS_GOAL ? "PASS" : "FAIL", b.fps(), "fps",
                    String.format(Locale.ROOT, "%.1f FPS (best INT8 run; %s)", b.fps(), config)));
            boolean ok = b.latencyP95Ms() != null && b.latencyP95Ms() < EDGE_P95_GOAL_MS;
            String p95Status = b.latencyP95Ms() == null ? "SKIP" : ok ? "PASS" : "FAIL";
            goals.add(new Goal("edge_int8_p95", p95Goal, p95Status, b.latencyP95Ms(), "ms",
                    String.format(Locale.ROOT, "p95 %s ms, p50 %s ms (%s)", fmt(b.latencyP95Ms(), 1),
                            fmt(b.latencyP50Ms(), 1), config)));
        }
        for (Environment e : envs) {
            if (e.skipped() != null) continue;
            List<PipelineResult> ok = e.pipeline().stream().filter(p -> p.rssMaxMb() != null).toList();
            String rssGoal = String.format(Locale.ROOT, "RSS while streaming <= %.0f MB (%s)", RSS_GOAL_MB, e.name());
            if (ok.isEmpty()) {
                goals.add(new Goal("rss." + e.name(), rssGoal, "SKIP", null, "MB", "no pipeline run measured"));
            } else {
                double max = ok.stream().mapToDouble(PipelineResult::rssMaxMb).max().getAsDouble();
                String each = ok.stream().map(p -> String.format(Locale.ROOT, "%s/%dt %.0f", p.precision(), p.threads(),
                        p.rssMaxMb())).collect(Collectors.joining(", "));
                goals.add(new Goal("rss." + e.name(), rssGoal, max <= RSS_GOAL_MB ? "PASS" : "FAIL", max, "MB",
                        String.format(Locale.ROOT, "max %.0f MB (%s)", max, each)));
            }
            List<PipelineResult> cold = e.pipeline().stream().filter(p -> p.coldStartMs() != null).toList();
            String coldGoal = String.format(Locale.ROOT, "cold start to first detection <= %.0f s (%s)", COLD_GOAL_MS / 1000,
                    e.name());
            if (cold.isEmpty()) {
                goals.add(new Goal("cold_start." + e.name(), coldGoal, "SKIP", null, "ms", "no detection observed"));
            } else {
                double max = cold.stream().mapToDouble(PipelineResult::coldStartMs).max().getAsDouble();
                String each = cold.stream().map(p -> String.format(Locale.ROOT, "%s/%dt %.1f", p.precision(), p.threads(),
                        p.coldStartMs() / 1000)).collect(Collectors.joining(", "));
                goals.add(new Goal("cold_start." + e.name(), coldGoal, max <= COLD_GOAL_MS ? "PASS" : "FAIL", max, "ms",
                        String.format(Locale.ROOT, "worst %.1f s (%s)", max / 1000, each)));
            }
        }
        for (Environment e : envs) {
            // the goals judge the shipped defaults; the other variants' rows (path "config/standby") are for comparison
            List<SwapBench.Swap> swaps = e.swaps().stream().filter(w -> !w.path().contains("/")).toList();
            if (e.skipped() != null || swaps.isEmpty()) continue;
            double swapGoal = e.cpus() != null ? EDGE_SWAP_GOAL_MS : SWAP_GOAL_MS;
            String latGoal = String.format(Locale.ROOT, "model swap (request -> first frame) <= %.0f ms (%s)", swapGoal,
                    e.name());
            List<SwapBench.Swap> done = swaps.stream().filter(w -> w.latencyMs() != null).toList();
            if (done.size() < swaps.size()) {
                String errors = swaps.stream().filter(w -> w.error() != null).map(SwapBench.Swap::error)
                        .collect(Collectors.joining("; "));
                goals.add(new Goal("swap_latency." + e.name(), latGoal, "FAIL", null, "ms",
                        (swaps.size() - done.size()) + " swap(s) never completed: " + errors));
            } else {
                double max = done.stream().mapToDouble(SwapBench.Swap::latencyMs).max().getAsDouble();
                String each = done.stream().map(w -> String.format(Locale.ROOT, "%s %s>%s %.0f", w.path(), w.from(), w.to(),
                        w.latencyMs())).collect(Collectors.joining(", "));
                goals.add(new Goal("swap_latency." + e.name(), latGoal, max <= swapGoal ? "PASS" : "FAIL", max, "ms",
                        String.format(Locale.ROOT, "worst %.0f ms (%s)", max, each)));
            }
            List<Continuity> cs = swaps.stream().map(SwapBench.Swap::continuity)
                    .filter(c -> c != null && c.medianGapMs() != null).toList();
            String cGoal = "no missing frame, max gap <= 2x median around each swap (" + e.name() + ")";
            if (cs.isEmpty()) {
                goals.add(new Goal("swap_continuity." + e.name(), cGoal, "SKIP", null, "frames", "no frames seen around swaps"));
            } else {
                long missing = cs.stream().mapToLong(Continuity::missing).sum();
                boolean ok = cs.stream().allMatch(Continuity::meetsGoal);
                goals.add(new Goal("swap_continuity." + e.name(), cGoal, ok ? "PASS" : "FAIL", (double) missing, "frames",
                        String.format(Locale.ROOT, "%d missing over %d swaps; gaps median/max ms: %s", missing, cs.size(),
                                cs.stream().map(c -> c.medianGapMs() + "/" + c.maxGapMs()).collect(Collectors.joining(", ")))));
            }
        }
        return goals;
    }

    /** Markdown table of the model swaps (empty string when none were measured). */
    public static String swapTable(List<Environment> envs) {
        StringBuilder sb = new StringBuilder();
        for (Environment e : envs) {
            for (SwapBench.Swap w : e.swaps()) {
                if (sb.length() == 0) {
                    sb.append(row("env", "path", "from", "to", "latency ms", "detector swap.ms", "frames", "missing",
                            "gap median/max ms", "note"));
                    sb.append(separator(10));
                }
                Continuity c = w.continuity();
                sb.append(row(e.name(), w.path(), w.from(), w.to(), fmt(w.latencyMs(), 0), fmt(w.detectorSwapMs(), 0),
                        c == null ? "–" : c.frames(), c == null ? "–" : c.missing(),
                        c == null || c.medianGapMs() == null ? "–" : c.medianGapMs() + " / " + c.maxGapMs(),
                        w.error() == null ? "" : w.error().replace('|', '/')));
            }
        }
        return sb.toString();
    }

    public static JsonObject toJson(Map<String, Object> header, List<Environment> envs) {
        return toJson(header, envs, 0);
    }

    public static JsonObject toJson(Map<String, Object> header, List<Environment> envs, double sourceCapFps) {
        JsonObject root = new JsonObject();
        root.addProperty("schema", SCHEMA);
        for (Map.Entry<String, Object> h : header.entrySet()) root.add(h.getKey(), Json.PRETTY.toJsonTree(h.getValue()));
        JsonArray ea = new JsonArray();
        for (Environment e : envs) ea.add(Json.PRETTY.toJsonTree(e));
        root.add("environments", ea);
        root.add("comparisons", Json.PRETTY.toJsonTree(pairs(envs, sourceCapFps)));
        JsonArray ga = new JsonArray();
        for (Goal g : goals(envs, sourceCapFps)) {
            JsonObject o = Json.PRETTY.toJsonTree(g).getAsJsonObject();
            ga.add(o);
        }
        root.add("goals", ga);
        return root;
    }

    public static String toText(JsonElement e) {
        return Json.PRETTY.toJson(e) + "\n";
    }

    public static String table(List<Environment> envs) {
        return table(envs, 0);
    }

    /** @param sourceCapFps as for {@link #pairs(List, double)}: the ratio column is the goal's ratio */
    public static String table(List<Environment> envs, double sourceCapFps) {
        StringBuilder sb = new StringBuilder();
        sb.append(row("env", "model", "thr", "raw FPS", "raw inv p50/p95 ms", "pipeline FPS", "ratio", "pipeline p50/p95 ms",
                "RSS max/mean MB", "CPU cores", "cold start s (API / model)", "src drops/s", "note"));
        sb.append(separator(13));
        for (Environment e : envs) {
            if (e.skipped() != null) {
                sb.append("| ").append(e.name()).append(" | – | – | | | | | | | | | | skipped: ").append(e.skipped())
                        .append(" |\n");
                continue;
            }
            List<String> keys = new ArrayList<>();
            e.raw().forEach(r -> addKey(keys, r.precision(), r.threads()));
            e.pipeline().forEach(p -> addKey(keys, p.precision(), p.threads()));
            for (String k : keys) {
                String prec = k.substring(0, k.indexOf('/'));
                int t = Integer.parseInt(k.substring(k.indexOf('/') + 1));
                RawResult r = e.raw().stream().filter(x -> x.precision().equals(prec) && x.threads() == t).findFirst()
                        .orElse(null);
                PipelineResult p = e.pipeline().stream().filter(x -> x.precision().equals(prec) && x.threads() == t)
                        .findFirst().orElse(null);
                Double ceiling = r == null || r.fps() == null ? null
                        : sourceCapFps > 0 ? Math.min(r.fps(), sourceCapFps) : r.fps();
                Double ratio = ceiling == null || p == null || p.fps() == null ? null : p.fps() / ceiling;
                String dropsPerS = p == null || p.sourceDropped() == null || p.windowS() == null ? null
                        : fmt(p.sourceDropped() / p.windowS(), 0);
                List<String> notes = new ArrayList<>();
                if (r != null && r.error() != null) notes.add("raw: " + r.error());
                if (p != null && p.error() != null) notes.add("pipeline: " + p.error());
                sb.append("| ").append(e.name()).append(" | ").append(prec).append(" | ").append(t)
                        .append(" | ").append(r == null ? "" : fmt(r.fps(), 1))
                        .append(" | ").append(r == null ? "" : fmt(r.invokeP50Ms(), 1) + " / " + fmt(r.invokeP95Ms(), 1))
                        .append(" | ").append(p == null ? "" : fmt(p.fps(), 1))
                        .append(" | ").append(fmt(ratio, 2))
                        .append(" | ").append(p == null ? "" : fmt(p.latencyP50Ms(), 1) + " / " + fmt(p.latencyP95Ms(), 1))
                        .append(" | ").append(p == null ? "" : fmt(p.rssMaxMb(), 0) + " / " + fmt(p.rssMeanMb(), 0))
                        .append(" | ").append(p == null ? "" : fmt(p.cpuCores(), 2))
                        .append(" | ").append(p == null || p.coldStartMs() == null ? "–" : fmt(p.coldStartMs() / 1000, 1) + " ("
                                + (p.apiUpMs() == null ? "–" : fmt(p.apiUpMs() / 1000, 1)) + " / "
                                + (p.modelActiveMs() == null ? "–" : fmt(p.modelActiveMs() / 1000, 1)) + ")")
                        .append(" | ").append(dropsPerS == null ? "–" : dropsPerS)
                        .append(" | ").append(String.join("; ", notes).replace('|', '/')).append(" |\n");
            }
        }
        return sb.toString();
    }

    public static String verdicts(List<Environment> envs) {
        return verdicts(envs, 0);
    }

    public static String verdicts(List<Environment> envs, double sourceCapFps) {
        return goals(envs, sourceCapFps).stream().map(Goal::line).collect(Collectors.joining("\n")) + "\n";
    }

    /** One Markdown table row: {@code | a | b | ... |} and a newline. */
    private static String row(Object... cells) {
        return Arrays.stream(cells).map(String::valueOf).collect(Collectors.joining(" | ", "| ", " |\n"));
    }

    /** The Markdown line under a header of {@code columns} columns. */
    private static String separator(int columns) {
        return "|---".repeat(columns) + "|\n";
    }

    private static void addKey(List<String> keys, String precision, int threads) {
        String k = precision + "/" + threads;
        if (!keys.contains(k)) keys.add(k);
    }

    static String fmt(Double v, int decimals) {
        return v == null ? "–" : String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    static boolean meetsEdgeGoals(PipelineResult p) {
        return p.fps() > EDGE_FPS_GOAL && p.latencyP95Ms() != null && p.latencyP95Ms() < EDGE_P95_GOAL_MS;
    }
}
