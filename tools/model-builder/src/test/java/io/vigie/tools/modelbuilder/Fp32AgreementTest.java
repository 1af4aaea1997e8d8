package io.vigie.tools.modelbuilder;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import javax.imageio.ImageIO;

import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.Java2DFrameConverter;
import org.junit.jupiter.api.Test;

/**
 * The derived float model must load in TFLite and find the same people as the uint8 model on
 * real COCO128 images and vtest.avi frames: (nearly) every confident uint8 person box has a float
 * person box on top of it with a similar score.
 */
class Fp32AgreementTest {
    private static final float MIN_SCORE = 0.5f;
    private static final float MIN_IOU = 0.8f;
    private static final float MAX_SCORE_DIFF = 0.15f;
    /** Images compared; -Dvigie.agreement.images=N for a longer run. */
    private static final int IMAGES = Integer.getInteger("vigie.agreement.images", 12);

    /** Person-box agreement over a set of frames. */
    private static final class Agreement {
        int frames, compared, matched;
        double iouSum, scoreDiffSum, worstIou = 1, worstScoreDiff;

        void add(List<TfliteRunner.Det> u8, List<TfliteRunner.Det> f32) {
            frames++;
            for (TfliteRunner.Det d : u8) {
                if (d.cls() != 0 || d.score() < MIN_SCORE)
                    continue;
                compared++;
                TfliteRunner.Det best = null;
                float bestIou = 0;
                for (TfliteRunner.Det e : f32)
                    if (e.cls() == 0 && d.iou(e) > bestIou) {
                        bestIou = d.iou(e);
                        best = e;
                    }
                float diff = best == null ? 1 : Math.abs(best.score() - d.score());
                worstIou = Math.min(worstIou, bestIou);
                worstScoreDiff = Math.max(worstScoreDiff, diff);
                iouSum += bestIou;
                scoreDiffSum += diff;
                if (bestIou >= MIN_IOU && diff <= MAX_SCORE_DIFF)
                    matched++;
            }
        }

        void check(String what) {
            String summary = String.format(
                    "FP32 vs uint8 on %d %s: %d/%d uint8 person boxes (score>=%.2f) matched "
                            + "(IoU>=%.2f, |dscore|<=%.2f); mean IoU %.3f, worst IoU %.3f, mean |dscore| %.3f, worst %.3f",
                    frames, what, matched, compared, MIN_SCORE, MIN_IOU, MAX_SCORE_DIFF,
                    compared == 0 ? 0 : iouSum / compared, worstIou, compared == 0 ? 0 : scoreDiffSum / compared,
                    worstScoreDiff);
            System.out.println(summary);
            assertTrue(compared >= 5, "too few confident person detections to compare: " + summary);
            // quantization noise may move a borderline box; the bulk must agree
            assertTrue(matched >= Math.ceil(compared * 0.9), summary);
        }
    }

    @Test
    void floatModelFindsTheSamePeople() throws IOException {
        Path images = shared("datasets/coco128/images/val2017");
        assertNotNull(images, "COCO128 not found (set -Dvigie.shared=/path/to/shared)");
        List<Path> withPeople = peopleImages(images);
        assertFalse(withPeople.isEmpty(), "no COCO128 image with a person label in " + images);
        Agreement agreement = new Agreement();
        try (TfliteRunner u8 = new TfliteRunner(CoralModels.coral());
                TfliteRunner f32 = new TfliteRunner(CoralModels.fp32().model())) {
            assertFalse(u8.floatInput);
            assertTrue(f32.floatInput, "float model must take float32 input");
            for (Path p : withPeople) {
                byte[] rgb = rgb300(ImageIO.read(p.toFile()));
                agreement.add(u8.detect(rgb), f32.detect(rgb));
            }
        }
        agreement.check("COCO128 images");
    }

    @Test
    void sameOnVtestFrames() throws Exception {
        Path video = shared("media/vtest.avi");
        assertNotNull(video, "vtest.avi not found (set -Dvigie.shared=/path/to/shared)");
        Agreement agreement = new Agreement();
        try (TfliteRunner u8 = new TfliteRunner(CoralModels.coral());
                TfliteRunner f32 = new TfliteRunner(CoralModels.fp32().model());
                FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(video.toFile());
                Java2DFrameConverter converter = new Java2DFrameConverter()) {
            grabber.start();
            for (int i = 0; i < 800; i++) {
                Frame frame = grabber.grabImage();
                if (frame == null)
                    break;
                if (i % 50 != 0) // 16 frames spread over the clip
                    continue;
                byte[] rgb = rgb300(converter.convert(frame));
                agreement.add(u8.detect(rgb), f32.detect(rgb));
            }
            grabber.stop();
        }
        agreement.check("vtest.avi frames");
    }

    static Path shared(String relative) {
        List<Path> candidates = new ArrayList<>();
        String prop = System.getProperty("vigie.shared");
        if (prop != null && !prop.isBlank())
            candidates.add(Path.of(prop));
        for (Path d = Path.of(System.getProperty("user.dir")).toAbsolutePath(); d != null; d = d.getParent())
            candidates.add(d.resolve("shared"));
        for (Path c : candidates) {
            Path v = c.resolve(relative);
            if (Files.exists(v))
                return v;
        }
        return null;
    }

    /** Images whose YOLO label file has class 0 (person), sorted, first {@link #IMAGES}. */
    private static List<Path> peopleImages(Path images) throws IOException {
        Path labels = images.getParent().getParent().resolve("labels").resolve(images.getFileName());
        List<Path> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(images)) {
            for (Path p : s.filter(f -> f.toString().endsWith(".jpg")).sorted().toList()) {
                Path l = labels.resolve(p.getFileName().toString().replace(".jpg", ".txt"));
                if (Files.isRegularFile(l) && Files.readAllLines(l).stream().anyMatch(x -> x.startsWith("0 ")))
                    out.add(p);
                if (out.size() == IMAGES)
                    break;
            }
        }
        return out;
    }

    private static byte[] rgb300(BufferedImage src) {
        BufferedImage dst = new BufferedImage(300, 300, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = dst.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(src, 0, 0, 300, 300, null);
        g.dispose();
        byte[] rgb = new byte[300 * 300 * 3];
        for (int y = 0, i = 0; y < 300; y++)
            for (int x = 0; x < 300; x++) {
                int c = dst.getRGB(x, y);
                rgb[i++] = (byte) (c >> 16);
                rgb[i++] = (byte) (c >> 8);
                rgb[i++] = (byte) c;
            }
        return rgb;
    }
}
