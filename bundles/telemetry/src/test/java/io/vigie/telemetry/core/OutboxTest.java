package io.vigie.telemetry.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.eclipse.kura.KuraErrorCode;
import org.eclipse.kura.KuraException;
import org.eclipse.kura.message.KuraPayload;
import org.junit.jupiter.api.Test;

class OutboxTest {
    final FakeClock clock = new FakeClock();
    final List<String> sent = new ArrayList<>();
    final Outbox.Sink recording = (topic, prio, p) -> sent.add(topic + "@" + prio);

    @Test
    void noPublisherMeansNothingSentAndNoError() {
        Outbox o = new Outbox(new TokenBucket(1, 1, clock), () -> null);
        assertEquals(Outbox.Result.NO_PUBLISHER, o.send("metrics", 7, false, new KuraPayload()));
        assertEquals(Outbox.Result.NO_PUBLISHER, o.send("events/intrusion", 1, true, new KuraPayload()));
        assertEquals(2, o.noPublisher());
        assertEquals(0, o.sent());
        assertEquals(0, o.failed());
    }

    @Test
    void normalMessagesAreDroppedOverTheRateUrgentOnesNever() {
        Outbox o = new Outbox(new TokenBucket(1, 2, clock), () -> recording);
        assertEquals(Outbox.Result.SENT, o.send("metrics", 7, false, new KuraPayload()));
        assertEquals(Outbox.Result.SENT, o.send("metrics", 7, false, new KuraPayload()));
        assertEquals(Outbox.Result.RATE_LIMITED, o.send("metrics", 7, false, new KuraPayload()));
        for (int i = 0; i < 10; i++) assertEquals(Outbox.Result.SENT, o.send("events/intrusion", 1, true, new KuraPayload()));
        assertEquals(12, o.sent());
        assertEquals(1, o.rateDropped());
        assertEquals(10, o.urgentOverRate());
        // the urgent burst put the bucket in debt (capped at -2): normal traffic waits 3 s
        clock.advanceMillis(2_000);
        assertEquals(Outbox.Result.RATE_LIMITED, o.send("metrics", 7, false, new KuraPayload()));
        clock.advanceMillis(1_500);
        assertEquals(Outbox.Result.SENT, o.send("metrics", 7, false, new KuraPayload()));
        assertEquals("events/intrusion@1", sent.get(2));
        assertEquals("metrics@7", sent.get(sent.size() - 1));
    }

    @Test
    void publishFailuresAreCountedNeverThrown() {
        AtomicReference<Outbox.Sink> sink = new AtomicReference<>((t, p, m) -> {
            throw new KuraException(KuraErrorCode.STORE_ERROR, "store full");
        });
        Outbox o = new Outbox(new TokenBucket(100, 100, clock), sink::get);
        assertEquals(Outbox.Result.FAILED, o.send("events/intrusion", 1, true, new KuraPayload()));
        sink.set((t, p, m) -> {
            throw new IllegalStateException("not connected");
        });
        assertEquals(Outbox.Result.FAILED, o.send("metrics", 7, false, new KuraPayload()));
        assertEquals(2, o.failed());
        assertTrue(o.lastError().contains("not connected"), o.lastError());
        sink.set(recording);
        assertEquals(Outbox.Result.SENT, o.send("metrics", 7, false, new KuraPayload()));
        assertEquals(1, o.sent());
    }
}
