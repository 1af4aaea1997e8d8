package io.vigie.detector.core;

import static io.vigie.detector.core.Fakes.FP32;
import static io.vigie.detector.core.Fakes.INT8;
import static io.vigie.detector.core.Fakes.model;
import static io.vigie.detector.core.Fakes.settings;
import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.vigie.api.detect.DetectorTopics;
import io.vigie.api.inference.InferenceResult;
import io.vigie.api.inference.ObjectDetector;
import io.vigie.api.model.DetectionModel;
import io.vigie.api.model.ModelIdentity;
import io.vigie.api.model.Precision;
import io.vigie.api.video.ImageView;

/** Model switching on a hand-moved clock: the loader's work runs on the test thread when its time comes. */
class ModelSwitcherTest {
    static final ModelIdentity INT8_V2 = new ModelIdentity("ssd", Precision.INT8, "1.0.1", "3333cccc");
    static final long WINDOW = ModelSwitcher.REPLACEMENT_WINDOW_MS;

    final Fakes.FakeEngine engine = new Fakes.FakeEngine();
    final Fakes.Events events = new Fakes.Events();
    final Fakes.ManualClock clock = new Fakes.ManualClock();
    /** Loads never wait for turns here (the loader's work runs on the test thread); pacing has its own tests. */
    final ModelSwitcher sw = new ModelSwitcher(engine, Fakes.VALIDATOR, events, clock, clock, new LoadPacer(0));
    /** What the inference thread serves with. */
    ObjectDetector serving;

    /** The inference thread between two frames. */
    ModelIdentity frame() {
        serving = sw.swap(serving);
        return serving == null ? null : serving.identity();
    }

    /** INT8 active, FP32 installed beside it. */
    DetectionModel int8ActiveWithFp32Installed() {
        sw.configure(settings("INT8", 0.5f));
        DetectionModel int8 = model(INT8);
        sw.modelAdded(int8);
        sw.modelAdded(model(FP32));
        clock.runDue();
        assertEquals(INT8, frame());
        assertEquals(INT8, sw.activeId());
        assertEquals(List.of(INT8), engine.loads, "FP32 is not preferred: never loaded");
        return int8;
    }

    @Test
    void withoutAReplacementTheOtherModelTakesOverWhenTheWindowExpires() {
        DetectionModel int8 = int8ActiveWithFp32Installed();
        sw.modelRemoved(int8);
        clock.advance(WINDOW - 1);
        assertEquals(List.of(INT8), engine.loads, "no fallback load while a replacement could still come");
        assertEquals(INT8, frame(), "the held interpreter keeps serving");
        assertEquals(0, engine.closed.get());
        clock.advance(1);
        assertEquals(List.of(INT8, FP32), engine.loads);
        assertEquals(FP32, frame());
        assertEquals(List.of(INT8), engine.closedIds, "the held interpreter closed by the swap");
    }

    @Test
    void aModelUpdateLoadsOnlyTheReplacementNotAFallback() {
        // a DP update: DeploymentAdmin stops the old model bundle, then starts the new one
        DetectionModel v1 = int8ActiveWithFp32Installed();
        sw.modelRemoved(v1);
        clock.advance(300);
        sw.modelAdded(model(INT8_V2));
        clock.runDue();
        assertEquals(INT8_V2, frame());
        clock.advance(WINDOW + 1000); // the deferred check must not load FP32 either
        assertEquals(List.of(INT8, INT8_V2), engine.loads);
        assertEquals(INT8_V2, frame());
        assertNull(sw.error());
    }

    /** The only model, INT8, active with a 400 ms grace period, then its service goes away. */
    void int8RemovedWithAGraceOf400Ms() {
        sw.configure(settings("INT8", 0.5f, 1, new DetectorSettings.ModelGate(0.4f, 1000, 400)));
        DetectionModel m = model(INT8);
        sw.modelAdded(m);
        clock.runDue();
        assertEquals(INT8, frame());
        sw.modelRemoved(m);
    }

