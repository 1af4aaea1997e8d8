package io.vigie.tools.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Collectors;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

/**
 * Vigie against the Python peer (issue 11): one row per environment and precision, the goal "Vigie ≥ 1.25× the
 * peer's FPS at equal CPU, p95 below the peer's", its Markdown table and its JSON ("peers" and extra "goals").
 */
public final class PeerReport {
    public static final double FPS_GOAL = 1.25;

    /**
     * One comparison. The peer ran before and after Vigie (P V P, close in time); its numbers are the mean of its runs.
     *
     * @param cpuQuota       the environment's CPU quota (both sides get the same), null on the whole machine
     * @param fpsRatio       Vigie FPS / peer FPS
     * @param fpsPerCpuRatio (Vigie FPS per CPU core used) / (peer FPS per CPU core used)
     * @param goalRatio      the ratio the goal reads: under a quota both sides have the same CPU, so the FPS ratio;
     *                       on the whole machine CPU use differs, so FPS per core ("at equal CPU")
     * @param status         PASS, FAIL or SKIP (a side has no measurement)
     */
    public record Row(String environment, Double cpuQuota, String precision, int threads, PipelineResult vigie,
            Double vigieStreamFps, String vigieViewerError, List<PeerResult> peer, Double peerFps, Double peerP50Ms,
            Double peerP95Ms, Double peerCpuCores, Double peerRssMaxMb, Double peerStreamFps, Double peerInferenceP50Ms,
            Double peerDecodeP50Ms, Double fpsRatio, Double fpsPerCpuRatio, Double goalRatio, String status, String detail) {
    }

    private PeerReport() {
    }

    public static Row row(String environment, Double cpuQuota, String precision, int threads, PipelineResult vigie,
            Double vigieStreamFps, String vigieViewerError, List<PeerResult> peer) {
        List<PeerResult> ok = peer.stream().filter(p -> p.error() == null && p.fps() != null).toList();
        Double pFps = mean(ok, PeerResult::fps), pP50 = mean(ok, PeerResult::latencyP50Ms);
        Double pP95 = mean(ok, PeerResult::latencyP95Ms);
        Double pCpu = mean(ok, PeerResult::cpuCores);
        Double pRss = ok.stream().map(PeerResult::rssMaxMb).filter(Objects::nonNull).max(Double::compare).orElse(null);
        boolean vOk = vigie != null && vigie.error() == null && vigie.fps() != null;
        Double vFps = vOk ? vigie.fps() : null, vCpu = vOk ? vigie.cpuCores() : null, vP95 = vOk ? vigie.latencyP95Ms() : null;
        Double fpsRatio = div(vFps, pFps);
        Double perCpu = vCpu == null || pCpu == null ? null : div(div(vFps, vCpu), div(pFps, pCpu));
        Double goal = cpuQuota != null ? fpsRatio : perCpu;
        String status, detail;
        if (goal == null || vP95 == null || pP95 == null || vigieViewerError != null) {
            status = "SKIP";
            List<String> why = new ArrayList<>();
            if (vigieViewerError != null) why.add("Vigie's MJPEG viewer: " + vigieViewerError);
            if (!vOk) why.add("Vigie: " + (vigie == null ? "not run" : vigie.error()));
            peer.stream().filter(p -> p.error() != null).forEach(p -> why.add("peer: " + p.error()));
            if (why.isEmpty()) why.add("no CPU or latency measured");
            detail = String.join("; ", why);
        } else {
            boolean pass = goal >= FPS_GOAL && vP95 < pP95;
            status = pass ? "PASS" : "FAIL";
            detail = String.format(Locale.ROOT, "%s %.2f (FPS %.1f / %.1f = %.2f, per CPU core %s), p95 %.0f vs %.0f ms",
                    cpuQuota != null ? "FPS ratio" : "FPS-per-CPU ratio", goal, vFps, pFps, fpsRatio, fmt(perCpu, 2), vP95,
                    pP95);
        }
        return new Row(environment, cpuQuota, precision, threads, vigie, Json.round(vigieStreamFps), vigieViewerError, peer,
                Json.round(pFps), Json.round(pP50), Json.round(pP95), Json.round(pCpu), pRss,
                Json.round(mean(ok, PeerResult::streamFps)), Json.round(mean(ok, PeerResult::inferenceP50Ms)),
                Json.round(mean(ok, PeerResult::decodeP50Ms)), Json.round(fpsRatio), Json.round(perCpu), Json.round(goal),
                status, detail);
    }

