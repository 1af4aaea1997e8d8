package io.vigie.detector.core;

import static io.vigie.detector.core.Fakes.FP32;
import static io.vigie.detector.core.Fakes.INT8;
import static io.vigie.detector.core.Fakes.model;
import static io.vigie.detector.core.Fakes.settings;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongFunction;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.vigie.api.detect.DetectorTopics;
import io.vigie.api.detect.FrameListener;
import io.vigie.api.detect.FrameResult;
import io.vigie.api.inference.Detection;
import io.vigie.api.video.ImageView;
import io.vigie.api.video.SourceConfig;

/** The frame loop driven step by step on the test thread, with the model switcher on a hand-moved clock. */
class FrameLoopTest {
    static final long FRAME_MS = 40;

    final Fakes.FakeEngine engine = new Fakes.FakeEngine();
    final Fakes.FakeSources sources = new Fakes.FakeSources();
    final Fakes.Events events = new Fakes.Events();
    final Fakes.ManualClock clock = new Fakes.ManualClock();
    final ModelSwitcher models = new ModelSwitcher(engine, Fakes.VALIDATOR, events, clock, clock);
    /** The motion gate's grey frame of each sequence (the fake source writes the sequence into its pixels). */
    volatile LongFunction<GreyFrame> grey = seq -> MotionGateTest.background();
    final FrameLoop loop = new FrameLoop(sources, models, events, clock, () -> new GreyScaler() {
        public GreyFrame grey(ImageView image) { return grey.apply(image.bgr().getLong(0)); }
        public void close() { }
    });

    @AfterEach
    void tearDown() {
        loop.close();
    }

    void configure(DetectorSettings s) {
        loop.configure(s);
        models.configure(s);
    }

    /** Settings, an INT8 model loaded and ready to be taken by the next step. */
    void startWith(DetectorSettings s) {
        sources.pauseMs = 0;
        configure(s);
        models.modelAdded(model(INT8));
        clock.runDue();
    }

    /** {@code n} turns of the inference thread, one frame each, {@link #FRAME_MS} apart on the clock. */
    void steps(int n) throws InterruptedException {
        for (int i = 0; i < n; i++) {
            loop.step();
            clock.advance(FRAME_MS);
        }
    }

    @Test
    void intrusionStartsAfterTheDwellEndsAfterTheCooldownAndNothingIsPostedPerFrame() throws Exception {
        startWith(settings("INT8", 0.5f, "left:0,0;0.5,0;0.5,1;0,1"));
        engine.personVisible = seq -> seq >= 5 && seq <= 20; // frames are 100 ms apart in frame time
        steps(40);
        assertEquals(List.of(DetectorTopics.MODEL_CHANGED, DetectorTopics.INTRUSION_START,
                DetectorTopics.INTRUSION_END), events.topics, "only the switch and one intrusion: no per-frame event");
        Map<String, Object> start = events.first(DetectorTopics.INTRUSION_START);
        assertEquals(8L, start.get(DetectorTopics.SEQUENCE), "dwell 300 ms: START on frame 8 (t=800), not before");
        assertEquals(800L, start.get(DetectorTopics.STARTED));
        assertEquals("left", start.get(DetectorTopics.ZONE));
        assertEquals(1, start.get(DetectorTopics.PERSONS));
        assertEquals(INT8.sha256(), start.get(DetectorTopics.MODEL_SHA256));
        JsonArray dets = JsonParser.parseString((String) start.get(DetectorTopics.DETECTIONS_JSON)).getAsJsonArray();
        assertEquals(1, dets.size());
        JsonObject d = dets.get(0).getAsJsonObject();
        assertEquals("person", d.get("label").getAsString());
        assertEquals(0.9, d.get("score").getAsDouble(), 1e-9);
        Map<String, Object> end = events.first(DetectorTopics.INTRUSION_END);
        assertEquals(24L, end.get(DetectorTopics.SEQUENCE), "gone from frame 21: END after the 300 ms cooldown");
        assertEquals(1, end.get(DetectorTopics.PERSONS));
        assertEquals(40, loop.framesProcessed());
        assertFalse(loop.latest().zones().get(0).intrusion());
    }

    @Test
    void filtersByScoreClassAndAppliesAThresholdChangeOnTheNextFrame() throws Exception {
        startWith(settings("INT8", 0.5f));
        steps(1);
        // the fake returns a person 0.9, a person 0.3 and a dog 0.95
        FrameResult r = loop.latest();
        assertEquals(1, r.detections().size());
        assertEquals("person", r.detections().get(0).label());
        assertEquals(INT8, r.model());
        configure(settings("INT8", 0.2f));
        steps(1);
        assertEquals(r.sequence() + 1, loop.latest().sequence());
        assertEquals(2, loop.latest().detections().size(), "threshold change applied live");
        assertEquals(1, sources.opened.get(), "same source: not reopened");
    }

