package io.vigie.view.image;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_JPEG_QUALITY;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;

import java.awt.image.BufferedImage;
import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBufferByte;
import java.awt.image.Raster;
import java.io.IOException;
import java.util.Arrays;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * OpenCV's libjpeg-turbo encoder on the image's own BGR bytes: one copy into native memory, no per-row
 * raster reads (ImageIO spent most of a 768x576 frame's ~25 ms there; this takes ~4 ms). Only touched
 * when the bytedeco classes are present: {@link JpegEncoder} falls back to ImageIO otherwise. Not thread-safe.
 */
final class NativeJpeg implements AutoCloseable {
    private static final int[] BGR_OFFSETS = { 2, 1, 0 };
    private final BytePointer out = new BytePointer();
    private final IntPointer params = new IntPointer(IMWRITE_JPEG_QUALITY, 80);
    private BytePointer pixels;
    private Mat mat;
    private int width, height;

    /** Loads the natives now, so a missing library shows here (JpegEncoder then uses ImageIO), not at the first frame. */
    NativeJpeg() {
        Loader.load(opencv_imgcodecs.class);
    }

    /** True for a packed TYPE_3BYTE_BGR image whose buffer holds exactly its pixels (what Annotator makes). */
    static boolean packedBgr(BufferedImage img) {
        if (img.getType() != BufferedImage.TYPE_3BYTE_BGR) return false;
        Raster r = img.getRaster();
        if (!(r.getDataBuffer() instanceof DataBufferByte db) || db.getNumBanks() != 1 || db.getOffset() != 0) return false;
        if (!(r.getSampleModel() instanceof ComponentSampleModel sm)) return false;
        return r.getSampleModelTranslateX() == 0 && r.getSampleModelTranslateY() == 0 && sm.getPixelStride() == 3
                && sm.getScanlineStride() == img.getWidth() * 3 && Arrays.equals(sm.getBandOffsets(), BGR_OFFSETS)
                && db.getData().length == img.getWidth() * img.getHeight() * 3;
    }

    byte[] encode(BufferedImage img, int quality) throws IOException {
        byte[] px = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
        if (mat == null || img.getWidth() != width || img.getHeight() != height) {
            release();
            width = img.getWidth();
            height = img.getHeight();
            pixels = new BytePointer((long) px.length);
            mat = new Mat(height, width, CV_8UC3, pixels);
        }
        pixels.position(0).put(px, 0, px.length);
        params.put(1, quality);
        if (!imencode(".jpg", mat, out, params)) throw new IOException("OpenCV could not encode a JPEG");
        byte[] jpeg = new byte[(int) out.limit()];
        out.position(0).get(jpeg);
        return jpeg;
    }

    private void release() {
        if (mat != null) mat.close();
        if (pixels != null) pixels.close();
        mat = null;
        pixels = null;
    }

    @Override
    public void close() {
        release();
        params.close();
        out.close();
    }
}
