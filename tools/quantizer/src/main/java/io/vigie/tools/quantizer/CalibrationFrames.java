package io.vigie.tools.quantizer;

import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2RGB;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * Calibration frames as the detector engine feeds them: decoded BGR, resized (bilinear) to the
 * model input, RGB, uint8 HWC. From an image folder (file names sorted) or a video file (evenly
 * spaced frames). Deterministic: same files, same frames.
 */
public final class CalibrationFrames {
    private static final List<String> IMAGE_EXT = List.of(".jpg", ".jpeg", ".png", ".bmp");

    private CalibrationFrames() {
    }

    /** Up to {@code max} frames of {@code source} (a folder of images or a video file), w×h RGB. */
    public static List<byte[]> load(Path source, int w, int h, int max) throws IOException {
        if (!Files.exists(source))
            throw new QuantizationException("calibration source " + source + " does not exist");
        List<byte[]> frames = Files.isDirectory(source) ? images(source, w, h, max) : video(source, w, h, max);
        if (frames.isEmpty())
            throw new QuantizationException("calibration set is empty: no decodable image or frame in " + source);
        return frames;
    }

    private static List<byte[]> images(Path dir, int w, int h, int max) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> IMAGE_EXT.stream()
                    .anyMatch(e -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(e)))
                    .sorted().toList();
        }
        List<byte[]> out = new ArrayList<>();
        // evenly spaced over the sorted list, so a limit still sees the whole folder
        int n = Math.min(max, files.size());
        for (int i = 0; i < n; i++) {
            out.add(image(files.get((int) ((long) i * files.size() / n)), w, h));
        }
        return out;
    }

    /** One image file as w×h RGB. */
    static byte[] image(Path p, int w, int h) {
        try (Mat m = imread(p.toString(), IMREAD_COLOR)) {
            if (m == null || m.empty())
                throw new QuantizationException("cannot decode calibration image " + p);
            return rgb(m, w, h);
        }
    }

    private static List<byte[]> video(Path file, int w, int h, int max) throws IOException {
        List<byte[]> out = new ArrayList<>();
        try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(file.toFile());
                OpenCVFrameConverter.ToMat conv = new OpenCVFrameConverter.ToMat()) {
            try {
                g.start();
            } catch (FFmpegFrameGrabber.Exception e) {
                throw new QuantizationException("cannot open calibration video " + file + ": " + e.getMessage());
            }
            int total = g.getLengthInVideoFrames();
            int step = total > max ? total / max : 1;
            int index = 0;
            Frame f;
            while (out.size() < max && (f = g.grabImage()) != null) {
                if (index++ % step != 0)
                    continue;
                Mat m = conv.convert(f);
                if (m == null || m.empty())
                    continue;
                out.add(rgb(m, w, h));
            }
            g.stop();
        }
        return out;
    }

    static byte[] rgb(Mat bgr, int w, int h) {
        try (Mat sized = new Mat(); Mat rgb = new Mat()) {
            resize(bgr, sized, new Size(w, h), 0, 0, INTER_LINEAR);
            cvtColor(sized, rgb, COLOR_BGR2RGB);
            byte[] b = new byte[w * h * 3];
            rgb.data().get(b);
            return b;
        }
    }
}
