package io.vigie.tools.bench;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;

import org.junit.jupiter.api.Test;

class SwapReportTest {

    static List<Continuity.Frame> frames(long... seqAndTs) {
        List<Continuity.Frame> l = new java.util.ArrayList<>();
        for (int i = 0; i < seqAndTs.length; i += 2) l.add(new Continuity.Frame(seqAndTs[i], seqAndTs[i + 1]));
        return l;
    }

    @Test
    void continuityCountsSkippedSequenceNumbersAndGaps() {
        Continuity ok = Continuity.of(frames(1, 0, 2, 100, 3, 200, 4, 300, 5, 450));
        assertEquals(0, ok.missing());
        assertEquals(100, ok.medianGapMs());
        assertEquals(150, ok.maxGapMs());
        assertTrue(ok.meetsGoal());

        Continuity lost = Continuity.of(frames(1, 0, 2, 100, 5, 400, 6, 500));
        assertEquals(2, lost.missing());
        assertFalse(lost.meetsGoal(), "missing frames fail the goal");

        Continuity stall = Continuity.of(frames(1, 0, 2, 100, 3, 200, 4, 500, 5, 600));
        assertEquals(0, stall.missing());
        assertFalse(stall.meetsGoal(), "a 300 ms gap at a 100 ms median fails the 2x rule");

        assertThrows(IllegalArgumentException.class, () -> Continuity.of(frames(3, 0, 2, 100)));
        assertFalse(Continuity.of(frames(1, 0)).meetsGoal(), "one frame proves nothing");
    }

    @Test
    void swapGoalsAndTable() {
        Continuity c = Continuity.of(frames(1, 0, 2, 100, 3, 200));
        Environment fast = new Environment("normal", null, null, List.of(), List.of(), List.of(), null,
                List.of(new SwapBench.Swap("config", "INT8", "FP32", 650.0, 650.0, null, c, null),
                        new SwapBench.Swap("dp", "INT8 1.0.0", "INT8 1.0.0.1", 900.0, 400.0, 200, c, null)));
        Report.Goal g = Report.goals(List.of(fast)).stream().filter(x -> x.id().equals("swap_latency.normal")).findFirst()
                .orElseThrow();
        assertEquals("PASS", g.status());
        assertEquals(900.0, g.value());
        String table = Report.swapTable(List.of(fast));
        assertTrue(table.startsWith("| env | path | from | to | latency ms | detector swap.ms | frames | missing"
                + " | gap median/max ms | note |\n|---|---|---|---|---|---|---|---|---|---|\n"), table);
        assertTrue(table.contains("| normal | dp | INT8 1.0.0 | INT8 1.0.0.1 | 900 | 400 | 3 | 0 | 100 / 100 |  |\n"), table);

        Environment slow = new Environment("edge", 0.5, 512L, List.of(), List.of(), List.of(), null,
                List.of(new SwapBench.Swap("config", "INT8", "FP32", 1500.0, 1500.0, null, c, null),
                        new SwapBench.Swap("dp", "FP32 1.0.0", "FP32 1.0.0.1", null, null, 409, null, "no frame")));
        Report.Goal s = Report.goals(List.of(slow)).stream().filter(x -> x.id().equals("swap_latency.edge")).findFirst()
                .orElseThrow();
        assertEquals("FAIL", s.status());
        assertTrue(s.detail().contains("never completed"), s.detail());
        assertTrue(Report.toJson(java.util.Map.of(), List.of(slow)).toString().contains("\"swaps\""));
    }

