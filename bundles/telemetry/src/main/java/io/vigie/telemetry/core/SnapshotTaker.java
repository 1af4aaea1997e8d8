package io.vigie.telemetry.core;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.vigie.api.detect.FrameResult;
import io.vigie.api.video.ImageView;
import io.vigie.view.image.Annotator;
import io.vigie.view.image.JpegEncoder;
import io.vigie.view.image.Picture;

/**
 * Pixels on demand: {@link #wanted()} is true only while a snapshot is pending, so the detector
 * copies frame pixels for us only then (FrameListener.wantsImages). The next frame with pixels is
 * encoded once (optionally annotated by io.vigie.view's {@link Annotator}, the web stream's drawing
 * without its status line; scaled to a max width) and completes every pending request.
 * The JPEG is kept under {@code maxBytes} by lowering quality, then size; if it still does not
 * fit, the requests fail with a clear message.
 */
public final class SnapshotTaker {
    private final List<CompletableFuture<Snapshot>> pending = new ArrayList<>();
    private volatile boolean wanted;
    private final boolean annotate;
    private final int maxBytes;
    private final int maxWidth;
    private final int quality;
    private final Annotator annotator = new Annotator();
    private final JpegEncoder encoder = new JpegEncoder(); // holds no native state: nothing to free

    public SnapshotTaker(boolean annotate, int maxBytes, int maxWidth, int quality) {
        this.annotate = annotate;
        this.maxBytes = maxBytes;
        this.maxWidth = maxWidth;
        this.quality = quality;
    }

    /**
     * A future completed with the next frame's JPEG; the caller bounds the wait (get with timeout) and
     * cancels on timeout.
     */
    public CompletableFuture<Snapshot> request() {
        CompletableFuture<Snapshot> f = new CompletableFuture<>();
        synchronized (pending) {
            pending.add(f);
            wanted = true;
        }
        // a timed-out caller cancels: forget it so pixels stop being copied for nobody
        f.whenComplete((s, e) -> {
            synchronized (pending) {
                pending.remove(f);
                wanted = !pending.isEmpty();
            }
        });
        return f;
    }

    /** Cheap: asked by the detector for every frame. */
    public boolean wanted() {
        return wanted;
    }

    /** Called from the sink thread with each frame; encodes only when someone waits and pixels came. */
    public void offer(FrameResult result, ImageView image) {
        if (image == null || !wanted) return;
        List<CompletableFuture<Snapshot>> waiting;
        synchronized (pending) {
            waiting = new ArrayList<>(pending);
        }
        if (waiting.isEmpty()) return;
        try {
            Snapshot s = encode(result, image);
            for (CompletableFuture<Snapshot> f : waiting) f.complete(s);
        } catch (IOException | RuntimeException e) {
            for (CompletableFuture<Snapshot> f : waiting) f.completeExceptionally(e);
        }
    }

    /** Fails every pending request (deactivation). */
    public void close() {
        List<CompletableFuture<Snapshot>> waiting;
        synchronized (pending) {
            waiting = new ArrayList<>(pending);
        }
        IllegalStateException stopped = new IllegalStateException("telemetry stopped");
        for (CompletableFuture<Snapshot> f : waiting) f.completeExceptionally(stopped);
    }

    Snapshot encode(FrameResult result, ImageView view) throws IOException {
        // one native copy of the frame, drawn on and scaled by OpenCV (io.vigie.view), freed before we return
        try (Picture full = Picture.copyOf(view)) {
            if (annotate) annotator.annotate(full, result, null);
            Picture img = full.width() > maxWidth ? full.scaledToWidth(maxWidth) : full;
            try {
                int q = quality;
                for (int attempt = 0; attempt < 6; attempt++) {
                    byte[] jpeg = encoder.encode(img, q);
                    if (jpeg.length <= maxBytes) {
                        return new Snapshot(jpeg, result.sequence(), result.timestampMillis(), img.width(),
                                img.height(), annotate, result.model());
                    }
                    // quality first (cheap, keeps detail), then halve the size
                    if (q > 40) {
                        q = Math.max(40, q - 20);
                    } else if (img.width() > 64) {
                        Picture half = img.scaledToWidth(img.width() / 2);
                        if (img != full) img.close();
                        img = half;
                    } else {
                        break;
                    }
                }
            } finally {
                if (img != full) img.close();
            }
        }
        throw new IOException("snapshot does not fit snapshot.max.bytes=" + maxBytes
                + " even at low quality and size");
    }
}