    public static List<Report.Goal> goals(List<Row> rows) {
        String goal = String.format(Locale.ROOT, "Vigie >= %.2f x the Python peer's FPS at equal CPU, p95 below the peer's",
                FPS_GOAL);
        return rows.stream().map(r -> new Report.Goal("peer." + r.environment() + "." + r.precision(), goal, r.status(),
                r.goalRatio(), "ratio", r.threads() + " thread(s): " + r.detail())).toList();
    }

    /** Adds the rows ("peers") and their goals (appended to "goals") to a vigie-bench/1 document. */
    public static void addTo(JsonObject root, List<Row> rows) {
        if (rows.isEmpty()) return;
        root.add("peers", Json.PRETTY.toJsonTree(rows));
        JsonArray goals = root.has("goals") ? root.getAsJsonArray("goals") : new JsonArray();
        for (Report.Goal g : goals(rows)) goals.add(Json.PRETTY.toJsonTree(g));
        root.add("goals", goals);
    }

    /** The Markdown table (empty string without rows). */
    public static String table(List<Row> rows) {
        if (rows.isEmpty()) return "";
        StringBuilder sb = new StringBuilder();
        sb.append(line("env", "model", "thr", "Vigie FPS", "peer FPS", "FPS ratio", "per-CPU ratio", "Vigie p50/p95 ms",
                "peer p50/p95 ms", "CPU cores Vigie/peer", "RSS max MB Vigie/peer", "stream FPS Vigie/peer",
                "CPU ms/frame Vigie/peer", "invoke p50 ms Vigie/peer", "decode p50 ms Vigie/peer", "goal"));
        sb.append("|---".repeat(16)).append("|\n");
        for (Row r : rows) {
            PipelineResult v = r.vigie();
            boolean vOk = v != null && v.error() == null;
            String peerFps = r.peer().stream().map(p -> fmt(p.fps(), 1)).collect(Collectors.joining(", "));
            sb.append(line(r.environment(), r.precision(), r.threads(), vOk ? fmt(v.fps(), 1) : "–",
                    fmt(r.peerFps(), 1) + (r.peer().size() > 1 ? " (" + peerFps + ")" : ""), fmt(r.fpsRatio(), 2),
                    fmt(r.fpsPerCpuRatio(), 2),
                    vOk ? fmt(v.latencyP50Ms(), 0) + " / " + fmt(v.latencyP95Ms(), 0) : "–",
                    fmt(r.peerP50Ms(), 0) + " / " + fmt(r.peerP95Ms(), 0),
                    (vOk ? fmt(v.cpuCores(), 2) : "–") + " / " + fmt(r.peerCpuCores(), 2),
                    (vOk ? fmt(v.rssMaxMb(), 0) : "–") + " / " + fmt(r.peerRssMaxMb(), 0),
                    fmt(r.vigieStreamFps(), 1) + " / " + fmt(r.peerStreamFps(), 1),
                    fmt(cpuMsPerFrame(vOk ? v.cpuCores() : null, vOk ? v.fps() : null), 1) + " / "
                            + fmt(cpuMsPerFrame(r.peerCpuCores(), r.peerFps()), 1),
                    (vOk ? fmt(v.inferenceP50Ms(), 1) : "–") + " / " + fmt(r.peerInferenceP50Ms(), 1),
                    (vOk ? fmt(v.decodeP50Ms(), 1) : "–") + " / " + fmt(r.peerDecodeP50Ms(), 1),
                    r.status() + (r.status().equals("SKIP") ? ": " + r.detail().replace('|', '/') : "")));
        }
        return sb.toString();
    }

    private static String line(Object... cells) {
        return java.util.Arrays.stream(cells).map(String::valueOf).collect(Collectors.joining(" | ", "| ", " |\n"));
    }

    private static String fmt(Double v, int decimals) {
        return Report.fmt(v, decimals);
    }

    /** Mean of a field over the runs that have it, null when none has. */
    static Double mean(List<PeerResult> runs, Function<PeerResult, Double> f) {
        double[] v = runs.stream().map(f).filter(Objects::nonNull).mapToDouble(Double::doubleValue).toArray();
        return v.length == 0 ? null : Stats.mean(v);
    }

    /** CPU time one frame costs end to end (decode, inference, annotation, streaming, the rest). */
    static Double cpuMsPerFrame(Double cpuCores, Double fps) {
        Double v = div(cpuCores, fps);
        return v == null ? null : v * 1000;
    }

    private static Double div(Double a, Double b) {
        return a == null || b == null || b == 0 ? null : a / b;
    }
}
