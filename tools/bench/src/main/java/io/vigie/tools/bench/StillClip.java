package io.vigie.tools.bench;

import java.nio.file.Files;
import java.nio.file.Path;

import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;

/**
 * Builds the gating benchmark's clip with still stretches from a video (vtest.avi): {@code cycles} times
 * {@code movingS} seconds of the video followed by its last frame repeated for {@code stillS} seconds, as a camera
 * sees a scene where people come, stop or leave, and nothing moves for a while. MPEG-4 part 2 at the source's frame
 * rate, a key frame every 2 s like a camera's stream, bit-exact and single-threaded so the same input gives the same
 * bytes. Run by the build (tools/bench pom, {@code package}); needs FFmpeg, which the bench's own runtime does not.
 *
 * <pre>StillClip IN OUT [movingS stillS cycles]</pre>
 */
public final class StillClip {
    public static final double MOVING_S = 5, STILL_S = 15;
    public static final int CYCLES = 3;

    private StillClip() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2 && args.length != 5) {
            System.err.println("usage: StillClip IN OUT [movingS stillS cycles]");
            System.exit(2);
        }
        Path in = Path.of(args[0]), out = Path.of(args[1]);
        if (!Files.isRegularFile(in)) {
            // the shared media are not everywhere the tools build: say so and build nothing
            System.err.println("StillClip: no " + in + ": clip not built (the gating benchmark will say it is missing)");
            return;
        }
        double moving = args.length == 5 ? Double.parseDouble(args[2]) : MOVING_S;
        double still = args.length == 5 ? Double.parseDouble(args[3]) : STILL_S;
        int cycles = args.length == 5 ? Integer.parseInt(args[4]) : CYCLES;
        Files.createDirectories(out.toAbsolutePath().getParent());
        Path tmp = out.resolveSibling(out.getFileName() + ".tmp.avi");
        int frames = 0;
        try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(in.toFile())) {
            g.start();
            double fps = g.getFrameRate() > 0 ? g.getFrameRate() : 10;
            try (FFmpegFrameRecorder r = new FFmpegFrameRecorder(tmp.toFile(), g.getImageWidth(), g.getImageHeight(), 0)) {
                r.setFormat("avi");
                r.setVideoCodec(avcodec.AV_CODEC_ID_MPEG4);
                r.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
                r.setFrameRate(fps);
                r.setGopSize((int) Math.round(2 * fps));
                r.setVideoQuality(3); // fixed quantiser: no rate control that depends on timing
                r.setVideoOption("threads", "1");
                r.setVideoOption("flags", "+bitexact");
                r.setOption("fflags", "+bitexact");
                r.start();
                for (int c = 0; c < cycles; c++) {
                    Frame last = null;
                    for (int i = 0; i < Math.round(moving * fps); i++) {
                        Frame f = g.grabImage();
                        if (f == null) throw new IllegalStateException(in + " ends after " + frames + " frames");
                        r.record(f);
                        frames++;
                        if (last != null) last.close();
                        last = f.clone();
                    }
                    for (int i = 0; i < Math.round(still * fps); i++, frames++) r.record(last);
                    last.close();
                }
                r.stop();
            }
        }
        Files.move(tmp, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        System.out.printf("StillClip: %s, %d frames (%d x (%.0f s moving + %.0f s still))%n", out, frames, cycles, moving,
                still);
    }
}
