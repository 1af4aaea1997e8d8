package io.vigie.video;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.vigie.video.internal.FrameReader;
import io.vigie.video.internal.FfmpegReader;
import io.vigie.video.internal.SourceUri;

/**
 * A capture thread interrupted (source swap, stop) while FFmpeg's natives are extracted for the first time must not
 * break video for the JVM's life. Needs a JVM that has never loaded FFmpeg and an empty JavaCPP cache, so the check
 * runs in a child JVM: it opens vtest.avi with its interrupt flag set, then opens it again.
 */
class NativesInterruptIT {
    @TempDir
    Path tmp;

    /** The child: prints FIRST/SECOND with the outcome of each open. */
    public static void main(String[] args) throws Exception {
        SourceUri uri = SourceUri.parse(args[0]);
        Thread.currentThread().interrupt();
        System.out.println("FIRST " + open(uri));
        Thread.interrupted();
        System.out.println("SECOND " + open(uri));
    }

    private static String open(SourceUri uri) {
        try (FrameReader r = FfmpegReader.of(uri, 5000)) {
            r.open();
            return r.read() != null ? "OK" : "no frame";
        } catch (Throwable e) {
            return e.toString().replace('\n', ' ');
        }
    }

    @Test
    void aCaptureInterruptedDuringTheFirstNativeLoadDoesNotBreakVideo() throws Exception {
        Path vtest = Paths.get(System.getProperty("vigie.shared", "../../../shared"), "media", "vtest.avi");
        assertTrue(Files.isRegularFile(vtest), "needs vigie.shared with media/vtest.avi");
        Path out = tmp.resolve("out.txt");
        Process p = new ProcessBuilder(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dorg.bytedeco.javacpp.cachedir=" + tmp.resolve("javacpp-cache"),
                "-cp", System.getProperty("java.class.path") + File.pathSeparator, NativesInterruptIT.class.getName(),
                vtest.toString()).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "child JVM did not end");
        List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8).stream()
                .filter(l -> l.startsWith("FIRST ") || l.startsWith("SECOND ")).toList();
        String all = String.join("\n", lines);
        assertEquals(2, lines.size(), all + "\n" + Files.readString(out));
        // the interrupted open may end early (InterruptedIOException) or succeed; it must not poison the classes
        assertTrue(lines.get(0).equals("FIRST OK") || lines.get(0).contains("InterruptedIOException"), all);
        assertEquals("SECOND OK", lines.get(1), all);
    }
}
