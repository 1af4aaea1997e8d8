package io.vigie.cloud.paho;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import org.eclipse.kura.message.KuraPayload;
import org.eclipse.kura.message.KuraPosition;

/**
 * KuraPayload <-> bytes in Kura's proto2 wire format (src/main/proto/kurapayload.proto), written by hand so the bundle
 * needs no protobuf runtime. Encoding is deterministic (metrics sorted by name). The decoder skips unknown fields
 * (forward compatible, as protobuf does), accepts gzip (magic 1f 8b) and refuses anything malformed with an
 * {@link IllegalArgumentException} that says what and where.
 */
public final class KuraPayloadCodec {

    /** Decompressed payloads larger than this are refused (gzip bomb guard). */
    public static final int MAX_DECODED_BYTES = 64 * 1024 * 1024;

    private final AtomicLong inflated = new AtomicLong();

    private static final int WT_VARINT = 0, WT_FIXED64 = 1, WT_LEN = 2, WT_FIXED32 = 5;
    private static final int T_DOUBLE = 0, T_FLOAT = 1, T_INT64 = 2, T_INT32 = 3, T_BOOL = 4, T_STRING = 5, T_BYTES = 6;

    /** Encodes, gzipped only when that makes it strictly smaller and {@code gzip} is true. */
    public byte[] encode(KuraPayload payload, boolean gzip) {
        byte[] raw = encode(payload);
        if (!gzip) {
            return raw;
        }
        ByteArrayOutputStream bos = new ByteArrayOutputStream(raw.length / 2 + 32);
        try (GZIPOutputStream gz = new GZIPOutputStream(bos)) {
            gz.write(raw);
        } catch (IOException e) {
            throw new IllegalStateException("gzip to memory failed", e);
        }
        byte[] zipped = bos.toByteArray();
        return zipped.length < raw.length ? zipped : raw;
    }

    public byte[] encode(KuraPayload payload) {
        if (payload == null) {
            throw new IllegalArgumentException("payload is null");
        }
        Out out = new Out();
        if (payload.getTimestamp() != null) {
            out.tag(1, WT_VARINT).varint(payload.getTimestamp().getTime());
        }
        if (payload.getPosition() != null) {
            out.tag(2, WT_LEN).bytes(encodePosition(payload.getPosition()));
        }
        // Sorted for deterministic bytes (the payload keeps metrics in a HashMap).
        for (Map.Entry<String, Object> m : new TreeMap<>(payload.metrics()).entrySet()) {
            out.tag(5000, WT_LEN).bytes(encodeMetric(m.getKey(), m.getValue()));
        }
        if (payload.getBody() != null) {
            out.tag(5001, WT_LEN).bytes(payload.getBody());
        }
        return out.toByteArray();
    }

    private static byte[] encodePosition(KuraPosition p) {
        if (p.getLatitude() == null || p.getLongitude() == null) {
            throw new IllegalArgumentException("position needs latitude and longitude (required fields in KuraPosition)");
        }
        Out o = new Out();
        o.tag(1, WT_FIXED64).fixed64(Double.doubleToRawLongBits(p.getLatitude()));
        o.tag(2, WT_FIXED64).fixed64(Double.doubleToRawLongBits(p.getLongitude()));
        optDouble(o, 3, p.getAltitude());
        optDouble(o, 4, p.getPrecision());
        optDouble(o, 5, p.getHeading());
        optDouble(o, 6, p.getSpeed());
        if (p.getTimestamp() != null) {
            o.tag(7, WT_VARINT).varint(p.getTimestamp().getTime());
        }
        if (p.getSatellites() != null) {
            o.tag(8, WT_VARINT).varint(p.getSatellites()); // int32: negative sign-extends to 10 bytes, as protobuf does
        }
        if (p.getStatus() != null) {
            o.tag(9, WT_VARINT).varint(p.getStatus());
        }
        return o.toByteArray();
    }

    private static void optDouble(Out o, int field, Double v) {
        if (v != null) {
            o.tag(field, WT_FIXED64).fixed64(Double.doubleToRawLongBits(v));
        }
    }

