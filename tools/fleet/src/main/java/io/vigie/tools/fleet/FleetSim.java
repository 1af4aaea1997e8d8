package io.vigie.tools.fleet;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

import io.vigie.ota.core.PackageSigner;
import io.vigie.testkit.GatewayProcess;
import io.vigie.testkit.Mosquitto;

/**
 * {@code ./vigie fleet-sim}: N real gateway processes (the same jar, each with its own conf + data dir, client id, web
 * port, and the demo video at a low frame rate) and one Mosquitto; started in parallel with a bounded start concurrency
 * (a start is over at the gateway's BIRTH), stopped with SIGTERM then a wait. Also the ITs' and the benchmark's fleet.
 */
public final class FleetSim implements AutoCloseable {
    /** One simulated gateway. */
    public static final class Gw {
        public final String id;
        public final Path dir;
        public final Path conf;
        public final Path data;
        public final Path log;
        public final int port;
        volatile Process process;

        Gw(String id, Path dir, int port) throws IOException {
            this.id = id;
            this.dir = dir;
            this.conf = Files.createDirectories(dir.resolve("conf"));
            this.data = Files.createDirectories(dir.resolve("data"));
            this.log = dir.resolve("gateway.log");
            this.port = port;
        }

        public long pid() {
            Process p = process;
            return p == null || !p.isAlive() ? -1 : p.pid();
        }

        public void writeConfig(String pid, Map<String, Object> props) throws IOException {
            GatewayProcess.writeConfig(conf, dir, pid, props);
        }
    }

    public record Options(int gateways, double fps, int startParallel, Path work, String account, String prefix, Path video,
            String publicKey, Map<String, String> ota) {
    }

    private final Options o;
    private final Path root;
    public final Mosquitto broker;
    public final List<Gw> gateways = new ArrayList<>();
    private final Set<String> born = ConcurrentHashMap.newKeySet();
    private MqttClient watcher;

    public FleetSim(Options o, Path root) throws IOException {
        this.o = o;
        this.root = root;
        broker = new Mosquitto(Files.createDirectories(o.work().resolve("mqtt")));
        for (int i = 1; i <= o.gateways(); i++) {
            String id = String.format(Locale.ROOT, "%s%03d", o.prefix(), i);
            Gw g = new Gw(id, o.work().resolve(id), freePort());
            gateways.add(g);
        }
    }

    static int freePort() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Every gateway's config (detector on the video at {@code fps}, cloud connection, OTA key); then {@link #start}. */
    public void prepare() throws Exception {
        broker.start();
        for (Gw g : gateways) {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("source.uri", o.video().toAbsolutePath().toString());
            d.put("source.loop", "true");
            d.put("source.realtime", "true");
            d.put("source.max.fps", Double.toString(o.fps()));
            d.put("model.precision", "INT8");
            d.put("threads", "1");
            g.writeConfig("io.vigie.detector", d);
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("broker.uri", broker.uri());
            c.put("client.id", g.id);
            c.put("account.name", o.account());
            g.writeConfig("io.vigie.cloud.paho", c);
            Map<String, Object> ota = new LinkedHashMap<>(o.ota());
            ota.put("public.key", o.publicKey());
            g.writeConfig("io.vigie.ota", ota);
        }
        watcher = new MqttClient(broker.uri(), "fleet-sim-" + ProcessHandle.current().pid(), new MemoryPersistence());
        watcher.connect();
        watcher.subscribe("$EDC/" + o.account() + "/+/MQTT/BIRTH", 1, (t, m) -> born.add(t.split("/")[2]));
    }