    @Test
    void removedModelServesForTheGracePeriodThenStopsAndServesAgainWhenItComesBack() {
        int8RemovedWithAGraceOf400Ms();
        clock.advance(399);
        assertEquals(INT8, frame(), "still serving inside the grace period");
        assertNull(sw.error());
        clock.advance(1);
        assertNull(frame(), "dropped when the grace period ended");
        assertNull(sw.activeId());
        assertEquals(List.of(INT8), engine.closedIds, "interpreter closed by the inference thread");
        assertTrue(sw.error().contains("no replacement came within 400 ms"), sw.error());
        sw.modelAdded(model(INT8)); // the replacement arrives late: served again
        clock.runDue();
        assertEquals(INT8, frame());
        assertNull(sw.error());
    }

    @Test
    void aReplacementInsideTheGracePeriodCancelsTheDrop() {
        int8RemovedWithAGraceOf400Ms();
        clock.advance(100);
        sw.modelAdded(model(INT8_V2));
        clock.advance(1000);
        assertEquals(INT8_V2, frame());
        assertEquals(INT8_V2, frame(), "not dropped: the expired grace check saw the replacement");
        assertNull(sw.error());
    }

    /** INT8 preferred but its load fails: FP32 loaded instead and serving. */
    void fp32ServingAfterInt8FailedToLoad() {
        sw.configure(settings("INT8", 0.5f));
        engine.failNext = true;
        sw.modelAdded(model(INT8));
        sw.modelAdded(model(FP32));
        clock.runDue();
        assertEquals(List.of(INT8, FP32), engine.loads, "the failed INT8 is skipped from then on");
        assertEquals(FP32, frame());
    }

    @Test
    void theHeapIsTrimmedAfterTheFirstLoadOnlyWhileNoModelServes() {
        java.util.concurrent.atomic.AtomicInteger trims = new java.util.concurrent.atomic.AtomicInteger();
        sw.idleHeapTrim(trims::incrementAndGet);
        sw.configure(settings("INT8", 0.5f));
        sw.modelAdded(model(INT8));
        sw.modelAdded(model(FP32));
        clock.runDue();
        assertEquals(1, trims.get(), "cold start: the first model loaded while nothing serves frames");
        assertEquals(INT8, frame());
        sw.configure(settings("FP32", 0.5f));
        clock.runDue();
        assertEquals(List.of(INT8, FP32), engine.loads);
        assertEquals(FP32, frame());
        assertEquals(1, trims.get(), "a swap loads while INT8 serves: no full GC pause in the middle of frames");
    }

    @Test
    void aFailedFirstLoadDoesNotTrimAndTheFallbackDoes() {
        java.util.concurrent.atomic.AtomicInteger trims = new java.util.concurrent.atomic.AtomicInteger();
        sw.idleHeapTrim(trims::incrementAndGet);
        fp32ServingAfterInt8FailedToLoad();
        assertEquals(1, trims.get(), "only the FP32 load that succeeded, before anything served");
    }

    @Test
    void aPreferredModelThatFailsToLoadFallsBackToTheOther() {
        fp32ServingAfterInt8FailedToLoad();
        Map<String, Object> failed = events.first(DetectorTopics.MODEL_CHANGED);
        assertEquals("INT8", failed.get(DetectorTopics.MODEL_PRECISION));
        assertTrue(((String) failed.get(DetectorTopics.ERROR)).contains("bad magic"), failed.toString());
        assertNull(sw.error(), "the fallback loaded: no error left");
    }

    @Test
    void aBrokenModelIsRefusedAndTheRunningOneStays() {
        sw.configure(settings("INT8", 0.5f));
        sw.modelAdded(model(FP32));
        clock.runDue();
        assertEquals(FP32, frame());
        engine.failNext = true;
        sw.modelAdded(model(INT8)); // preferred, but fails to load
        clock.runDue();
        assertTrue(sw.error().contains("failed to load"), sw.error());
        assertEquals(FP32, frame());
        assertEquals(List.of(FP32, INT8), engine.loads, "the running FP32 is not reloaded");
        assertEquals(0, engine.closed.get());
    }