    private static byte[] encodeMetric(String name, Object v) {
        if (name == null) {
            throw new IllegalArgumentException("metric name is null");
        }
        Out o = new Out();
        o.tag(1, WT_LEN).bytes(name.getBytes(StandardCharsets.UTF_8));
        if (v instanceof Double) {
            o.tag(2, WT_VARINT).varint(T_DOUBLE).tag(3, WT_FIXED64).fixed64(Double.doubleToRawLongBits((Double) v));
        } else if (v instanceof Float) {
            o.tag(2, WT_VARINT).varint(T_FLOAT).tag(4, WT_FIXED32).fixed32(Float.floatToRawIntBits((Float) v));
        } else if (v instanceof Long) {
            o.tag(2, WT_VARINT).varint(T_INT64).tag(5, WT_VARINT).varint((Long) v);
        } else if (v instanceof Integer) {
            o.tag(2, WT_VARINT).varint(T_INT32).tag(6, WT_VARINT).varint((Integer) v);
        } else if (v instanceof Boolean) {
            o.tag(2, WT_VARINT).varint(T_BOOL).tag(7, WT_VARINT).varint((Boolean) v ? 1 : 0);
        } else if (v instanceof String) {
            o.tag(2, WT_VARINT).varint(T_STRING).tag(8, WT_LEN).bytes(((String) v).getBytes(StandardCharsets.UTF_8));
        } else if (v instanceof byte[]) {
            o.tag(2, WT_VARINT).varint(T_BYTES).tag(9, WT_LEN).bytes((byte[]) v);
        } else {
            throw new IllegalArgumentException("metric '" + name + "': unsupported type "
                    + (v == null ? "null" : v.getClass().getName())
                    + " (Double, Float, Long, Integer, Boolean, String, byte[])");
        }
        return o.toByteArray();
    }

