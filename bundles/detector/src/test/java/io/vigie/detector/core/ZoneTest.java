package io.vigie.detector.core;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;

import org.junit.jupiter.api.Test;

class ZoneTest {
    @Test
    void parsesAndContains() {
        List<Zone> zs = ZoneParser.parse(new String[] { "door:0.1,0.1;0.5,0.1;0.5,0.9;0.1,0.9", " ", "tri:0,0;1,0;0,1" });
        assertEquals(2, zs.size());
        Zone door = zs.get(0);
        assertEquals("door", door.name());
        assertTrue(door.contains(0.3f, 0.5f));
        assertFalse(door.contains(0.6f, 0.5f));
        assertFalse(door.contains(0.3f, 0.95f));
        assertEquals(0.32, door.area(), 1e-6);
        Zone tri = zs.get(1);
        assertTrue(tri.contains(0.2f, 0.2f));
        assertFalse(tri.contains(0.8f, 0.8f));
    }

    @Test
    void concavePolygon() {
        // U shape: the notch (0.5, 0.2) is outside
        Zone u = ZoneParser.parseOne("u:0,0;0.4,0;0.4,0.6;0.6,0.6;0.6,0;1,0;1,1;0,1");
        assertFalse(u.contains(0.5f, 0.2f));
        assertTrue(u.contains(0.2f, 0.2f));
        assertTrue(u.contains(0.5f, 0.8f));
    }

    @Test
    void rejectsBadZonesWithClearMessages() {
        assertMsg("needs at least 3 points", "a:0,0;1,1");
        assertMsg("outside 0..1", "a:0,0;2,0;0,1");
        assertMsg("not numeric", "a:0,0;x,0;0,1");
        assertMsg("is not x,y", "a:0,0;1;0,1");
        assertMsg("expected name:", "0,0;1,0;0,1");
        assertMsg("no area", "a:0,0;0.5,0.5;1,1");
        assertMsg("edges cross", "bow:0,0;1,1;1,0;0,1");
        assertMsg("may only use", "a b:0,0;1,0;0,1");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ZoneParser.parse(new String[] { "a:0,0;1,0;0,1", "a:0,0;1,0;1,1" }));
        assertTrue(e.getMessage().contains("twice"));
    }

    private static void assertMsg(String expected, String spec) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ZoneParser.parse(new String[] { spec }));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
