package io.vigie.cloud.paho;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPOutputStream;

import org.eclipse.kura.cloudconnection.message.KuraMessage;
import org.eclipse.kura.cloudconnection.request.RequestHandler;
import org.eclipse.kura.cloudconnection.request.RequestHandlerContext;
import org.eclipse.kura.message.KuraPayload;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10: MQTT input bounds. The dispatcher is driven directly (the Paho callback's entry point) and its replies
 * are captured, so each case shows what was inflated and queued without a broker.
 */
class RequestBoundsTest {

    private static final int LIMIT = 64 * 1024;

    @TempDir
    Path dir;

    private final KuraPayloadCodec codec = new KuraPayloadCodec();
    private final BlockingQueue<Map.Entry<String, KuraPayload>> replies = new LinkedBlockingQueue<>();
    private final AtomicInteger handled = new AtomicInteger();
    private final CountDownLatch entered = new CountDownLatch(1), release = new CountDownLatch(1);
    private RequestDispatcher dispatcher;

    /** One worker, one queue slot; GET .../slow blocks until released. */
    private RequestDispatcher dispatcher() throws Exception {
        CloudSettings s = new CloudSettings();
        s.clientId = "gw";
        s.accountName = "acct";
        s.storePath = dir;
        s.maxRequestBytes = LIMIT;
        s.requestThreads = 1;
        s.requestQueueSize = 1;
        ControlPublisher out = (topic, p, qos, priority) -> {
            replies.add(Map.entry(topic, p));
            return "1";
        };
        dispatcher = new RequestDispatcher(s, out, codec, null, "notifier");
        dispatcher.registerRequestHandler("APP", new RequestHandler() {
            @Override
            public KuraMessage doGet(RequestHandlerContext c, KuraMessage req) throws org.eclipse.kura.KuraException {
                handled.incrementAndGet();
                if ("slow".equals(((java.util.List<?>) req.getProperties().get("args")).get(0))) {
                    entered.countDown();
                    try {
                        release.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return new KuraMessage(new KuraPayload());
            }

            @Override
            public KuraMessage doPut(RequestHandlerContext c, KuraMessage req) {
                handled.incrementAndGet();
                return new KuraMessage(new KuraPayload());
            }
        });
        return dispatcher;
    }

    @AfterEach
    void close() {
        release.countDown();
        if (dispatcher != null) {
            dispatcher.close();
        }
    }

    private static KuraPayload request(String id) {
        KuraPayload p = new KuraPayload();
        p.addMetric("request.id", id);
        p.addMetric("requester.client.id", "cloud");
        return p;
    }

    private KuraPayload reply(String id) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (Map.Entry<String, KuraPayload> r; (r = replies.poll(deadline - System.nanoTime(),
                TimeUnit.NANOSECONDS)) != null;) {
            if (r.getKey().equals("$EDC/acct/cloud/APP/REPLY/" + id)) {
                return r.getValue();
            }
        }
        return fail("no reply to " + id);
    }

    /** A request whose body is {@code zeros} zero bytes, gzipped while written (the bomb never exists inflated). */
    private byte[] gzipBomb(String id, long zeros) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes, 1 << 16)) {
            gz.write(codec.encode(request(id)));
            gz.write(varint((5001 << 3) | 2)); // body: field 5001, length-delimited
            gz.write(varint(zeros));
            byte[] chunk = new byte[1 << 20];
            for (long left = zeros; left > 0; left -= chunk.length) {
                gz.write(chunk, 0, (int) Math.min(chunk.length, left));
            }
        }
        return bytes.toByteArray();
    }

    private static byte[] varint(long v) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (; (v & ~0x7FL) != 0; v >>>= 7) {
            b.write((int) ((v & 0x7F) | 0x80));
        }
        b.write((int) v);
        return b.toByteArray();
    }

    @Test
    void gzipBombIsRefusedAfterInflatingAtMostTheLimit() throws Exception {
        dispatcher();
        byte[] bomb = gzipBomb("b1", 32L << 20); // 32 MB of zeros in ~32 kB: below the 64 kB wire limit
        assertTrue(bomb.length < LIMIT, "wire size " + bomb.length);
        dispatcher.onMessage("$EDC/acct/gw/APP/PUT/x", bomb);
        KuraPayload r = reply("b1");
        assertEquals(400, r.getMetric("response.code"));
        assertTrue(((String) r.getMetric("response.exception.message")).contains("max.request.bytes"));
        assertTrue(codec.inflatedBytes() <= LIMIT + 1, "inflated " + codec.inflatedBytes() + " bytes for a "
                + LIMIT + " B limit");
        assertEquals(0, handled.get());
        assertEquals(1, dispatcher.counter("oversized"));
    }

    @Test
    void oversizedRawPayloadIsRefusedBeforeQueueing() throws Exception {
        dispatcher();
        dispatcher.onMessage("$EDC/acct/gw/APP/GET/slow", codec.encode(request("a1")));
        assertTrue(entered.await(10, TimeUnit.SECONDS), "the only worker is busy");
        KuraPayload big = request("c1");
        byte[] noise = new byte[2 * LIMIT];
        new Random(4).nextBytes(noise);
        big.setBody(noise);
        dispatcher.onMessage("$EDC/acct/gw/APP/PUT/x", codec.encode(big, false));
        // Answered at once, while the worker is still busy: it never waited in the queue...
        assertEquals(400, reply("c1").getMetric("response.code"));
        // ...so the one queue slot is still free for the next request (no "busy" refusal).
        dispatcher.onMessage("$EDC/acct/gw/APP/PUT/y", codec.encode(request("d1")));
        release.countDown();
        assertEquals(200, reply("d1").getMetric("response.code"));
        assertEquals(0, dispatcher.counter("busy"));
        assertEquals(1, dispatcher.counter("oversized"));
        assertEquals(2, handled.get(), "a1 and d1 only");
    }

    @Test
    void codecInflatesOneByteBeyondTheLimitAndNoMore() throws Exception {
        byte[] bomb = gzipBomb("z", 4L << 20);
        byte[] plain = codec.inflate(bomb, 1000);
        assertEquals(1001, plain.length, "one byte past the limit says 'too large'");
        assertEquals(1001, codec.inflatedBytes());
        assertThrows(KuraPayloadCodec.TooLargeException.class, () -> codec.decode(bomb, 1000, true));
        // The reply address is read from the allowed prefix: metrics come before the body.
        KuraPayload head = codec.decodeMetricsPrefix(plain, 1000);
        assertEquals("z", head.getMetric("request.id"));
        assertEquals("cloud", head.getMetric("requester.client.id"));
        assertNull(head.getBody());
    }
}
