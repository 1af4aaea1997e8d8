package io.vigie.tools.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import com.google.gson.JsonObject;

/**
 * Motion-gated inference vs ungated, on the real gateway: for each clip, a fresh gateway plays it once at its own
 * frame rate (a camera's pace) with {@code motion.gate.enabled} false, then another with it true. Per pass: CPU of
 * the gateway (utime+stime over the clip, from the first frame of the clip to its end), the gate's counters and the
 * intrusion START events of five zones (vertical strips), by clip frame (from the gateway log). Rows
 * compare the two passes: CPU ratio, events the gated pass also fired (same zone, within {@link #MATCH_FRAMES}) and
 * each one's delay.
 * <p>
 * A pass: start with the clip looping and no zones until a model is active (warm-up), then switch to one play
 * without loop, with the zones: the source reopens (its frame counter restarts: that is the window start) and the
 * zone trackers start empty; the window ends when the source reports ENDED.
 */
public final class GatingBench {
    /** Five vertical strips (s1 left .. s5 right): people walking across vtest.avi's yard enter and leave them. */
    static final List<String> ZONES = List.of("s1:0,0;0.2,0;0.2,1;0,1", "s2:0.2,0;0.4,0;0.4,1;0.2,1",
            "s3:0.4,0;0.6,0;0.6,1;0.4,1", "s4:0.6,0;0.8,0;0.8,1;0.6,1", "s5:0.8,0;1,0;1,1;0.8,1");
    /** A gated START matches an ungated one in the same zone at most this many frames away (3 s at 10 fps). */
    static final int MATCH_FRAMES = 30;
    /** Goal: gated CPU at most this fraction of ungated on the clip with still stretches. */
    static final double CPU_GOAL = 0.40;
    static final String STILL_CLIP = "vtest-still";

    /** A clip to play; {@code maxPlayS} > 0 cuts each pass after that long (the whole clip otherwise). */
    public record Clip(String name, Path file, double maxPlayS) {
    }

    /** An intrusion START: zone and clip frame (0-based). */
    public record Event(String zone, long frame) {
    }

    /**
     * One play of a clip.
     *
     * @param frames   clip frames decoded during the window; {@code results}: frames that produced a result
     * @param cpuCores CPU seconds / window seconds of the gateway process
     * @param preprocessP50Ms the detector's preprocess stage, p50 of its last frames: gated, mostly the gate's own cost
     */
    public record Pass(boolean gated, Double windowS, Double cpuS, Double cpuCores, Long frames, Long results, Long skipped,
            Long motion, Long rechecks, Double preprocessP50Ms, List<Event> starts, String error) {
        static Pass failed(boolean gated, String error) {
            return new Pass(gated, null, null, null, null, null, null, null, null, null, List.of(), error);
        }
    }

    /**
     * Ungated vs gated on one clip.
     *
     * @param cpuRatio  gated CPU seconds / ungated CPU seconds over the same clip
     * @param events    ungated STARTs compared; {@code matched} of them also fired gated; {@code extra}: gated ones
     *                  without an ungated twin
     * @param delaysMs  per matched event, gated frame minus ungated frame, in ms (positive: gated later)
     */
    public record Row(String environment, String clip, Pass ungated, Pass gated, Double cpuRatio, int events, int matched,
            int extra, List<Double> delaysMs) {
    }

    private final PipelineBench.Setup setup;
    private final int threads;

    public GatingBench(PipelineBench.Setup setup, int threads) {
        this.setup = setup;
        this.threads = threads;
    }

