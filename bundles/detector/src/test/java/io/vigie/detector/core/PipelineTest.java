package io.vigie.detector.core;

import static io.vigie.detector.core.Fakes.FP32;
import static io.vigie.detector.core.Fakes.INT8;
import static io.vigie.detector.core.Fakes.model;
import static io.vigie.detector.core.Fakes.settings;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.vigie.api.detect.DetectorStatus;
import io.vigie.api.detect.DetectorTopics;
import io.vigie.api.detect.FrameListener;
import io.vigie.api.detect.FrameResult;
import io.vigie.api.model.DetectionModel;
import io.vigie.api.video.ImageView;

/**
 * The whole detector on its real threads (inference, loader, sinks) with in-process fakes for source, engine and
 * models. The switching rules on a fake clock are in {@link ModelSwitcherTest}, the frame loop step by step in
 * {@link FrameLoopTest}.
 */
class PipelineTest {
    final Fakes.Events events = new Fakes.Events();
    final List<String> topics = events.topics;
    final Fakes.FakeEngine engine = new Fakes.FakeEngine();
    final Fakes.FakeSources sources = new Fakes.FakeSources();
    DetectionPipeline p;

    @AfterEach
    void tearDown() {
        if (p != null) p.close();
    }

    DetectionPipeline start(String precision, String... zones) {
        p = new DetectionPipeline(engine, sources, events);
        p.configure(settings(precision, 0.5f, zones));
        p.start();
        return p;
    }

    static ConditionFactory within(long ms) {
        return await().atMost(Duration.ofMillis(ms)).pollInterval(Duration.ofMillis(10));
    }

    /** Waits until the loop processed a few more frames than it had. */
    void moreFrames(int n) {
        long seq = p.latest().sequence();
        within(5000).until(() -> p.latest().sequence() > seq + n);
    }

    @Test
    void modelsLoadOnALowPriorityThreadBesideTheDetector() {
        start("INT8");
        p.modelAdded(model(INT8));
        within(5000).until(() -> !engine.seen.isEmpty());
        assertEquals(1, engine.loaders.size());
        Thread loader = engine.loaders.get(0);
        assertEquals("vigie-model-loader", loader.getName());
        assertEquals(Thread.MIN_PRIORITY, loader.getPriority(), "a load must not take the detector's CPU");
    }

    @Test
    void detectsFiresIntrusionAndCarriesModelIdentity() {
        // person in the left half for frames 5..20 counted from the first frame the model sees (the loop drops
        // frames while the model loads, so absolute sequence numbers depend on the machine's load), then gone
        AtomicLong first = new AtomicLong(-1);
        engine.personVisible = seq -> {
            first.compareAndSet(-1, seq);
            long n = seq - first.get();
            return n >= 5 && n <= 20;
        };
        start("INT8", "left:0,0;0.5,0;0.5,1;0,1");
        p.modelAdded(model(INT8));
        within(10_000).until(() -> topics.contains(DetectorTopics.INTRUSION_END));
        int start = topics.indexOf(DetectorTopics.INTRUSION_START);
        int end = topics.indexOf(DetectorTopics.INTRUSION_END);
        assertTrue(start >= 0 && start < end);
        Map<String, Object> s = events.props.get(start);
        assertEquals("left", s.get(DetectorTopics.ZONE));
        assertEquals("INT8", s.get(DetectorTopics.MODEL_PRECISION));
        assertEquals(INT8.sha256(), s.get(DetectorTopics.MODEL_SHA256));
        assertTrue(((String) s.get(DetectorTopics.DETECTIONS_JSON)).contains("\"label\":\"person\""));
        // dwell 300 ms at 100 ms per frame: START on the model's 8th frame after its first (t=800), not before
        assertEquals(first.get() + 8, s.get(DetectorTopics.SEQUENCE));
        assertEquals(1, Collections.frequency(topics, DetectorTopics.INTRUSION_START), "one intrusion, not one per frame");
        FrameResult last = p.latest();
        assertEquals(INT8, last.model());
        assertEquals(DetectorStatus.State.RUNNING, p.status().state());
        assertTrue(p.status().framesProcessed() > 20);
        assertTrue(p.status().fps() > 0);
    }

    @Test
    void filtersLowScoresAndOtherClasses() {
        start("INT8");
        p.modelAdded(model(INT8));
        engine.personVisible = seq -> true;
        within(5000).until(() -> p.latest() != null);
        FrameResult r = p.latest();
        // the fake returns a person 0.9, a person 0.3 and a dog 0.95
        assertEquals(1, r.detections().size());
        assertEquals("person", r.detections().get(0).label());
        p.configure(settings("INT8", 0.2f));
        moreFrames(2);
        assertEquals(2, p.latest().detections().size(), "threshold change applied live");
    }

