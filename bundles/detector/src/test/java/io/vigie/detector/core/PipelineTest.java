package io.vigie.detector.core;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.vigie.api.detect.DetectorStatus;
import io.vigie.api.detect.DetectorTopics;
import io.vigie.api.detect.FrameListener;
import io.vigie.api.detect.FrameResult;
import io.vigie.api.inference.Detection;
import io.vigie.api.inference.EngineOptions;
import io.vigie.api.inference.InferenceEngine;
import io.vigie.api.inference.InferenceResult;
import io.vigie.api.inference.ModelLoadException;
import io.vigie.api.inference.ObjectDetector;
import io.vigie.api.model.DetectionModel;
import io.vigie.api.model.ModelIdentity;
import io.vigie.api.model.ModelSpec;
import io.vigie.api.model.Precision;
import io.vigie.api.video.Frame;
import io.vigie.api.video.FrameSource;
import io.vigie.api.video.FrameSourceFactory;
import io.vigie.api.video.ImageView;
import io.vigie.api.video.SourceConfig;
import io.vigie.api.video.SourceStatus;

/** Pure unit test of the loop with in-process fakes for source, engine and models. */
class PipelineTest {
    static final ModelIdentity INT8 = new ModelIdentity("ssd", Precision.INT8, "1.0.0", "1111aaaa");
    static final ModelIdentity FP32 = new ModelIdentity("ssd", Precision.FP32, "1.0.0", "2222bbbb");

    final List<String> topics = new CopyOnWriteArrayList<>();
    final List<Map<String, Object>> props = new CopyOnWriteArrayList<>();
    final FakeEngine engine = new FakeEngine();
    final FakeSources sources = new FakeSources();
    DetectionPipeline p;

    @AfterEach
    void tearDown() {
        if (p != null) p.close();
    }

    DetectionPipeline start(String precision, String... zones) {
        p = new DetectionPipeline(engine, sources, (t, m) -> {
            topics.add(t);
            props.add(m);
        });
        p.configure(settings(precision, 0.5f, zones));
        p.start();
        return p;
    }

    static DetectorSettings settings(String precision, float thr, String... zones) {
        return DetectorSettings.validate(new SourceConfig("fake://a", true, 0, false, 10, 100, 100), precision, thr,
                new String[] { "person" }, zones, 0.001f, 300, 300, 1);
    }

    @Test
    void detectsFiresIntrusionAndCarriesModelIdentity() throws Exception {
        start("INT8", "left:0,0;0.5,0;0.5,1;0,1");
        p.modelAdded(model(INT8));
        // person in the left half for frames 5..20, then gone
        engine.personVisible = seq -> seq >= 5 && seq <= 20;
        waitFor(() -> topics.contains(DetectorTopics.INTRUSION_END), 10_000);
        int start = topics.indexOf(DetectorTopics.INTRUSION_START);
        int end = topics.indexOf(DetectorTopics.INTRUSION_END);
        assertTrue(start >= 0 && start < end);
        Map<String, Object> s = props.get(start);
        assertEquals("left", s.get(DetectorTopics.ZONE));
        assertEquals("INT8", s.get(DetectorTopics.MODEL_PRECISION));
        assertEquals(INT8.sha256(), s.get(DetectorTopics.MODEL_SHA256));
        assertTrue(((String) s.get(DetectorTopics.DETECTIONS_JSON)).contains("\"label\":\"person\""));
        // dwell 300 ms at 100 ms per frame: START on frame 8 (t=800), not before
        assertEquals(8L, s.get(DetectorTopics.SEQUENCE));
        assertEquals(1, Collections.frequency(topics, DetectorTopics.INTRUSION_START), "one intrusion, not one per frame");
        FrameResult last = p.latest();
        assertEquals(INT8, last.model());
        assertEquals(DetectorStatus.State.RUNNING, p.status().state());
        assertTrue(p.status().framesProcessed() > 20);
    }

    @Test
    void filtersLowScoresAndOtherClasses() throws Exception {
        start("INT8");
        p.modelAdded(model(INT8));
        engine.personVisible = seq -> true;
        waitFor(() -> p.latest() != null, 5000);
        FrameResult r = p.latest();
        // the fake returns a person 0.9, a person 0.3 and a dog 0.95
        assertEquals(1, r.detections().size());
        assertEquals("person", r.detections().get(0).label());
        p.configure(settings("INT8", 0.2f));
        long seq = r.sequence();
        waitFor(() -> p.latest().sequence() > seq + 2, 5000);
        assertEquals(2, p.latest().detections().size(), "threshold change applied live");
    }