    public List<Row> run(String env, List<Clip> clips, Path workDir) throws IOException, InterruptedException {
        List<Row> rows = new ArrayList<>();
        for (Clip c : clips) {
            Pass[] p = new Pass[2];
            for (int g = 0; g < 2; g++) {
                Path wd = workDir.resolve(c.name() + (g == 1 ? "-gated" : "-ungated"));
                BenchRunner.deleteTree(wd);
                Files.createDirectories(wd);
                BenchRunner.log("%s: gating, %s, %s", env, c.name(), g == 1 ? "gated" : "ungated");
                try {
                    p[g] = pass(c, g == 1, wd);
                } finally {
                    BenchRunner.deleteTree(wd.resolve("data/framework"));
                }
                BenchRunner.log("%s: %s %s: %s CPU s over %s s, %d START(s)%s", env, c.name(),
                        g == 1 ? "gated" : "ungated", Report.fmt(p[g].cpuS(), 1), Report.fmt(p[g].windowS(), 1),
                        p[g].starts().size(), p[g].error() == null ? "" : " (" + p[g].error() + ")");
            }
            rows.add(compare(env, c.name(), p[0], p[1]));
        }
        return rows;
    }

    private Pass pass(Clip clip, boolean gated, Path workDir) throws IOException, InterruptedException {
        Path conf = workDir.resolve("conf"), data = workDir.resolve("data");
        Files.createDirectories(data);
        Map<String, Object> cfg = PipelineBench.detectorConfig(clip.file(), "INT8", threads, 0);
        cfg.put("source.realtime", true); // the camera's pace: CPU per camera at its frame rate
        cfg.put("zones", List.of());
        cfg.put("motion.gate.enabled", gated);
        ConfigFile.write(conf, PipelineBench.DETECTOR_PID, cfg);
        int port = PipelineBench.freePort();
        String password = Http.newPassword();
        ConfigFile.write(conf, Http.AUTH_PID, Http.authConfig(password));
        Http http = new Http(port, password);
        Path log = workDir.resolve("gateway.log");
        PipelineBench pb = new PipelineBench(setup);
        try (ChildProcess p = ChildProcess.start(pb.command(conf, data, port), workDir, log)) {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(setup.coldTimeoutMs());
            JsonObject s = null;
            while (s == null || Json.at(s, "activeModel") == null || Json.num(s, "framesProcessed") == null
                    || Json.num(s, "framesProcessed") == 0) {
                if (!p.isAlive() || System.nanoTime() > deadline)
                    return Pass.failed(gated, "no frame processed within the cold timeout (log " + log + ")");
                Thread.sleep(100);
                s = http.getJson("/vigie/api/status").orElse(null);
            }
            long pid = p.javaPid().orElseThrow(() -> new IllegalStateException("no java process under the gateway wrapper"));
            Thread.sleep((long) (setup.warmupS() * 1000));
            cfg.put("source.loop", false);
            cfg.put("zones", ZONES);
            Double decoded = Json.num(http.getJson("/vigie/api/status").orElse(s), "source", "decoded");
            ConfigFile.write(conf, PipelineBench.DETECTOR_PID, cfg);
            // window start: the reopened source's counter restarts below the looping one's
            JsonObject s0 = null;
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (s0 == null) {
                if (System.nanoTime() > deadline) return Pass.failed(gated, "the source did not reopen (log " + log + ")");
                JsonObject st = http.getJson("/vigie/api/status").orElse(null);
                Double d = st == null ? null : Json.num(st, "source", "decoded");
                if (d != null && decoded != null && d < decoded) s0 = st;
                else if (d != null) decoded = d;
                if (s0 == null) Thread.sleep(20);
            }
            OptionalLong c0 = ProcStats.cpuTicks(pid);
            long t0 = System.nanoTime();
            long end = clip.maxPlayS() > 0 ? t0 + (long) (clip.maxPlayS() * 1e9) : Long.MAX_VALUE;
            deadline = t0 + TimeUnit.MINUTES.toNanos(10);
            JsonObject s1;
            while (true) {
                s1 = http.getJson("/vigie/api/status").orElse(null);
                if (s1 != null && "ENDED".equals(Json.str(s1, "source", "state"))) break;
                if (System.nanoTime() > Math.min(end, deadline)) break;
                if (!p.isAlive()) return Pass.failed(gated, "gateway exited (log " + log + ")");
                Thread.sleep(250); // not faster: each status request costs the gateway CPU too
            }
            OptionalLong c1 = ProcStats.cpuTicks(pid);
            long t1 = System.nanoTime();
            JsonObject m = http.getJson("/vigie/api/metrics").orElse(null);
            if (s1 == null) return Pass.failed(gated, "no status at the end of the clip (log " + log + ")");
            double window = (t1 - t0) / 1e9;
            Double cpu = c0.isPresent() && c1.isPresent()
                    ? (double) (c1.getAsLong() - c0.getAsLong()) / ProcStats.clockTicksPerSecond() : null;
            return new Pass(gated, Json.round(window), Json.round(cpu), cpu == null ? null : Json.round(cpu / window),
                    delta(s0, s1, "source", "decoded"), delta(s0, s1, "framesProcessed"),
                    delta(s0, s1, "motionGate", "skipped"), delta(s0, s1, "motionGate", "motion"),
                    delta(s0, s1, "motionGate", "rechecks"), m == null ? null : Json.round(Json.num(m, "stagesMs",
                            "preprocess", "p50")), starts(Files.readAllLines(log)), null);
        }
    }

