package io.vigie.tools.eval;

import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;

import java.io.IOException;
import java.nio.file.Path;

import org.bytedeco.opencv.opencv_core.Mat;

import io.vigie.api.video.ImageView;

/** Decodes an image with OpenCV (BGR) and views it without copying. */
final class Images {
    private Images() {
    }

    static Mat read(Path p) throws IOException {
        Mat m = imread(p.toString(), IMREAD_COLOR);
        if (m == null || m.empty()) {
            if (m != null) m.close();
            throw new IOException("cannot decode " + p);
        }
        return m;
    }

    /** Valid while {@code m} is open. */
    static ImageView view(Mat m) {
        long len = m.step() * m.rows();
        return new ImageView(m.cols(), m.rows(), (int) m.step(), m.data().capacity(len).asByteBuffer());
    }
}
