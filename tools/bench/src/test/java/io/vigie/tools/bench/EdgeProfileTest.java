package io.vigie.tools.bench;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The edge-profile row: the shipped profile file, its overlay on the bench config, its verdicts; the CDS flag. */
class EdgeProfileTest {
    static final Path ROOT = Path.of("").toAbsolutePath().resolve("../..").normalize();

    @TempDir Path tmp;

    static PipelineResult result(double fps, Double p95, String error) {
        return new PipelineResult("INT8", 1, "INT8", 6000.0, 3000.0, 4000.0, 5.0, 60L, fps, fps, 40.0, p95, 120.0, 60L, 30.0,
                2.0, 60L, 0L, 0L, 180.0, 170.0, 20, 120.0, 60.0, null, 0.45, error);
    }

    @Test
    void theShippedProfileIsReadableAndSetsTheEdgeKnobs() throws Exception {
        EdgeProfile.Settings s = EdgeProfile.read(ROOT.resolve("conf/edge-profile.properties"));
        assertEquals("INT8", s.values().get("model.precision"));
        assertEquals("1", s.values().get("threads"));
        assertTrue(Double.parseDouble(s.values().get("source.max.fps")) > Report.EDGE_FPS_GOAL,
                "an analysis rate at or under the FPS gate could never pass it");
        assertEquals("true", s.values().get("motion.gate.enabled"));
    }

    @Test
    void profileOverridesTheBenchConfigAndKeepsTheRest() throws Exception {
        Path f = Files.writeString(tmp.resolve("p.properties"), "# c\n\nthreads = 2\nsource.max.fps=12\nmodel.precision=fp32\n");
        EdgeProfile.Settings s = EdgeProfile.read(f);
        assertEquals("threads=2, source.max.fps=12, model.precision=fp32", s.describe());
        Map<String, Object> c = EdgeProfile.detectorConfig(Path.of("/v.avi"), s, 30);
        assertEquals("12", c.get("source.max.fps"));
        assertEquals("2", c.get("threads"));
        assertEquals(List.of("bench:0,0;1,0;1,1;0,1"), c.get("zones"), "the bench's zone and source stay");
        assertEquals(Path.of("/v.avi").toAbsolutePath().toString(), c.get("source.uri"));
        assertEquals("FP32", EdgeProfile.precision(s));
        assertEquals(2, EdgeProfile.threads(s));
    }

    @Test
    void badLinesAndEmptyFilesAreRefused() throws Exception {
        Path bad = Files.writeString(tmp.resolve("bad"), "threads=1\njust words\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EdgeProfile.read(bad));
        assertTrue(e.getMessage().contains(":2:"), e.getMessage());
        Path empty = Files.writeString(tmp.resolve("empty"), "# nothing\n");
        assertThrows(IllegalArgumentException.class, () -> EdgeProfile.read(empty));
    }

    @Test
    void verdictsAreTheSeedGatesAndNameTheConfig() throws Exception {
        EdgeProfile.Settings s = EdgeProfile.read(Files.writeString(tmp.resolve("edge.properties"), "source.max.fps=12\n"));
        List<Report.Goal> pass = EdgeProfile.goals(new EdgeProfile.Run(s, result(11.9, 62.0, null), null));
        assertEquals(List.of("PASS", "PASS"), pass.stream().map(Report.Goal::status).toList());
        assertTrue(pass.get(0).detail().contains("config edge.properties: source.max.fps=12"), pass.get(0).detail());
        List<Report.Goal> fail = EdgeProfile.goals(new EdgeProfile.Run(s, result(10.0, 100.0, null), null));
        assertEquals(List.of("FAIL", "FAIL"), fail.stream().map(Report.Goal::status).toList(), "both gates are strict");
        List<Report.Goal> skip = EdgeProfile.goals(new EdgeProfile.Run(s, null, "not root"));
        assertEquals(List.of("SKIP", "SKIP"), skip.stream().map(Report.Goal::status).toList());
        assertTrue(skip.get(1).detail().startsWith("not root"), skip.get(1).detail());
        List<Report.Goal> broken = EdgeProfile.goals(new EdgeProfile.Run(s, result(12, 50.0, "gateway exited 1"), null));
        assertEquals("SKIP", broken.get(0).status());
        assertTrue(EdgeProfile.table(new EdgeProfile.Run(s, result(11.9, 62.0, null), null))
                .contains("| edge profile | source.max.fps=12 | 11.9 | 40.0 / 62.0 |"));
    }

    /** ./vigie demo --edge: the launcher's apply_profile puts the profile over the shipped detector config. */
    @Test
    void demoEdgeWritesTheProfileOverTheDefaults() throws Exception {
        Path conf = Files.copy(ROOT.resolve("conf/io.vigie.detector.config"), tmp.resolve("io.vigie.detector.config"));
        String script = "die() { echo \"DIE $*\" >&2; exit 1; }; eval \"$(sed -n '/^apply_profile() /,/^}/p' \"$1\")\"; "
                + "apply_profile \"$2\" \"$3\"";
        Process p = new ProcessBuilder("bash", "-c", script, "x", ROOT.resolve("vigie").toString(),
                ROOT.resolve("conf/edge-profile.properties").toString(), conf.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        List<String> lines = Files.readAllLines(conf);
        EdgeProfile.Settings s = EdgeProfile.read(ROOT.resolve("conf/edge-profile.properties"));
        for (Map.Entry<String, String> e : s.values().entrySet()) {
            String line = e.getKey() + "=\"" + e.getValue() + "\"";
            assertEquals(1, lines.stream().filter(l -> l.startsWith(e.getKey() + "=")).count(), "one line for " + e.getKey());
            assertTrue(lines.contains(line), line + " in " + lines);
        }
        assertTrue(lines.contains("classes=[\"person\"]"), "the other defaults stay: " + lines);
        Path bad = Files.writeString(tmp.resolve("bad.properties"), "source.uri=\"x\"\n");
        Process q = new ProcessBuilder("bash", "-c", script, "x", ROOT.resolve("vigie").toString(), bad.toString(),
                conf.toString()).redirectErrorStream(true).start();
        String err = new String(q.getInputStream().readAllBytes());
        assertEquals(1, q.waitFor(), "a quote in a value is refused: " + err);
        assertTrue(err.contains("DIE bad line"), err);
    }

    @Test
    void cdsArchiveIsUsedOnlyWhenTheBuildMadeOne() throws Exception {
        Path jar = Files.writeString(tmp.resolve("vigie-gateway.jar"), "x");
        assertEquals(tmp.resolve("vigie-gateway.jsa").toAbsolutePath(), Cds.archiveOf(jar));
        assertEquals(List.of(), Cds.jvmOptions(jar));
        Files.writeString(tmp.resolve("vigie-gateway.jsa"), "archive");
        assertEquals(List.of("-XX:SharedArchiveFile=" + tmp.resolve("vigie-gateway.jsa").toAbsolutePath()),
                Cds.jvmOptions(jar));
        PipelineBench pb = new PipelineBench(new PipelineBench.Setup(List.of(), "java", List.of("-Xshare:off"), jar,
                Path.of("/v.avi"), 30, 1000, 1, 1));
        List<String> cmd = pb.command(tmp, tmp, 8080);
        assertTrue(cmd.indexOf("-XX:SharedArchiveFile=" + Cds.archiveOf(jar)) < cmd.indexOf("-Xshare:off"),
                "the user's JVM options come after the archive, so --jvm '... -Xshare:off' measures without it");
    }
}
