package io.vigie.runtime.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class LogLineTest {

    @Test
    void auditAndErrorAreErrorsUnknownIsInfo() {
        assertEquals(LogLine.Level.ERROR, LogLine.level("AUDIT"));
        assertEquals(LogLine.Level.ERROR, LogLine.level("ERROR"));
        assertEquals(LogLine.Level.WARN, LogLine.level("WARN"));
        assertEquals(LogLine.Level.TRACE, LogLine.level("TRACE"));
        assertEquals(LogLine.Level.INFO, LogLine.level("bogus"));
        assertEquals(LogLine.Level.INFO, LogLine.level(null));
    }

    @Test
    void loggerNameCarriesTheBundle() {
        assertEquals("osgi.org.apache.felix.scr", LogLine.loggerName("org.apache.felix.scr"));
        assertEquals("osgi.framework", LogLine.loggerName(null));
    }

    @Test
    void textShowsLevelLoggerMessageAndService() {
        assertEquals("[ERROR] io.vigie.X: boom (service.id=7)", LogLine.text("ERROR", "io.vigie.X", "boom", "service.id=7"));
        assertEquals("[WARN] plain", LogLine.text("WARN", "LogService", "plain", null));
        assertEquals("[INFO] (no message)", LogLine.text(null, null, null, null));
    }

    @Test
    void frameworkEventChatterIsDroppedUnlessItIsAProblem() {
        org.junit.jupiter.api.Assertions.assertFalse(LogLine.printed("INFO", "Events.Service.org.apache.felix.scr"));
        org.junit.jupiter.api.Assertions.assertFalse(LogLine.printed("DEBUG", "Events.Bundle.x"));
        org.junit.jupiter.api.Assertions.assertTrue(LogLine.printed("ERROR", "Events.Framework"));
        org.junit.jupiter.api.Assertions.assertTrue(LogLine.printed("INFO", "org.apache.felix.scr"));
        org.junit.jupiter.api.Assertions.assertTrue(LogLine.printed("INFO", null));
    }
}
