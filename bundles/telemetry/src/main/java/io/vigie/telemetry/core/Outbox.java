package io.vigie.telemetry.core;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import org.eclipse.kura.message.KuraPayload;

/**
 * The single way out: applies the rate policy and counts every outcome. Urgent messages (intrusion
 * START/END, model notices) are never dropped by the limiter: they take a token, possibly into
 * debt, and always go. Normal messages (metrics) need a token or are dropped and counted. A failed
 * publish (no connection, store full...) is counted and remembered, never thrown to the caller.
 */
public final class Outbox {
    /** Where messages go; built per call because the CloudPublisher may come and go. */
    @FunctionalInterface
    public interface Sink {
        void publish(String appTopic, int priority, KuraPayload payload) throws Exception;
    }

    public enum Result { SENT, RATE_LIMITED, NO_PUBLISHER, FAILED }

    private final TokenBucket bucket;
    private final Supplier<Sink> sink;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong urgentOverRate = new AtomicLong();
    private final AtomicLong rateDropped = new AtomicLong();
    private final AtomicLong noPublisher = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private volatile String lastError;

    /** @param sink gives the current sink, or null while no CloudPublisher is bound */
    public Outbox(TokenBucket bucket, Supplier<Sink> sink) {
        this.bucket = bucket;
        this.sink = sink;
    }

    public Result send(String appTopic, int priority, boolean urgent, KuraPayload payload) {
        Sink s = sink.get();
        if (s == null) {
            noPublisher.incrementAndGet();
            return Result.NO_PUBLISHER;
        }
        if (urgent) {
            if (bucket.available() < 1) urgentOverRate.incrementAndGet();
            bucket.forceAcquire();
        } else if (!bucket.tryAcquire()) {
            rateDropped.incrementAndGet();
            return Result.RATE_LIMITED;
        }
        try {
            s.publish(appTopic, priority, payload);
            sent.incrementAndGet();
            return Result.SENT;
        } catch (Exception | LinkageError e) {
            failed.incrementAndGet();
            lastError = appTopic + ": " + e;
            return Result.FAILED;
        }
    }

    public long sent() {
        return sent.get();
    }

    /** Urgent messages that went although the rate was exhausted (they put the bucket in debt). */
    public long urgentOverRate() {
        return urgentOverRate.get();
    }

    public long rateDropped() {
        return rateDropped.get();
    }

    public long noPublisher() {
        return noPublisher.get();
    }

    public long failed() {
        return failed.get();
    }

    /** Last publish failure (topic: exception), or null. */
    public String lastError() {
        return lastError;
    }
}
