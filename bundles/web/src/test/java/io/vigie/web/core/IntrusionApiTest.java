package io.vigie.web.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Hostile and ordinary parameters of /vigie/api/intrusions. */
class IntrusionApiTest {
    static String refused(String zone, String since, String until, String limit) {
        return assertThrows(IllegalArgumentException.class, () -> IntrusionApi.query(zone, since, until, limit)).getMessage();
    }

    @Test
    void parsesTimesZonesAndLimits() {
        IntrusionLog.Query any = new IntrusionLog.Query(null, null, null, IntrusionApi.DEFAULT_LIMIT);
        assertEquals(any, IntrusionApi.query(null, null, null, null));
        assertEquals(any, IntrusionApi.query("", "", "", ""));
        assertEquals(new IntrusionLog.Query("door", 1_000L, 1_796_635_800_000L, 5),
                IntrusionApi.query("door", "1000", "2026-12-07T09:30:00Z", "5"));
        assertEquals(1000, IntrusionApi.query(null, null, null, "1000").limit());
    }

    @Test
    void refusesHostileParametersWithTheReason() {
        assertTrue(refused(null, null, null, "1001").contains("1..1000"));
        assertTrue(refused(null, null, null, "0").contains("1..1000"));
        assertTrue(refused(null, null, null, "-5").contains("1..1000"));
        assertTrue(refused(null, null, null, "99999999999999999999").contains("whole number"));
        assertTrue(refused(null, null, null, "1e3").contains("whole number"));
        assertTrue(refused(null, "yesterday", null, null).contains("since: epoch milliseconds or an ISO-8601"));
        assertTrue(refused(null, null, "99999999999999999999999", null).contains("until"));
        assertTrue(refused(null, "2026-13-45T99:00:00Z", null, null).contains("since"));
        assertTrue(refused(null, "x".repeat(10_000), null, null).contains("too long"));
        assertTrue(refused(null, "\uff11\uff12", null, null).contains("since"), "ASCII digits only");
        assertTrue(refused(null, "2000", "1000", null).contains("since is after until"));
        assertTrue(refused("z".repeat(65), null, null, null).contains("64 characters"));
        String m = refused(null, "\u0000\n<script>", null, null);
        assertTrue(m.contains("??<script>") && !m.contains("\n"), "control characters are not echoed: " + m);
    }

    @Test
    void thumbPathsAreDigitsOnly() {
        assertEquals(12L, IntrusionApi.thumbId("/12/thumb.jpg"));
        for (String bad : new String[] { null, "", "/", "/thumb.jpg", "//thumb.jpg", "/../12/thumb.jpg", "/12/../thumb.jpg",
            "/-1/thumb.jpg", "/1.5/thumb.jpg", "/12/thumb.jpgx", "/12/thumb.png", "/12", "/%2e%2e/thumb.jpg",
            "/9999999999999999999/thumb.jpg", "/12/thumb.jpg/", "/１２/thumb.jpg" })
            assertNull(IntrusionApi.thumbId(bad), bad);
    }
}
