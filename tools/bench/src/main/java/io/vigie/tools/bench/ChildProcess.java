package io.vigie.tools.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A child process (optionally wrapped by scripts/edge-sim.sh) whose JVM is measured from outside.
 * With the wrapper, the JVM is a descendant of the started process: {@link #javaPid()} finds it, and
 * {@link #close()} ends the descendants first (bash does not forward signals to its children).
 */
public final class ChildProcess implements AutoCloseable {
    private final Process process;
    private final long startNanos;
    private final List<AutoCloseable> closeFirst = new java.util.ArrayList<>();

    private ChildProcess(Process process, long startNanos) {
        this.process = process;
        this.startNanos = startNanos;
    }

    public static ChildProcess start(List<String> command, Path workDir, Path log) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        long t0 = System.nanoTime();
        return new ChildProcess(pb.start(), t0);
    }

    /** System.nanoTime() just before the process was spawned. */
    public long startNanos() {
        return startNanos;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public Process process() {
        return process;
    }

    /** The pid of the JVM: this process if it is java, else its first java descendant. */
    public Optional<Long> javaPid() {
        if (isJava(process.toHandle())) return Optional.of(process.pid());
        return process.descendants().filter(ChildProcess::isJava).map(ProcessHandle::pid).findFirst();
    }

    static boolean isJava(ProcessHandle h) {
        return h.info().command().map(c -> c.endsWith("/java") || c.equals("java")).orElse(false);
    }

    public int waitFor(long timeout, TimeUnit unit) throws InterruptedException {
        if (!process.waitFor(timeout, unit))
            throw new IllegalStateException("child process still running after " + timeout + " " + unit);
        return process.exitValue();
    }

    /** Closed before the process is stopped (e.g. a client connected to it, which would see an error otherwise). */
    public void closeFirst(AutoCloseable resource) {
        closeFirst.add(resource);
    }

    @Override
    public void close() {
        for (AutoCloseable c : closeFirst) {
            try {
                c.close();
            } catch (Exception e) {
                // the process is stopped next anyway
            }
        }
        // Stop the JVM(s) under a wrapper first and let the wrapper end by itself: killing
        // scripts/edge-sim.sh would skip its EXIT trap and leave its cgroups behind.
        List<ProcessHandle> kids = process.descendants().toList();
        kids.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (ProcessHandle h : kids) awaitGone(h, deadline);
        if (!kids.isEmpty()) awaitGone(process.toHandle(), System.nanoTime() + TimeUnit.SECONDS.toNanos(5), false);
        process.destroy();
        awaitGone(process.toHandle(), System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
    }

    private static void awaitGone(ProcessHandle h, long deadline) {
        awaitGone(h, deadline, true);
    }

    private static void awaitGone(ProcessHandle h, long deadline, boolean force) {
        try {
            h.onExit().get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (Exception e) {
            if (!force) return;
            h.destroyForcibly();
            try { // SIGKILL is asynchronous: callers (and isAlive()) expect the process gone when close() returns
                h.onExit().get(5, TimeUnit.SECONDS);
            } catch (Exception gone) {
                // nothing more to do: the kernel has the SIGKILL
            }
        }
    }
}
