package io.vigie.model.common;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

import io.vigie.api.model.DetectionModel;
import io.vigie.api.model.ModelIdentity;
import io.vigie.api.model.ModelSpec;
import io.vigie.api.model.OutputFormat;

/**
 * A {@link DetectionModel} whose bytes, labels and card are resources of the model bundle. The
 * small files are read once; the .tflite is read and checked on every {@link #loadBytes()} so
 * the caller always owns a fresh, verified copy and the bundle keeps no large heap array.
 * <p>The check: the CRC-32 the build wrote ({@code crc32=} in model.properties, computed from the same bytes as the
 * {@code sha256=} identity) when there is one, else the SHA-256 itself. It catches damaged or mixed-up files;
 * it was never a defence against a forger, who would write a matching sha256 as easily (packages are authenticated
 * as a whole at install: signature, hash; docs/SECURITY.md). CRC-32 is native: ~2 ms for the 6.7 MB INT8 model,
 * where SHA-256 cost 0.1-0.3 CPU-s at a cold start (no SHA intrinsics in the launcher's C1-only JVM; docs/BENCHMARKS.md
 * "Cold start at the edge, second pass").
 */
public final class BundledDetectionModel implements DetectionModel {
    private static final int CHUNK = 1 << 20;
    private final ResourceLoader resources;
    private final ModelProperties props;
    private final ModelSpec spec;
    private final String card;
    /** {@code size} from model.properties (the build writes it), or -1: lets loadBytes fill one exact array. */
    private final int declaredSize;
    /** {@code crc32} from model.properties (the build writes it), or -1: then the bytes are checked against the sha256. */
    private final long declaredCrc32;

