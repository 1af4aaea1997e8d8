package io.vigie.model.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.vigie.api.model.DetectionModel;
import io.vigie.api.model.OutputFormat;
import io.vigie.api.model.Precision;

class ModelPropertiesTest {
    static final String SHA = "7046f31a72ec0045a57b94199144c96cf5840c7dc106b808b64a1ed5559aa0cd";
    static final String VALID = """
            # comment
            name=ssd-mobilenet-v2-coco
            precision=INT8
            version=1.0.0
            sha256=%s
            format=POSTPROCESS_OP
            input.mean=128
            input.std=128
            labels=model/labels.txt
            label.offset=0
            """.formatted(SHA);

    static ModelProperties parse(String s) throws IOException {
        return ModelProperties.parse(new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void parsesIdentityAndSpec() throws IOException {
        ModelProperties p = parse(VALID);
        assertEquals("ssd-mobilenet-v2-coco", p.identity().name());
        assertEquals(Precision.INT8, p.identity().precision());
        assertEquals("1.0.0", p.identity().version());
        assertEquals(SHA, p.identity().sha256());
        assertEquals(OutputFormat.POSTPROCESS_OP, p.format());
        assertEquals(128f, p.mean());
        assertEquals(128f, p.std());
        assertEquals(0, p.labelOffset());
        assertEquals("model/labels.txt", p.labelsPath());
        Map<String, Object> sp = p.identity().toProperties();
        assertEquals("ssd-mobilenet-v2-coco", sp.get(DetectionModel.PROP_NAME));
        assertEquals("INT8", sp.get(DetectionModel.PROP_PRECISION));
        assertEquals(SHA, sp.get(DetectionModel.PROP_SHA256));
    }

    @Test
    void missingKeyIsNamed() {
        IOException e = assertThrows(IOException.class, () -> parse(VALID.replace("version=1.0.0\n", "")));
        assertTrue(e.getMessage().contains("'version'"), e.getMessage());
    }

    @Test
    void badValuesAreRejected() {
        IOException sha = assertThrows(IOException.class, () -> parse(VALID.replace(SHA, "abc")));
        assertTrue(sha.getMessage().contains("sha256"), sha.getMessage());
        IOException prec = assertThrows(IOException.class, () -> parse(VALID.replace("INT8", "INT4")));
        assertTrue(prec.getMessage().contains("INT4"), prec.getMessage());
        IOException std = assertThrows(IOException.class, () -> parse(VALID.replace("input.std=128", "input.std=0")));
        assertTrue(std.getMessage().contains("input.std"), std.getMessage());
        IOException mean = assertThrows(IOException.class,
                () -> parse(VALID.replace("input.mean=128", "input.mean=x")));
        assertTrue(mean.getMessage().contains("input.mean"), mean.getMessage());
    }
}
