package io.vigie.detector.core;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.function.LongSupplier;

import javax.imageio.ImageIO;

import io.vigie.api.inference.Detection;
import io.vigie.api.inference.InferenceResult;
import io.vigie.api.inference.ObjectDetector;
import io.vigie.api.video.ImageView;

/**
 * Gate a model must pass before it may serve frames: a smoke inference on a built-in image with
 * people in it (frame 60 of OpenCV's vtest.avi) must return sane numbers, find a person with a
 * plausible score, and the median of a few runs must fit the latency budget (time spent waiting for the CPU left
 * out). It also warms the
 * interpreter up (XNNPACK packs weights on the first run), so the swap itself costs nothing.
 */
public final class ModelValidator {
    /** What a model showed on the check image. */
    public record Report(float bestPersonScore, double medianMillis, int detections) {
    }

    /** A check the model failed: it depends on the gate's settings, so a change of them may let the model pass. */
    public static final class Refused extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        Refused(String reason) {
            super(reason);
        }
    }

    private static final int RUNS = 3;
    private static final Path SCHEDSTAT = Path.of("/proc/thread-self/schedstat");
    private final ImageView check;
    private final LongSupplier queuedNanos;

    public ModelValidator(ImageView check) {
        this(check, ModelValidator::runQueueNanos);
    }

    /**
     * @param queuedNanos the calling thread's time spent runnable but not running (ns, monotonic): taken out of each
     *                    check's latency, so a load at the background priority, or in a throttled CPU quota, is judged
     *                    on the model's speed, not on how long the detector and the quota kept it waiting
     */
    ModelValidator(ImageView check, LongSupplier queuedNanos) {
        this.check = check;
        this.queuedNanos = queuedNanos;
    }

    ImageView checkImage() {
        return check;
    }

    /** Linux: run-queue wait of the calling thread (proc(5) schedstat, 2nd field); 0 where it cannot be read. */
    static long runQueueNanos() {
        try {
            String[] f = Files.readString(SCHEDSTAT).trim().split("\\s+");
            return f.length >= 2 ? Long.parseLong(f[1]) : 0;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** The built-in check image, decoded once (pure Java: no natives needed to read it). */
    public static ModelValidator builtIn() {
        try (InputStream in = ModelValidator.class.getResourceAsStream("/check/people.jpg")) {
            if (in == null) throw new IllegalStateException("check image missing from the bundle");
            BufferedImage img = ImageIO.read(in);
            BufferedImage bgr = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_3BYTE_BGR);
            bgr.getGraphics().drawImage(img, 0, 0, null);
            byte[] px = ((DataBufferByte) bgr.getRaster().getDataBuffer()).getData();
            ByteBuffer direct = ByteBuffer.allocateDirect(px.length);
            direct.put(px).flip();
            return new ModelValidator(new ImageView(bgr.getWidth(), bgr.getHeight(), bgr.getWidth() * 3, direct));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the check image: " + e.getMessage(), e);
        }
    }

    /**
     * @throws IllegalStateException with the reason when the model must not become active; {@link Refused} when
     *         the reason depends on {@code minPersonScore} or {@code latencyBudgetMs}
     */
    public Report validate(ObjectDetector det, float minPersonScore, long latencyBudgetMs) {
        return validate(det, minPersonScore, latencyBudgetMs, () -> { });
    }

    /** As {@link #validate(ObjectDetector, float, long)}, running {@code beforeRun} before each check inference. */
    public Report validate(ObjectDetector det, float minPersonScore, long latencyBudgetMs, Runnable beforeRun) {
        double[] ms = new double[RUNS];
        InferenceResult last = null;
        for (int i = 0; i < RUNS; i++) {
            beforeRun.run();
            long q0 = queuedNanos.getAsLong();
            long t0 = System.nanoTime();
            last = det.detect(check, 0.05f);
            long wall = System.nanoTime() - t0;
            long waited = queuedNanos.getAsLong() - q0;
            ms[i] = Math.max(0, wall - Math.max(0, waited)) / 1e6;
        }
        float best = 0;
        for (Detection d : last.detections()) {
            if (!finite(d.score()) || !finite(d.xmin()) || !finite(d.ymin()) || !finite(d.xmax()) || !finite(d.ymax()))
                throw new IllegalStateException("smoke inference produced NaN/Inf outputs");
            if (d.score() < 0 || d.score() > 1.0001f)
                throw new IllegalStateException("smoke inference produced a score outside 0..1: " + d.score());
            if (d.xmin() < -0.1f || d.ymin() < -0.1f || d.xmax() > 1.1f || d.ymax() > 1.1f || d.xmax() < d.xmin()
                    || d.ymax() < d.ymin())
                throw new IllegalStateException("smoke inference produced an impossible box " + d);
            if ("person".equals(d.label().toLowerCase(Locale.ROOT))) best = Math.max(best, d.score());
        }
        if (best < minPersonScore)
            throw new Refused(String.format(Locale.ROOT,
                    "smoke inference found no person on the check image (best person score %.2f < %.2f)", best, minPersonScore));
        Arrays.sort(ms);
        double median = ms[RUNS / 2];
        if (latencyBudgetMs > 0 && median > latencyBudgetMs)
            throw new Refused(String.format(Locale.ROOT,
                    "too slow: %.0f ms per frame on the check image > budget %d ms", median, latencyBudgetMs));
        return new Report(best, median, last.detections().size());
    }

    private static boolean finite(float f) {
        return !Float.isNaN(f) && !Float.isInfinite(f);
    }
}
