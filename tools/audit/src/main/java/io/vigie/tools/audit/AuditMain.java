package io.vigie.tools.audit;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.function.Predicate;

import io.vigie.tools.mlflow.MlflowClient;
import io.vigie.tools.mlflow.MlflowException;

/**
 * {@code ./vigie audit}: gateways' OTA installs, verdicts and rollbacks as MLflow records (docs/MLFLOW.md "Deployment
 * audit"). Exit 0: stopped (SIGTERM) or idle with everything logged; 3: idle with records not logged yet (MLflow away:
 * they wait in the state dir); 1: broker unreachable in --once/--until-idle mode; 2: bad arguments.
 */
public final class AuditMain {
    static final String DEFAULT_TOPIC = "+/+/VIGIE/model";
    static final String DEFAULT_CLIENT_ID = "vigie-audit";
    private static final Set<String> FLAGS = Set.of("once", "help");
    private static final Set<String> OPTIONS = Set.of("broker", "mlflow", "topic", "client-id", "state", "gateways",
            "experiment", "registry-model", "until-idle", "username", "password-env");

    private AuditMain() {
    }

    public static void main(String[] argv) throws Exception {
        System.exit(run(argv, System.getenv()));
    }

    static String usage() {
        return """
                usage: ./vigie audit --broker tcp://HOST:PORT --mlflow URI [--topic +/+/VIGIE/model] [--client-id vigie-audit]
                                     [--state ~/.vigie-audit] [--gateways ID,ID...] [--experiment vigie-deployments]
                                     [--registry-model vigie-ssd-mobilenet-v2] [--once | --until-idle SECONDS]
                                     [--username U --password-env VAR]""";
    }

    static int run(String[] argv, Map<String, String> env) throws Exception {
        Map<String, String> a = new HashMap<>();
        try {
            for (int i = 0; i < argv.length; i++) {
                String k = argv[i].equals("-h") ? "help" : argv[i].startsWith("--") ? argv[i].substring(2) : null;
                if (k == null || !FLAGS.contains(k) && !OPTIONS.contains(k))
                    throw new IllegalArgumentException("unknown argument: " + Names.name(argv[i]));
                if (a.containsKey(k)) throw new IllegalArgumentException("--" + k + " given twice");
                if (FLAGS.contains(k)) a.put(k, "");
                else if (i + 1 < argv.length) a.put(k, argv[++i]);
                else throw new IllegalArgumentException("--" + k + " needs a value");
            }
        } catch (IllegalArgumentException e) {
            return bad(e.getMessage());
        }
        if (a.containsKey("help")) {
            System.out.println(usage());
            return 0;
        }
        AuditListener.Options o;
        MlflowClient mlflow;
        Predicate<String> gateways = g -> true;
        try {
            String broker = brokerUri(a.get("broker"));
            mlflow = new MlflowClient(a.getOrDefault("mlflow", env.get("MLFLOW_TRACKING_URI")), Duration.ofSeconds(5),
                    Duration.ofSeconds(30));
            String clientId = a.getOrDefault("client-id", DEFAULT_CLIENT_ID);
            if (!clientId.matches("[A-Za-z0-9_-]{1,64}"))
                throw new IllegalArgumentException("--client-id must be 1-64 of [A-Za-z0-9_-]");
            List<String> topics = Arrays.stream(a.getOrDefault("topic", DEFAULT_TOPIC).split(",")).map(String::strip).toList();
            for (String t : topics) {
                if (t.isEmpty() || t.length() > 1000 || !t.equals(Names.name(t)) || t.contains("#") && !t.endsWith("#"))
                    throw new IllegalArgumentException("--topic '" + Names.name(t) + "' is not an MQTT topic filter");
            }
            if (a.containsKey("gateways")) {
                Set<String> ids = Set.copyOf(Arrays.stream(a.get("gateways").split(",")).map(String::strip).toList());
                gateways = ids::contains;
            }
            long idleMs = 0;
            if (a.containsKey("once")) idleMs = 3_000;
            if (a.containsKey("until-idle")) {
                if (a.containsKey("once")) throw new IllegalArgumentException("--once and --until-idle: pick one");
                idleMs = seconds(a.get("until-idle")) * 1000;
            }
            String user = a.get("username");
            char[] password = null;
            if (a.containsKey("password-env")) {
                String p = env.get(a.get("password-env"));
                if (p == null) throw new IllegalArgumentException("--password-env " + a.get("password-env") + " is not set");
                password = p.toCharArray();
            }
            Path state = Path.of(a.getOrDefault("state", Path.of(System.getProperty("user.home"), ".vigie-audit").toString()))
                    .toAbsolutePath().normalize();
            o = new AuditListener.Options(broker, clientId, topics, user, password, state, idleMs);
        } catch (IllegalArgumentException | MlflowException e) {
            return bad(e.getMessage());
        }
        MlflowAuditWriter writer = new MlflowAuditWriter(mlflow, a.getOrDefault("experiment", MlflowAuditWriter.EXPERIMENT),
                a.getOrDefault("registry-model", MlflowAuditWriter.REGISTERED_MODEL));
        AuditListener l = new AuditListener(o, new DeploymentAuditor(gateways), writer, System.out);
        CountDownLatch done = new CountDownLatch(1);
        // SIGTERM / Ctrl-C: stop taking messages, leave the session and the journal for the next run
        Thread hook = new Thread(() -> {
            l.close();
            try {
                if (done.await(60, java.util.concurrent.TimeUnit.SECONDS)) System.out.println("audit: stopped");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "vigie-audit-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            int left = l.run();
            return left == 0 ? 0 : 3;
        } catch (IllegalStateException e) {
            System.err.println("audit: " + e.getMessage());
            return 1;
        } finally {
            l.close();
            done.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook); // returned on its own: the hook has nothing left to do
            } catch (IllegalStateException shuttingDown) {
                // SIGTERM: the hook is running and ends with this
            }
        }
    }

    /** tcp|ssl|ws|wss://HOST:PORT, nothing else (Paho would take a path or a query and do something surprising). */
    public static String brokerUri(String s) {
        if (s == null || s.isBlank()) throw new IllegalArgumentException("--broker tcp://HOST:PORT is required");
        String hint = "--broker '" + Names.name(s) + "': expected tcp|ssl|ws|wss://HOST:PORT";
        URI u;
        try {
            u = new URI(s.strip());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(hint);
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (!Set.of("tcp", "ssl", "ws", "wss").contains(scheme) || u.getHost() == null || u.getPort() < 1 || u.getPort() > 65535
                || u.getRawUserInfo() != null || u.getRawQuery() != null || u.getRawFragment() != null
                || scheme.startsWith("tcp") && u.getRawPath() != null && !u.getRawPath().isEmpty())
            throw new IllegalArgumentException(hint);
        return u.toString();
    }

    static long seconds(String s) {
        try {
            long v = Long.parseLong(s.strip());
            if (v >= 1 && v <= 86_400) return v;
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException("--until-idle takes 1..86400 seconds, not '" + Names.name(s) + "'");
    }

    private static int bad(String why) {
        System.err.println("audit: " + why);
        System.err.println(usage());
        return 2;
    }
}