    /** Starts every gateway, at most {@code startParallel} starting at once; returns once all sent their BIRTH. */
    public void start(Duration perGateway, PrintStream out) throws Exception {
        Semaphore slots = new Semaphore(Math.max(1, o.startParallel()));
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, o.startParallel()));
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (Gw g : gateways) {
                fs.add(pool.submit(() -> {
                    slots.acquire();
                    try {
                        long t0 = System.nanoTime();
                        startOne(g, perGateway);
                        out.printf(Locale.ROOT, "fleet-sim: %s up (BIRTH) in %.1f s, web port %d%n", g.id,
                                (System.nanoTime() - t0) / 1e9, g.port);
                    } finally {
                        slots.release();
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) f.get();
        } finally {
            pool.shutdownNow();
        }
    }

    /** Starts (or restarts) one gateway and waits for its BIRTH. */
    public void startOne(Gw g, Duration atMost) throws Exception {
        born.remove(g.id);
        g.process = GatewayProcess.start(root, g.conf, g.data, g.port, g.dir, g.log, null);
        long end = System.nanoTime() + atMost.toNanos();
        while (!born.contains(g.id)) {
            if (!g.process.isAlive()) throw new IllegalStateException(g.id + " exited; log " + g.log);
            if (System.nanoTime() > end)
                throw new IllegalStateException(g.id + " sent no BIRTH within " + atMost.toSeconds() + " s");
            Thread.sleep(200);
        }
    }

    /** SIGKILL: a crash (no DC message; the broker publishes the LWT). */
    public void kill(Gw g) throws InterruptedException {
        Process p = g.process;
        if (p == null) return;
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
    }

    /** CPU % (of one core) over {@code window} and RSS (MB) of each gateway and the broker, measured from /proc. */
    public Map<String, double[]> usage(Duration window) throws Exception {
        Map<String, Long> pids = new LinkedHashMap<>();
        for (Gw g : gateways) pids.put(g.id, g.pid());
        pids.put("mosquitto", broker.pid());
        Map<String, Long> t0 = new LinkedHashMap<>();
        pids.forEach((k, v) -> t0.put(k, cpuTicks(v)));
        long n0 = System.nanoTime();
        Thread.sleep(window.toMillis());
        double secs = (System.nanoTime() - n0) / 1e9;
        Map<String, double[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, Long> e : pids.entrySet()) {
            long a = t0.get(e.getKey()), b = cpuTicks(e.getValue());
            out.put(e.getKey(), new double[] { a < 0 || b < 0 ? Double.NaN : (b - a) / 100.0 / secs * 100, rssMb(e.getValue()) });
        }
        return out;
    }

    /** utime + stime of a process in clock ticks (USER_HZ = 100 on Linux), -1 when gone. */
    static long cpuTicks(long pid) {
        try {
            String s = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    static double rssMb(long pid) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status")))
                if (l.startsWith("VmRSS:")) return Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024.0;
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
        return Double.NaN;
    }

    public static String usageTable(Map<String, double[]> u) {
        StringBuilder sb = new StringBuilder("  process          CPU %   RSS MB\n");
        double cpu = 0, rss = 0;
        int n = 0;
        for (Map.Entry<String, double[]> e : u.entrySet()) {
            sb.append(String.format(Locale.ROOT, "  %-14s %7.1f %8.1f%n", e.getKey(), e.getValue()[0], e.getValue()[1]));
            if (!e.getKey().equals("mosquitto") && !Double.isNaN(e.getValue()[0])) {
                cpu += e.getValue()[0];
                rss += e.getValue()[1];
                n++;
            }
        }
        if (n > 0)
            sb.append(String.format(Locale.ROOT, "  gateways: %d, mean %.1f %% CPU, %.1f MB RSS; total %.1f %% CPU, %.0f MB%n",
                n, cpu / n, rss / n, cpu, rss));
        return sb.toString();
    }

    /** Every gateway: SIGTERM, then a wait (SIGKILL after 20 s); then the broker. */
    @Override
    public void close() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        for (Gw g : gateways) pool.submit(() -> {
            GatewayProcess.stop(g.process, 20);
            return null;
        });
        pool.shutdown();
        pool.awaitTermination(60, TimeUnit.SECONDS);
        if (watcher != null && watcher.isConnected()) watcher.disconnect(2_000);
        broker.close();
    }

    // ---- CLI

    static String usage() {
        return """
                usage: ./vigie fleet-sim --gateways N [--fps 2] [--start-parallel 4] [--work ~/.vigie-fleet-sim] [--account vigie]
                         [--prefix sim-] [--video FILE] [--public-key FILE] [--health-window 6] [--duration SECONDS]""";
    }

    public static void main(String[] argv) throws Exception {
        System.exit(run(argv, System.out));
    }

    static int run(String[] argv, PrintStream out) throws Exception {
        Map<String, String> a = new java.util.HashMap<>();
        Set<String> opts = Set.of("gateways", "fps", "start-parallel", "work", "account", "prefix", "video", "public-key",
                "health-window", "duration");
        for (int i = 0; i < argv.length; i++) {
            String k = argv[i].startsWith("--") ? argv[i].substring(2) : "";
            if (k.equals("help")) {
                out.println(usage());
                return 0;
            }
            if (!opts.contains(k) || i + 1 >= argv.length) {
                out.println("fleet-sim: bad argument " + FleetMain.shorten(argv[i]) + "\n" + usage());
                return 1;
            }
            a.put(k, argv[++i]);
        }
        int n;
        double fps;
        try {
            n = FleetMain.positive(a, "gateways", -1, 1, 500);
            if (n < 0) throw new IllegalArgumentException("--gateways N is required");
            fps = Double.parseDouble(a.getOrDefault("fps", "2"));
            if (!(fps > 0 && fps <= 30)) throw new IllegalArgumentException("--fps must be in (0, 30]");
        } catch (IllegalArgumentException e) {
            out.println("fleet-sim: " + e.getMessage() + "\n" + usage());
            return 1;
        }
        Path work = Path.of(a.getOrDefault("work", System.getProperty("user.home") + "/.vigie-fleet-sim"));
        Files.createDirectories(work);
        String key;
        Path keys = work.resolve("keys");
        if (a.containsKey("public-key")) {
            key = PackageSigner.publicKeyLine(Path.of(a.get("public-key")));
        } else {
            PackageSigner.generate(keys, false);
            key = PackageSigner.publicKeyLine(keys.resolve(PackageSigner.PUBLIC_KEY));
        }
        Path root = Path.of(System.getProperty("vigie.root", "."));
        Path video = Path.of(a.getOrDefault("video", "/usr/share/doc/opencv-doc/examples/data/vtest.avi"));
        Map<String, String> ota = Map.of("health.window.seconds", a.getOrDefault("health-window", "6"),
                "download.allow.local", "true", "allow.downgrade", "true"); // a fleet rollback installs the previous package
        Options o = new Options(n, fps, FleetMain.positive(a, "start-parallel", 4, 1, 64), work,
                a.getOrDefault("account", "vigie"),
                a.getOrDefault("prefix", "sim-"), video, key, ota);
        try (FleetSim sim = new FleetSim(o, root)) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    sim.close();
                } catch (Exception e) {
                    out.println("fleet-sim: stop: " + e);
                }
            }));
            sim.prepare();
            long t0 = System.nanoTime();
            sim.start(Duration.ofSeconds(300), out);
            String ids = String.join(",", sim.gateways.stream().map(g -> g.id).toList());
            out.printf(Locale.ROOT, "fleet-sim: %d gateways up in %.1f s on %s (account %s)%n", n, (System.nanoTime() - t0) / 1e9,
                    sim.broker.uri(), o.account());
            if (!a.containsKey("public-key"))
                out.println("fleet-sim: sign:     ./vigie sign --key " + keys.resolve(PackageSigner.PRIVATE_KEY) + " X.dp");
            out.println("fleet-sim: roll out: ./vigie fleet --broker " + sim.broker.uri() + " --account " + o.account()
                    + " --public-key " + a.getOrDefault("public-key", keys.resolve(PackageSigner.PUBLIC_KEY).toString())
                    + " --gateways " + ids + " --dp X.dp");
            long duration = FleetMain.positive(a, "duration", 0, 0, 86_400);
            long end = duration == 0 ? Long.MAX_VALUE : System.nanoTime() + TimeUnit.SECONDS.toNanos(duration);
            while (System.nanoTime() < end) {
                long left = Math.max(1, (end - System.nanoTime()) / 1_000_000_000L);
                out.print(usageTable(sim.usage(Duration.ofSeconds(Math.min(30, left)))));
            }
        }
        return 0;
    }
}
