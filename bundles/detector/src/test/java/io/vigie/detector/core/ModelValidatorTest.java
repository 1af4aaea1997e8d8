package io.vigie.detector.core;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.vigie.api.inference.Detection;
import io.vigie.api.inference.InferenceResult;
import io.vigie.api.inference.ObjectDetector;
import io.vigie.api.model.ModelIdentity;
import io.vigie.api.model.Precision;
import io.vigie.api.video.ImageView;

class ModelValidatorTest {
    static final ModelValidator V = ModelValidator.builtIn();

    static ObjectDetector fake(List<Detection> out, long sleepMs) {
        return new ObjectDetector() {
            public ModelIdentity identity() { return new ModelIdentity("m", Precision.INT8, "1", "ab"); }
            public int inputWidth() { return 300; }
            public int inputHeight() { return 300; }
            public InferenceResult detect(ImageView image, float minScore) {
                assertEquals(384, image.width(), "the built-in check image is decoded");
                assertEquals(288, image.height());
                try {
                    Thread.sleep(sleepMs);
                } catch (InterruptedException e) {
                    throw new RuntimeException(e);
                }
                return new InferenceResult(out, 0, 0, 0);
            }
            public void close() { }
        };
    }

    @Test
    void acceptsAPlausibleModel() {
        ObjectDetector plausible = fake(List.of(new Detection(0, "person", 0.8f, 0.1f, 0.1f, 0.3f, 0.6f)), 0);
        ModelValidator.Report r = V.validate(plausible, 0.4f, 1000);
        assertEquals(0.8f, r.bestPersonScore());
        assertEquals(1, r.detections());
    }

    @Test
    void refusesNoPersonNanImpossibleBoxesAndSlowModels() {
        assertReason("no person", fake(List.of(new Detection(1, "bicycle", 0.9f, 0.1f, 0.1f, 0.3f, 0.6f)), 0), 1000);
        assertReason("no person", fake(List.of(new Detection(0, "person", 0.2f, 0.1f, 0.1f, 0.3f, 0.6f)), 0), 1000);
        assertReason("NaN", fake(List.of(new Detection(0, "person", Float.NaN, 0.1f, 0.1f, 0.3f, 0.6f)), 0), 1000);
        assertReason("impossible box", fake(List.of(new Detection(0, "person", 0.9f, 0.5f, 0.1f, 0.3f, 0.6f)), 0), 1000);
        assertReason("outside 0..1", fake(List.of(new Detection(0, "person", 3f, 0.1f, 0.1f, 0.3f, 0.6f)), 0), 1000);
        assertReason("too slow", fake(List.of(new Detection(0, "person", 0.9f, 0.1f, 0.1f, 0.3f, 0.6f)), 60), 20);
    }

    @Test
    void timeSpentWaitingForTheCpuIsNotTheModelsLatency() {
        // a check at the background priority: 60 ms of wall time, all of it waiting behind the detector (the wait
        // counter advances with the clock)
        ObjectDetector slowOnlyBecauseWaiting = fake(List.of(new Detection(0, "person", 0.9f, 0.1f, 0.1f, 0.3f, 0.6f)), 60);
        ModelValidator waiting = new ModelValidator(V.checkImage(), System::nanoTime);
        ModelValidator.Report r = waiting.validate(slowOnlyBecauseWaiting, 0.4f, 20);
        assertEquals(0.0, r.medianMillis(), "waiting left out");
        // the same wall time without waiting is the model's own: too slow
        ModelValidator notWaiting = new ModelValidator(V.checkImage(), () -> 0);
        assertThrows(ModelValidator.Refused.class, () -> notWaiting.validate(slowOnlyBecauseWaiting, 0.4f, 20));
    }

    @Test
    void theRunQueueWaitIsReadFromProcOnLinux() {
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isReadable(java.nio.file.Path.of(
                "/proc/thread-self/schedstat")), "Linux with schedstat");
        long a = ModelValidator.runQueueNanos();
        long b = ModelValidator.runQueueNanos();
        assertTrue(a >= 0 && b >= a, a + " then " + b);
    }

    static void assertReason(String reason, ObjectDetector d, long budget) {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> V.validate(d, 0.4f, budget));
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }
}
