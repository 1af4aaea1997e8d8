package io.vigie.telemetry.core;

import java.nio.ByteBuffer;
import java.util.Random;

import io.vigie.api.video.ImageView;

/** Test images. */
final class Images {
    /** A BGR gradient, or noise (hard to compress) when noisy. Stride padded like real frame pools. */
    static ImageView bgr(int w, int h, boolean noisy) {
        int stride = w * 3 + 16;
        ByteBuffer b = ByteBuffer.allocateDirect(stride * h);
        Random r = new Random(42);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = y * stride + x * 3;
                if (noisy) {
                    b.put(i, (byte) r.nextInt(256)).put(i + 1, (byte) r.nextInt(256)).put(i + 2, (byte) r.nextInt(256));
                } else {
                    b.put(i, (byte) (x * 255 / w)).put(i + 1, (byte) (y * 255 / h)).put(i + 2, (byte) 128);
                }
            }
        }
        return new ImageView(w, h, stride, b);
    }
}