    @Test
    void aThreadCountChangeReloadsAndRetriesFailedModels() {
        fp32ServingAfterInt8FailedToLoad();
        sw.configure(settings("INT8", 0.5f, 2, DetectorSettings.ModelGate.DEFAULT));
        clock.runDue();
        assertEquals(INT8, frame(), "INT8 retried with the new thread count");
        assertEquals(List.of(FP32), engine.closedIds);
    }

    /** Gate with this latency budget (ms) and the default minimum person score. */
    static DetectorSettings budget(long ms) {
        return settings("INT8", 0.5f, 1, new DetectorSettings.ModelGate(0.4f, ms, 60_000));
    }

    /** The fake engine's detectors, 30 ms per inference on the check image: "too slow" for a 5 ms budget. */
    ModelSwitcher slowSwitcher() {
        return new ModelSwitcher((id, bytes, spec, o) -> {
            ObjectDetector d = engine.load(id, bytes, spec, o);
            return new ObjectDetector() {
                public ModelIdentity identity() { return d.identity(); }
                public int inputWidth() { return d.inputWidth(); }
                public int inputHeight() { return d.inputHeight(); }
                public InferenceResult detect(ImageView image, float minScore) {
                    try {
                        Thread.sleep(30);
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                    return d.detect(image, minScore);
                }
                public void close() { d.close(); }
            };
        }, Fakes.VALIDATOR, events, clock, clock, new LoadPacer(0));
    }

    @Test
    void aModelRefusedAsTooSlowIsReevaluatedWhenTheBudgetChanges() {
        ModelSwitcher slow = slowSwitcher();
        slow.configure(budget(5));
        slow.modelAdded(model(INT8));
        clock.runDue();
        assertTrue(slow.error().contains("too slow"), slow.error());
        assertNull(slow.swap(null), "refused: nothing serves");
        slow.configure(settings("INT8", 0.6f, 1, new DetectorSettings.ModelGate(0.4f, 5, 1000)));
        clock.runDue();
        assertEquals(List.of(INT8), engine.loads, "score threshold and grace are not checks: no retry");
        slow.configure(budget(1000)); // the operator raises the budget: no restart needed
        clock.runDue();
        assertEquals(List.of(INT8, INT8), engine.loads, "re-evaluated once");
        ObjectDetector serving = slow.swap(null);
        assertEquals(INT8, serving == null ? null : serving.identity());
        assertNull(slow.error());
    }

    @Test
    void aPersonScoreChangeReevaluatesTheRefusedPreferredModelButNotOneThatFailedToLoad() {
        // the fake finds a person at 0.9 on the check image: a 0.95 minimum refuses every model
        sw.configure(settings("FP32", 0.5f, 1, new DetectorSettings.ModelGate(0.95f, 1000, 60_000)));
        engine.failNext = true;
        sw.modelAdded(model(INT8)); // broken: fails to load
        sw.modelAdded(model(FP32));
        clock.runDue();
        assertTrue(sw.error().contains("no person"), sw.error());
        assertNull(frame());
        sw.configure(settings("FP32", 0.5f));
        clock.runDue();
        assertEquals(FP32, frame(), "FP32 passes the relaxed check and serves");
        assertEquals(1, engine.loads.stream().filter(INT8::equals).count(), "the broken INT8 is not retried");
        assertNull(sw.error());
    }

    static DetectorSettings loading(String precision, boolean paced, boolean standby) {
        return settings(precision, 0.5f, 1, new DetectorSettings.ModelGate(0.4f, 1000, 60_000, paced, standby));
    }

    /** INT8 serving with the standby on: FP32 is loaded into the standby after INT8's first frame. */
    void int8ServingWithFp32InStandby() {
        sw.configure(loading("INT8", false, true));
        sw.modelAdded(model(INT8));
        sw.modelAdded(model(FP32));
        clock.runDue();
        assertEquals(INT8, frame());
        assertNull(sw.standbyId(), "the standby is filled after the active model served");
        sw.firstFrame(INT8, 1);
        clock.runDue();
        assertEquals(FP32, sw.standbyId());
        assertEquals(List.of(INT8, FP32), engine.loads);
    }

    @Test
    void aHotStandbyMakesAPrecisionSwitchAHandOffWithoutALoad() {
        int8ServingWithFp32InStandby();

        sw.configure(loading("FP32", false, true));
        assertEquals(FP32, frame(), "handed over at the next frame");
        assertEquals(INT8, sw.standbyId(), "the replaced INT8 is the new standby");
        sw.firstFrame(FP32, 2);
        clock.runDue();
        sw.configure(loading("INT8", false, true));
        assertEquals(INT8, frame());
        assertEquals(List.of(INT8, FP32), engine.loads, "two switches, no load");
        assertEquals(0, engine.closed.get());

        sw.modelRemoved(model(FP32)); // its bundle goes away: the idle standby is freed
        assertNull(sw.standbyId());
        assertEquals(List.of(FP32), engine.closedIds);
    }

    @Test
    void turningTheStandbyOffFreesItAndAThreadChangeDoesNotKeepTheOldInterpreter() {
        int8ServingWithFp32InStandby();
        sw.configure(settings("INT8", 0.5f, 2, new DetectorSettings.ModelGate(0.4f, 1000, 60_000, false, true)));
        assertEquals(List.of(FP32), engine.closedIds, "built with 1 thread: dropped");
        clock.runDue();
        assertEquals(INT8, frame());
        assertEquals(List.of(FP32, INT8), engine.closedIds, "the 1-thread INT8 is not kept as standby");
        sw.firstFrame(INT8, 2);
        clock.runDue();
        assertEquals(FP32, sw.standbyId(), "refilled with 2 threads");
        sw.configure(settings("INT8", 0.5f, 2, new DetectorSettings.ModelGate(0.4f, 1000, 60_000, false, false)));
        assertNull(sw.standbyId());
        assertEquals(List.of(FP32, INT8, FP32), engine.closedIds);
    }

    @Test
    void aPacedLoadTakesOneStepPerFrameOfTheRunningModel() throws InterruptedException {
        // a turn only comes from the inference thread: with a 60 s bound, the load moves on turns alone
        ModelSwitcher paced = new ModelSwitcher(engine, Fakes.VALIDATOR, events, clock, clock,
                new LoadPacer(60_000, () -> 1)); // one processor, one interpreter thread: the CPU is short
        paced.configure(loading("INT8", true, false));
        paced.modelAdded(model(INT8));
        clock.runDue(); // nothing serves yet: no pacing
        ObjectDetector s = paced.swap(null);
        assertEquals(INT8, s.identity());
        paced.modelAdded(model(INT8_V2)); // loaded while INT8 serves: paced
        Thread loader = new Thread(clock::runDue, "test-loader");
        loader.setDaemon(true);
        loader.start();
        int frames = 0;
        while (loader.isAlive() && frames < 1000) {
            s = paced.swap(s);
            frames++;
            Thread.sleep(2);
        }
        loader.join(10_000);
        assertFalse(loader.isAlive());
        s = paced.swap(s);
        assertEquals(INT8_V2, s.identity());
        assertTrue(frames >= 5, "read, build and 3 check runs, each after a frame: " + frames + " frames");
    }

    @Test
    void anUnpacedLoadNeedsNoFrame() {
        assertLoadsWithoutFrames(new LoadPacer(60_000, () -> 1), loading("INT8", false, false));
    }

    @Test
    void withAFreeCoreForTheLoaderThePacedSettingDoesNotPace() {
        assertLoadsWithoutFrames(new LoadPacer(60_000, () -> 2), loading("INT8", true, false));
    }

    void assertLoadsWithoutFrames(LoadPacer pacer, DetectorSettings settings) {
        ModelSwitcher unpaced = new ModelSwitcher(engine, Fakes.VALIDATOR, events, clock, clock, pacer);
        unpaced.configure(settings);
        unpaced.modelAdded(model(INT8));
        clock.runDue();
        ObjectDetector s = unpaced.swap(null);
        unpaced.modelAdded(model(INT8_V2));
        clock.runDue(); // would wait 60 s per step if it were paced
        assertEquals(INT8_V2, unpaced.swap(s).identity());
    }

    @Test
    void aModelAddedWhileTheLoadedOneWaitsForTheInferenceThreadDoesNotLoadItTwice() {
        sw.configure(settings("INT8", 0.5f));
        sw.modelAdded(model(INT8));
        clock.runDue(); // loaded, in the hand-off
        sw.modelAdded(model(FP32));
        clock.runDue();
        assertEquals(List.of(INT8), engine.loads);
        assertEquals(INT8, frame());
        assertEquals(0, engine.closed.get());
    }

    @Test
    void aLoadSupersededWhileInFlightClosesWhatItLoaded() {
        sw.configure(settings("INT8", 0.5f));
        sw.modelAdded(model(INT8)); // its load is queued on the loader...
        sw.modelAdded(model(FP32));
        sw.configure(settings("FP32", 0.5f)); // ...and superseded before it ran
        clock.runDue();
        assertEquals(List.of(INT8, FP32), engine.loads);
        assertEquals(List.of(INT8), engine.closedIds, "the superseded INT8 closed by its loader");
        assertEquals(FP32, frame());
    }

    @Test
    void aRefusedUpdateKeepsTheHeldModelWhenTheOldOneComesBack() {
        // rollback: the new version is refused, the previous package is reinstalled with the same model
        DetectionModel v1 = int8ActiveWithFp32Installed();
        sw.modelRemoved(v1);
        engine.failNext = true;
        sw.modelAdded(model(INT8_V2));
        clock.runDue();
        assertTrue(sw.error().contains("bad magic"), sw.error());
        sw.modelAdded(model(INT8)); // the previous package again
        clock.advance(WINDOW + 1000);
        assertEquals(INT8, frame(), "still the held, now re-registered, INT8");
        assertEquals(List.of(INT8, INT8_V2), engine.loads, "no FP32 detour");
        assertEquals(0, engine.closed.get());
    }

    @Test
    void aFallbackLoadedButNotYetTakenIsDroppedWhenTheHeldModelComesBack() {
        DetectionModel int8 = int8ActiveWithFp32Installed();
        sw.modelRemoved(int8);
        clock.advance(WINDOW);
        assertEquals(List.of(INT8, FP32), engine.loads, "window over: the fallback loaded");
        sw.modelAdded(model(INT8)); // comes back before the inference thread took FP32
        assertEquals(List.of(FP32), engine.closedIds, "the fallback closed, never served");
        assertEquals(INT8, frame());
        assertEquals(0, engine.closedIds.stream().filter(INT8::equals).count());
    }

    @Test
    void theSwitchIsAnnouncedWithItsLatencyOnTheClock() {
        sw.configure(settings("INT8", 0.5f));
        sw.modelAdded(model(INT8));
        clock.advance(250);
        frame();
        sw.firstFrame(INT8, 7);
        Map<String, Object> e = events.first(DetectorTopics.MODEL_CHANGED);
        assertEquals("INT8", e.get(DetectorTopics.MODEL_PRECISION));
        assertEquals(7L, e.get(DetectorTopics.SEQUENCE));
        assertEquals(250.0, (Double) e.get(DetectorTopics.SWAP_MS), 1e-9);
        assertNull(e.get(DetectorTopics.ERROR));
    }

    @Test
    void closeReleasesALoadedModelNobodyTook() {
        sw.configure(settings("INT8", 0.5f));
        sw.modelAdded(model(INT8));
        clock.runDue();
        sw.close();
        assertEquals(List.of(INT8), engine.closedIds);
        assertNull(frame());
        assertEquals(List.of(INT8), sw.available());
    }
}
