package io.vigie.tools.fleet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import io.vigie.tools.fleet.FleetState.Gw;
import io.vigie.tools.fleet.FleetState.Phase;
import io.vigie.tools.fleet.FleetState.Status;

/**
 * The rollout's core, no MQTT: waves of gateways, each updated through a {@link Port} and counted only on its own health
 * verdict; a wave with more than {@code maxFailures} failures halts the rollout, and the gateways it updated are put
 * back on their previous package (the rest stay untouched). Every change is persisted before the next step, so a rerun
 * resumes: HEALTHY/SKIPPED gateways are not touched again, INSTALLING ones (the tool died mid-install) are asked what
 * they run now.
 */
public final class Rollout {
    /** What the gateways are to the rollout (MQTT + DEPLOY-V2 in production, a fake in unit tests). */
    public interface Port {
        /** Gateways that were seen (BIRTH) and answered a DEPLOY-V2 request, online now. */
        Set<String> online();

        /** Waits until the gateway is online again (BIRTH), at most that long. */
        boolean awaitOnline(String gateway, Duration atMost) throws InterruptedException;

        /** Installed packages (name -> version), or null when the gateway does not answer. */
        Map<String, String> packages(String gateway) throws InterruptedException;

        /** Sends the package (download + install) and waits for the gateway's verdict. */
        Verdict deploy(String gateway, Artifact a, URI uri, long jobId, Duration atMost) throws InterruptedException;

        /** Uninstalls a package (a rollback to "no package": the built-in model). */
        Verdict uninstall(String gateway, String name, long jobId, Duration atMost) throws InterruptedException;
    }

    public enum Outcome {
        HEALTHY, ROLLED_BACK, FAILED, OFFLINE, TIMEOUT
    }

    /** A gateway's answer to one job; times on the gateway's clock when it said them. */
    public record Verdict(Outcome outcome, String detail, Long installedAt, Long verdictAt, Double swapMs, String model) {
        public static Verdict of(Outcome o, String detail) {
            return new Verdict(o, detail, null, null, null, null);
        }
    }

    /** Live progress: called after every change. */
    public interface Listener {
        void changed(FleetState s);
    }

    public record Options(Duration jobTimeout, Duration offlineWait, int parallel) {
    }

    private final FleetState state;
    private final Path stateFile;
    private final Path keptDir;
    private final Port port;
    private final Artifact target;
    private final URI targetUri;
    private final java.util.function.Function<Artifact, URI> serve;
    private final Options options;
    private final Listener listener;

    public Rollout(FleetState state, Path stateFile, Path keptDir, Port port, Artifact target,
            java.util.function.Function<Artifact, URI> serve, Options options, Listener listener) {
        this.state = state;
        this.stateFile = stateFile;
        this.keptDir = keptDir;
        this.port = port;
        this.target = target;
        this.serve = serve;
        this.targetUri = serve.apply(target);
        this.options = options;
        this.listener = listener;
    }

    /** Places gateways not known yet in the plan: sorted by id, filling waves in order (first run, or new BIRTHs). */
    public static void plan(FleetState s, Set<String> gateways) {
        List<String> fresh = new ArrayList<>(gateways);
        fresh.removeAll(s.gateways.keySet());
        java.util.Collections.sort(fresh);
        if (s.waveSizes.isEmpty()) {
            s.waveSizes = Waves.sizes(s.waves, fresh.size());
            int w = 0, left = s.waveSizes.isEmpty() ? 0 : s.waveSizes.get(0);
            for (String id : fresh) {
                while (left == 0 && w + 1 < s.waveSizes.size()) left = s.waveSizes.get(++w);
                Gw g = new Gw();
                g.wave = w;
                left--;
                s.gateways.put(id, g);
            }
        } else {
            int last = Math.max(0, s.waveSizes.size() - 1); // late arrivals go with the last wave
            for (String id : fresh) {
                Gw g = new Gw();
                g.wave = last;
                s.gateways.put(id, g);
                s.waveSizes.set(last, s.waveSizes.get(last) + 1);
            }
        }
    }

    /** Runs (or resumes) every wave; returns the final phase. */
    public Phase run() throws InterruptedException, IOException {
        save();
        for (int w = 0; w < state.waveSizes.size() && state.phase == Phase.RUNNING; w++) runWave(w);
        if (state.phase == Phase.RUNNING) {
            retryOffline();
            state.phase = Phase.DONE;
            state.finishedAt = System.currentTimeMillis();
            save();
        }
        return state.phase;
    }