    @Test
    void aModelSwitchHappensBetweenTwoConsecutiveFramesAndIsAnnouncedOnTheFirstNewOne() throws Exception {
        startWith(settings("INT8", 0.5f));
        models.modelAdded(model(FP32));
        steps(5);
        configure(settings("FP32", 0.5f));
        clock.runDue(); // FP32 loaded on the loader, waiting in the hand-off
        steps(5);
        List<Fakes.Seen> seen = engine.seen;
        assertEquals(10, seen.size());
        for (int i = 0; i < seen.size(); i++) {
            assertEquals(i, seen.get(i).sequence(), "no frame skipped across the switch");
            assertEquals(i < 5 ? INT8 : FP32, seen.get(i).model());
        }
        assertEquals(List.of(INT8), engine.closedIds, "the old interpreter closed by the loop");
        Map<String, Object> second = events.props.get(events.topics.lastIndexOf(DetectorTopics.MODEL_CHANGED));
        assertEquals("FP32", second.get(DetectorTopics.MODEL_PRECISION));
        assertEquals(5L, second.get(DetectorTopics.SEQUENCE));
    }

    @Test
    void fpsFollowsTheClockAndDecaysWhenFramesStop() throws Exception {
        startWith(settings("INT8", 0.5f));
        steps(10);
        assertEquals(1000.0 / FRAME_MS, loop.fps(), 1e-9);
        clock.advance(1000); // the source stalls
        double span = 9 * FRAME_MS, stalled = 9 * FRAME_MS + 1000; // window: 10 frames, 9 intervals
        assertEquals(9 * 1000.0 / stalled, loop.fps(), 1e-9);
        assertTrue(loop.fps() < 9 * 1000.0 / span);
    }

    @Test
    void withoutAModelFramesAreTakenButNotProcessed() throws Exception {
        sources.pauseMs = 0;
        configure(settings("INT8", 0.5f));
        steps(3);
        assertEquals(3, sources.taken.get());
        assertNull(loop.latest());
        assertEquals(0, loop.framesProcessed());
        assertEquals(0.0, loop.fps());
        assertTrue(events.topics.isEmpty());
    }

    @Test
    void aNewSourceReplacesTheOldOneBetweenFramesAndNewZonesGetFreshTrackers() throws Exception {
        startWith(settings("INT8", 0.5f, "a:0,0;1,0;1,1"));
        steps(2);
        assertEquals(1, loop.latest().zones().size());
        DetectorSettings other = DetectorSettings.validate(new SourceConfig("fake://b", true, 0, false, 10, 100, 100),
                "INT8", 0.5f, new String[] { "person" }, new String[] { "a:0,0;1,0;1,1", "b:0,0;1,0;0,1" }, 0.001f,
                300, 300, 1);
        configure(other);
        steps(1);
        assertEquals(2, sources.opened.get());
        assertEquals(1, sources.closed.get(), "the old source closed by the loop");
        assertEquals(0, loop.latest().sequence(), "first frame of the new source");
        assertEquals(List.of("a", "b"), loop.latest().zones().stream().map(z -> z.name()).toList());
    }

    @Test
    void sinksGetEveryResultAndAPrivateCopyOfThePixelsWhenTheyAskForIt() throws Exception {
        startWith(settings("INT8", 0.5f));
        List<Long> seqs = new CopyOnWriteArrayList<>();
        List<ImageView> images = new CopyOnWriteArrayList<>();
        loop.addListener(new FrameListener() {
            @Override
            public void onFrame(FrameResult r, ImageView img) {
                seqs.add(r.sequence());
                images.add(img);
            }

            @Override
            public boolean wantsImages() {
                return true;
            }
        });
        List<Long> plain = new CopyOnWriteArrayList<>();
        FrameListener noPixels = (r, img) -> plain.add(img == null ? r.sequence() : -1);
        loop.addListener(noPixels);
        for (int i = 0; i < 3; i++) {
            steps(1);
            int n = i + 1; // one at a time: the sink queue never overflows
            await().atMost(Duration.ofSeconds(5)).until(() -> seqs.size() == n && plain.size() == n);
        }
        assertEquals(List.of(0L, 1L, 2L), seqs);
        assertEquals(List.of(0L, 1L, 2L), plain, "no pixels for a sink that did not ask");
        for (int i = 0; i < 3; i++) {
            assertEquals(64, images.get(i).width());
            assertEquals(i, images.get(i).bgr().getLong(0), "each copy keeps its own frame's pixels");
        }
        loop.removeListener(noPixels);
        assertEquals(0, loop.sinkDrops());
    }

