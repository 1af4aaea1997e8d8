package io.vigie.video.internal;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import org.bytedeco.javacv.FFmpegFrameGrabber;

/**
 * FFmpeg's natives, loaded once on a thread of their own that nobody interrupts. JavaCPP extracts a library
 * through interruptible file channels, and a class whose static initialiser failed stays unusable for the JVM's
 * life: a capture thread interrupted by a source swap during the very first load (fresh data dir, so the natives
 * are being extracted) left "Could not initialize class ...avutil" until the gateway restarted
 * ({@code NativesInterruptIT}). Readers wait for this load, interruptibly, and never run it themselves.
 */
final class FfmpegNatives {
    private static final CompletableFuture<Void> LOADED = load();

    private FfmpegNatives() {
    }

    private static CompletableFuture<Void> load() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                FFmpegFrameGrabber.tryLoad();
                done.complete(null);
            } catch (Throwable e) { // an Error too: the readers must get it, not wait forever
                done.completeExceptionally(e);
            }
        }, "vigie-ffmpeg-natives");
        t.setDaemon(true);
        t.start();
        return done;
    }

    /** Returns once FFmpeg is loaded; an interrupt ends the wait (the load goes on), a failed load is an IOException. */
    static void await() throws IOException {
        try {
            LOADED.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while FFmpeg's natives load (the load goes on)");
        } catch (ExecutionException e) {
            throw new IOException("FFmpeg's natives did not load: " + e.getCause(), e.getCause());
        }
    }
}
