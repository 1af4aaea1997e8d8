package io.vigie.cloud.paho;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Date;

import org.eclipse.kura.message.KuraPayload;
import org.eclipse.kura.message.KuraPosition;
import org.junit.jupiter.api.Test;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumDescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumValueDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Label;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;

class KuraPayloadCodecTest {

    private final KuraPayloadCodec codec = new KuraPayloadCodec();

    /**
     * The descriptor of src/main/proto/kurapayload.proto, built field by field (no protoc on this machine): protobuf-java
     * is an independent reference parser/serializer for our hand-written wire format.
     */
    static Descriptor payloadDescriptor() throws Exception {
        EnumDescriptorProto.Builder vt = EnumDescriptorProto.newBuilder().setName("ValueType");
        String[] types = { "DOUBLE", "FLOAT", "INT64", "INT32", "BOOL", "STRING", "BYTES" };
        for (int i = 0; i < types.length; i++) {
            vt.addValue(EnumValueDescriptorProto.newBuilder().setName(types[i]).setNumber(i));
        }
        DescriptorProto metric = DescriptorProto.newBuilder().setName("KuraMetric").addEnumType(vt)
                .addField(f("name", 1, Label.LABEL_REQUIRED, Type.TYPE_STRING))
                .addField(f("type", 2, Label.LABEL_REQUIRED, Type.TYPE_ENUM).toBuilder()
                        .setTypeName(".kuradatatypes.KuraPayload.KuraMetric.ValueType"))
                .addField(f("double_value", 3, Label.LABEL_OPTIONAL, Type.TYPE_DOUBLE))
                .addField(f("float_value", 4, Label.LABEL_OPTIONAL, Type.TYPE_FLOAT))
                .addField(f("long_value", 5, Label.LABEL_OPTIONAL, Type.TYPE_INT64))
                .addField(f("int_value", 6, Label.LABEL_OPTIONAL, Type.TYPE_INT32))
                .addField(f("bool_value", 7, Label.LABEL_OPTIONAL, Type.TYPE_BOOL))
                .addField(f("string_value", 8, Label.LABEL_OPTIONAL, Type.TYPE_STRING))
                .addField(f("bytes_value", 9, Label.LABEL_OPTIONAL, Type.TYPE_BYTES)).build();
        DescriptorProto position = DescriptorProto.newBuilder().setName("KuraPosition")
                .addField(f("latitude", 1, Label.LABEL_REQUIRED, Type.TYPE_DOUBLE))
                .addField(f("longitude", 2, Label.LABEL_REQUIRED, Type.TYPE_DOUBLE))
                .addField(f("altitude", 3, Label.LABEL_OPTIONAL, Type.TYPE_DOUBLE))
                .addField(f("precision", 4, Label.LABEL_OPTIONAL, Type.TYPE_DOUBLE))
                .addField(f("heading", 5, Label.LABEL_OPTIONAL, Type.TYPE_DOUBLE))
                .addField(f("speed", 6, Label.LABEL_OPTIONAL, Type.TYPE_DOUBLE))
                .addField(f("timestamp", 7, Label.LABEL_OPTIONAL, Type.TYPE_INT64))
                .addField(f("satellites", 8, Label.LABEL_OPTIONAL, Type.TYPE_INT32))
                .addField(f("status", 9, Label.LABEL_OPTIONAL, Type.TYPE_INT32)).build();
        DescriptorProto payload = DescriptorProto.newBuilder().setName("KuraPayload").addNestedType(metric)
                .addNestedType(position)
                .addField(f("timestamp", 1, Label.LABEL_OPTIONAL, Type.TYPE_INT64))
                .addField(f("position", 2, Label.LABEL_OPTIONAL, Type.TYPE_MESSAGE).toBuilder()
                        .setTypeName(".kuradatatypes.KuraPayload.KuraPosition"))
                .addField(f("metric", 5000, Label.LABEL_REPEATED, Type.TYPE_MESSAGE).toBuilder()
                        .setTypeName(".kuradatatypes.KuraPayload.KuraMetric"))
                .addField(f("body", 5001, Label.LABEL_OPTIONAL, Type.TYPE_BYTES))
                .addExtensionRange(DescriptorProto.ExtensionRange.newBuilder().setStart(3).setEnd(5000)).build();
        FileDescriptorProto file = FileDescriptorProto.newBuilder().setName("kurapayload.proto").setSyntax("proto2")
                .setPackage("kuradatatypes").addMessageType(payload).build();
        return FileDescriptor.buildFrom(file, new FileDescriptor[0]).findMessageTypeByName("KuraPayload");
    }

