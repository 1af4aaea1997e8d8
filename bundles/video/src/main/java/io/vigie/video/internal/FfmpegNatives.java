package io.vigie.video.internal;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avformat;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.ffmpeg.global.swresample;
import org.bytedeco.ffmpeg.global.swscale;
import org.bytedeco.javacpp.Loader;
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
                // what decoding files and streams needs; then the grabber's own static init, which also loads
                // avdevice (cameras) and keeps going without it: not tryLoad(), which fails the whole load when
                // avdevice's system libraries are missing (libxcb-shm in the slim container image)
                Loader.load(avutil.class);
                Loader.load(swresample.class);
                Loader.load(avcodec.class);
                Loader.load(avformat.class);
                Loader.load(swscale.class);
                Class.forName(FFmpegFrameGrabber.class.getName(), true, FfmpegNatives.class.getClassLoader());
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
            throw new IOException("FFmpeg's natives did not load: " + causes(e.getCause()), e.getCause());
        }
    }

    /** "A: x <- B: y <- ..." : JavaCV wraps the loader's real reason (a missing library, a cache it cannot write). */
    static String causes(Throwable t) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; t != null && i < 6; t = t.getCause(), i++) b.append(i == 0 ? "" : " <- ").append(t);
        return b.toString();
    }
}
