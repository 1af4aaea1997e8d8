package io.vigie.model.common;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

class BundledDetectionModelTest {
    private static final byte[] MODEL = "pretend tflite bytes".getBytes(StandardCharsets.US_ASCII);

    private static ResourceLoader resources(byte[] model, String sha) {
        return resources(model, sha, null);
    }

    /** @param declaredSize the size= line of model.properties, or null for none */
    private static ResourceLoader resources(byte[] model, String sha, Integer declaredSize) {
        Map<String, byte[]> m = new HashMap<>();
        m.put(ModelProperties.MODEL_PATH, model);
        String props = ModelPropertiesTest.VALID.replace(ModelPropertiesTest.SHA, sha).replaceAll("(?m)^size=.*\\R?", "");
        if (declaredSize != null) props += "\nsize=" + declaredSize + "\n";
        m.put(ModelProperties.PROPERTIES_PATH, props.getBytes(StandardCharsets.UTF_8));
        m.put("model/labels.txt", "person\nbicycle\ncar\n\n".getBytes(StandardCharsets.UTF_8));
        m.put(ModelProperties.CARD_PATH, "# card".getBytes(StandardCharsets.UTF_8));
        return path -> m.containsKey(path) ? new ByteArrayInputStream(m.get(path)) : null;
    }

    @Test
    void loadsVerifiedFreshCopies() throws IOException {
        BundledDetectionModel m = new BundledDetectionModel(resources(MODEL, BundledDetectionModel.sha256(MODEL)));
        byte[] a = m.loadBytes();
        byte[] b = m.loadBytes();
        assertArrayEquals(MODEL, a);
        assertNotSame(a, b);
        assertEquals("person", m.spec().labels().get(0));
        assertEquals(3, m.spec().labels().size());
        assertEquals("person", m.spec().label(0));
        assertEquals("# card", m.modelCard());
    }

    @Test
    void laterLoadsOfTheVerifiedBytesSkipTheSha256ButAChangeIsCheckedInFull() throws IOException {
        byte[] big = new byte[2 * (1 << 20) + 5];
        new java.util.Random(3).nextBytes(big);
        byte[][] served = { big.clone() };
        ResourceLoader base = resources(big, BundledDetectionModel.sha256(big), big.length);
        ResourceLoader changing = path -> ModelProperties.MODEL_PATH.equals(path)
                ? new ByteArrayInputStream(served[0]) : base.open(path);
        BundledDetectionModel m = new BundledDetectionModel(changing);
        assertArrayEquals(big, m.loadBytes());
        assertEquals(1, m.sha256Checks());
        assertArrayEquals(big, m.loadBytes());
        assertArrayEquals(big, m.loadBytes());
        assertEquals(1, m.sha256Checks(), "the same bytes again: CRC-32 only");
        served[0][1 << 20] ^= 1; // the bundle's copy changed after it was verified (disk, a bad cache)
        IOException e = assertThrows(IOException.class, m::loadBytes);
        assertTrue(e.getMessage().contains("corrupt"), e.getMessage());
        assertEquals(2, m.sha256Checks(), "a change is hashed in full");
        served[0] = big.clone(); // put right: the verified bytes again
        assertArrayEquals(big, m.loadBytes());
        assertEquals(2, m.sha256Checks());
    }

    @Test
    void shaMismatchIsDetected() throws IOException {
        byte[] tampered = MODEL.clone();
        tampered[0] ^= 1;
        BundledDetectionModel m = new BundledDetectionModel(resources(tampered, BundledDetectionModel.sha256(MODEL)));
        IOException e = assertThrows(IOException.class, m::loadBytes);
        assertTrue(e.getMessage().contains(BundledDetectionModel.sha256(MODEL)), e.getMessage());
        assertTrue(e.getMessage().contains(BundledDetectionModel.sha256(tampered)), e.getMessage());
    }

    @Test
    void multiMegabyteModelsAreHashedChunkByChunkInOrder() throws IOException {
        byte[] big = new byte[3 * (1 << 20) + 12345]; // several hashing chunks, the last one partial
        new java.util.Random(7).nextBytes(big);
        String sha = BundledDetectionModel.sha256(big);
        assertArrayEquals(big, new BundledDetectionModel(resources(big, sha)).loadBytes());
        byte[] lastChunkTampered = big.clone();
        lastChunkTampered[big.length - 1] ^= 1;
        assertThrows(IOException.class, () -> new BundledDetectionModel(resources(lastChunkTampered, sha)).loadBytes());
        byte[] swapped = big.clone(); // same bytes, two chunks' order exchanged: only an in-order hash notices
        System.arraycopy(big, 0, swapped, 1 << 20, 1 << 20);
        System.arraycopy(big, 1 << 20, swapped, 0, 1 << 20);
        assertThrows(IOException.class, () -> new BundledDetectionModel(resources(swapped, sha)).loadBytes());
    }

    @Test
    void theDeclaredSizeIsFilledExactlyAndHeldToTheBytes() throws IOException {
        byte[] big = new byte[2 * (1 << 20) + 77];
        new java.util.Random(9).nextBytes(big);
        String sha = BundledDetectionModel.sha256(big);
        assertArrayEquals(big, new BundledDetectionModel(resources(big, sha, big.length)).loadBytes());
        IOException shorter = assertThrows(IOException.class,
                () -> new BundledDetectionModel(resources(big, sha, big.length + 1)).loadBytes());
        assertTrue(shorter.getMessage().contains("shorter"), shorter.getMessage());
        IOException longer = assertThrows(IOException.class,
                () -> new BundledDetectionModel(resources(big, sha, big.length - 1)).loadBytes());
        assertTrue(longer.getMessage().contains("larger"), longer.getMessage());
        byte[] tampered = big.clone();
        tampered[5] ^= 1;
        assertThrows(IOException.class, () -> new BundledDetectionModel(resources(tampered, sha, big.length)).loadBytes());
        assertThrows(IOException.class, () -> new BundledDetectionModel(resources(big, sha, -3)), "a bad size= is refused");
    }

    @Test
    void missingResourceIsNamed() {
        ResourceLoader none = path -> null;
        IOException e = assertThrows(IOException.class, () -> new BundledDetectionModel(none));
        assertTrue(e.getMessage().contains(ModelProperties.PROPERTIES_PATH), e.getMessage());
    }
}