    private static FieldDescriptorProto f(String name, int number, Label label, Type type) {
        return FieldDescriptorProto.newBuilder().setName(name).setNumber(number).setLabel(label).setType(type).build();
    }

    private static KuraPayload full() {
        KuraPayload p = new KuraPayload();
        p.setTimestamp(new Date(1_764_000_000_123L));
        p.addMetric("d", 3.25d);
        p.addMetric("f", -1.5f);
        p.addMetric("l", Long.MIN_VALUE + 7);
        p.addMetric("i", -42);
        p.addMetric("i.max", Integer.MAX_VALUE);
        p.addMetric("b", true);
        p.addMetric("b.false", false);
        p.addMetric("s", "zone é 1");
        p.addMetric("s.empty", "");
        p.addMetric("y", new byte[] { 0, 1, (byte) 0xff });
        KuraPosition pos = new KuraPosition();
        pos.setLatitude(45.5);
        pos.setLongitude(-73.25);
        pos.setAltitude(12.0);
        pos.setPrecision(3.0);
        pos.setHeading(270.0);
        pos.setSpeed(1.5);
        pos.setTimestamp(new Date(99L));
        pos.setSatellites(9);
        pos.setStatus(-1);
        p.setPosition(pos);
        p.setBody("snapshot".getBytes(StandardCharsets.US_ASCII));
        return p;
    }

    private static void assertSame(KuraPayload a, KuraPayload b) {
        assertEquals(a.getTimestamp(), b.getTimestamp());
        assertEquals(a.metricNames(), b.metricNames());
        for (String n : a.metricNames()) {
            Object x = a.getMetric(n), y = b.getMetric(n);
            if (x instanceof byte[]) {
                assertArrayEquals((byte[]) x, (byte[]) y, n);
            } else {
                assertEquals(x, y, n);
                assertEquals(x.getClass(), y.getClass(), n);
            }
        }
        assertArrayEquals(a.getBody(), b.getBody());
        if (a.getPosition() == null) {
            assertNull(b.getPosition());
        } else {
            KuraPosition p = a.getPosition(), q = b.getPosition();
            assertEquals(p.getLatitude(), q.getLatitude());
            assertEquals(p.getLongitude(), q.getLongitude());
            assertEquals(p.getAltitude(), q.getAltitude());
            assertEquals(p.getPrecision(), q.getPrecision());
            assertEquals(p.getHeading(), q.getHeading());
            assertEquals(p.getSpeed(), q.getSpeed());
            assertEquals(p.getTimestamp(), q.getTimestamp());
            assertEquals(p.getSatellites(), q.getSatellites());
            assertEquals(p.getStatus(), q.getStatus());
        }
    }

    @Test
    void roundTripEveryTypePositionBody() {
        KuraPayload p = full();
        assertSame(p, codec.decode(codec.encode(p, false)));
        assertSame(p, codec.decode(codec.encode(p, true)));
        KuraPayload empty = new KuraPayload();
        assertEquals(0, codec.encode(empty).length);
        assertSame(empty, codec.decode(new byte[0]));
    }

