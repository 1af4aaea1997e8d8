package io.vigie.tools.release;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;

import io.vigie.tools.release.GateEvaluator.Decision;
import io.vigie.tools.release.GateEvaluator.Outcome;
import io.vigie.tools.release.GateEvaluator.Verdict;

class GateEvaluatorTest {
    @TempDir
    Path tmp;

    private Outcome evaluate(Path dir) throws IOException {
        return GateEvaluator.evaluate(Fixtures.gates(), Results.load(dir));
    }

    private static Verdict verdict(Outcome o, String id) {
        return o.verdicts().stream().filter(v -> v.id().equals(id)).findFirst().orElseThrow();
    }

    private static String failed(Outcome o) {
        return o.verdicts().stream().filter(v -> !v.pass() && v.blocking()).map(Verdict::id).sorted()
                .collect(Collectors.joining(","));
    }

    @Test
    void theQuietRunPromotesWithEveryVerdictTracedToItsRun() throws IOException {
        Outcome o = evaluate(Fixtures.run(tmp));
        assertEquals(Decision.PROMOTE, o.decision(), o.reasons().toString());
        assertTrue(o.reasons().isEmpty());
        assertEquals(Fixtures.gates().gates().size(), o.verdicts().size());
        Verdict fps = verdict(o, "edge_int8_fps");
        assertEquals(Fixtures.json("run/bench-edge-int8.json").getAsJsonObject("edgeProfile").getAsJsonObject("result")
                .get("fps").getAsString(), fps.value());
        assertEquals("10", fps.threshold());
        assertTrue(fps.run().startsWith("bench-edge-int8.json (sha256 "), fps.run());
        assertTrue(verdict(o, "edge_model_is_evaluated_int8").pass(), "bench and eval ran the same INT8 model");
    }

    @Test
    void aDegradedInt8ModelIsBlockedOnTheApDropRelativeToFp32() throws IOException {
        Path d = Fixtures.run(tmp);
        double fp32 = Fixtures.json("run/eval-fp32.json").get("ap50").getAsDouble();
        Fixtures.edit(d, "eval-int8", o -> o.addProperty("ap50", fp32 - 0.05));
        Outcome o = evaluate(d);
        assertEquals(Decision.BLOCK, o.decision());
        assertEquals("int8_ap50_vs_fp32", failed(o));
        assertTrue(o.reasons().get(0).contains("-0.05 (difference " + Fixtures.json("run/eval-fp32.json").get("ap50")
                .getAsString() + ") not >= -0.03"), o.reasons().toString());
    }

    @Test
    void aSlowedRunIsBlockedOnFpsAndLatencyNotOnAccuracy() throws IOException {
        // the same models benched on the loaded machine (fixtures/README.md: busy)
        Outcome o = evaluate(Fixtures.run(tmp, "busy"));
        assertEquals(Decision.BLOCK, o.decision());
        assertEquals("edge_int8_fps,edge_int8_p95,x86_fp32_fps,x86_int8_fps", failed(o));
        assertEquals(4, o.reasons().size());
        assertTrue(o.reasons().contains("edge_int8_fps: " + verdict(o, "edge_int8_fps").value() + " not > 10 fps"),
                o.reasons().toString());
        assertTrue(verdict(o, "int8_ap50_vs_fp32").pass());
    }

    @Test
    void aMissingFieldFailsItsGateWithThePathThatDidNotMatch() throws IOException {
        Path d = Fixtures.run(tmp);
        Fixtures.edit(d, "bench-edge-int8", o -> o.getAsJsonObject("edgeProfile").getAsJsonObject("result").remove("fps"));
        Outcome o = evaluate(d);
        assertEquals(Decision.BLOCK, o.decision());
        assertEquals("edge_int8_fps", failed(o));
        assertTrue(verdict(o, "edge_int8_fps").reason().contains("no edgeProfile.result.fps"));
    }