    @Test
    void swapsModelLiveAndClosesTheOldOne() throws Exception {
        start("INT8");
        p.modelAdded(model(INT8));
        waitFor(() -> p.latest() != null && INT8.equals(p.latest().model()), 5000);
        p.modelAdded(model(FP32));
        Thread.sleep(300);
        assertEquals(INT8, p.status().activeModel(), "preference is INT8");
        p.configure(settings("FP32", 0.5f));
        waitFor(() -> FP32.equals(p.latest().model()), 5000);
        waitFor(() -> engine.closed.get() == 1, 2000);
        assertTrue(topics.contains(DetectorTopics.MODEL_CHANGED));
        // frames kept flowing across the swap: no sequence gap in what the loop processed
        assertTrue(sources.taken.get() > 0);
    }

    @Test
    void brokenModelIsRefusedAndTheRunningOneStays() throws Exception {
        start("INT8");
        p.modelAdded(model(FP32));
        waitFor(() -> p.latest() != null, 5000);
        engine.failNext = true;
        p.modelAdded(model(INT8)); // preferred, but fails to load
        waitFor(() -> p.status().error() != null, 5000);
        assertTrue(p.status().error().contains("failed to load"), p.status().error());
        long seq = p.latest().sequence();
        waitFor(() -> p.latest().sequence() > seq + 3, 5000);
        assertEquals(FP32, p.latest().model());
    }

    @Test
    void modelServiceGoingAwayKeepsTheHeldInterpreter() throws Exception {
        start("INT8");
        DetectionModel m = model(INT8);
        p.modelAdded(m);
        waitFor(() -> p.latest() != null, 5000);
        p.modelRemoved(m);
        long seq = p.latest().sequence();
        waitFor(() -> p.latest().sequence() > seq + 3, 5000);
        assertEquals(0, engine.closed.get());
        assertEquals(INT8, p.status().activeModel());
    }

    @Test
    void slowSinkDropsOldestAndDoesNotSlowTheDetector() throws Exception {
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
        waitFor(() -> fastSeen.size() >= 40, 10_000);
        assertTrue(p.status().sinkDrops() > 0, "slow sink dropped results");
        p.removeListener(slow);
        p.removeListener(fast);
    }

    @Test
    void rejectedConfigKeepsRunningSettings() throws Exception {
        start("INT8", "a:0,0;1,0;1,1");
        p.modelAdded(model(INT8));
        waitFor(() -> p.latest() != null, 5000);
        p.rejectConfig("zones: zone 'b' needs at least 3 points");
        assertEquals(DetectorStatus.State.ERROR, p.status().state());
        assertTrue(p.status().error().contains("zone 'b'"));
        long seq = p.latest().sequence();
        waitFor(() -> p.latest().sequence() > seq + 2, 5000);
        assertEquals(1, p.latest().zones().size());
        p.configure(settings("INT8", 0.5f, "a:0,0;1,0;1,1", "b:0,0;1,0;0,1"));
        waitFor(() -> p.latest().zones().size() == 2, 5000);
        assertEquals(DetectorStatus.State.RUNNING, p.status().state());
    }

    @Test
    void aModelUpdateLoadsOnlyTheReplacementNotAFallback() throws Exception {
        // a DP update: DeploymentAdmin stops the old model bundle, then starts the new one
        start("INT8");
        DetectionModel v1 = model(INT8);
        p.modelAdded(v1);
        p.modelAdded(model(FP32));
        waitFor(() -> INT8.equals(p.status().activeModel()) && p.latest() != null, 5000);
        p.modelRemoved(v1);
        Thread.sleep(300);
        ModelIdentity v2 = new ModelIdentity("ssd", Precision.INT8, "1.0.1", "3333cccc");
        p.modelAdded(model(v2));
        waitFor(() -> v2.equals(p.status().activeModel()), 5000);
        Thread.sleep(DetectionPipeline.REPLACEMENT_WINDOW_MS + 300); // the deferred check must not load FP32 either
        assertFalse(engine.loads.contains(FP32), "no fallback load during the update: " + engine.loads);
        assertEquals(v2, p.status().activeModel());
    }

