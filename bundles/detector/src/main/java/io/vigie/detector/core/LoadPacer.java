package io.vigie.detector.core;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.function.IntSupplier;

/**
 * Lets the model loader yield to the running detector: the inference thread calls {@link #turn} between two frames,
 * and the loader waits for the next turn before each step of a load, so each step starts when the detector has just
 * finished a frame and has the most idle time ahead. On a CPU quota (half a core) a loader running beside the
 * detector would take the CPU the next frame needs, and frames would be dropped. The loader thread also runs at
 * {@link Thread#MIN_PRIORITY}, which the JVM turns into a nice value only with the launcher's priority options
 * (without them it ignores Java priorities on Linux); pacing works either way.
 * <p>
 * The wait is bounded: when no frame comes (source stalled, slow model), the load goes on after {@code maxWaitMs}.
 * Pacing is only worth its latency (a step per frame) when the CPU is short: the JVM sees no more processors than
 * the interpreter's threads (a container quota counts: half a core is one processor), so there is no free core for
 * the loader. With a free core the load runs beside the detector at full speed.
 */
final class LoadPacer {
    /** Longest wait for a turn: a few frames at the usual camera rates. */
    static final long MAX_WAIT_MS = 250;

    private final long maxWaitMs;
    private final IntSupplier processors;
    private long turns; // guarded by this

    LoadPacer(long maxWaitMs) {
        this(maxWaitMs, Runtime.getRuntime()::availableProcessors);
    }

    LoadPacer(long maxWaitMs, IntSupplier processors) {
        this.maxWaitMs = maxWaitMs;
        this.processors = processors;
    }

    /** No core left for the loader beside {@code threads} interpreter threads. */
    boolean cpuShort(int threads) {
        return processors.getAsInt() <= threads;
    }

    /** Inference thread, between two frames. */
    synchronized void turn() {
        turns++;
        notifyAll();
    }

    /** Loader: waits for the next turn, at most {@code maxWaitMs}; true when the turn came. */
    synchronized boolean awaitTurn() {
        long seen = turns;
        long end = System.nanoTime() + maxWaitMs * 1_000_000;
        while (turns == seen) {
            long left = (end - System.nanoTime()) / 1_000_000;
            if (left <= 0) return false;
            try {
                wait(left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // shutting down: go on, the caller sees the flag
                return false;
            }
        }
        return true;
    }

    /** CPU time of the calling thread (ns), 0 where the JVM cannot tell: what a load cost, apart from waiting. */
    static long threadCpuNanos() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        return mx.isCurrentThreadCpuTimeSupported() ? mx.getCurrentThreadCpuTime() : 0;
    }
}
