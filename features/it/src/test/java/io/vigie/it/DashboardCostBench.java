package io.vigie.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.Test;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import io.vigie.it.dashboard.Browser;
import io.vigie.it.dashboard.DashboardGateway;

/**
 * What one open live page costs the detector at the edge profile: the gateway (conf/edge-profile.properties over
 * the INT8 vtest.avi config) is moved into a 0.5-CPU / 512 MB cgroup as scripts/edge-sim.sh makes them, the headless
 * Chromium stays outside it; phases of {@code vigie.cost.seconds} (default 45) run none / live page / live page /
 * none after a 10 s settle each. Per phase: detector fps and gateway CPU % (the gateway's 1 s history, means),
 * latency p50/p95 (/vigie/api/metrics: its last 512 frames, about the phase) and the load average. A command, not a
 * test of the default suite (no *IT name): {@code scripts/dashboard-cost.sh}. Needs root (cgroups).
 */
class DashboardCostBench {
    static final int SECONDS = Integer.getInteger("vigie.cost.seconds", 45);
    static final int SETTLE_S = 10;

    record Phase(String name, double fps, double p50, double p95, double cpu, String load) {
    }

    @Test
    void liveDashboardVersusNone() throws Exception {
        List<Path> cgroups = new ArrayList<>();
        try (DashboardGateway dash = DashboardGateway.start("dash-cost-")) {
            Gateway gw = dash.gw;
            Map<String, Object> c = new LinkedHashMap<>(HostileKit.detector("INT8"));
            Properties edge = new Properties();
            try (var in = Files.newBufferedReader(Gateway.root().resolve("conf/edge-profile.properties"))) {
                edge.load(in);
            }
            edge.forEach((k, v) -> c.put(k.toString(), v.toString()));
            gw.writeConfig("io.vigie.detector", c);
            cgroups.addAll(edgeCgroup(gw.pid()));
            {
                List<Phase> phases = new ArrayList<>();
                // none, live, live, none: a load that drifts linearly over the run weighs on both sides alike
                phases.add(phase(gw, "none", null));
                try (Browser b = dash.browser()) {
                    b.signIn(DashboardGateway.ADMIN, dash.adminPassword);
                    b.open("/vigie/ui/live.html");
                    phases.add(phase(gw, "live page", b));
                    phases.add(phase(gw, "live page", b));
                }
                phases.add(phase(gw, "none", null));
                StringBuilder out = new StringBuilder("| phase | fps | p50 ms | p95 ms | gateway CPU % | load avg 1/5/15 |\n"
                        + "|---|---|---|---|---|---|\n");
                for (Phase p : phases) {
                    out.append(String.format(Locale.ROOT, "| %s | %.2f | %.1f | %.1f | %.1f | %s |%n", p.name(), p.fps(),
                            p.p50(), p.p95(), p.cpu(), p.load()));
                }
                out.append(String.format(Locale.ROOT, "%nlive page vs none (means of the rounds): fps %+.1f %%, p95 %+.1f %%, "
                        + "gateway CPU %+.1f %%%n", delta(phases, Phase::fps), delta(phases, Phase::p95),
                        delta(phases, Phase::cpu)));
                System.out.println("==== dashboard cost at the edge profile (" + SECONDS + " s phases) ====\n" + out);
                Files.writeString(Path.of("target/dashboard-cost.md"), out.toString());
            }
        } finally {
            Thread.sleep(500); // the stopped gateway leaves its cgroups
            for (Path p : cgroups) Files.deleteIfExists(p);
        }
    }

    /** Relative change of the live phases' mean over the none phases' mean, in %. */
    static double delta(List<Phase> phases, java.util.function.ToDoubleFunction<Phase> f) {
        double none = phases.stream().filter(p -> p.name().equals("none")).mapToDouble(f).average().orElse(Double.NaN);
        double live = phases.stream().filter(p -> !p.name().equals("none")).mapToDouble(f).average().orElse(Double.NaN);
        return (live - none) / none * 100;
    }

    Phase phase(Gateway gw, String name, Browser page) throws Exception {
        Thread.sleep(SETTLE_S * 1000L);
        Thread.sleep(SECONDS * 1000L);
        if (page != null && page.consoleErrors().size() > 0) throw new AssertionError("page errors: " + page.consoleErrors());
        JsonObject h = gw.json("/vigie/api/history?seconds=" + SECONDS);
        JsonObject lat = gw.json("/vigie/api/metrics").getAsJsonObject("latencyMs");
        String[] avg = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
        String load = avg[0] + " / " + avg[1] + " / " + avg[2];
        Phase p = new Phase(name, mean(h.getAsJsonArray("fps")), lat.get("p50").getAsDouble(), lat.get("p95").getAsDouble(),
                mean(h.getAsJsonArray("cpuPercent")), load);
        System.out.println("phase " + p);
        return p;
    }

    static double mean(JsonArray a) {
        double s = 0;
        int n = 0;
        for (var e : a) {
            if (e.isJsonNull()) continue;
            s += e.getAsDouble();
            n++;
        }
        return n == 0 ? Double.NaN : s / n;
    }

    /** The gateway's JVM (all its threads) into a new 0.5-CPU / 512 MB cgroup, as scripts/edge-sim.sh makes them. */
    static List<Path> edgeCgroup(long pid) throws IOException {
        String name = "vigie-dash-cost-" + ProcessHandle.current().pid();
        Path v1cpu = Path.of("/sys/fs/cgroup/cpu");
        if (Files.isDirectory(v1cpu) && Files.isDirectory(Path.of("/sys/fs/cgroup/memory"))) {
            Path cpu = Files.createDirectories(v1cpu.resolve(name));
            Path mem = Files.createDirectories(Path.of("/sys/fs/cgroup/memory").resolve(name));
            Files.writeString(cpu.resolve("cpu.cfs_period_us"), "100000");
            Files.writeString(cpu.resolve("cpu.cfs_quota_us"), "50000");
            Files.writeString(mem.resolve("memory.limit_in_bytes"), Long.toString(512L << 20));
            Files.writeString(cpu.resolve("cgroup.procs"), Long.toString(pid));
            Files.writeString(mem.resolve("cgroup.procs"), Long.toString(pid));
            return List.of(cpu, mem);
        }
        Path cg = Files.createDirectories(Path.of("/sys/fs/cgroup").resolve(name));
        Files.writeString(cg.resolve("cpu.max"), "50000 100000");
        Files.writeString(cg.resolve("memory.max"), Long.toString(512L << 20));
        Files.writeString(cg.resolve("cgroup.procs"), Long.toString(pid));
        return List.of(cg);
    }
}