    @Test
    void nanAndNullAreNotNumbers() throws IOException {
        Path d = Fixtures.run(tmp);
        String text = Files.readString(d.resolve("eval-fp32.json"));
        // eval writes NaN as null; a NaN literal (hand-edited or another writer) must not pass either
        Files.writeString(d.resolve("eval-fp32.json"), text.replaceFirst("\"ap50\":[0-9.]+", "\"ap50\":NaN"));
        Fixtures.edit(d, "bench-x86-fp32", o -> o.getAsJsonArray("environments").get(0).getAsJsonObject()
                .getAsJsonArray("pipeline").get(0).getAsJsonObject().add("fps", JsonNull.INSTANCE));
        Outcome o = evaluate(d);
        assertEquals(Decision.BLOCK, o.decision());
        assertEquals("fp32_ap50_floor,int8_ap50_vs_fp32,x86_fp32_fps", failed(o));
        assertTrue(verdict(o, "fp32_ap50_floor").reason().contains("NaN, not a number"));
        assertTrue(verdict(o, "x86_fp32_fps").reason().contains("null, not a number"));
    }

    @Test
    void anEmptyBenchBlocksEveryGateThatReadsIt() throws IOException {
        Path d = Fixtures.run(tmp);
        Fixtures.edit(d, "bench-edge-int8", o -> {
            for (var e : o.getAsJsonArray("environments")) {
                e.getAsJsonObject().add("pipeline", new JsonArray());
                e.getAsJsonObject().addProperty("skipped", "not root");
            }
            o.add("edgeProfile", JsonNull.INSTANCE);
        });
        Outcome o = evaluate(d);
        assertEquals(Decision.BLOCK, o.decision());
        assertEquals("edge_int8_fps,edge_int8_p95", failed(o));
        assertFalse(verdict(o, "edge_int8_rss").pass(), "advisory gates fail too, without blocking");
        assertEquals("WARN", verdict(o, "edge_int8_rss").status());
    }

    @Test
    void missingWrongSchemaAndGarbageInputsBlock() throws IOException {
        Path d = Fixtures.run(tmp);
        Files.delete(d.resolve("eval-int8.json"));
        Fixtures.edit(d, "bench-x86-int8", o -> o.addProperty("schema", "vigie-bench/2"));
        Files.writeString(d.resolve("bench-x86-fp32.json"), "{\"schema\": \"vigie-bench/1\", \"environments\": [");
        Outcome o = evaluate(d);
        assertEquals(Decision.BLOCK, o.decision());
        assertEquals("edge_model_is_evaluated_int8,int8_ap50_floor,int8_ap50_vs_fp32,x86_fp32_fps,x86_int8_fps,"
                + "x86_model_is_evaluated_fp32", failed(o));
        assertTrue(verdict(o, "int8_ap50_floor").reason().contains("no result eval-int8.json"));
        assertTrue(verdict(o, "x86_int8_fps").reason().contains("not a vigie-bench/1 document"));
        assertTrue(verdict(o, "x86_fp32_fps").reason().contains("not JSON"));
    }

