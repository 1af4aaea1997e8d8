package io.vigie.detector.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

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

/** In-process fakes for source, engine, models, events and time, shared by the detector's tests. */
final class Fakes {
    static final ModelIdentity INT8 = new ModelIdentity("ssd", Precision.INT8, "1.0.0", "1111aaaa");
    static final ModelIdentity FP32 = new ModelIdentity("ssd", Precision.FP32, "1.0.0", "2222bbbb");
    /** Decoded once: every switcher in the tests validates against the real check image. */
    static final ModelValidator VALIDATOR = ModelValidator.builtIn();

    private Fakes() {
    }

    static DetectorSettings settings(String precision, float thr, String... zones) {
        return settings(precision, thr, 1, DetectorSettings.ModelGate.DEFAULT, zones);
    }

    static DetectorSettings settings(String precision, float thr, int threads, DetectorSettings.ModelGate gate,
            String... zones) {
        return DetectorSettings.validate(new SourceConfig("fake://a", true, 0, false, 10, 100, 100), precision, thr,
                new String[] { "person" }, zones, 0.001f, 300, 300, threads, gate);
    }

    static DetectionModel model(ModelIdentity id) {
        return new DetectionModel() {
            public ModelIdentity identity() { return id; }
            public ModelSpec spec() { return ModelSpec.postprocessOp(List.of("person", "dog"), 0, 128, 128); }
            public byte[] loadBytes() throws IOException { return new byte[] { 1, 2, 3 }; }
        };
    }

    /** Posted events, in order. */
    static final class Events implements EventSink {
        final List<String> topics = new CopyOnWriteArrayList<>();
        final List<Map<String, Object>> props = new CopyOnWriteArrayList<>();

        @Override
        public void post(String topic, Map<String, Object> properties) {
            topics.add(topic);
            props.add(properties);
        }

        /** Properties of the first event on the topic, or null. */
        Map<String, Object> first(String topic) {
            int i = topics.indexOf(topic);
            return i < 0 ? null : props.get(i);
        }
    }

    interface SeqPredicate { boolean test(long seq); }

    /** What a fake interpreter saw: the frame's sequence and the model that processed it. */
    record Seen(long sequence, ModelIdentity model) {
    }

    static final class FakeEngine implements InferenceEngine {
        volatile SeqPredicate personVisible = seq -> true;
        volatile boolean failNext;
        /** Frames whose inference throws (after being recorded in {@link #seen}). */
        volatile SeqPredicate failDetect = seq -> false;
        final AtomicInteger closed = new AtomicInteger();
        final List<ModelIdentity> loads = new CopyOnWriteArrayList<>();
        final List<ModelIdentity> closedIds = new CopyOnWriteArrayList<>();
        final List<Seen> seen = new CopyOnWriteArrayList<>();
        /** The threads models were loaded on. */
        final List<Thread> loaders = new CopyOnWriteArrayList<>();

        @Override
        public ObjectDetector load(ModelIdentity identity, byte[] model, ModelSpec spec, EngineOptions options)
                throws ModelLoadException {
            loads.add(identity);
            loaders.add(Thread.currentThread());
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
                    if (!checkImage) seen.add(new Seen(seq, identity));
                    if (!checkImage && failDetect.test(seq)) throw new IllegalStateException("invoke failed");
                    List<Detection> ds = new ArrayList<>();
                    if (checkImage || personVisible.test(seq)) {
                        ds.add(new Detection(0, "person", 0.9f, 0.1f, 0.2f, 0.3f, 0.8f));
                    }
                    ds.add(new Detection(0, "person", 0.3f, 0.6f, 0.2f, 0.7f, 0.8f));
                    ds.add(new Detection(1, "dog", 0.95f, 0.6f, 0.2f, 0.7f, 0.8f));
                    ds.removeIf(d -> d.score() < minScore);
                    return new InferenceResult(ds, 0.1, 1.0, 0.1);
                }
                public void close() {
                    closed.incrementAndGet();
                    closedIds.add(identity);
                }
            };
        }
    }

    /** Frames every 100 ms of frame time, as fast as they are taken (after {@code pauseMs} of real time). */
    static final class FakeSources implements FrameSourceFactory {
        final AtomicInteger taken = new AtomicInteger();
        final AtomicInteger opened = new AtomicInteger();
        final AtomicInteger closed = new AtomicInteger();
        volatile long pauseMs = 2;

        @Override
        public FrameSource open(SourceConfig config) {
            opened.incrementAndGet();
            return new FrameSource() {
                long seq;
                final ByteBuffer buf = ByteBuffer.allocateDirect(64 * 48 * 3);

                public Frame take(long timeout, TimeUnit unit) throws InterruptedException {
                    if (pauseMs > 0) Thread.sleep(pauseMs);
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

                public void close() {
                    closed.incrementAndGet();
                }
            };
        }
    }

    /**
     * Time the test moves by hand, and the loader thread as a queue of tasks that run on the test thread when the
     * clock reaches them, in due order.
     */
    static final class ManualClock implements LongSupplier, ModelSwitcher.Scheduler {
        private record Task(long due, long order, Runnable run) {
        }

        // not 0: the switcher's "holding since" uses 0 for "not holding"
        private long now = TimeUnit.SECONDS.toNanos(1);
        private long order;
        private final PriorityQueue<Task> tasks = new PriorityQueue<>(
                Comparator.comparingLong(Task::due).thenComparingLong(Task::order));

        @Override
        public long getAsLong() {
            return now;
        }

        @Override
        public void execute(Runnable task) {
            schedule(task, 0);
        }

        @Override
        public void schedule(Runnable task, long delayMs) {
            tasks.add(new Task(now + TimeUnit.MILLISECONDS.toNanos(delayMs), order++, task));
        }

        /** Runs what is due now (a load asked for runs here, like on the loader thread). */
        void runDue() {
            advance(0);
        }

        /** Moves the clock, running each task that falls due at its own time. */
        void advance(long ms) {
            long target = now + TimeUnit.MILLISECONDS.toNanos(ms);
            Task t;
            while ((t = tasks.peek()) != null && t.due() <= target) {
                tasks.poll();
                now = Math.max(now, t.due());
                t.run().run();
            }
            now = target;
        }
    }
}
