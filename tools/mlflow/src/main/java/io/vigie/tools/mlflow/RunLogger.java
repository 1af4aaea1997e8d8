package io.vigie.tools.mlflow;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * One MLflow run of a CLI tool (eval, quantize, bench, the pipeline's stages), logged on a best-effort basis: the tool's
 * rule is "MLflow down: the command still does its job and says the run was not logged". No URI ({@code --mlflow} absent
 * and {@code MLFLOW_TRACKING_URI} unset): every call does nothing, silently. The first failure (server down, bad URI,
 * an error answer) is printed once on {@code out} and turns the logger off; {@link #close()} then says
 * "run NOT logged". Not thread-safe: one tool's main thread.
 *
 * <pre>
 * try (RunLogger run = RunLogger.start(a.get("mlflow", null), "vigie-eval", "eval " + model, System.err)) {
 *     run.params(Map.of("precision", "int8")).metrics(Map.of("ap50", ap50)).artifact(json, "results");
 *     run.succeeded();
 * }
 * </pre>
 */
public final class RunLogger implements AutoCloseable {
    public static final String ENV = "MLFLOW_TRACKING_URI";

    private final PrintStream out;
    private MlflowClient client;
    private MlflowClient.Run run;
    private String failure;
    private boolean succeeded;
    private boolean closed;

    private RunLogger(PrintStream out) {
        this.out = out;
    }

    /** The URI to log to: {@code cliUri} when given, else {@code MLFLOW_TRACKING_URI}, else null (no logging). */
    public static String resolveUri(String cliUri) {
        if (cliUri != null && !cliUri.isBlank()) return cliUri;
        String env = System.getenv(ENV);
        return env == null || env.isBlank() ? null : env;
    }

    /**
     * Starts a run in {@code experiment} (created when missing) with the {@link #environment()} params; never throws.
     *
     * @param cliUri the tool's {@code --mlflow} value or null ({@link #resolveUri})
     */
    public static RunLogger start(String cliUri, String experiment, String runName, PrintStream out) {
        RunLogger l = new RunLogger(out);
        String uri = resolveUri(cliUri);
        if (uri == null) return l;
        try {
            l.client = new MlflowClient(uri);
            l.run = l.client.createRun(l.client.experimentId(experiment), runName, null, gitTags());
        } catch (MlflowException e) {
            l.fail(e);
            return l;
        }
        return l.params(environment());
    }

    /** A child run (a stage of this one: the UI nests it); off when this logger is. */
    public RunLogger child(String runName) {
        RunLogger c = new RunLogger(out);
        if (!active()) {
            c.failure = failure == null ? null : "parent run not logged";
            return c;
        }
        c.client = client;
        try {
            c.run = client.createRun(run.experimentId(), runName, run.runId(), gitTags());
        } catch (MlflowException e) {
            c.fail(e);
        }
        return c;
    }

    /** True while the run is being logged (a URI was given and nothing failed). */
    public boolean active() {
        return run != null && failure == null;
    }

    /** The run, or null when not logging. */
    public MlflowClient.Run run() {
        return active() ? run : null;
    }

    /** The client, for registry calls; null when not logging. */
    public MlflowClient client() {
        return active() ? client : null;
    }

    public RunLogger params(Map<String, ?> params) {
        return batch(params, null, null);
    }

    /** Metrics: non-finite values (e.g. AP without ground truth) are left out. */
    public RunLogger metrics(Map<String, ? extends Number> metrics) {
        return batch(null, metrics, null);
    }

    public RunLogger tags(Map<String, String> tags) {
        return batch(null, null, tags);
    }

    private RunLogger batch(Map<String, ?> p, Map<String, ? extends Number> m, Map<String, String> t) {
        if (!active()) return this;
        try {
            MlflowClient.BatchReport r = client.logBatch(run.runId(), p, m, t);
            if (!r.truncated().isEmpty()) out.println("mlflow: values cut to MLflow's length limit: " + r.truncated());
            if (!r.renamed().isEmpty()) out.println("mlflow: keys renamed for MLflow: " + r.renamed());
        } catch (MlflowException e) {
            fail(e);
        }
        return this;
    }

    /** Uploads {@code file} into the run's artifact folder {@code dir} ("" = the root), under its own name. */
    public RunLogger artifact(Path file, String dir) {
        if (!active() || file == null) return this;
        if (!Files.isRegularFile(file)) {
            out.println("mlflow: artifact " + file + " not found, not logged");
            return this;
        }
        String name = file.getFileName().toString();
        try {
            client.logArtifact(run, dir == null || dir.isEmpty() ? name : dir + "/" + name, file);
        } catch (MlflowException e) {
            fail(e);
        }
        return this;
    }

    /** The tool did its job: the run ends FINISHED (else FAILED). */
    public void succeeded() {
        succeeded = true;
    }

    /** Ends the run and says on {@code out} whether it was logged (nothing when no URI was given). */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        if (active()) {
            try {
                client.endRun(run.runId(), succeeded ? MlflowClient.RunStatus.FINISHED : MlflowClient.RunStatus.FAILED);
                out.println("mlflow: run logged: " + client.runUrl(run));
                return;
            } catch (MlflowException e) {
                fail(e);
            }
        }
        if (failure != null) out.println("mlflow: run NOT logged (" + failure + ")");
    }

    private void fail(MlflowException e) {
        if (failure != null) return;
        failure = e.getMessage();
        out.println("mlflow: " + e.getMessage() + "; the command goes on without MLflow");
    }

    /** What every run records about where it ran: git commit, JVM, OS/arch, CPUs and the cgroup CPU quota. */
    public static Map<String, String> environment() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("git.commit", gitCommit());
        m.put("jvm", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        m.put("jvm.args", String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()));
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        m.put("cpus", Integer.toString(Runtime.getRuntime().availableProcessors()));
        m.put("cpu.quota", cpuQuota());
        return m;
    }

    private static Map<String, String> gitTags() {
        String c = gitCommit();
        return "unknown".equals(c) ? Map.of() : Map.of("mlflow.source.git.commit", c);
    }

    private static String gitCommit;

    /**
     * HEAD of the checkout the tool runs from (system property vigie.root, which ./vigie sets; else the working
     * directory), "+dirty" with local changes; "unknown" outside a git checkout.
     */
    static synchronized String gitCommit() {
        if (gitCommit == null) {
            String dir = System.getProperty("vigie.root", ".");
            String head = run("git", "-C", dir, "rev-parse", "HEAD");
            String status = head == null ? null : run("git", "-C", dir, "status", "--porcelain", "--untracked-files=no");
            gitCommit = head == null || head.isEmpty() ? "unknown" : head + (status == null || status.isEmpty() ? "" : "+dirty");
        }
        return gitCommit;
    }

    private static String run(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String s;
            try (InputStream in = p.getInputStream()) {
                s = new String(in.readNBytes(1 << 16), StandardCharsets.UTF_8).strip();
            }
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            return p.exitValue() == 0 ? s : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /**
     * SHA-256 of a file's bytes, or of a folder tree (each regular file's relative path and bytes, in path order): the
     * identity of a calibration set or a dataset as a param. "unreadable: ..." when it cannot be read.
     */
    public static String contentSha256(Path path) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            if (Files.isDirectory(path)) {
                List<Path> files;
                try (Stream<Path> s = Files.walk(path)) {
                    files = s.filter(Files::isRegularFile).sorted().collect(Collectors.toList());
                }
                for (Path f : files) {
                    md.update(path.relativize(f).toString().replace('\\', '/').getBytes(StandardCharsets.UTF_8));
                    md.update((byte) 0);
                    digestFile(md, f);
                }
            } else {
                digestFile(md, path);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException | NoSuchAlgorithmException e) {
            return "unreadable: " + e.getMessage();
        }
    }

    private static void digestFile(MessageDigest md, Path f) throws IOException {
        try (InputStream in = Files.newInputStream(f)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0;) md.update(buf, 0, n);
        }
    }

    /** The cgroup CPU quota in CPUs ("max" when none): cgroup v2 cpu.max, else v1 cfs_quota_us / cfs_period_us. */
    static String cpuQuota() {
        try {
            Path v2 = Path.of("/sys/fs/cgroup/cpu.max");
            if (Files.isReadable(v2)) {
                String[] f = Files.readString(v2).trim().split("\\s+");
                return f[0].equals("max") ? "max" : String.valueOf(Double.parseDouble(f[0]) / Double.parseDouble(f[1]));
            }
            Path q = Path.of("/sys/fs/cgroup/cpu/cpu.cfs_quota_us");
            Path p = Path.of("/sys/fs/cgroup/cpu/cpu.cfs_period_us");
            if (Files.isReadable(q) && Files.isReadable(p)) {
                long quota = Long.parseLong(Files.readString(q).trim());
                return quota <= 0 ? "max" : String.valueOf((double) quota / Long.parseLong(Files.readString(p).trim()));
            }
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
        return "unknown";
    }
}
