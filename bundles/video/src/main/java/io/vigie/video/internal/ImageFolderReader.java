package io.vigie.video.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;

import io.vigie.api.video.ImageView;

/**
 * Plays the .jpg/.jpeg/.png files of a folder in name order, one pass per opening, decoding each
 * with FFmpeg. An unreadable image is skipped with a warning; a pass with no readable image fails.
 */
public final class ImageFolderReader implements FrameReader {
    private final Path dir;
    private final double fps;
    private List<Path> files = List.of();
    private int next;
    private FFmpegFrameGrabber current; // holds the pixels of the last returned view
    private String warning;
    private int decodedThisPass;

    public ImageFolderReader(Path dir, double fps) {
        this.dir = dir;
        this.fps = fps;
    }

    static boolean isImage(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".jpg") || n.endsWith(".jpeg") || n.endsWith(".png");
    }

    /** Sorted images of the folder. */
    static List<Path> list(Path dir) throws IOException {
        if (!Files.exists(dir)) throw new IOException("folder not found: " + dir);
        if (!Files.isDirectory(dir)) throw new IOException("not a folder: " + dir);
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> Files.isRegularFile(p) && isImage(p)).sorted().collect(Collectors.toList());
        }
    }

    @Override
    public void open() throws IOException {
        close();
        FfmpegNatives.await();
        files = list(dir);
        if (files.isEmpty()) throw new IOException("no .jpg/.jpeg/.png images in " + dir);
        next = 0;
        decodedThisPass = 0;
    }

    @Override
    public double fps() { return fps; }

    @Override
    public ImageView read() throws IOException {
        String firstError = null;
        int failed = 0;
        while (next < files.size()) {
            Path p = files.get(next++);
            releaseCurrent();
            FFmpegFrameGrabber g = new FFmpegFrameGrabber(p.toFile());
            try {
                g.setPixelFormat(avutil.AV_PIX_FMT_BGR24);
                g.start();
                Frame f = g.grabImage();
                if (f == null) throw new IOException("no image decoded");
                ImageView v = FfmpegReader.view(f);
                current = g;
                decodedThisPass++;
                if (firstError != null) warning = "skipped " + failed + " unreadable image(s), first: " + firstError;
                return v;
            } catch (Exception e) {
                FfmpegReader.release(g);
                failed++;
                if (firstError == null) firstError = p.getFileName() + ": " + FfmpegReader.clean(e.getMessage());
            }
        }
        if (firstError != null && decodedThisPass == 0)
            throw new IOException("no readable image in " + dir + "; first error: " + firstError);
        return null;
    }

    @Override
    public String takeWarning() {
        String w = warning;
        warning = null;
        return w;
    }

    private void releaseCurrent() {
        FFmpegFrameGrabber g = current;
        current = null;
        if (g != null) FfmpegReader.release(g);
    }

    @Override
    public void close() {
        releaseCurrent();
    }
}
