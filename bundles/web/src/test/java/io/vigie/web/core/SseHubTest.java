package io.vigie.web.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class SseHubTest {
    private final AtomicLong clock = new AtomicLong();

    @Test
    void formatSplitsMultilineData() {
        assertEquals("event: detection\ndata: {\"a\":1}\n\n", SseHub.format("detection", "{\"a\":1}"));
        assertEquals("event: x\ndata: a\ndata: b\n\n", SseHub.format("x", "a\nb"));
    }

    @Test
    void clientCountIsBoundedAndClosingFreesASlot() throws Exception {
        SseHub h = new SseHub(2, 0, 4, clock::get);
        SseHub.Client a = h.open();
        h.open();
        assertThrows(SseHub.TooManyClientsException.class, h::open);
        a.close();
        assertEquals(1, h.clientCount());
        h.open();
        assertThrows(IllegalArgumentException.class, () -> h.setMaxClients(0));
    }

    @Test
    void stuckClientLosesOldestMessagesWithoutBlockingThePublisher() throws Exception {
        SseHub h = new SseHub(4, 0, 8, clock::get);
        SseHub.Client stuck = h.open(); // never drained
        SseHub.Client live = h.open();
        for (int i = 0; i < 10_000; i++) {
            int n = i;
            h.publishDetection(() -> "{\"seq\":" + n + "}");
            if (i % 1000 == 0) {
                // drain the live one as a real writer would
                while (live.queued() > 0) live.poll(0);
            }
        }
        assertEquals(8, stuck.queued(), "queue stays bounded");
        assertEquals(10_000 - 8, stuck.drops());
        String first = stuck.poll(0);
        assertTrue(first.contains("\"seq\":9992"), "the newest messages are kept: " + first);
        assertTrue(h.drops() >= stuck.drops());
    }

    @Test
    void detectionRateIsCappedPerClientButIntrusionsAreNot() throws Exception {
        SseHub h = new SseHub(4, 10, 1000, clock::get); // 10/s => 100 ms apart
        SseHub.Client c = h.open();
        AtomicInteger built = new AtomicInteger();
        for (int i = 0; i < 100; i++) { // 100 frames at 25 fps = 4 s
            h.publishDetection(() -> {
                built.incrementAndGet();
                return "{}";
            });
            clock.addAndGet(40_000_000L);
        }
        // frames at 0,40,...: sent at 0,120,240,... (every 3rd) => 34
        assertEquals(34, c.queued());
        assertEquals(34, built.get(), "JSON only built when some client takes it");
        h.publish(SseHub.INTRUSION, "{\"zone\":\"a\"}");
        h.publish(SseHub.INTRUSION, "{\"zone\":\"a\"}");
        assertEquals(36, c.queued());
        h.setDetectionRate(0);
        h.publishDetection(() -> "{}");
        h.publishDetection(() -> "{}");
        assertEquals(38, c.queued(), "rate 0 = every frame");
    }

    @Test
    void sessionWritesEventsKeepalivesAndEndsOnHubClose() throws Exception {
        SseHub h = new SseHub(2, 0, 16, clock::get);
        SseHub.Client c = h.open();
        h.publish(SseHub.INTRUSION, "{\"zone\":\"door\"}");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Thread closer = new Thread(() -> {
            try {
                Thread.sleep(150);
            } catch (InterruptedException e) {
                return;
            }
            h.close();
        });
        closer.start();
        long n = SseSession.run(c, out, () -> true, 20);
        closer.join();
        assertEquals(1, n);
        String s = out.toString(StandardCharsets.UTF_8);
        assertTrue(s.startsWith("retry: 3000\n\nevent: intrusion\ndata: {\"zone\":\"door\"}\n\n"), s);
        assertTrue(s.contains(": keepalive\n\n"), s);
    }

    @Test
    void disconnectedClientIsDetectedOnWriteAndRemoved() throws Exception {
        SseHub h = new SseHub(1, 0, 16, clock::get);
        SseHub.Client c = h.open();
        OutputStream gone = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("broken pipe");
            }
        };
        h.publish("x", "1");
        assertThrows(IOException.class, () -> {
            try (c) {
                SseSession.run(c, gone, () -> true, 20);
            }
        });
        assertEquals(0, h.clientCount());
        h.open(); // the slot is free again
        assertNull(c.poll(0), "a closed client yields no more messages");
        assertFalse(c.queued() > 1);
    }
}