    @Test
    void withoutAReplacementTheOtherModelTakesOverAfterTheWindow() throws Exception {
        start("INT8");
        DetectionModel int8 = model(INT8);
        p.modelAdded(int8);
        p.modelAdded(model(FP32));
        waitFor(() -> INT8.equals(p.status().activeModel()) && p.latest() != null, 5000);
        long t0 = System.nanoTime();
        p.modelRemoved(int8);
        waitFor(() -> FP32.equals(p.status().activeModel()), DetectionPipeline.REPLACEMENT_WINDOW_MS + 5000);
        assertTrue((System.nanoTime() - t0) / 1_000_000 >= DetectionPipeline.REPLACEMENT_WINDOW_MS - 100,
                "the held INT8 interpreter served while a replacement could still come");
    }

    @Test
    void aRefusedUpdateKeepsTheHeldModelWhenTheOldOneComesBack() throws Exception {
        // rollback: the new version is refused, the previous package is reinstalled with the same model
        start("INT8");
        DetectionModel v1 = model(INT8);
        p.modelAdded(v1);
        p.modelAdded(model(FP32));
        waitFor(() -> INT8.equals(p.status().activeModel()) && p.latest() != null, 5000);
        p.modelRemoved(v1);
        engine.failNext = true;
        p.modelAdded(model(new ModelIdentity("ssd", Precision.INT8, "1.0.1", "4444dddd")));
        waitFor(() -> p.status().error() != null && p.status().error().contains("bad magic"), 5000);
        p.modelAdded(model(INT8)); // the previous package again
        Thread.sleep(DetectionPipeline.REPLACEMENT_WINDOW_MS + 300);
        assertEquals(INT8, p.status().activeModel(), "still the held, now re-registered, INT8");
        assertFalse(engine.loads.contains(FP32), "no FP32 detour: " + engine.loads);
        long seq = p.latest().sequence();
        waitFor(() -> p.latest().sequence() > seq + 2, 5000);
    }

    @Test
    void startingWithARefusedConfigurationThenAGoodOneRuns() throws Exception {
        // the OSGi glue starts the loop before any configuration was accepted: the loop must idle, not die
        p = new DetectionPipeline(engine, sources, (t, m) -> { topics.add(t); props.add(m); });
        p.rejectConfig("zones: zone 'b' needs at least 3 points");
        p.start();
        p.modelAdded(model(INT8));
        Thread.sleep(300);
        assertEquals(DetectorStatus.State.ERROR, p.status().state());
        assertNull(p.latest());
        p.configure(settings("INT8", 0.5f, "a:0,0;1,0;1,1"));
        waitFor(() -> p.latest() != null && p.latest().zones().size() == 1, 5000);
        assertEquals(DetectorStatus.State.RUNNING, p.status().state());
    }

    @Test
    void removedModelServesForTheGracePeriodThenStops() throws Exception {
        p = new DetectionPipeline(engine, sources, (t, m) -> { topics.add(t); props.add(m); });
        p.configure(DetectorSettings.validate(new SourceConfig("fake://a", true, 0, false, 10, 100, 100), "INT8", 0.5f,
                new String[] { "person" }, null, 0.001f, 300, 300, 1, new DetectorSettings.ModelGate(0.4f, 1000, 400)));
        p.start();
        DetectionModel m = model(INT8);
        p.modelAdded(m);
        waitFor(() -> p.latest() != null, 5000);
        p.modelRemoved(m);
        Thread.sleep(150);
        assertEquals(INT8, p.status().activeModel(), "still serving inside the grace period");
        waitFor(() -> p.status().activeModel() == null, 5000);
        assertEquals(1, engine.closed.get(), "interpreter closed after the grace period");
        assertTrue(p.status().error().contains("no replacement"), p.status().error());
        p.modelAdded(model(INT8)); // the replacement arrives late: served again
        waitFor(() -> INT8.equals(p.status().activeModel()), 5000);
    }