    /** Thrown when a payload inflates beyond the caller's limit. */
    public static final class TooLargeException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        TooLargeException(String message) {
            super(message);
        }
    }

    /** Decodes plain or gzipped bytes. */
    public KuraPayload decode(byte[] bytes) {
        return decode(bytes, MAX_DECODED_BYTES, true);
    }

    /**
     * Decodes plain or gzipped bytes, refusing payloads that inflate beyond {@code maxDecodedBytes}
     * ({@link TooLargeException}); without {@code withBody} the body is skipped (metrics only).
     */
    public KuraPayload decode(byte[] bytes, int maxDecodedBytes, boolean withBody) {
        int max = Math.min(maxDecodedBytes, MAX_DECODED_BYTES);
        byte[] plain = inflate(bytes, max);
        if (plain != bytes && plain.length > max) {
            throw new TooLargeException("gzipped payload inflates beyond " + max + " bytes");
        }
        return decodePlain(plain, withBody);
    }

    /**
     * The payload's protobuf bytes: gzipped input (magic 1f 8b) is inflated, at most {@code max} + 1 bytes (a result
     * longer than {@code max} means "too large", and inflating stopped there); anything else is returned as is.
     *
     * @throws IllegalArgumentException when the gzip stream is invalid
     */
    public byte[] inflate(byte[] bytes, int max) {
        if (bytes == null) {
            throw new IllegalArgumentException("payload bytes are null");
        }
        if (bytes.length >= 2 && (bytes[0] & 0xff) == 0x1f && (bytes[1] & 0xff) == 0x8b) {
            return gunzip(bytes, max);
        }
        return bytes;
    }

    /** Decodes protobuf bytes (not gzipped: see {@link #inflate}). */
    public KuraPayload decodePlain(byte[] plain, boolean withBody) {
        return parse(plain, plain.length, withBody, false);
    }

    /**
     * The metrics found in the first {@code max} bytes of protobuf bytes (not gzipped), body skipped; a field cut by
     * that end ends the parse instead of failing it. Reads the reply address of a request too large to decode: Kura
     * payloads carry their metrics (field 5000) before the body (5001).
     */
    public KuraPayload decodeMetricsPrefix(byte[] plain, int max) {
        return parse(plain, Math.min(plain.length, max), false, true);
    }

    /** Bytes inflated from gzipped payloads by this codec so far (tests check the inflate limit with it). */
    public long inflatedBytes() {
        return inflated.get();
    }

    private KuraPayload parse(byte[] bytes, int end, boolean withBody, boolean prefix) {
        KuraPayload p = new KuraPayload();
        In in = new In(bytes, 0, end, "KuraPayload");
        while (in.more()) {
            int start = in.pos;
            try {
                long key = in.varint();
                int field = (int) (key >>> 3), wt = (int) (key & 7);
                if (field == 1 && wt == WT_VARINT) {
                    p.setTimestamp(new Date(in.varint()));
                } else if (field == 2 && wt == WT_LEN) {
                    p.setPosition(decodePosition(in.sub("KuraPosition")));
                } else if (field == 5000 && wt == WT_LEN) {
                    decodeMetric(in.sub("KuraMetric"), p);
                } else if (field == 5001 && wt == WT_LEN && withBody) {
                    p.setBody(in.lenBytes());
                } else {
                    in.skip(field, wt);
                }
            } catch (Truncated t) {
                if (!prefix) {
                    throw t;
                }
                in.pos = start; // the prefix ends inside this field: what came before is the answer
                break;
            }
        }
        return p;
    }

    private static KuraPosition decodePosition(In in) {
        KuraPosition p = new KuraPosition();
        while (in.more()) {
            long key = in.varint();
            int field = (int) (key >>> 3), wt = (int) (key & 7);
            if (field >= 1 && field <= 6 && wt == WT_FIXED64) {
                double d = Double.longBitsToDouble(in.fixed64());
                switch (field) {
                    case 1: p.setLatitude(d); break;
                    case 2: p.setLongitude(d); break;
                    case 3: p.setAltitude(d); break;
                    case 4: p.setPrecision(d); break;
                    case 5: p.setHeading(d); break;
                    default: p.setSpeed(d); break;
                }
            } else if (field == 7 && wt == WT_VARINT) {
                p.setTimestamp(new Date(in.varint()));
            } else if (field == 8 && wt == WT_VARINT) {
                p.setSatellites((int) in.varint());
            } else if (field == 9 && wt == WT_VARINT) {
                p.setStatus((int) in.varint());
            } else {
                in.skip(field, wt);
            }
        }
        if (p.getLatitude() == null || p.getLongitude() == null) {
            throw new IllegalArgumentException("malformed KuraPosition: required latitude/longitude missing");
        }
        return p;
    }

    private static void decodeMetric(In in, KuraPayload p) {
        String name = null;
        Integer type = null;
        Object value = null;
        Object[] byType = new Object[7];
        while (in.more()) {
            long key = in.varint();
            int field = (int) (key >>> 3), wt = (int) (key & 7);
            if (field == 1 && wt == WT_LEN) {
                name = new String(in.lenBytes(), StandardCharsets.UTF_8);
            } else if (field == 2 && wt == WT_VARINT) {
                type = (int) in.varint();
            } else if (field == 3 && wt == WT_FIXED64) {
                byType[T_DOUBLE] = Double.longBitsToDouble(in.fixed64());
            } else if (field == 4 && wt == WT_FIXED32) {
                byType[T_FLOAT] = Float.intBitsToFloat(in.fixed32());
            } else if (field == 5 && wt == WT_VARINT) {
                byType[T_INT64] = in.varint();
            } else if (field == 6 && wt == WT_VARINT) {
                byType[T_INT32] = (int) in.varint();
            } else if (field == 7 && wt == WT_VARINT) {
                byType[T_BOOL] = in.varint() != 0;
            } else if (field == 8 && wt == WT_LEN) {
                byType[T_STRING] = new String(in.lenBytes(), StandardCharsets.UTF_8);
            } else if (field == 9 && wt == WT_LEN) {
                byType[T_BYTES] = in.lenBytes();
            } else {
                in.skip(field, wt);
            }
        }
        if (name == null || type == null) {
            throw new IllegalArgumentException("malformed KuraMetric: required " + (name == null ? "name" : "type")
                    + " missing");
        }
        if (type < 0 || type > 6) {
            throw new IllegalArgumentException("KuraMetric '" + name + "': unknown value type " + type);
        }
        value = byType[type];
        if (value == null) {
            throw new IllegalArgumentException("KuraMetric '" + name + "': no value for its type " + type);
        }
        p.addMetric(name, value);
    }

    /** Inflates at most {@code max} + 1 bytes: one more than allowed is enough to know it is too large. */
    private byte[] gunzip(byte[] bytes, int max) {
        try (InputStream gz = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
            ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(max + 1L, bytes.length * 4L));
            byte[] buf = new byte[8192];
            long limit = max + 1L;
            for (int n; out.size() < limit
                    && (n = gz.read(buf, 0, (int) Math.min(buf.length, limit - out.size()))) > 0;) {
                inflated.addAndGet(n);
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new IllegalArgumentException("payload starts with the gzip magic but is not valid gzip: "
                    + e.getMessage(), e);
        }
    }

    /** Growable output with protobuf primitives. */
    private static final class Out {
        private byte[] buf = new byte[64];
        private int n;

        Out tag(int field, int wireType) {
            return varint(((long) field << 3) | wireType);
        }

        Out varint(long v) {
            ensure(10);
            while ((v & ~0x7FL) != 0) {
                buf[n++] = (byte) ((v & 0x7F) | 0x80);
                v >>>= 7;
            }
            buf[n++] = (byte) v;
            return this;
        }

        Out fixed64(long v) {
            ensure(8);
            for (int i = 0; i < 8; i++) {
                buf[n++] = (byte) (v >>> (8 * i));
            }
            return this;
        }

        Out fixed32(int v) {
            ensure(4);
            for (int i = 0; i < 4; i++) {
                buf[n++] = (byte) (v >>> (8 * i));
            }
            return this;
        }

        Out bytes(byte[] b) {
            varint(b.length);
            ensure(b.length);
            System.arraycopy(b, 0, buf, n, b.length);
            n += b.length;
            return this;
        }

        private void ensure(int more) {
            if (n + more > buf.length) {
                buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, n + more));
            }
        }

        byte[] toByteArray() {
            return java.util.Arrays.copyOf(buf, n);
        }
    }

    /** A field runs past the end of the input. */
    private static final class Truncated extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        Truncated(String message) {
            super(message);
        }
    }

    /** Bounded reader over buf[pos, end): every read is checked, errors name the message and offset. */
    private static final class In {
        private final byte[] buf;
        private int pos;
        private final int end;
        private final String what;

        In(byte[] buf, int pos, int end, String what) {
            this.buf = buf;
            this.pos = pos;
            this.end = end;
            this.what = what;
        }

        boolean more() {
            return pos < end;
        }

        private IllegalArgumentException bad(String why) {
            return new IllegalArgumentException("malformed " + what + " at byte " + pos + ": " + why);
        }

        /** The input ends inside a field: malformed, or (decoding a prefix) where the prefix was cut. */
        private Truncated truncated(String why) {
            return new Truncated("malformed " + what + " at byte " + pos + ": " + why);
        }

        long varint() {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (pos >= end) {
                    throw truncated("truncated varint");
                }
                byte b = buf[pos++];
                v |= (long) (b & 0x7F) << shift;
                if ((b & 0x80) == 0) {
                    return v;
                }
            }
            throw bad("varint longer than 10 bytes");
        }

        long fixed64() {
            need(8);
            long v = 0;
            for (int i = 0; i < 8; i++) {
                v |= (long) (buf[pos++] & 0xff) << (8 * i);
            }
            return v;
        }

        int fixed32() {
            need(4);
            int v = 0;
            for (int i = 0; i < 4; i++) {
                v |= (buf[pos++] & 0xff) << (8 * i);
            }
            return v;
        }

        private int len() {
            long len = varint();
            if (len < 0 || len > end - pos) {
                throw len < 0 ? bad("negative length " + len)
                        : truncated("length " + len + " exceeds the " + (end - pos) + " bytes left");
            }
            return (int) len;
        }

        byte[] lenBytes() {
            int len = len();
            byte[] b = java.util.Arrays.copyOfRange(buf, pos, pos + len);
            pos += len;
            return b;
        }

        In sub(String name) {
            int len = len();
            In sub = new In(buf, pos, pos + len, name);
            pos += len;
            return sub;
        }

        private void need(int k) {
            if (end - pos < k) {
                throw truncated("needs " + k + " bytes, " + (end - pos) + " left");
            }
        }

        void skip(int field, int wt) {
            if (field == 0) {
                throw bad("field number 0");
            }
            switch (wt) {
                case WT_VARINT: varint(); break;
                case WT_FIXED64: need(8); pos += 8; break;
                case WT_LEN: { int len = len(); pos += len; break; } // not "pos += len()": pos is read before len() moves it
                case WT_FIXED32: need(4); pos += 4; break;
                default: throw bad("unsupported wire type " + wt + " (field " + field + ")");
            }
        }
    }
}