    private void runWave(int wave) throws InterruptedException, IOException {
        List<String> todo = new ArrayList<>();
        for (Map.Entry<String, Gw> e : state.gateways.entrySet()) {
            Status st = e.getValue().status;
            if (e.getValue().wave == wave && (st == Status.PENDING || st == Status.INSTALLING || st == Status.OFFLINE))
                todo.add(e.getKey());
        }
        AtomicInteger failures = new AtomicInteger(failures(wave));
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, options.parallel()), r -> {
            Thread t = new Thread(r, "vigie-fleet-wave");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> running = new ArrayList<>();
            for (String id : todo) {
                running.add(pool.submit(() -> {
                    if (failures.get() > state.maxFailures) return null; // halting: the rest of the wave stays untouched
                    if (!update(id)) failures.incrementAndGet();
                    return null;
                }));
            }
            for (Future<?> f : running) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new IllegalStateException("wave " + (wave + 1) + ": " + e.getCause(), e.getCause());
                }
            }
        } finally {
            pool.shutdownNow();
        }
        if (failures.get() > state.maxFailures) halt("wave " + (wave + 1) + ": " + failures.get()
                + " failure(s) > --max-failures "
                + state.maxFailures);
    }

    private int failures(int wave) {
        int n = 0;
        for (Gw g : state.gateways.values()) if (g.wave == wave && g.status == Status.FAILED) n++;
        return n;
    }

    /** One gateway: false when it counts as a failure of its wave (offline is reported, not a failure). */
    private boolean update(String id) throws InterruptedException {
        Gw g = state.gateways.get(id);
        if (!port.online().contains(id) && !port.awaitOnline(id, options.offlineWait())) {
            set(g, Status.OFFLINE, "offline (no BIRTH within "
                    + options.offlineWait().toSeconds() + " s); retried when it is back");
            return true;
        }
        Map<String, String> pk = port.packages(id);
        if (pk == null) {
            set(g, Status.OFFLINE, "does not answer DEPLOY-V2 GET packages");
            return true;
        }
        String current = pk.get(target.name());
        if (g.status == Status.INSTALLING && target.version().equals(current)) {
            // the tool stopped (or the gateway restarted) mid-install: what the gateway lists after its start checks is
            // what passed them (an install never judged is rolled back by the gateway at start)
            set(g, Status.HEALTHY, "on " + target.version() + " when asked again (install finished while the tool was away)");
            return true;
        }
        if (g.status == Status.PENDING || g.status == Status.OFFLINE) {
            if (target.version().equals(current)) {
                set(g, Status.SKIPPED, "already on " + target.name() + " " + current);
                return true;
            }
            g.previousVersion = current;
            g.previousKnown = true;
        }
        for (;;) {
            g.jobId = state.newJobId();
            g.attempts++;
            g.startedAt = System.currentTimeMillis();
            set(g, Status.INSTALLING, "job " + g.jobId + " sent");
            Verdict v = port.deploy(id, target, targetUri, g.jobId, options.jobTimeout());
            g.installedAt = v.installedAt();
            g.verdictAt = v.verdictAt();
            g.swapMs = v.swapMs();
            g.model = v.model();
            switch (v.outcome()) {
                case HEALTHY -> {
                    set(g, Status.HEALTHY, v.detail());
                    return true;
                }
                case OFFLINE -> {
                    // gone mid-install (killed, rebooted): when it is back, its own start checks decide what it runs
                    if (!port.awaitOnline(id, options.offlineWait())) {
                        set(g, Status.OFFLINE, "went offline during job " + g.jobId + "; retried when it is back");
                        return true;
                    }
                    Map<String, String> now = port.packages(id);
                    if (now != null && target.version().equals(now.get(target.name()))) {
                        set(g, Status.HEALTHY, "back after going offline during job " + g.jobId + ", on " + target.version());
                        return true;
                    }
                    if (g.attempts >= 2) {
                        set(g, Status.FAILED, "went offline during job " + g.jobId + " twice");
                        return false;
                    }
                }
                default -> {
                    set(g, Status.FAILED, v.outcome() + ": " + v.detail());
                    return false;
                }
            }
        }
    }

    /** Gateways that were offline: one more try each if they came back (their wave passed). */
    private void retryOffline() throws InterruptedException {
        for (Map.Entry<String, Gw> e : state.gateways.entrySet()) {
            if (e.getValue().status == Status.OFFLINE && port.online().contains(e.getKey())) update(e.getKey());
        }
    }

    /** Stops the rollout: the gateways it updated go back to their previous package; the others stay untouched. */
    private void halt(String why) throws InterruptedException, IOException {
        state.phase = Phase.HALTED;
        state.haltReason = why;
        for (Gw g : state.gateways.values()) if (g.status == Status.PENDING) g.status = Status.UNTOUCHED;
        save();
        List<String> back = new ArrayList<>();
        for (Map.Entry<String, Gw> e : state.gateways.entrySet()) if (e.getValue().status == Status.HEALTHY) back.add(e.getKey());
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, options.parallel()));
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (String id : back) fs.add(pool.submit(() -> {
                restore(id);
                return null;
            }));
            for (Future<?> f : fs) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new IllegalStateException(e.getCause());
                }
            }
        } finally {
            pool.shutdownNow();
        }
        state.finishedAt = System.currentTimeMillis();
        save();
    }

    private void restore(String id) throws InterruptedException, IOException {
        Gw g = state.gateways.get(id);
        long job = state.newJobId();
        Verdict v;
        if (g.previousVersion == null) {
            v = port.uninstall(id, target.name(), job, options.jobTimeout());
        } else {
            String sha = state.kept.get(target.name() + " " + g.previousVersion);
            Artifact prev = Artifact.kept(keptDir, sha);
            if (prev == null) {
                set(g, Status.RESTORE_FAILED, "previous " + target.name() + " " + g.previousVersion
                        + " was not sent by this tool (not kept): left on " + target.version());
                return;
            }
            v = port.deploy(id, prev, serve.apply(prev), job, options.jobTimeout());
        }
        if (v.outcome() == Outcome.HEALTHY) {
            set(g, Status.RESTORED, "back on " + (g.previousVersion == null ? "no " + target.name() + " package (built-in model)"
                    : target.name() + " " + g.previousVersion));
        } else {
            set(g, Status.RESTORE_FAILED, v.outcome() + ": " + v.detail());
        }
    }

    private void set(Gw g, Status s, String reason) {
        synchronized (state) {
            g.status = s;
            g.reason = reason;
            if (s != Status.INSTALLING) g.doneAt = System.currentTimeMillis();
        }
        save();
    }

    private void save() {
        try {
            state.write(stateFile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        listener.changed(state);
    }
}
