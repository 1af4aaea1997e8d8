package io.vigie.tools.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.vigie.tools.bench.GatingBench.Event;
import io.vigie.tools.bench.GatingBench.Pass;
import io.vigie.tools.bench.GatingBench.Row;

/** Event matching, goals and table of the gating rows; the CLI flags. */
class GatingBenchTest {
    static Pass pass(boolean gated, double cpuS, long frames, List<Event> starts) {
        return new Pass(gated, 60.0, cpuS, cpuS / 60, frames, frames, gated ? 500L : 0L, gated ? 90L : 0L,
                gated ? 10L : 0L, 0.3, starts, null);
    }

    @Test
    void startsMatchByZoneWithinTheDistanceAndDelaysAreSigned() {
        Pass u = pass(false, 30, 600, List.of(new Event("left", 100), new Event("middle", 100), new Event("left", 400),
                new Event("right", 500)));
        // left 100 -> 103 (+300 ms); middle 100 -> 98 (-200 ms); left 400 has only a middle twin; right 500 -> 531: too far
        Pass g = pass(true, 9, 600, List.of(new Event("left", 103), new Event("middle", 98), new Event("middle", 400),
                new Event("right", 531)));
        Row r = GatingBench.compare("edge", GatingBench.STILL_CLIP, u, g);
        assertEquals(4, r.events());
        assertEquals(2, r.matched());
        assertEquals(List.of(300.0, -200.0), r.delaysMs());
        assertEquals(2, r.extra());
        assertEquals(0.3, r.cpuRatio());
    }

    @Test
    void aCutPassComparesOnlyWhatBothCouldSee() {
        Pass u = pass(false, 10, 200, List.of(new Event("left", 50), new Event("left", 180)));
        Pass g = pass(true, 5, 190, List.of(new Event("left", 52)));
        Row r = GatingBench.compare("normal", "vtest", u, g);
        assertEquals(1, r.events(), "frame 180 is past 190 - 30: the gated pass may have been cut before it");
        assertEquals(1, r.matched());
    }

    @Test
    void goalsPassOnlyWithEveryEventAndTheCpuUnderTheGoal() {
        Row still = GatingBench.compare("edge", GatingBench.STILL_CLIP, pass(false, 30, 600, List.of(new Event("left", 9))),
                pass(true, 11, 600, List.of(new Event("left", 9))));
        Row vtest = GatingBench.compare("edge", "vtest", pass(false, 40, 795, List.of(new Event("right", 70))),
                pass(true, 39, 795, List.of()));
        Map<String, Report.Goal> g = new java.util.HashMap<>();
        GatingBench.goals(List.of(still, vtest)).forEach(x -> g.put(x.id(), x));
        assertEquals("PASS", g.get("gating_cpu.edge").status(), g.get("gating_cpu.edge").detail());
        assertEquals("FAIL", g.get("gating_events.edge").status(), "vtest lost its START");
        assertEquals(0.5, g.get("gating_events.edge").value());
        Row hot = GatingBench.compare("normal", GatingBench.STILL_CLIP, pass(false, 30, 600, List.of()),
                pass(true, 13, 600, List.of()));
        List<Report.Goal> h = GatingBench.goals(List.of(hot));
        assertEquals("FAIL", h.get(0).status(), "43 % > 40 %");
        assertEquals("SKIP", h.get(1).status(), "no event to compare");
        String table = GatingBench.table(List.of(still, vtest));
        assertTrue(table.startsWith("| env | clip | CPU cores ungated / gated |"), table);
        assertTrue(table.contains("| edge | vtest-still | 0.50 / 0.18 | 0.37 | 100 / 500 / 10 | 0.30 | 1 / 1 (+0 extra) | 0 |"),
                table);
    }

    @Test
    void gatingFlags() {
        assertEquals("true", BenchRunner.parse(new String[] { "--gating" }).get("gating"));
        assertEquals("true", BenchRunner.parse(new String[] { "--no-gating", "--quick" }).get("no-gating"));
        assertThrows(IllegalArgumentException.class, () -> new BenchRunner().run(Map.of("gating", "true", "swap", "true")));
    }

    @Test
    void startsAreReadFromTheDetectorsLogLines() {
        List<String> log = List.of(
                "[vigie-detector] INFO FrameLoop - Intrusion START in zone left (frame 12, 2 persons, model x)",
                "[vigie-detector] INFO FrameLoop - Intrusion END in zone left (frame 80, 2 persons, model x)",
                "Intrusion START in zone right (frame 301, 1 persons, model x)");
        assertEquals(List.of(new Event("left", 11), new Event("right", 300)), GatingBench.starts(log));
    }
}