    @Test
    void aHugeResultFileIsRefusedUnread() throws IOException {
        Path d = Fixtures.run(tmp);
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(d.resolve("eval-int8.json").toFile(), "rw")) {
            f.setLength(Results.MAX_BYTES + 1);
        }
        Outcome o = evaluate(d);
        assertEquals(Decision.BLOCK, o.decision());
        assertTrue(verdict(o, "int8_ap50_floor").reason().contains("not a result file"));
    }

    @Test
    void aBenchOfAnotherModelThanTheEvaluatedOneBlocks() throws IOException {
        Path d = Fixtures.run(tmp);
        Fixtures.edit(d, "eval-int8", o -> o.addProperty("sha256", "0".repeat(64)));
        Outcome o = evaluate(d);
        assertEquals("edge_model_is_evaluated_int8", failed(o));
        assertTrue(verdict(o, "edge_model_is_evaluated_int8").reason().contains(" != " + "0".repeat(64)));
    }

    @Test
    void ratioGatesAndAmbiguousPaths() {
        JsonObject a = new JsonObject();
        a.addProperty("v", 9.0);
        JsonObject b = new JsonObject();
        b.addProperty("v", 10.0);
        JsonArray rows = new JsonArray();
        JsonObject r1 = new JsonObject();
        r1.addProperty("k", "x");
        rows.add(r1);
        rows.add(r1.deepCopy());
        a.add("rows", rows);
        Results rs = new Results(java.util.Map.of("a", new Results.Result("a", Path.of("a.json"), "a".repeat(64), a, null),
                "b", new Results.Result("b", Path.of("b.json"), "b".repeat(64), b, null)));
        GateFile.Gate ratio = new GateFile.Gate("r", "r", "a", "v", ">=", 0.95, null, null,
                new GateFile.Relative("b", "v", "ratio"), true);
        assertFalse(GateEvaluator.evaluate(ratio, rs).pass(), "9 / 10 = 0.9 < 0.95");
        GateFile.Gate ambiguous = new GateFile.Gate("x", "x", "a", "rows[k=x].v", ">", 0.0, null, null, null, true);
        assertTrue(GateEvaluator.evaluate(ambiguous, rs).reason().contains("more than one element"));
        GateFile.Gate zero = new GateFile.Gate("z", "z", "a", "v", ">", 0.0, null, null,
                new GateFile.Relative("b", "v", "ratio"), true);
        b.addProperty("v", 0);
        assertTrue(GateEvaluator.evaluate(zero, rs).reason().contains("reference of 0"));
    }

    @Test
    void theGateFileIsStrict() {
        String ok = "{\"schema\":\"vigie-release-gates/1\",\"version\":1,\"gates\":[%s]}";
        String gate = "{\"id\":\"g\",\"input\":\"bench-x\",\"path\":\"a.b\",\"op\":\">\",\"threshold\":1%s}";
        assertEquals(1, GateFile.parse(ok.formatted(gate.formatted("")), "s").gates().size());
        for (String bad : new String[] {
                ok.formatted(gate.formatted(",\"treshold\":2")),                       // typo: unknown key
                ok.formatted(gate.formatted("").replace("\">\"", "\"=>\"")),           // unknown op
                ok.formatted(gate.formatted("").replace(",\"threshold\":1", "")),     // no threshold
                ok.formatted(gate.formatted("").replace("1", "\"1\"")),                 // threshold as string
                ok.formatted(gate.formatted("").replace(":1", ":NaN")),                 // NaN threshold
                ok.formatted(gate.formatted("") + "," + gate.formatted("")),            // duplicate id
                ok.formatted(gate.formatted(",\"blocking\":\"no\"")),
                ok.formatted(gate.formatted(",\"chart\":\"rss\"")),
                ok.formatted(gate.formatted("").replace("\">\"", "\"==\"")),           // == needs relativeTo value
                ok.formatted("").replace("[]", "[]"),                                   // no gates
                ok.formatted(gate.formatted("")).replace("/1", "/2"),                   // unknown schema
                ok.formatted(gate.formatted("")).replace("\"version\":1", "\"version\":0"),
                ok.formatted(gate.formatted("").replace("a.b", "a..b")),
                ok.formatted(gate.formatted("").replace("a.b", "a.")),
                ok.formatted(gate.formatted("").replace("a.b", "a[")),
                ok.formatted(gate.formatted("").replace("a.b", "a[x]")),
                ok.formatted(gate.formatted("").replace("a.b", "a[=1]")),
                ok.formatted(gate.formatted("").replace("a.b", "a[k=1,]")),
                ok.formatted(gate.formatted("").replace("a.b", "a b")),
                "[]", "not json {", "" }) {
            assertThrows(IllegalArgumentException.class, () -> GateFile.parse(bad, "s"), bad);
        }
    }

    @Test
    void theProjectGateFileHoldsTheSeedGates() throws IOException {
        GateFile g = Fixtures.gates();
        GateFile.Gate fps = g.gates().stream().filter(x -> x.id().equals("edge_int8_fps")).findFirst().orElseThrow();
        GateFile.Gate p95 = g.gates().stream().filter(x -> x.id().equals("edge_int8_p95")).findFirst().orElseThrow();
        assertEquals(">10.0", fps.op() + fps.threshold());
        assertEquals("<100.0", p95.op() + p95.threshold());
        assertTrue(g.version() >= 1);
    }
}
