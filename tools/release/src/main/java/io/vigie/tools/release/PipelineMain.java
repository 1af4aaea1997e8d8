package io.vigie.tools.release;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code ./vigie pipeline}: the release pipeline on this machine, the local equivalent of release.yml (whose jobs run
 * single stages of it). Exit 0: PROMOTE; 3: BLOCK; 1: a stage failed; 2: bad arguments.
 */
public final class PipelineMain {
    static final Set<String> FLAGS = Set.of("quick", "offline", "list", "help");
    static final Set<String> OPTIONS = Set.of("root", "shared", "stage", "from", "mlflow", "gates", "data", "report-dir",
            "signing-key");

    private PipelineMain() {
    }

    public static void main(String[] argv) throws Exception {
        System.exit(run(argv, System.getenv()));
    }

    static String usage() {
        return "usage: ./vigie pipeline [--quick] [--offline] [--stage NAME | --from NAME] [--list] [--shared DIR]\n"
                + "                        [--mlflow URI] [--gates FILE] [--data DIR] [--report-dir DIR] [--signing-key KEY]";
    }

    static int run(String[] argv, Map<String, String> env) throws Exception {
        Map<String, String> a;
        try {
            a = parse(argv);
        } catch (IllegalArgumentException e) {
            System.err.println("pipeline: " + e.getMessage());
            System.err.println(usage());
            return 2;
        }
        Pipeline p = new Pipeline(ReleaseStages.all());
        if (a.containsKey("help") || a.containsKey("list")) {
            if (a.containsKey("help")) System.out.println(usage());
            for (Stage s : p.stages()) System.out.printf("  %-18s %s%n", s.name(), s.description());
            return 0;
        }
        Path root = Paths.get(a.getOrDefault("root", ".")).toAbsolutePath().normalize();
        if (!Files.isRegularFile(root.resolve("vigie")))
            return bad("--root " + root + " is not a Vigie checkout (no ./vigie)");
        String sharedArg = a.getOrDefault("shared", env.getOrDefault("VIGIE_SHARED", root.resolve("../shared").toString()));
        Path shared = Paths.get(sharedArg).toAbsolutePath().normalize();
        String mlflow = a.getOrDefault("mlflow", env.get("MLFLOW_TRACKING_URI"));
        PipelineContext base = PipelineContext.of(root, shared, a.containsKey("quick"), a.containsKey("offline"), mlflow,
                System.out);
        Map<String, String> childEnv = new HashMap<>(base.env());
        if (env.containsKey("MVN")) childEnv.put("MVN", env.get("MVN"));
        // The build signs the model DPs it makes (kura-dp), which promote requires: a key given here reaches mvn's command
        // line (a -D in MAVEN_OPTS does not reach kura-dp's property).
        String key = a.getOrDefault("signing-key", env.get(ReleaseStages.SIGNING_KEY_ENV));
        if (key != null) {
            Path k = Paths.get(key).toAbsolutePath().normalize();
            if (!Files.isRegularFile(k) || !Files.isReadable(k)) return bad("--signing-key " + key + " is not a readable file");
            childEnv.put(ReleaseStages.SIGNING_KEY_ENV, k.toString());
        }
        PipelineContext c = new PipelineContext(root, base.work(), path(a, "data", base.data()),
                path(a, "report-dir", base.reportDir()), path(a, "gates", base.gates()), shared, base.quick(), base.offline(),
                mlflow, Map.copyOf(childEnv), System.out);
        List<Stage> selection;
        try {
            selection = p.select(a.get("stage"), a.get("from"));
        } catch (IllegalArgumentException e) {
            return bad(e.getMessage());
        }
        if (!Files.isRegularFile(c.gates())) return bad("no gate file " + c.gates());
        try {
            GateFile.read(c.gates());
        } catch (IllegalArgumentException e) {
            return bad("gate file: " + e.getMessage());
        }
        System.out.printf("pipeline: %s%s, load %s%n", root, c.quick() ? " (--quick)" : "", load());
        return Pipeline.summarize(p.run(c, selection), c);
    }

    private static Path path(Map<String, String> a, String key, Path dflt) {
        return a.containsKey(key) ? Paths.get(a.get(key)).toAbsolutePath().normalize() : dflt;
    }

    private static int bad(String message) {
        System.err.println("pipeline: " + message);
        return 2;
    }

    private static String load() {
        try {
            String[] f = Files.readString(Paths.get("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (Exception e) {
            return "?";
        }
    }

    /** --key value / --flag; unknown, repeated or valueless options are errors (nothing runs). */
    static Map<String, String> parse(String[] argv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < argv.length; i++) {
            String s = argv[i];
            if (s.equals("-h")) s = "--help";
            if (!s.startsWith("--")) throw new IllegalArgumentException("unexpected argument: " + s);
            String k = s.substring(2);
            if (m.containsKey(k)) throw new IllegalArgumentException("--" + k + " given twice");
            if (FLAGS.contains(k)) m.put(k, "true");
            else if (OPTIONS.contains(k)) {
                if (i + 1 >= argv.length || argv[i + 1].startsWith("--"))
                    throw new IllegalArgumentException("--" + k + " needs a value");
                m.put(k, argv[++i]);
            } else throw new IllegalArgumentException("unknown option: " + s);
        }
        return m;
    }
}