    /** Fakes' settings with the motion gate on: threshold 25, min area 0.001, re-check 1 s tracked / 5 s idle. */
    static DetectorSettings gated(DetectorSettings s) {
        return new DetectorSettings(s.source(), s.precision(), s.scoreThreshold(), s.classes(), s.zones(), s.minBoxArea(),
                s.dwellMs(), s.cooldownMs(), s.threads(), s.gate(), MotionGateTest.ON);
    }

    @Test
    void motionGateSkipsStillFramesYetIntrusionStartAndEndComeOnTheSameFramesAsUngated() throws Exception {
        startWith(gated(settings("INT8", 0.5f, "left:0,0;0.5,0;0.5,1;0,1")));
        engine.personVisible = seq -> seq >= 5 && seq <= 20; // as in the ungated test above: START 8, END 24
        // the person walks in on frames 5..7, stands still until 20, is gone from 21
        grey = seq -> seq < 5 || seq > 20 ? MotionGateTest.background()
                : MotionGateTest.withBlock(10 + 5 * (int) Math.min(seq - 5, 2), 40, 8, 30);
        steps(30);
        assertEquals(List.of(0L, 5L, 6L, 7L, 17L, 21L), engine.seen.stream().map(Fakes.Seen::sequence).toList(),
                "first frame; the first moving frame 5 and 6, 7; a re-check 1 s after 7; the person leaving at 21");
        assertEquals(List.of(DetectorTopics.MODEL_CHANGED, DetectorTopics.INTRUSION_START,
                DetectorTopics.INTRUSION_END), events.topics);
        assertEquals(8L, events.first(DetectorTopics.INTRUSION_START).get(DetectorTopics.SEQUENCE),
                "dwell runs on over skipped frames: START on frame 8 as ungated");
        assertEquals(1, events.first(DetectorTopics.INTRUSION_START).get(DetectorTopics.PERSONS));
        assertEquals(24L, events.first(DetectorTopics.INTRUSION_END).get(DetectorTopics.SEQUENCE), "END as ungated");
        var g = loop.motionGate();
        assertTrue(g.enabled());
        assertEquals(24, g.skipped());
        assertEquals(5, g.motion());
        assertEquals(1, g.rechecks());
        assertEquals(30, loop.framesProcessed(), "every frame produced a result");
    }

    @Test
    void aSkippedFrameCarriesTheLastDetectionsWithoutInferenceTime() throws Exception {
        startWith(gated(settings("INT8", 0.5f, "left:0,0;0.5,0;0.5,1;0,1")));
        steps(3);
        assertEquals(List.of(0L), engine.seen.stream().map(Fakes.Seen::sequence).toList());
        FrameResult r = loop.latest();
        assertEquals(2, r.sequence());
        assertEquals(1, r.detections().size(), "the person of frame 0");
        assertEquals(0.0, r.timings().inferenceMillis());
        assertEquals(1, r.zones().get(0).persons());
        // new settings (here the threshold): the next frame is inferred whatever moved
        configure(gated(settings("INT8", 0.6f, "left:0,0;0.5,0;0.5,1;0,1")));
        steps(1);
        assertEquals(List.of(0L, 3L), engine.seen.stream().map(Fakes.Seen::sequence).toList());
    }

    @Test
    void aFrameWhoseInferenceFailedIsNotTheGatesReference() throws Exception {
        startWith(gated(settings("INT8", 0.5f, "left:0,0;0.5,0;0.5,1;0,1")));
        engine.failDetect = seq -> seq == 2;
        grey = seq -> seq < 2 ? MotionGateTest.background() : MotionGateTest.withBlock(10, 40, 8, 30);
        steps(5);
        assertEquals(List.of(0L, 2L, 3L), engine.seen.stream().map(Fakes.Seen::sequence).toList(),
                "frame 2 moved but failed: frame 3, same picture, is inferred; 4 reuses it");
        assertEquals(4, loop.latest().sequence());
        assertEquals(1, loop.latest().detections().size(), "frame 3's person");
        assertEquals(4, loop.framesProcessed(), "no result for the failed frame");
    }

    @Test
    void exactLineKeepsEveryDigitForTheArchComparison() {
        // scripts/arm64-check.sh parses "n [label score xmin ymin xmax ymax]..." and compares scores as text
        assertEquals("0", FrameLoop.exact(List.of()));
        assertEquals("2 [person 0.8984375 0.1 0.2 0.30000004 0.4] [person 0.5 0.0 0.0 1.0 1.0]", FrameLoop.exact(List.of(
                new Detection(0, "person", 0.8984375f, 0.1f, 0.2f, 0.30000004f, 0.4f),
                new Detection(0, "person", 0.5f, 0f, 0f, 1f, 1f))));
    }
}