    @Test
    void protobufJavaParsesOurBytesAndWeParseItsBytes() throws Exception {
        Descriptor d = payloadDescriptor();
        byte[] ours = codec.encode(full(), false);
        DynamicMessage m = DynamicMessage.parseFrom(d, ours);
        assertTrue(m.isInitialized(), "required fields present");
        assertEquals(1_764_000_000_123L, m.getField(d.findFieldByName("timestamp")));
        FieldDescriptor metricF = d.findFieldByName("metric");
        assertEquals(10, m.getRepeatedFieldCount(metricF));
        Descriptor md = metricF.getMessageType();
        boolean sawInt = false;
        for (int i = 0; i < m.getRepeatedFieldCount(metricF); i++) {
            DynamicMessage mm = (DynamicMessage) m.getRepeatedField(metricF, i);
            if ("i".equals(mm.getField(md.findFieldByName("name")))) {
                assertEquals("INT32", ((com.google.protobuf.Descriptors.EnumValueDescriptor) mm.getField(
                        md.findFieldByName("type"))).getName());
                assertEquals(-42, mm.getField(md.findFieldByName("int_value")));
                sawInt = true;
            }
        }
        assertTrue(sawInt);
        DynamicMessage pos = (DynamicMessage) m.getField(d.findFieldByName("position"));
        assertEquals(-73.25, pos.getField(pos.getDescriptorForType().findFieldByName("longitude")));
        assertEquals(-1, pos.getField(pos.getDescriptorForType().findFieldByName("status")));
        // Canonical protobuf serialisation of the same content decodes to the same payload with our decoder,
        // and (fields in number order, metrics in our sorted order) is byte-identical to ours.
        byte[] theirs = m.toByteArray();
        assertSame(full(), codec.decode(theirs));
        assertArrayEquals(theirs, ours);
    }

    @Test
    void gzipOnlyWhenSmaller() {
        KuraPayload small = new KuraPayload();
        small.addMetric("x", 1);
        byte[] plain = codec.encode(small, false);
        assertArrayEquals(plain, codec.encode(small, true), "tiny payload: gzip would be larger, sent plain");
        KuraPayload big = new KuraPayload();
        byte[] body = new byte[10_000];
        Arrays.fill(body, (byte) 'a');
        big.setBody(body);
        byte[] z = codec.encode(big, true);
        assertTrue(z.length < 1000, "compressible body is gzipped: " + z.length);
        assertEquals(0x1f, z[0] & 0xff);
        assertEquals(0x8b, z[1] & 0xff);
        assertArrayEquals(body, codec.decode(z).getBody());
    }

    @Test
    void malformedBytesGiveClearErrors() {
        byte[] good = codec.encode(full(), false);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> codec.decode(Arrays.copyOf(good, good.length - 3)));
        assertTrue(e.getMessage().startsWith("malformed"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> codec.decode(new byte[] { (byte) 0x1f, (byte) 0x8b, 1, 2 }));
        assertTrue(e.getMessage().contains("gzip"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> codec.decode(new byte[] { 0x0b })); // wire type 3 (group)
        assertTrue(e.getMessage().contains("wire type 3"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> codec.decode(new byte[] { 0x12, 0x05, 0x01 }));
        assertTrue(e.getMessage().contains("exceeds"), e.getMessage());
        // a metric without its type
        e = assertThrows(IllegalArgumentException.class,
                () -> codec.decode(new byte[] { (byte) 0xc2, (byte) 0xb8, 0x02, 0x03, 0x0a, 0x01, 'a' }));
        assertTrue(e.getMessage().contains("type missing"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> codec.decode(null));
    }

    @Test
    void unknownFieldsSkippedAndBadInputRefusedOnEncode() {
        byte[] withUnknown = { 0x18, 0x05, 0x08, 0x07 }; // field 3 varint 5 (unknown), then timestamp 7
        assertEquals(new Date(7), codec.decode(withUnknown).getTimestamp());
        // field 4, length-delimited (unknown), 2 bytes; then timestamp 7: the skip must move past the length varint too
        byte[] unknownLen = { 0x22, 0x02, 0x01, 0x02, 0x08, 0x07 };
        assertEquals(new Date(7), codec.decode(unknownLen).getTimestamp());
        KuraPayload withBody = new KuraPayload();
        withBody.addMetric("request.id", "r");
        withBody.setBody(new byte[300]);
        KuraPayload headersOnly = codec.decode(codec.encode(withBody), 1024, false);
        assertNull(headersOnly.getBody());
        assertEquals("r", headersOnly.getMetric("request.id"));
        assertThrows(KuraPayloadCodec.TooLargeException.class,
                () -> codec.decode(codec.encode(withBody, true), 100, true));
        KuraPayload p = new KuraPayload();
        p.addMetric("bad", new Object());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> codec.encode(p));
        assertTrue(e.getMessage().contains("'bad'"), e.getMessage());
        KuraPayload q = new KuraPayload();
        q.setPosition(new KuraPosition());
        assertThrows(IllegalArgumentException.class, () -> codec.encode(q));
    }
}
