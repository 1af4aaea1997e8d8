package io.vigie.web.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import com.google.gson.JsonObject;

import io.vigie.api.detect.FrameResult;
import io.vigie.api.detect.Timings;

class HistoryTest {
    private static FrameResult frame(long seq, long ts, double total) {
        return new FrameResult(seq, ts, 640, 480, List.of(), List.of(), null,
                new Timings(1, 2, total - 4, 1, total));
    }

    @Test
    void oneSamplePerSecondWithFpsPercentilesAndStageMeans() {
        History h = new History(5, 4);
        for (int i = 1; i <= 20; i++) h.record(frame(i, 1000 + i, i)); // totals 1..20 ms
        h.sample(10_000, 2.0, 150, 300L * 1024 * 1024);
        History.Snapshot s = h.snapshot(900);
        assertEquals(1, s.size());
        assertEquals(10.0, s.fps()[0], 1e-9, "20 frames in 2 s");
        assertEquals(10.0, s.p50()[0], 1e-9, "nearest rank of 1..20");
        assertEquals(19.0, s.p95()[0], 1e-9);
        assertEquals(1.0, s.stages()[0][0], 1e-9);
        assertEquals(10.5 - 4, s.stages()[2][0], 1e-9, "mean inference");
        assertEquals(150, s.cpu()[0], 1e-9);
        assertEquals(300, s.rssMb()[0], 1e-9);
        assertEquals(0, s.gaps()[0], 1e-9);
    }

    @Test
    void emptySecondsAreNaNAndTheRingKeepsTheNewest() {
        History h = new History(3, 4);
        for (int i = 0; i < 5; i++) {
            if (i == 4) h.record(frame(7, 1, 33));
            h.sample(1000L * i, 1.0, -1, -1);
        }
        History.Snapshot s = h.snapshot(900);
        assertEquals(3, s.size(), "capacity 3");
        assertEquals(2000, s.timeMillis()[0]);
        assertEquals(4000, s.timeMillis()[2]);
        assertTrue(Double.isNaN(s.p50()[0]) && Double.isNaN(s.cpu()[0]) && Double.isNaN(s.rssMb()[0]));
        assertEquals(33, s.p95()[2], 1e-9);
        assertEquals(1.0, s.fps()[2], 1e-9);
        assertEquals(0.0, s.fps()[1], 1e-9);
        assertEquals(2, h.snapshot(2).size(), "seconds=2");
        assertEquals(1, h.snapshot(0).size(), "clamped to at least 1");
        JsonObject j = HistoryJson.toJson(s, 3);
        assertTrue(j.getAsJsonArray("p50Ms").get(0).isJsonNull(), "NaN is null in JSON");
        assertEquals(3, j.getAsJsonObject("stages").getAsJsonArray("inferenceMs").size());
    }

    @Test
    void aSwapGetsItsFramesLostOnceItsFirstFrameArrives() {
        History h = new History(10, 4);
        // 10 fps; frames 1..10 on the old model, 11..13 never reach the sink, 14 is the new model's first
        for (int i = 1; i <= 10; i++) h.record(frame(i, i * 100L, 20));
        h.swap(5_000, "m/FP32", 500, 14);
        h.sample(5_000, 1, 0, 0);
        History.Mark m = h.snapshot(10).marks().get(0);
        assertEquals("swap", m.kind());
        assertNull(m.framesLost(), "first frame not seen yet");
        h.record(frame(14, 1400, 20));
        h.record(frame(15, 1500, 20));
        h.sample(6_000, 1, 0, 0);
        History.Snapshot s = h.snapshot(10);
        assertEquals(3L, s.marks().get(0).framesLost());
        assertEquals(500, s.marks().get(0).swapMs(), 1e-9);
        assertEquals(3, s.gaps()[1], 1e-9, "the second's sequence gaps");
        assertEquals(1L, HistoryJson.toJson(s, 10).getAsJsonArray("marks").size());
    }

    @Test
    void marksAreBoundedAndOnlyThoseOfTheSpanAreReturned() {
        History h = new History(2, 3);
        for (int i = 0; i < 5; i++) h.mark(1000L * i, "ota-installed", "pkg " + i);
        h.sample(3000, 1, 0, 0);
        h.sample(4000, 1, 0, 0);
        List<History.Mark> ms = h.snapshot(2).marks();
        assertEquals(List.of("pkg 2", "pkg 3", "pkg 4"), ms.stream().map(History.Mark::text).toList());
        assertEquals(List.of("pkg 3", "pkg 4"), h.snapshot(1).marks().stream().map(History.Mark::text).toList());
    }

    @Test
    void recordAllocatesNothingPerFrame() {
        History h = new History(900, 16);
        FrameResult[] frames = new FrameResult[64];
        for (int i = 0; i < frames.length; i++) frames[i] = frame(i, i, 10 + i);
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory
                .getThreadMXBean();
        long tid = Thread.currentThread().getId();
        for (int i = 0; i < 200_000; i++) h.record(frames[i & 63]); // warmed up (and JIT-compiled)
        long before = mx.getThreadAllocatedBytes(tid);
        for (int i = 0; i < 100_000; i++) h.record(frames[i & 63]);
        long allocated = mx.getThreadAllocatedBytes(tid) - before;
        assertTrue(allocated < 1024, "record() allocated " + allocated + " bytes over 100 000 frames");
    }

    @Test
    void moreFramesInOneSecondThanKeptStillCountsThemAll() {
        History h = new History(2, 1);
        int n = History.LATENCIES_PER_SECOND + 100;
        for (int i = 0; i < n; i++) h.record(frame(i, i, 5));
        h.sample(1, 1.0, 0, 0);
        assertEquals(n, h.snapshot(1).fps()[0], 1e-9);
        assertEquals(5, h.snapshot(1).p95()[0], 1e-9);
    }
}
