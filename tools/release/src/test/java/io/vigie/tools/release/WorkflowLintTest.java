package io.vigie.tools.release;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * .github/workflows checked offline by a real linter: actionlint (pinned, built from source with Go into
 * ~/.cache/vigie/bin on first use; it runs shellcheck on the run: scripts when shellcheck is installed).
 */
class WorkflowLintTest {
    static final String VERSION = "1.7.12";
    static final Path BIN = Paths.get(System.getProperty("user.home"), ".cache/vigie/bin");
    static Path actionlint;

    record Run(int exit, String output) {
    }

    static Run exec(List<String> cmd, Path dir, String... env) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        for (int i = 0; i < env.length; i += 2) pb.environment().put(env[i], env[i + 1]);
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.MINUTES)) p.destroyForcibly();
        return new Run(p.exitValue(), out);
    }

    /** The pinned actionlint, installed with `go install` into the cache when missing or of another version. */
    @BeforeAll
    static void install() throws Exception {
        actionlint = BIN.resolve("actionlint");
        if (Files.isExecutable(actionlint) && pinned()) return;
        Files.createDirectories(BIN);
        Run r = exec(List.of("go", "install", "github.com/rhysd/actionlint/cmd/actionlint@v" + VERSION), BIN,
                "GOBIN", BIN.toString());
        assertEquals(0, r.exit(), "go install actionlint failed (Go is needed once): " + r.output());
        assertTrue(pinned(), "actionlint -version is not v" + VERSION);
    }

    private static boolean pinned() throws IOException, InterruptedException {
        return exec(List.of(actionlint.toString(), "-version"), BIN).output().startsWith("v" + VERSION + "\n");
    }

    private static List<Path> workflows() throws IOException {
        try (var s = Files.list(Fixtures.root().resolve(".github/workflows"))) {
            return s.filter(p -> p.toString().endsWith(".yml")).sorted().toList();
        }
    }

    private static Run lint(List<Path> files) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(actionlint.toString(), "-color=false"));
        files.forEach(f -> cmd.add(f.toString()));
        return exec(cmd, Fixtures.root());
    }

    @Test
    void ourWorkflowsHaveZeroFindings() throws Exception {
        List<Path> files = workflows();
        assertEquals(List.of("ci.yml", "release.yml"), files.stream().map(p -> p.getFileName().toString()).toList());
        Run r = lint(files);
        assertEquals("", r.output());
        assertEquals(0, r.exit());
    }

    @Test
    void aBrokenWorkflowIsFlagged(@TempDir Path tmp) throws Exception {
        String release = Files.readString(Fixtures.root().resolve(".github/workflows/release.yml"));
        // a job needing one that does not exist, an unknown matrix property
        assertTrue(release.contains("needs: [tests, report, arm64-check]"), "the gate job's needs (test fixture)");
        String broken = release.replace("needs: [tests, report, arm64-check]", "needs: [tests, reports, arm64-check]")
                .replace("${{ matrix.stage }}.json", "${{ matrix.stages }}.json");
        Path f = tmp.resolve("release.yml");
        Files.writeString(f, broken);
        Run r = lint(List.of(f));
        assertEquals(1, r.exit(), r.output());
        assertTrue(r.output().contains("[job-needs]"), r.output());
        assertTrue(r.output().contains("property \"stages\" is not defined"), r.output());
        Files.writeString(f, "on: push\njobs: {}\n");
        assertEquals(1, lint(List.of(f)).exit(), "a workflow without jobs");
        Files.writeString(f, "on: push\njobs:\n  a: [\n");
        assertEquals(1, lint(List.of(f)).exit(), "garbage YAML");
    }

    /** Every stage a workflow runs (--stage NAME, the bench matrix's stage:) is a stage of ./vigie pipeline. */
    @Test
    void theWorkflowsCallTheSameStagesAsThePipeline() throws IOException {
        Set<String> stages = ReleaseStages.all().stream().map(Stage::name).collect(Collectors.toSet());
        Set<String> used = new TreeSet<>();
        for (Path f : workflows()) {
            Matcher m = Pattern.compile("(?:--stage |- stage: )([a-z0-9-]+)").matcher(Files.readString(f));
            while (m.find()) used.add(m.group(1));
        }
        assertTrue(stages.containsAll(used), "unknown stages in the workflows: " + used);
        assertEquals(new TreeSet<>(stages), used, "every pipeline stage has a job");
    }

    /**
     * promote refuses unsigned DPs: the deploy job must set the signing key from the secret before it builds, build
     * before it promotes, and the gate must wait for the arm64 check (a mismatch there must stop the release).
     */
    @Test
    void deployBuildsSignedDpsBeforePromotingAndWaitsForArm64() throws IOException {
        String release = Files.readString(Fixtures.root().resolve(".github/workflows/release.yml"));
        String deploy = release.substring(release.indexOf("\n  deploy:"));
        int key = deploy.indexOf("VIGIE_DP_SIGNING_KEY=");
        int build = deploy.indexOf("--stage build");
        int promote = deploy.indexOf("--stage promote");
        assertTrue(deploy.contains("secrets.VIGIE_DP_SIGNING_KEY_PEM"), "the key comes from the release secret");
        assertTrue(key > 0 && key < build && build < promote, "key, then build, then promote: " + key + " " + build + " "
                + promote);
        String gate = release.substring(release.indexOf("\n  gate:"), release.indexOf("\n  deploy:"));
        assertTrue(gate.contains("arm64-check"), "gate needs the arm64-check job");
    }
}