    private static Long delta(JsonObject a, JsonObject b, String... path) {
        Double x = Json.num(a, path), y = Json.num(b, path);
        if (path[0].equals("source")) return y == null ? null : y.longValue(); // a new source counts from 0
        return x == null || y == null ? null : (long) (y - x);
    }

    /** The detector's log line of an intrusion start (FrameLoop): zone and frame sequence. */
    static final Pattern START_LINE = Pattern.compile("Intrusion START in zone (\\S+) \\(frame (\\d+),");

    /**
     * The intrusion STARTs of a gateway log, by clip frame (sequence - 1; the reopened source counts from 1). Read from
     * the log rather than the SSE stream: a connected client would add its own CPU to both passes.
     */
    static List<Event> starts(List<String> log) {
        List<Event> out = new ArrayList<>();
        for (String line : log) {
            Matcher m = START_LINE.matcher(line);
            if (m.find()) out.add(new Event(m.group(1), Long.parseLong(m.group(2)) - 1));
        }
        return out;
    }

    /**
     * Matches every ungated START with the nearest unmatched gated START of the same zone within
     * {@link #MATCH_FRAMES}. When a pass was cut before the clip's end, only events both passes could have seen
     * count (up to the shorter pass, less the match distance). Delays at the clip's frame rate (10 fps).
     */
    static Row compare(String env, String clip, Pass u, Pass g) {
        Double ratio = u.cpuS() == null || g.cpuS() == null || u.cpuS() == 0 ? null : Json.round(g.cpuS() / u.cpuS());
        long horizon = Long.MAX_VALUE;
        if (u.frames() != null && g.frames() != null && !u.frames().equals(g.frames()))
            horizon = Math.min(u.frames(), g.frames()) - MATCH_FRAMES;
        final long h = horizon;
        List<Event> us = u.starts().stream().filter(e -> e.frame() <= h).sorted(Comparator.comparingLong(Event::frame))
                .toList();
        List<Event> left = new ArrayList<>(g.starts().stream().filter(e -> e.frame() <= h).toList());
        List<Double> delays = new ArrayList<>();
        for (Event e : us) {
            Event best = null;
            for (Event x : left)
                if (x.zone().equals(e.zone()) && Math.abs(x.frame() - e.frame()) <= MATCH_FRAMES
                        && (best == null || Math.abs(x.frame() - e.frame()) < Math.abs(best.frame() - e.frame())))
                    best = x;
            if (best != null) {
                left.remove(best);
                delays.add((best.frame() - e.frame()) * 100.0);
            }
        }
        return new Row(env, clip, u, g, ratio, us.size(), delays.size(), left.size(), delays);
    }

