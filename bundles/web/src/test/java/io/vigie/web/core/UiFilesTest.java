package io.vigie.web.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** The allow-list of dashboard files: plain names of known types only. */
class UiFilesTest {
    @Test
    void onlyPlainNamesOfKnownTypesAreServable() {
        assertEquals("text/html;charset=utf-8", UiFiles.typeOf("live.html"));
        assertEquals("text/javascript;charset=utf-8", UiFiles.typeOf("app.js"));
        assertEquals("text/css;charset=utf-8", UiFiles.typeOf("app.css"));
        assertEquals("image/svg+xml", UiFiles.typeOf("favicon.svg"));
        for (String bad : new String[] { null, "", "../web/osgi/AuthComponent.class", "..", "a/../b.js", "/etc/passwd",
                "app.js/", "App.js", "x.class", "x.properties", "x", ".hidden.js", "a..js", "app.js%00.html",
                "C:\\x.js", "x".repeat(80) + ".js" })
            assertNull(UiFiles.typeOf(bad), String.valueOf(bad));
        UiFiles f = new UiFiles(Map.of("app.js", new byte[] { 1 }, "notes.txt", new byte[0], "Bad.JS", new byte[0]));
        assertEquals(Set.of("app.js"), f.names(), "what cannot be served is not even listed");
    }
}
