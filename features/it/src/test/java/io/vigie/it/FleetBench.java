package io.vigie.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;

import io.vigie.ota.core.PackageSigner;
import io.vigie.testkit.TeeOutput;
import io.vigie.tools.fleet.FleetMain;
import io.vigie.tools.fleet.FleetSim;

/**
 * The fleet benchmark (a command, never in the suite: the class name does not end in IT): -Dfleet.gateways=N real
 * gateways (fleet-sim) at -Dfleet.fps, a good model rolled out in waves (time to 100 %), then a bad one (halt + rollback
 * time), CPU/RSS per gateway at rest, and the broker's load from Mosquitto's $SYS counters. scripts/fleet-bench.sh;
 * docs/FLEET.md.
 */
class FleetBench {
    final Map<String, String> sys = new ConcurrentHashMap<>();

    long sys(String k) {
        String v = sys.get("$SYS/broker/" + k);
        return v == null ? -1 : (long) Double.parseDouble(v.strip());
    }

    @Test
    void fleet() throws Exception {
        int n = Integer.getInteger("fleet.gateways", 50);
        double fps = Double.parseDouble(System.getProperty("fleet.fps", "0.5"));
        int parallel = Integer.getInteger("fleet.parallel", 5);
        Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "fleet-bench-");
        PackageSigner.KeyFiles keys = PackageSigner.generate(dir.resolve("keys"), false);
        byte[] int8 = Files.readAllBytes(TestDp.modelBundle("int8"));
        String v1 = TestDp.bundleVersion(int8);
        Map<String, String> ota = Map.of("health.window.seconds", "10", "health.latency.budget.ms", "-1", "download.allow.local",
                "true", "allow.downgrade", "true");
        try (FleetSim sim = new FleetSim(new FleetSim.Options(n, fps, 4, dir, "bench", "b-", Gateway.vtest(),
                keys.publicKeyBase64(), ota), Gateway.root())) {
            sim.prepare();
            MqttClient tap = new MqttClient(sim.broker.uri(), "bench-sys", new MemoryPersistence());
            tap.connect();
            tap.subscribe("$SYS/#", 0, (t, m) -> sys.put(t, new String(m.getPayload())));
            long t0 = System.nanoTime();
            sim.start(Duration.ofSeconds(600), System.out);
            double startS = (System.nanoTime() - t0) / 1e9;
            String ids = String.join(",", sim.gateways.stream().map(g -> g.id).toList());
            String load = String.format(Locale.ROOT, "%.2f", java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                    .getSystemLoadAverage());
            String idle = FleetSim.usageTable(sim.usage(Duration.ofSeconds(30)));
            Thread.sleep(11_000); // one $SYS period
            long rx0 = sys("messages/received"), tx0 = sys("messages/sent");
            long b0 = sys("bytes/received") + sys("bytes/sent");
            TeeOutput good = new TeeOutput();
            long g0 = System.nanoTime();
            int rc = FleetMain.run(args(sim, keys, ids, dir, FleetIT.modelDp(dir, keys, int8, v1), parallel), good.stream());
            double goodS = (System.nanoTime() - g0) / 1e9;
            Thread.sleep(11_000);
            long rx1 = sys("messages/received"), tx1 = sys("messages/sent");
            long b1 = sys("bytes/received") + sys("bytes/sent");
            Path bad = FleetIT.signed(dir, keys, "bad", RollbackIT.refusedModelDp(int8, v1 + "nolabel"));
            TeeOutput halted = new TeeOutput();
            long h0 = System.nanoTime();
            int rcBad = FleetMain.run(args(sim, keys, ids, dir, bad, parallel), halted.stream());
            double haltS = (System.nanoTime() - h0) / 1e9;
            String after = FleetSim.usageTable(sim.usage(Duration.ofSeconds(30)));
            System.out.printf(Locale.ROOT, "%n==== fleet bench: %d gateways at %.2f fps, --parallel %d, load average before %s%n",
                    n,
                    fps, parallel, load);
            System.out.printf(Locale.ROOT, "  start (4 at once, to BIRTH): %.1f s%n", startS);
            System.out.printf(Locale.ROOT, "  good model, waves 1,10%%,100%%: exit %d in %.1f s%n", rc, goodS);
            System.out.printf(Locale.ROOT, "  broker during it: %d msgs received, %d sent, %.1f MB in+out (%.1f msgs/s in)%n",
                    rx1 - rx0, tx1 - tx0, (b1 - b0) / 1e6, (rx1 - rx0) / (goodS + 11));
            System.out.printf(Locale.ROOT, "  bad model (canary refuses it): exit %d, halted in %.1f s%n", rcBad, haltS);
            System.out.printf(Locale.ROOT, "  broker: %s clients, load 1min received %s msgs/min%n",
                    sys.get("$SYS/broker/clients/connected"), sys.get("$SYS/broker/load/messages/received/1min"));
            System.out.println("  per process at rest, before:\n" + idle + "  after the rollouts:\n" + after);
            tap.disconnect();
        }
    }

    static String[] args(FleetSim sim, PackageSigner.KeyFiles keys, String ids, Path dir, Path dp, int parallel) {
        return List.of("--broker", sim.broker.uri(), "--account", "bench", "--dp", dp.toString(), "--public-key",
                keys.publicKeyBase64(), "--gateways", ids, "--state", dir.resolve("state").toString(), "--parallel",
                Integer.toString(parallel), "--discover", "120", "--job-timeout", "600", "--max-failures",
                System.getProperty("fleet.max.failures", "2")).toArray(String[]::new);
    }
}
