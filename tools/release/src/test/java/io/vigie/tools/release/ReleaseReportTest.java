package io.vigie.tools.release;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

/** Issue 12 acceptance: the numbers in the report are those of the bench/eval JSON of the same run. */
class ReleaseReportTest {
    @TempDir
    Path tmp;

    private String report(Path data) throws IOException {
        Results r = Results.load(data);
        return ReleaseReport.markdown(r, GateEvaluator.evaluate(Fixtures.gates(), r), List.of(), "chart.png", "test run");
    }

    /** Rows of the Markdown table under {@code heading}, cells trimmed. */
    private static List<String[]> table(String md, String heading) {
        List<String[]> rows = new ArrayList<>();
        String[] lines = md.substring(md.indexOf(heading)).split("\n");
        int first = 1;
        while (!lines[first].startsWith("|")) first++;
        for (int i = first + 2; i < lines.length && lines[i].startsWith("|"); i++) {
            String[] c = lines[i].substring(1, lines[i].length() - 1).split(" \\| ", -1);
            for (int k = 0; k < c.length; k++) c[k] = c[k].trim();
            rows.add(c);
        }
        return rows;
    }

    private static void sameNumber(JsonElement json, String cell, String what) {
        assertEquals(0, new BigDecimal(json.getAsString()).compareTo(new BigDecimal(cell)), what + ": " + cell + " vs " + json);
    }

    @Test
    void everyBenchAndEvalNumberInTheReportIsTheJsonsNumber() throws IOException {
        Path data = Fixtures.run(tmp.resolve("data"));
        String md = report(data);
        List<String[]> perf = table(md, "## Performance");
        int checked = 0;
        for (String input : List.of("bench-edge-int8", "bench-x86-fp32", "bench-x86-int8")) {
            JsonObject b = Fixtures.json("run/" + input + ".json");
            List<JsonObject> expected = new ArrayList<>();
            for (JsonElement e : b.getAsJsonArray("environments"))
                if (e.getAsJsonObject().get("skipped").isJsonNull())
                    e.getAsJsonObject().getAsJsonArray("pipeline").forEach(p -> expected.add(p.getAsJsonObject()));
            if (b.getAsJsonObject("edgeProfile").get("result").isJsonObject())
                expected.add(b.getAsJsonObject("edgeProfile").getAsJsonObject("result"));
            List<String[]> mine = perf.stream().filter(c -> c[0].equals(input)).toList();
            assertEquals(expected.size(), mine.size(), input + " rows");
            for (int i = 0; i < mine.size(); i++) {
                String[] c = mine.get(i);
                JsonObject p = expected.get(i);
                assertEquals(p.get("precision").getAsString(), c[2]);
                sameNumber(p.get("fps"), c[4], input + " fps");
                sameNumber(p.get("latencyP95Ms"), c[5], input + " p95");
                sameNumber(p.get("latencyP50Ms"), c[6], input + " p50");
                sameNumber(p.get("rssMaxMb"), c[7], input + " rss");
                checked++;
            }
        }
        assertTrue(checked >= 4, "edge pipeline + edge profile + x86 FP32 + x86 INT8 rows");
        List<String[]> acc = table(md, "## Accuracy");
        assertEquals(2, acc.size());
        for (String[] c : acc) {
            JsonObject e = Fixtures.json("run/" + c[0] + ".json");
            assertTrue(e.get("sha256").getAsString().startsWith(c[2]));
            sameNumber(e.get("ap50"), c[3], c[0] + " ap50");
            sameNumber(e.get("ap50_95"), c[4], c[0] + " ap50_95");
            sameNumber(e.get("precision"), c[5], c[0] + " precision");
            sameNumber(e.get("recall"), c[6], c[0] + " recall");
            assertEquals(e.get("images").getAsString(), c[7]);
        }
        assertTrue(md.startsWith("# Release report: PROMOTE"), md.lines().findFirst().orElse(""));
    }

    @Test
    void aBlockedRunSaysWhyAndHostileTextCannotBreakTheTables() throws IOException {
        Path data = Fixtures.run(tmp.resolve("data"));
        Fixtures.edit(data, "bench-x86-int8", o -> {
            JsonObject p = o.getAsJsonArray("environments").get(0).getAsJsonObject().getAsJsonArray("pipeline").get(0)
                    .getAsJsonObject();
            p.addProperty("error", "boom | with a pipe\nand a line break");
            p.addProperty("fps", 1.5);
        });
        String md = report(data);
        assertTrue(md.startsWith("# Release report: BLOCK"));
        assertTrue(md.contains("- x86_int8_fps: 1.5 not > 10 fps"), md);
        String[] row = table(md, "## Performance").stream().filter(c -> c[0].equals("bench-x86-int8")).findFirst()
                .orElseThrow();
        assertEquals(9, row.length, String.join(" / ", row));
        assertEquals("boom \\| with a pipe and a line break", row[8]);
    }

    @Test
    void theChartIsAPngWithBarsAndTheGateLines() throws IOException {
        Path data = Fixtures.run(tmp.resolve("data"));
        Path png = tmp.resolve("out/chart.png");
        Chart.write(ReleaseReport.perfRows(Results.load(data)), Fixtures.gates(), png);
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(Chart.WIDTH, img.getWidth());
        assertEquals(Chart.HEIGHT, img.getHeight());
        int gateRed = 0, int8Orange = 0;
        for (int y = 0; y < img.getHeight(); y++)
            for (int x = 0; x < img.getWidth(); x++) {
                int rgb = img.getRGB(x, y) & 0xffffff;
                if (rgb == 0xd62728) gateRed++;
                if (rgb == 0xff7f0e) int8Orange++;
            }
        assertTrue(gateRed > 200, "dashed gate lines drawn: " + gateRed);
        assertTrue(int8Orange > 2000, "INT8 bars drawn: " + int8Orange);
    }

    /**
     * A gate line spans the plot, but each gate reads one bar: the edge gates read the edge profile's bar, never
     * the flat-out edge-simulation run of the same file (it was above the p95 line without failing a gate).
     */
    @Test
    void theChartOutlinesExactlyTheBarsTheGatesRead() throws IOException {
        List<ReleaseReport.PerfRow> rows = ReleaseReport.perfRows(Results.load(Fixtures.run(tmp.resolve("data"))));
        java.util.Set<List<String>> p95 = Chart.gated(rows, Fixtures.gates(), "p95");
        java.util.Set<List<String>> fps = Chart.gated(rows, Fixtures.gates(), "fps");
        List<String> edgeProfile = rows.stream().filter(r -> r.environment().startsWith("edge profile"))
                .map(r -> List.of(r.model(), r.environment())).findFirst().orElseThrow();
        assertEquals(java.util.Set.of(edgeProfile), p95, "p95: the edge profile bar only");
        assertTrue(fps.contains(edgeProfile), "fps: " + fps);
        assertEquals(3, fps.size(), "fps: edge profile INT8, x86 FP32 and x86 INT8 at 1 thread: " + fps);
        for (ReleaseReport.PerfRow r : rows)
            if (r.input().equals("bench-edge-int8") && !r.environment().startsWith("edge profile"))
                assertFalse(fps.contains(List.of(r.model(), r.environment())), "not gated: " + r.environment());
    }
}
