package io.vigie.tools.fleet;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;

import io.vigie.tools.audit.AuditMain;
import io.vigie.tools.audit.DeploymentAuditor;
import io.vigie.tools.audit.DeploymentRecord;
import io.vigie.tools.audit.MlflowAuditWriter;
import io.vigie.tools.fleet.FleetState.Phase;
import io.vigie.tools.mlflow.MlflowClient;

/**
 * {@code ./vigie fleet}: a staged, health-gated rollout of one signed deployment package to the gateways on a broker
 * (thin CLI; {@link Rollout} is the core, {@link MqttGateways} the protocol). Exit 0: every gateway on the target (or
 * skipped); 2: halted (and rolled back); 3: done but some gateways stayed offline; 1: refused / error.
 */
public final class FleetMain {
    private static final Set<String> OPTIONS = Set.of("broker", "account", "client-id", "dp", "sig", "public-key", "waves",
            "parallel", "max-failures", "url", "http-port", "http-host", "http-bind", "state", "report", "gateways", "discover",
            "expect", "job-timeout", "offline-wait", "mlflow");

    private FleetMain() {
    }

    public static void main(String[] argv) throws Exception {
        System.exit(run(argv, System.out));
    }

    static String usage() {
        return """
                usage: ./vigie fleet --broker tcp://HOST:PORT --dp FILE.dp [--sig FILE.dp.sig] [--public-key KEY|FILE]
                         [--waves 1,10%,100%] [--parallel 5] [--max-failures 0] [--account vigie] [--client-id vigie-fleet]
                         [--gateways ID,ID...] [--expect N] [--discover 15] [--state ~/.vigie-fleet] [--report FILE.json]
                         [--url URL | --http-host HOST --http-port 0 --http-bind 0.0.0.0] [--job-timeout 300]
                         [--offline-wait 60] [--mlflow URI]""";
    }

    public static int run(String[] argv, PrintStream out) {
        Map<String, String> a = new HashMap<>();
        try {
            for (int i = 0; i < argv.length; i++) {
                String k = argv[i].startsWith("--") ? argv[i].substring(2) : "";
                if (k.equals("help") || argv[i].equals("-h")) {
                    out.println(usage());
                    return 0;
                }
                if (!OPTIONS.contains(k)) throw new IllegalArgumentException("unknown argument: " + shorten(argv[i]));
                if (a.containsKey(k)) throw new IllegalArgumentException("--" + k + " given twice");
                if (i + 1 >= argv.length) throw new IllegalArgumentException("--" + k + " needs a value");
                a.put(k, argv[++i]);
            }
            return rollout(a, out);
        } catch (IllegalArgumentException | IllegalStateException e) {
            out.println("fleet: " + e.getMessage());
            return 1;
        } catch (Exception e) {
            out.println("fleet: " + e);
            return 1;
        }
    }

    static String shorten(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }

