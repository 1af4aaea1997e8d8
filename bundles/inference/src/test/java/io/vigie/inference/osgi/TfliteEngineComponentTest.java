package io.vigie.inference.osgi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.lang.annotation.Annotation;

import org.junit.jupiter.api.Test;

import io.vigie.api.inference.EngineOptions;

class TfliteEngineComponentTest {
    static TfliteEngineConfig cfg(int threads, boolean xnnpack) {
        return new TfliteEngineConfig() {
            @Override public Class<? extends Annotation> annotationType() { return TfliteEngineConfig.class; }
            @Override public int threads() { return threads; }
            @Override public boolean xnnpack() { return xnnpack; }
        };
    }

    @Test
    void callerOptionsWinUnlessXnnpackIsSwitchedOffGlobally() {
        EngineOptions req = new EngineOptions(2, true, 50);
        assertSame(req, TfliteEngineComponent.effective(req, cfg(1, true)));
        EngineOptions off = TfliteEngineComponent.effective(req, cfg(1, false));
        assertFalse(off.useXnnpack());
        assertEquals(2, off.threads());
        assertEquals(50, off.maxResults());
    }

    @Test
    void configDefaultsWhenCallerPassesNone() {
        EngineOptions o = TfliteEngineComponent.effective(null, cfg(3, true));
        assertEquals(3, o.threads());
        assertEquals(true, o.useXnnpack());
    }
}