    @Test
    void theEdgeGoalIsTwoSecondsAndOnlyTheDefaultsAreJudged() {
        Continuity c = Continuity.of(frames(1, 0, 2, 100, 3, 200));
        Continuity lost = Continuity.of(frames(1, 0, 2, 100, 6, 500));
        Environment edge = new Environment("edge", 0.5, 512L, List.of(), List.of(), List.of(), null,
                List.of(new SwapBench.Swap("config", "INT8", "FP32", 1500.0, 1500.0, null, c, null),
                        new SwapBench.Swap("config/unpaced", "INT8", "FP32", 5000.0, 5000.0, null, lost, null)));
        List<Report.Goal> goals = Report.goals(List.of(edge));
        Report.Goal lat = goals.stream().filter(x -> x.id().equals("swap_latency.edge")).findFirst().orElseThrow();
        assertEquals("PASS", lat.status(), lat.detail());
        assertEquals(1500.0, lat.value());
        assertTrue(lat.goal().contains("<= 2000 ms"), lat.goal());
        Report.Goal cont = goals.stream().filter(x -> x.id().equals("swap_continuity.edge")).findFirst().orElseThrow();
        assertEquals("PASS", cont.status(), "the unpaced variant's lost frames are shown, not judged");
        assertTrue(Report.swapTable(List.of(edge)).contains("| edge | config/unpaced | INT8 | FP32 | 5000 |"));
        Environment normal = new Environment("normal", null, null, List.of(), List.of(), List.of(), null,
                List.of(new SwapBench.Swap("config", "INT8", "FP32", 1500.0, 1500.0, null, c, null)));
        assertEquals("FAIL", Report.goals(List.of(normal)).stream().filter(x -> x.id().equals("swap_latency.normal"))
                .findFirst().orElseThrow().status(), "1 s on the whole machine");
    }

    @Test
    void aModelFasterThanTheSourceIsJudgedAgainstTheSourceRate() {
        Environment e = ResultsTest.normal(120, 29.5);
        Report.Pair capped = Report.pairs(List.of(e), 30).get(0);
        assertTrue(capped.sourceBound());
        assertEquals(0.983, capped.ratio(), 1e-3, "29.5 of the source's 30 fps");
        Report.Pair uncapped = Report.pairs(List.of(e), 0).get(0);
        assertFalse(uncapped.sourceBound());
        assertEquals(0.246, uncapped.ratio(), 1e-3);
        assertEquals("PASS", Report.goals(List.of(e), 30).get(0).status());
        assertEquals("FAIL", Report.goals(List.of(e), 0).get(0).status());
    }

    @Test
    void modelDpRewritesTheModelVersionAndPutsTheManifestFirst() throws Exception {
        Manifest m = new Manifest();
        m.getMainAttributes().putValue("Manifest-Version", "1.0");
        m.getMainAttributes().putValue("Bundle-SymbolicName", "io.vigie.model.x");
        m.getMainAttributes().putValue("Bundle-Version", "0.1.0");
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (JarOutputStream out = new JarOutputStream(bos, m)) {
            out.putNextEntry(new ZipEntry("model/model.properties"));
            out.write("name=x\nversion=1.0.0\nsha256=ab\n".getBytes(StandardCharsets.ISO_8859_1));
            out.closeEntry();
        }
        byte[] bundle = bos.toByteArray();
        assertEquals("1.0.0", ModelDp.modelVersion(bundle));
        byte[] updated = ModelDp.withVersions(bundle, "1.0.0.1", "9.0.0");
        assertEquals("1.0.0.1", ModelDp.modelVersion(updated));
        byte[] dp = ModelDp.dp("vigie-model-x", "9.0.0", updated);
        try (JarInputStream in = new JarInputStream(new ByteArrayInputStream(dp))) {
            assertEquals("vigie-model-x", in.getManifest().getMainAttributes().getValue("DeploymentPackage-SymbolicName"));
            assertEquals("9.0.0", in.getManifest().getAttributes("bundles/io.vigie.model.x.jar").getValue("Bundle-Version"));
            JarEntry e = in.getNextJarEntry();
            assertEquals("bundles/io.vigie.model.x.jar", e.getName());
        }
        assertThrows(java.io.IOException.class, () -> ModelDp.withVersions(dpWithoutProperties(), "2", "2"));
    }

    private static byte[] dpWithoutProperties() throws Exception {
        Manifest m = new Manifest();
        m.getMainAttributes().putValue("Manifest-Version", "1.0");
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (JarOutputStream out = new JarOutputStream(bos, m)) {
            out.putNextEntry(new ZipEntry("other.txt"));
            out.closeEntry();
        }
        return bos.toByteArray();
    }
}
