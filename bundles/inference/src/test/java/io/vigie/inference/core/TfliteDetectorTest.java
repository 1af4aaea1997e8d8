package io.vigie.inference.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Random;

import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.vigie.api.inference.Detection;
import io.vigie.api.inference.EngineOptions;
import io.vigie.api.inference.InferenceResult;
import io.vigie.api.inference.ModelLoadException;
import io.vigie.api.inference.ObjectDetector;
import io.vigie.api.video.ImageView;

/**
 * Runs the real Coral model. Needs ../shared (media/vtest.avi; -Dvigie.shared, set by the parent
 * pom) and the model (see {@link CoralModel}).
 */
class TfliteDetectorTest {
    static byte[] model;
    static ImageView frame; // BGR frame of vtest.avi with people walking

    @BeforeAll
    static void setUp() throws Exception {
        model = CoralModel.bytes();
        Path avi = Paths.get(System.getProperty("vigie.shared", "../../../shared"), "media", "vtest.avi");
        assertTrue(Files.isRegularFile(avi), "test needs ../shared/media/vtest.avi, not found at " + avi.toAbsolutePath());
        try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(avi.toFile())) {
            g.start();
            Frame f = null;
            for (int i = 0; i < 60; i++) f = g.grabImage(); // a frame well into the clip
            ByteBuffer src = (ByteBuffer) f.image[0];
            ByteBuffer copy = ByteBuffer.allocateDirect(f.imageStride * f.imageHeight);
            copy.put(src.duplicate().clear().limit(f.imageStride * f.imageHeight)).flip();
            frame = new ImageView(f.imageWidth, f.imageHeight, f.imageStride, copy);
            g.stop();
        }
    }

    @Test
    void loadsAndFindsPeopleInVtest() throws Exception {
        try (ObjectDetector d = load(new EngineOptions(1, true, 100))) {
            assertEquals(300, d.inputWidth());
            assertEquals(300, d.inputHeight());
            InferenceResult r = null;
            for (int i = 0; i < 3; i++) r = d.detect(frame, 0.3f); // also exercises Mat reuse
            long people = r.detections().stream().filter(x -> x.label().equals("person") && x.score() > 0.5f).count();
            assertTrue(people >= 1, "expected a person > 0.5 in vtest frame 60, got " + r.detections());
            for (Detection x : r.detections()) {
                assertTrue(x.score() >= 0.3f);
                assertTrue(x.xmin() >= 0 && x.xmax() <= 1 && x.xmin() < x.xmax() && x.ymin() < x.ymax(), x.toString());
            }
            assertTrue(r.inferenceMillis() > 0 && r.preprocessMillis() > 0 && r.postprocessMillis() >= 0);
        }
    }

    @Test
    void heapBufferGivesSameDetectionsAsDirect() throws Exception {
        ByteBuffer heap = ByteBuffer.allocate(frame.bgr().capacity());
        heap.put(frame.bgr().duplicate().clear()).flip();
        ImageView h = new ImageView(frame.width(), frame.height(), frame.stride(), heap);
        try (ObjectDetector d = load(new EngineOptions(1, true, 100))) {
            var a = d.detect(frame, 0.3f).detections();
            var b = d.detect(h, 0.3f).detections();
            assertEquals(a, b);
        }
    }

    @Test
    void withoutXnnpackStillFindsPeople() throws Exception {
        try (ObjectDetector d = load(new EngineOptions(2, false, 100))) {
            assertTrue(d.detect(frame, 0.5f).detections().stream().anyMatch(x -> x.label().equals("person")));
        }
    }

    @Test
    void maxResultsCaps() throws Exception {
        try (ObjectDetector d = load(new EngineOptions(1, true, 2))) {
            assertTrue(d.detect(frame, 0.01f).detections().size() <= 2);
        }
    }

    @Test
    void int8AndFloatInputsGiveTheSameDetectionsAsUint8() throws Exception {
        java.util.List<Detection> ref;
        try (ObjectDetector d = load(new EngineOptions(1, false, 100))) {
            ref = d.detect(frame, 0.3f).detections();
        }
        assertTrue(ref.size() >= 1);
        int[] types = { org.bytedeco.tensorflowlite.global.tensorflowlite.kTfLiteInt8,
                org.bytedeco.tensorflowlite.global.tensorflowlite.kTfLiteFloat32 };
        byte[][] variants = { InputVariants.int8Input(model), InputVariants.floatInput(model) };
        for (int v = 0; v < variants.length; v++) {
            byte[] variant = variants[v];
            try (TfliteDetector d = (TfliteDetector) new TfliteEngine().load(CoralModel.identity(variant), variant,
                    CoralModel.spec(), new EngineOptions(1, false, 100))) {
                assertEquals(types[v], d.inputType());
                var got = d.detect(frame, 0.3f).detections();
                assertEquals(ref.size(), got.size(), "type " + d.inputType() + ": " + got);
                for (int i = 0; i < ref.size(); i++) {
                    assertEquals(ref.get(i).classId(), got.get(i).classId());
                    assertEquals(ref.get(i).score(), got.get(i).score(), 1e-4);
                    assertEquals(ref.get(i).xmin(), got.get(i).xmin(), 1e-3);
                    assertEquals(ref.get(i).ymax(), got.get(i).ymax(), 1e-3);
                }
            }
        }
    }

    @Test
    void garbageIsRejectedWithClearMessage() {
        byte[] junk = new byte[4096];
        new Random(1).nextBytes(junk);
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> load(junk));
        assertTrue(e.getMessage().contains("not a TFLite model"), e.getMessage());
        // right identifier, corrupt body: the flatbuffer verifier must catch it before the interpreter
        junk[4] = 'T';
        junk[5] = 'F';
        junk[6] = 'L';
        junk[7] = '3';
        e = assertThrows(ModelLoadException.class, () -> load(junk));
        assertTrue(e.getMessage().contains("verification"), e.getMessage());
        // truncated real model
        byte[] cut = java.util.Arrays.copyOf(model, model.length / 2);
        assertThrows(ModelLoadException.class, () -> load(cut));
        assertThrows(ModelLoadException.class, () -> load(new byte[0]));
    }

    @Test
    void closeTwiceIsHarmlessAndDetectAfterCloseFails() throws Exception {
        ObjectDetector d = load(EngineOptions.defaults());
        d.close();
        d.close();
        assertThrows(IllegalStateException.class, () -> d.detect(frame, 0.5f));
    }

    @Test
    void repeatedLoadCloseDoesNotLeak() throws Exception {
        // warm up: natives loaded, allocator pools filled
        for (int i = 0; i < 3; i++) cycle();
        long total0 = Pointer.totalBytes();
        long phys0 = Pointer.physicalBytes();
        for (int i = 0; i < 50; i++) cycle();
        long total1 = Pointer.totalBytes();
        long phys1 = Pointer.physicalBytes();
        // each cycle copies the 6 MB model into a JavaCPP BytePointer and builds an interpreter:
        // a leak would grow totalBytes by ~300 MB and RSS by more
        assertTrue(total1 - total0 < 1 << 20, "JavaCPP totalBytes grew " + (total1 - total0));
        assertTrue(phys1 - phys0 < 100L << 20, "physicalBytes grew " + ((phys1 - phys0) >> 20) + " MB");
    }

    private static void cycle() throws Exception {
        try (ObjectDetector d = load(EngineOptions.defaults())) {
            assertNotNull(d.detect(frame, 0.5f));
        }
    }

    private static ObjectDetector load(EngineOptions o) throws ModelLoadException {
        return new TfliteEngine().load(CoralModel.identity(model), model, CoralModel.spec(), o);
    }

    private static ObjectDetector load(byte[] bytes) throws ModelLoadException {
        return new TfliteEngine().load(CoralModel.identity(model), bytes, CoralModel.spec(), EngineOptions.defaults());
    }
}
