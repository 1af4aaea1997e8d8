package io.vigie.model.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

import org.junit.jupiter.api.Test;

import io.vigie.api.model.OutputFormat;
import io.vigie.api.model.Precision;

/** The resources this module's build generated and packs: consistent with each other. */
class PackedModelTest {

    @Test
    void packedModelIsConsistent() throws IOException {
        ClassLoader cl = PackedModelTest.class.getClassLoader();
        BundledDetectionModel m = new BundledDetectionModel(cl::getResourceAsStream);
        byte[] bytes = m.loadBytes(); // verifies the crc32 of model.properties
        // the build's two claims about the packed bytes hold: the identity's sha256 and the crc32 checked at each load
        assertEquals(m.identity().sha256(), BundledDetectionModel.sha256(bytes));
        assertEquals("ssd-mobilenet-v2-coco", m.identity().name());
        assertEquals("1.0.0", m.identity().version());
        assertEquals(OutputFormat.POSTPROCESS_OP, m.spec().format());
        assertEquals("person", m.spec().labels().get(0));
        assertEquals("person", m.spec().label(0));
        assertEquals(90, m.spec().labels().size());
        assertEquals("toothbrush", m.spec().label(89));
        assertEquals(128f, m.spec().mean());
        assertEquals(128f, m.spec().std());
        assertTrue(m.modelCard().contains(m.identity().sha256()), "card names the sha256");
        Properties p = new Properties();
        try (InputStream in = cl.getResourceAsStream(ModelProperties.PROPERTIES_PATH)) {
            p.load(in);
        }
        assertEquals(bytes.length, Integer.parseInt(p.getProperty("size")));
        assertEquals(BundledDetectionModel.crc32(bytes), p.getProperty("crc32"), "the build writes the crc32 of the bytes");
        // FP32 takes floats; INT8 takes int8 (Vigie quantizer, default) or uint8 (-Dvigie.int8.coral, -Dvigie.quant.input=uint8)
        assertTrue(m.identity().precision() == Precision.FP32 ? "float32".equals(p.getProperty("input.type"))
                : java.util.Set.of("int8", "uint8").contains(p.getProperty("input.type")), p.getProperty("input.type"));
        // TFLite flatbuffer file identifier
        assertEquals("TFL3", new String(bytes, 4, 4, java.nio.charset.StandardCharsets.US_ASCII));
    }
}
