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

import io.vigie.api.model.DetectionModel;
import io.vigie.api.model.ModelIdentity;
import io.vigie.api.model.ModelSpec;
import io.vigie.api.model.OutputFormat;

/**
 * A {@link DetectionModel} whose bytes, labels and card are resources of the model bundle. The
 * small files are read once; the .tflite is read on every {@link #loadBytes()} so the caller always
 * owns a fresh copy and the bundle keeps no large heap array. The first load checks the SHA-256 of
 * model.properties; later loads (precision switches back and forth, the hot standby, a thread-count
 * change) check the bytes against the CRC-32 of the copy that passed, and hash again only when it differs:
 * on the launcher's C1-only JVM SHA-256 costs ~14 ms of CPU per MB (~330 ms for the 24 MB FP32 model, on
 * the half core the detector shares), CRC-32 is a CPU instruction.
 */
public final class BundledDetectionModel implements DetectionModel {
    private static final int CHUNK = 1 << 20;
    private final ResourceLoader resources;
    private final ModelProperties props;
    private final ModelSpec spec;
    private final String card;
    /** {@code size} from model.properties (the build writes it), or -1: lets loadBytes fill one exact array. */
    private final int declaredSize;
    /** CRC-32 of the bytes that last passed the SHA-256 check, or -1 before the first. */
    private volatile long verifiedCrc = -1;
    private final java.util.concurrent.atomic.AtomicInteger sha256Checks = new java.util.concurrent.atomic.AtomicInteger();

    public BundledDetectionModel(ResourceLoader resources) throws IOException {
        this.resources = resources;
        byte[] propsFile;
        try (InputStream in = open(ModelProperties.PROPERTIES_PATH)) {
            propsFile = in.readAllBytes();
        }
        this.props = ModelProperties.parse(new java.io.ByteArrayInputStream(propsFile));
        this.declaredSize = declaredSize(propsFile);
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
        long known = verifiedCrc;
        if (known < 0) return readVerified();
        byte[] bytes = read(null);
        long crc = crc32(bytes);
        if (crc == known) return bytes; // the very bytes that passed
        MessageDigest md = newSha256(); // changed since: the full check again
        md.update(bytes);
        check(md);
        verifiedCrc = crc;
        return bytes;
    }

    /** SHA-256 checks so far (tests). */
    int sha256Checks() {
        return sha256Checks.get();
    }

    private static long crc32(byte[] bytes) {
        java.util.zip.CRC32 c = new java.util.zip.CRC32();
        c.update(bytes);
        return c.getValue();
    }

    private void check(MessageDigest md) throws IOException {
        sha256Checks.incrementAndGet();
        String actual = HexFormat.of().formatHex(md.digest());
        String expected = props.identity().sha256();
        if (!actual.equals(expected))
            throw new IOException(ModelProperties.MODEL_PATH + " of " + props.identity().shortId()
                    + " is corrupt: sha256 expected " + expected + " but the packed bytes hash to " + actual);
    }

    /** First load: read while a second thread hashes, return the bytes once they matched. */
    private byte[] readVerified() throws IOException {
        MessageDigest md = newSha256();
        byte[] bytes = read(md);
        check(md);
        verifiedCrc = crc32(bytes);
        return bytes;
    }

    /**
     * Reads the model; with {@code md}, SHA-256 runs on a second thread while the entry is read and inflated (the
     * launcher's C1-only JVM has no SHA intrinsics, and this sits on the model-swap path). Chunks are hashed in order
     * by a single thread, which inherits the caller's (the model loader's background) priority.
     */
    private byte[] read(MessageDigest md) throws IOException {
        ExecutorService hasher = md == null ? null : Executors.newSingleThreadExecutor(r -> {
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
                    if (hasher != null) hasher.execute(() -> md.update(b, o, l));
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

    private static int declaredSize(byte[] propertiesFile) throws IOException {
        java.util.Properties p = new java.util.Properties();
        p.load(new java.io.ByteArrayInputStream(propertiesFile));
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