    @Test
    void swapIsAnnouncedWithItsLatencyOnTheFirstFrameOfTheNewModel() throws Exception {
        start("INT8");
        p.modelAdded(model(INT8));
        waitFor(() -> topics.contains(DetectorTopics.MODEL_CHANGED), 5000);
        Map<String, Object> e = props.get(topics.indexOf(DetectorTopics.MODEL_CHANGED));
        assertEquals("INT8", e.get(DetectorTopics.MODEL_PRECISION));
        assertTrue(((Double) e.get("swap.ms")) >= 0);
        assertNotNull(e.get(DetectorTopics.SEQUENCE));
    }

    @Test
    void noModelState() throws Exception {
        start("INT8");
        Thread.sleep(200);
        DetectorStatus s = p.status();
        assertEquals(DetectorStatus.State.NO_MODEL, s.state());
        assertTrue(s.error().contains("no model"));
    }

    // ---- fakes ------------------------------------------------------------------------------

    static void waitFor(BooleanSupplier c, long ms) throws InterruptedException {
        long end = System.currentTimeMillis() + ms;
        while (!c.getAsBoolean()) {
            if (System.currentTimeMillis() > end) fail("condition not met in " + ms + " ms");
            Thread.sleep(10);
        }
    }

    static DetectionModel model(ModelIdentity id) {
        return new DetectionModel() {
            public ModelIdentity identity() { return id; }
            public ModelSpec spec() { return ModelSpec.postprocessOp(List.of("person", "dog"), 0, 128, 128); }
            public byte[] loadBytes() throws IOException { return new byte[] { 1, 2, 3 }; }
        };
    }

    interface SeqPredicate { boolean test(long seq); }

    static final class FakeEngine implements InferenceEngine {
        volatile SeqPredicate personVisible = seq -> true;
        volatile boolean failNext;
        final AtomicInteger closed = new AtomicInteger();
        final List<ModelIdentity> loads = new CopyOnWriteArrayList<>();

        @Override
        public ObjectDetector load(ModelIdentity identity, byte[] model, ModelSpec spec, EngineOptions options)
                throws ModelLoadException {
            loads.add(identity);
            if (failNext) {
                failNext = false;
                throw new ModelLoadException("not a TFLite model (bad magic)");
            }
            return new ObjectDetector() {
                public ModelIdentity identity() { return identity; }
                public int inputWidth() { return 8; }
                public int inputHeight() { return 8; }
                public InferenceResult detect(ImageView image, float minScore) {
                    // the fake source writes the sequence into its 64x48 pixels; the check image always has people
                    boolean checkImage = image.width() != 64;
                    long seq = checkImage ? -1 : image.bgr().getLong(0);
                    List<Detection> ds = new ArrayList<>();
                    if (checkImage || personVisible.test(seq)) ds.add(new Detection(0, "person", 0.9f, 0.1f, 0.2f, 0.3f, 0.8f));
                    ds.add(new Detection(0, "person", 0.3f, 0.6f, 0.2f, 0.7f, 0.8f));
                    ds.add(new Detection(1, "dog", 0.95f, 0.6f, 0.2f, 0.7f, 0.8f));
                    ds.removeIf(d -> d.score() < minScore);
                    return new InferenceResult(ds, 0.1, 1.0, 0.1);
                }
                public void close() { closed.incrementAndGet(); }
            };
        }
    }

    /** Frames every 100 ms of fake time, as fast as they are taken. */
    static final class FakeSources implements FrameSourceFactory {
        final AtomicInteger taken = new AtomicInteger();

        @Override
        public FrameSource open(SourceConfig config) {
            return new FrameSource() {
                long seq;
                final ByteBuffer buf = ByteBuffer.allocateDirect(64 * 48 * 3);

                public Frame take(long timeout, TimeUnit unit) throws InterruptedException {
                    Thread.sleep(2);
                    long s = seq++;
                    taken.incrementAndGet();
                    buf.putLong(0, s);
                    ImageView img = new ImageView(64, 48, 64 * 3, buf);
                    return new Frame() {
                        public long sequence() { return s; }
                        public long timestampMillis() { return s * 100; }
                        public double decodeMillis() { return 0.5; }
                        public ImageView image() { return img; }
                        public void close() { }
                    };
                }

                public SourceStatus status() {
                    return new SourceStatus(SourceStatus.State.RUNNING, null, seq, 0, 0, 10, 64, 48);
                }

                public void close() { }
            };
        }
    }
}