    @Test
    void swapsModelLiveWithoutASequenceGapAndClosesTheOldOne() {
        start("INT8");
        p.modelAdded(model(INT8));
        within(5000).until(() -> p.latest() != null && INT8.equals(p.latest().model()));
        p.modelAdded(model(FP32));
        within(1000).during(Duration.ofMillis(200))
                .until(() -> INT8.equals(p.status().activeModel()) && !engine.loads.contains(FP32));
        p.configure(settings("FP32", 0.5f));
        within(5000).until(() -> FP32.equals(p.latest().model()));
        within(2000).until(() -> engine.closed.get() == 1);
        assertTrue(topics.contains(DetectorTopics.MODEL_CHANGED));
        // frames kept flowing across the swap: every frame from the first INT8 one on was processed, in order,
        // and the models changed once, between two consecutive frames
        List<Fakes.Seen> seen = List.copyOf(engine.seen);
        int switches = 0;
        for (int i = 1; i < seen.size(); i++) {
            assertEquals(seen.get(i - 1).sequence() + 1, seen.get(i).sequence(), "no sequence gap at " + seen.get(i));
            if (!seen.get(i).model().equals(seen.get(i - 1).model())) switches++;
        }
        assertEquals(INT8, seen.get(0).model());
        assertEquals(FP32, seen.get(seen.size() - 1).model());
        assertEquals(1, switches);
    }

    @Test
    void brokenModelIsRefusedAndTheRunningOneStays() {
        start("INT8");
        p.modelAdded(model(FP32));
        within(5000).until(() -> p.latest() != null);
        engine.failNext = true;
        p.modelAdded(model(INT8)); // preferred, but fails to load
        within(5000).until(() -> p.status().error() != null);
        assertTrue(p.status().error().contains("failed to load"), p.status().error());
        moreFrames(3);
        assertEquals(FP32, p.latest().model());
    }

    @Test
    void modelServiceGoingAwayKeepsTheHeldInterpreter() {
        start("INT8");
        DetectionModel m = model(INT8);
        p.modelAdded(m);
        within(5000).until(() -> p.latest() != null);
        p.modelRemoved(m);
        moreFrames(3);
        assertEquals(0, engine.closed.get());
        assertEquals(INT8, p.status().activeModel());
    }

    @Test
    void slowSinkDropsOldestAndDoesNotSlowTheDetector() {
        start("INT8");
        p.modelAdded(model(INT8));
        List<Long> fastSeen = new CopyOnWriteArrayList<>();
        FrameListener slow = (r, img) -> {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        FrameListener fast = new FrameListener() {
            @Override
            public void onFrame(FrameResult r, ImageView img) {
                assertNotNull(img);
                assertEquals(64, img.width());
                fastSeen.add(r.sequence());
            }

            @Override
            public boolean wantsImages() {
                return true;
            }
        };
        p.addListener(slow);
        p.addListener(fast);
        within(10_000).until(() -> fastSeen.size() >= 40);
        assertTrue(p.status().sinkDrops() > 0, "slow sink dropped results");
        p.removeListener(slow);
        p.removeListener(fast);
        assertTrue(p.status().sinkDrops() > 0, "drops of removed sinks still counted");
    }

    @Test
    void rejectedConfigKeepsRunningSettings() {
        start("INT8", "a:0,0;1,0;1,1");
        p.modelAdded(model(INT8));
        within(5000).until(() -> p.latest() != null);
        p.rejectConfig("zones: zone 'b' needs at least 3 points");
        assertEquals(DetectorStatus.State.ERROR, p.status().state());
        assertTrue(p.status().error().contains("zone 'b'"));
        moreFrames(2);
        assertEquals(1, p.latest().zones().size());
        p.configure(settings("INT8", 0.5f, "a:0,0;1,0;1,1", "b:0,0;1,0;0,1"));
        within(5000).until(() -> p.latest().zones().size() == 2);
        assertEquals(DetectorStatus.State.RUNNING, p.status().state());
    }

    @Test
    void startingWithARefusedConfigurationThenAGoodOneRuns() {
        // the OSGi glue starts the loop before any configuration was accepted: the loop must idle, not die
        p = new DetectionPipeline(engine, sources, events);
        p.rejectConfig("zones: zone 'b' needs at least 3 points");
        p.start();
        p.modelAdded(model(INT8));
        within(1000).during(Duration.ofMillis(200))
                .until(() -> p.status().state() == DetectorStatus.State.ERROR && p.latest() == null);
        p.configure(settings("INT8", 0.5f, "a:0,0;1,0;1,1"));
        within(5000).until(() -> p.latest() != null && p.latest().zones().size() == 1);
        assertEquals(DetectorStatus.State.RUNNING, p.status().state());
    }

    @Test
    void swapIsAnnouncedWithItsLatencyOnTheFirstFrameOfTheNewModel() {
        start("INT8");
        p.modelAdded(model(INT8));
        within(5000).until(() -> topics.contains(DetectorTopics.MODEL_CHANGED));
        Map<String, Object> e = events.first(DetectorTopics.MODEL_CHANGED);
        assertEquals("INT8", e.get(DetectorTopics.MODEL_PRECISION));
        assertTrue(((Double) e.get(DetectorTopics.SWAP_MS)) >= 0);
        assertNotNull(e.get(DetectorTopics.SEQUENCE));
    }

    @Test
    void noModelState() {
        start("INT8");
        within(2000).until(() -> p.status().state() == DetectorStatus.State.NO_MODEL);
        DetectorStatus s = p.status();
        assertTrue(s.error().contains("no model"));
        p.close();
        assertEquals(DetectorStatus.State.STOPPED, p.status().state());
    }
}