    public BundledDetectionModel(ResourceLoader resources) throws IOException {
        this.resources = resources;
        byte[] propsFile;
        try (InputStream in = open(ModelProperties.PROPERTIES_PATH)) {
            propsFile = in.readAllBytes();
        }
        this.props = ModelProperties.parse(new java.io.ByteArrayInputStream(propsFile));
        java.util.Properties raw = new java.util.Properties();
        raw.load(new java.io.ByteArrayInputStream(propsFile));
        this.declaredSize = declaredSize(raw);
        this.declaredCrc32 = declaredCrc32(raw);
        if (props.format() != OutputFormat.POSTPROCESS_OP)
            throw new IOException("model bundles carry POSTPROCESS_OP models only, got " + props.format());
        List<String> labels = readLabels(props.labelsPath());
        this.spec = ModelSpec.postprocessOp(labels, props.labelOffset(), props.mean(), props.std());
        String c;
        try (InputStream in = resources.open(ModelProperties.CARD_PATH)) {
            c = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        this.card = c;
    }

    /** The .tflite's size in bytes as the build wrote it, or -1. */
    public int declaredSize() {
        return declaredSize;
    }

    @Override
    public ModelIdentity identity() {
        return props.identity();
    }

    @Override
    public ModelSpec spec() {
        return spec;
    }

    @Override
    public String modelCard() {
        return card;
    }

    @Override
    public byte[] loadBytes() throws IOException {
        // With a declared CRC-32 the check runs inline (native, ~1 GB/s). Else SHA-256 runs on a second thread while
        // the entry is read and inflated: the launcher's C1-only JVM has no SHA intrinsics (~7 ms per MB, ~170 ms for
        // the 24 MB FP32 model, as long as inflating it), and this sits on the model-swap path. Chunks are hashed in
        // order by a single thread; the caller gets the bytes only once they matched.
        CRC32 crc = declaredCrc32 >= 0 ? new CRC32() : null;
        MessageDigest md = crc == null ? newSha256() : null;
        ExecutorService hasher = crc != null ? null : Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "vigie-model-hash");
            t.setDaemon(true);
            return t;
        });
        List<byte[]> chunks = new ArrayList<>();
        byte[] exact = declaredSize >= 0 ? new byte[declaredSize] : null; // no second 24 MB copy on a 128 MB heap
        long total = 0;
        try {
            try (InputStream in = open(ModelProperties.MODEL_PATH)) {
                while (true) {
                    byte[] buf;
                    int off, len;
                    if (exact != null) {
                        if (total == exact.length) {
                            if (in.read() != -1)
                                throw new IOException(ModelProperties.MODEL_PATH + " is larger than the declared "
                                        + exact.length + " bytes");
                            break;
                        }
                        buf = exact;
                        off = (int) total;
                        len = in.readNBytes(exact, off, Math.min(CHUNK, exact.length - off));
                        if (len == 0) throw new IOException(ModelProperties.MODEL_PATH + " is shorter than the declared "
                                + exact.length + " bytes (" + total + ")");
                    } else {
                        buf = in.readNBytes(CHUNK);
                        off = 0;
                        len = buf.length;
                        if (len == 0) break;
                        chunks.add(buf);
                    }
                    total += len;
                    if (total > Integer.MAX_VALUE - 16)
                        throw new IOException(ModelProperties.MODEL_PATH + " is larger than 2 GB");
                    byte[] b = buf;
                    int o = off, l = len; // a range is never written again once handed to the hasher
                    if (crc != null) crc.update(b, o, l);
                    else hasher.execute(() -> md.update(b, o, l));
                }
            }
            if (hasher != null) {
                hasher.shutdown();
                if (!hasher.awaitTermination(5, TimeUnit.MINUTES))
                    throw new IOException("hashing " + ModelProperties.MODEL_PATH + " timed out");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while reading " + ModelProperties.MODEL_PATH, e);
        } finally {
            if (hasher != null) hasher.shutdownNow();
        }
        if (crc != null) {
            if (crc.getValue() != declaredCrc32)
                throw new IOException(ModelProperties.MODEL_PATH + " of " + props.identity().shortId() + " is corrupt: crc32 "
                        + "expected " + crc32Hex(declaredCrc32) + " but the packed bytes give " + crc32Hex(crc.getValue()));
        } else {
            String actual = HexFormat.of().formatHex(md.digest());
            String expected = props.identity().sha256();
            if (!actual.equals(expected))
                throw new IOException(ModelProperties.MODEL_PATH + " of " + props.identity().shortId()
                        + " is corrupt: sha256 expected " + expected + " but the packed bytes hash to " + actual);
        }
        if (exact != null) return exact;
        byte[] bytes = new byte[(int) total];
        int off = 0;
        for (byte[] c : chunks) {
            System.arraycopy(c, 0, bytes, off, c.length);
            off += c.length;
        }
        return bytes;
    }

    private List<String> readLabels(String path) throws IOException {
        List<String> labels = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(open(path), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null;)
                labels.add(line.strip());
        }
        while (!labels.isEmpty() && labels.get(labels.size() - 1).isEmpty())
            labels.remove(labels.size() - 1);
        if (labels.isEmpty())
            throw new IOException(path + " is empty");
        return labels;
    }

    private InputStream open(String path) throws IOException {
        InputStream in = resources.open(path);
        if (in == null)
            throw new IOException("model bundle resource " + path + " is missing");
        return in;
    }

    private static int declaredSize(java.util.Properties p) throws IOException {
        String v = p.getProperty("size");
        if (v == null) return -1;
        try {
            int n = Integer.parseInt(v.trim());
            if (n < 0) throw new NumberFormatException();
            return n;
        } catch (NumberFormatException e) {
            throw new IOException(ModelProperties.PROPERTIES_PATH + ": size must be a byte count, got '" + v + "'");
        }
    }

    /** {@code crc32=} as 8 hex digits (what the model builder writes), or -1 when the line is absent. */
    private static long declaredCrc32(java.util.Properties p) throws IOException {
        String v = p.getProperty("crc32");
        if (v == null) return -1;
        String t = v.trim().toLowerCase(java.util.Locale.ROOT);
        if (!t.matches("[0-9a-f]{8}"))
            throw new IOException(ModelProperties.PROPERTIES_PATH + ": crc32 must be 8 hex digits, got '" + v + "'");
        return Long.parseLong(t, 16);
    }

    static String crc32Hex(long crc) {
        return String.format("%08x", crc);
    }

    static String crc32(byte[] bytes) {
        CRC32 c = new CRC32();
        c.update(bytes);
        return crc32Hex(c.getValue());
    }

    static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(newSha256().digest(bytes));
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from this JVM", e);
        }
    }
}