    static int positive(Map<String, String> a, String k, int dflt, int min, int max) {
        String v = a.get(k);
        if (v == null) return dflt;
        try {
            int n = Integer.parseInt(v.strip());
            if (n < min || n > max) throw new NumberFormatException();
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + k + " must be an integer in [" + min + ", " + max + "]");
        }
    }

    private static int rollout(Map<String, String> a, PrintStream out) throws Exception {
        String broker = AuditMain.brokerUri(a.get("broker"));
        if (a.get("dp") == null) throw new IllegalArgumentException("--dp FILE.dp is required\n" + usage());
        String account = a.getOrDefault("account", "vigie");
        String clientId = a.getOrDefault("client-id", "vigie-fleet");
        for (String v : new String[] { account, clientId })
            if (!v.matches("[A-Za-z0-9_-]{1,64}")) throw new IllegalArgumentException(
                    "--account/--client-id: 1-64 of [A-Za-z0-9_-]");
        int parallel = positive(a, "parallel", 5, 1, 256);
        int maxFailures = positive(a, "max-failures", 0, 0, 100_000);
        int discover = positive(a, "discover", 15, 0, 3600);
        int expect = positive(a, "expect", 0, 0, 100_000);
        Duration jobTimeout = Duration.ofSeconds(positive(a, "job-timeout", 300, 5, 86_400));
        Duration offlineWait = Duration.ofSeconds(positive(a, "offline-wait", 60, 0, 86_400));
        String waves = a.getOrDefault("waves", "1,10%,100%");
        Waves.sizes(waves, 100); // refuse a bad spec before anything starts
        URI url = null;
        if (a.containsKey("url")) {
            url = URI.create(a.get("url"));
            if (!Set.of("http", "https").contains(String.valueOf(url.getScheme())) || url.getHost() == null)
                throw new IllegalArgumentException("--url must be an http(s) URL of the package");
        }
        Set<String> listed = new TreeSet<>();
        if (a.containsKey("gateways")) {
            for (String g : a.get("gateways").split(",")) {
                if (!g.strip().matches("[A-Za-z0-9._:-]{1,128}"))
                    throw new IllegalArgumentException("--gateways: bad id " + shorten(g));
                listed.add(g.strip());
            }
        }
        // the package first: garbage or unsigned is refused before any gateway is touched
        Path dp = Path.of(a.get("dp"));
        Path sig = Path.of(a.getOrDefault("sig", a.get("dp") + ".sig"));
        Artifact target = Artifact.load(dp, sig, publicKey(a.get("public-key")));
        Path dir = Path.of(a.getOrDefault("state", System.getProperty("user.home") + "/.vigie-fleet"));
        try (AutoCloseable lock = FleetState.lock(dir)) {
            return locked(a, out, broker, account, clientId, parallel, maxFailures, discover, expect, jobTimeout, offlineWait,
                    waves, url, listed, target, dir);
        }
    }

    /** A public key given inline (base64 / PEM) or as a file holding it. */
    static String publicKey(String v) throws IOException {
        if (v == null) return null;
        Path p = Path.of(v);
        return v.length() < 1024 && Files.isRegularFile(p) ? Files.readString(p, StandardCharsets.US_ASCII) : v;
    }

    private static int locked(Map<String, String> a, PrintStream out, String broker, String account, String clientId,
            int parallel, int maxFailures, int discover, int expect, Duration jobTimeout, Duration offlineWait, String waves,
            URI url, Set<String> listed, Artifact target, Path dir) throws Exception {
        Path stateFile = dir.resolve("state.json");
        Path keptDir = dir.resolve("dps");
        FleetState before = FleetState.read(stateFile);
        FleetState state;
        if (before != null && before.phase == Phase.RUNNING) {
            if (!target.sha256().equals(before.sha256))
                throw new IllegalStateException("the state in " + dir + " holds an unfinished rollout of " + before.name + " "
                        + before.version + " (" + before.sha256.substring(0, 12) + "): refused; rerun it with that package");
            state = before;
            out.println("fleet: resuming the rollout of " + state.name + " " + state.version + " from " + stateFile);
        } else {
            state = new FleetState();
            if (before != null) state.kept.putAll(before.kept);
            state.target = target.file().toString();
            state.name = target.name();
            state.version = target.version();
            state.sha256 = target.sha256();
            state.waves = waves;
            state.maxFailures = maxFailures;
            state.startedAt = System.currentTimeMillis();
        }
        Artifact kept = target.keep(keptDir);
        state.kept.put(target.name() + " " + target.version(), target.sha256());
        if (url != null) state.url = url.toString();
        DpServer http = null;
        ExecutorService auditPool = null;
        try (MqttGateways gws = new MqttGateways(broker, account, clientId, dir, Duration.ofSeconds(30), out)) {
            if (state.url == null) {
                http = new DpServer(keptDir, a.getOrDefault("http-bind", "0.0.0.0"), positive(a, "http-port", 0, 0, 65535),
                        a.getOrDefault("http-host", "127.0.0.1"));
            }
            if (a.containsKey("mlflow")) auditPool = audit(gws, a.get("mlflow"), out);
            gws.connect(Duration.ofSeconds(30));
            Set<String> probe = new TreeSet<>(listed);
            probe.addAll(state.gateways.keySet());
            probe.addAll(registry(dir));
            gws.probe(probe);
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(discover);
            int want = Math.max(expect, listed.size());
            while (System.nanoTime() < end && (want == 0 || gws.online().size() < want)) Thread.sleep(200);
            Set<String> fleet = new TreeSet<>(gws.online());
            fleet.addAll(listed);
            if (fleet.isEmpty() && state.gateways.isEmpty()) throw new IllegalStateException("no gateway found on " + broker
                    + " within " + discover + " s (no BIRTH answered; --gateways ID,... asks them directly)");
            saveRegistry(dir, fleet);
            inventory(gws, fleet, out);
            Rollout.plan(state, fleet);
            DpServer server = http;
            URI fixed = url;
            String[] last = { "" };
            Rollout r = new Rollout(state, stateFile, keptDir, gws, kept, x -> fixed != null && x == kept ? fixed : server.uri(x),
                    new Rollout.Options(jobTimeout, offlineWait, parallel), s -> {
                        String t = Progress.table(s);
                        synchronized (last) {
                            if (!t.equals(last[0])) out.print(t);
                            last[0] = t;
                        }
                    });
            Phase phase = r.run();
            out.print(Progress.gateways(state));
            out.println("fleet: " + phase + " in " + (System.currentTimeMillis() - state.startedAt) / 1000 + " s: "
                    + Progress.counts(state) + "; " + gws.ignored.get() + " message(s) ignored");
            Path report = Path.of(a.getOrDefault("report", dir.resolve("report.json").toString()));
            writeReport(report, state, gws);
            out.println("fleet: report " + report);
            if (auditPool != null) {
                auditPool.shutdown();
                auditPool.awaitTermination(60, TimeUnit.SECONDS);
            }
            if (phase == Phase.HALTED) return 2;
            return state.count(FleetState.Status.OFFLINE) > 0 ? 3 : 0;
        } finally {
            if (http != null) http.close();
        }
    }

    /** Every gateway: its packages (DEPLOY-V2 GET packages) and active model (the status request). */
    private static void inventory(MqttGateways gws, Set<String> fleet, PrintStream out) throws InterruptedException {
        out.println("fleet: " + fleet.size() + " gateway(s)");
        for (String g : fleet) {
            if (!gws.online().contains(g)) {
                out.println("  " + g + ": offline");
                continue;
            }
            Map<String, String> pk = gws.packages(g);
            Map<String, Object> st = gws.status(g);
            String model = st == null ? "?" : st.get("model.name") + "/" + st.get("model.precision")
                    + "/" + st.get("model.version");
            out.println("  " + g + ": packages " + pk + ", model " + model + (st == null ? "" : " (" + st.get("state") + ")"));
        }
    }

    /** The gateways this state dir has seen: asked directly next time (their BIRTH may be long gone). */
    static Set<String> registry(Path dir) throws IOException {
        Path f = dir.resolve("gateways.txt");
        Set<String> s = new TreeSet<>();
        if (Files.isRegularFile(f) && Files.size(f) < (1 << 20))
            for (String l : Files.readAllLines(f)) if (l.matches("[A-Za-z0-9._:-]{1,128}")) s.add(l);
        return s;
    }

    static void saveRegistry(Path dir, Set<String> add) throws IOException {
        Set<String> s = registry(dir);
        s.addAll(add);
        Path tmp = dir.resolve("gateways.txt.tmp");
        Files.write(tmp, s);
        Files.move(tmp, dir.resolve("gateways.txt"), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /** The OTA events the gateways publish, correlated by the audit's core and written through its MLflow writer. */
    private static ExecutorService audit(MqttGateways gws, String mlflowUri, PrintStream out) throws Exception {
        MlflowClient client = new MlflowClient(mlflowUri, Duration.ofSeconds(5), Duration.ofSeconds(30));
        MlflowAuditWriter writer = new MlflowAuditWriter(client, MlflowAuditWriter.EXPERIMENT,
                 MlflowAuditWriter.REGISTERED_MODEL);
        DeploymentAuditor auditor = new DeploymentAuditor();
        ExecutorService pool = Executors.newSingleThreadExecutor();
        gws.onOtaEvent((topic, metrics) -> pool.submit(() -> {
            DeploymentAuditor.Result r = auditor.accept(topic, metrics, null);
            for (DeploymentRecord rec : r.records()) {
                try {
                    writer.write(rec);
                } catch (Exception e) {
                    out.println("fleet: audit record of " + rec.gateway() + " not written to MLflow: " + e.getMessage());
                }
            }
        }));
        return pool;
    }

    static void writeReport(Path report, FleetState s, MqttGateways gws) throws IOException {
        JsonObject o = com.google.gson.JsonParser.parseString(s.json()).getAsJsonObject();
        Map<String, Object> sum = new LinkedHashMap<>();
        sum.put("seconds", ((s.finishedAt == null ? System.currentTimeMillis() : s.finishedAt) - s.startedAt) / 1000.0);
        for (FleetState.Status st : FleetState.Status.values()) sum.put(st.name(), s.count(st));
        sum.put("messagesReceived", gws.received.get());
        sum.put("messagesIgnored", gws.ignored.get());
        o.add("summary", new GsonBuilder().create().toJsonTree(sum));
        Path tmp = report.resolveSibling(report.getFileName() + ".tmp");
        Files.writeString(tmp, new GsonBuilder().setPrettyPrinting().create().toJson(o));
        Files.move(tmp, report, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    static String[] split(String s) {
        return Arrays.stream(s.split(",")).map(String::strip).toArray(String[]::new);
    }
}