    /** Goals: CPU on the clip with still stretches, and every event (all clips), per environment. */
    static List<Report.Goal> goals(List<Row> rows) {
        List<Report.Goal> goals = new ArrayList<>();
        for (String env : rows.stream().map(Row::environment).distinct().toList()) {
            List<Row> mine = rows.stream().filter(r -> r.environment().equals(env)).toList();
            String cpuGoal = String.format(Locale.ROOT, "gated CPU <= %.0f %% of ungated, clip with still stretches (%s)",
                    CPU_GOAL * 100, env);
            Row still = mine.stream().filter(r -> r.clip().equals(STILL_CLIP)).findFirst().orElse(null);
            if (still == null || still.cpuRatio() == null) {
                goals.add(new Report.Goal("gating_cpu." + env, cpuGoal, "SKIP", null, "ratio", "not measured"));
            } else {
                goals.add(new Report.Goal("gating_cpu." + env, cpuGoal, still.cpuRatio() <= CPU_GOAL ? "PASS" : "FAIL",
                        still.cpuRatio(), "ratio", String.format(Locale.ROOT, "%.0f %% (%s / %s CPU s)",
                                still.cpuRatio() * 100, Report.fmt(still.gated().cpuS(), 1),
                                Report.fmt(still.ungated().cpuS(), 1))));
            }
            String evGoal = "gated passes fire 100 % of the ungated intrusion starts (" + env + ")";
            boolean failed = mine.stream().anyMatch(r -> r.ungated().error() != null || r.gated().error() != null);
            int events = mine.stream().mapToInt(Row::events).sum(), matched = mine.stream().mapToInt(Row::matched).sum();
            double worst = mine.stream().flatMap(r -> r.delaysMs().stream()).mapToDouble(Math::abs).max().orElse(0);
            String detail = String.format(Locale.ROOT, "%d of %d, worst delay %.0f ms (%s)", matched, events, worst,
                    mine.stream().map(r -> r.clip() + " " + r.matched() + "/" + r.events() + ", " + r.extra() + " extra")
                            .collect(Collectors.joining("; ")));
            goals.add(new Report.Goal("gating_events." + env, evGoal,
                    failed || events == 0 ? "SKIP" : matched == events ? "PASS" : "FAIL",
                    events == 0 ? null : (double) matched / events, "fraction", detail));
        }
        return goals;
    }

    /** Markdown table of the gating rows (empty string when none). */
    static String table(List<Row> rows) {
        if (rows.isEmpty()) return "";
        StringBuilder sb = new StringBuilder("| env | clip | CPU cores ungated / gated | CPU ratio | frames inferred / "
                + "skipped / re-checks (gated) | preprocess p50 ms (gated) | START events matched | delays ms | note |\n"
                + "|---|---|---|---|---|---|---|---|---|\n");
        for (Row r : rows) {
            Pass u = r.ungated(), g = r.gated();
            String inferred = g.results() == null || g.skipped() == null ? "–"
                    : (g.results() - g.skipped()) + " / " + g.skipped() + " / " + g.rechecks();
            String note = (u.error() == null ? "" : "ungated: " + u.error() + " ")
                    + (g.error() == null ? "" : "gated: " + g.error());
            sb.append(String.format(Locale.ROOT, "| %s | %s | %s / %s | %s | %s | %s | %d / %d (+%d extra) | %s | %s |%n",
                    r.environment(), r.clip(), Report.fmt(u.cpuCores(), 2), Report.fmt(g.cpuCores(), 2),
                    Report.fmt(r.cpuRatio(), 2), inferred, Report.fmt(g.preprocessP50Ms(), 2), r.matched(), r.events(),
                    r.extra(),
                    r.delaysMs().stream().map(d -> Report.fmt(d, 0)).collect(Collectors.joining(" ")),
                    note.trim().replace('|', '/')));
        }
        return sb.toString();
    }
}
