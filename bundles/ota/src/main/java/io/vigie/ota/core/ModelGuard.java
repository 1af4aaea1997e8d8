package io.vigie.ota.core;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Automatic rollback of model packages. After a package carrying a model is installed (any path),
 * a {@link HealthWatch} judges the new model from the detector's frames and MODEL events; when it fails,
 * the package it replaced is installed again ({@link PackageManager#revert}), or the package is
 * uninstalled if it replaced nothing. The frame rate before the install is taken from the last
 * {@value #HISTORY_MS} ms of frames. Time comes from the caller (events and {@link #tick}),
 * so this is tested with synthetic streams; the OSGi glue ticks it twice a second.
 */
public final class ModelGuard {
    static final long HISTORY_MS = 10_000;
    /** A source that produced nothing for this long counts as idle (no rate before the install). */
    static final long IDLE_MS = 3_000;

    /** What happened to one watched install. */
    public record Outcome(String name, String version, ModelRef model, boolean healthy, String reason,
            String restoredVersion, boolean uninstalled, String rollbackError) {
        public String state() {
            if (healthy) return "HEALTHY";
            return rollbackError == null ? "ROLLED_BACK" : "ROLLBACK_FAILED";
        }
    }

    public interface Listener {
        /** Once a verdict is in; {@code o.healthy()==false}: a rollback was made (or failed: {@code rollbackError}). */
        void outcome(Outcome o);
    }

    /** A running watch, for the REST status: its countdown and what it checks. */
    public record Watching(String name, String version, ModelRef model, HealthWatch.Progress progress, HealthPolicy policy) {
    }

    private record Frame(long at, ModelRef model) {
    }

    private final class Watch {
        final String name;
        final String version;
        final HealthWatch health;
        final CompletableFuture<Outcome> done = new CompletableFuture<>();

        Watch(String name, String version, HealthWatch health) {
            this.name = name;
            this.version = version;
            this.health = health;
        }
    }

    private final PackageManager packages;
    private final Listener listener;
    private volatile Supplier<HealthPolicy> policy;
    private volatile boolean enabled = true;
    private final Deque<Frame> frames = new ArrayDeque<>();
    private final Map<String, Watch> watches = new LinkedHashMap<>();
    private final Map<String, Outcome> last = new LinkedHashMap<>();
    private final Map<String, Long> lastAt = new LinkedHashMap<>(); // when each outcome of {@code last} came
    private String reverting; // package being rolled back: its re-install is not watched

    public ModelGuard(PackageManager packages, HealthPolicy policy, Listener listener) {
        this.packages = packages;
        this.policy = () -> policy;
        this.listener = listener;
    }

    public void configure(boolean enabled, HealthPolicy policy) {
        configure(enabled, () -> policy);
    }

    /** @param policy asked at each install (its latency budget may follow the detector's settings) */
    public void configure(boolean enabled, Supplier<HealthPolicy> policy) {
        this.enabled = enabled;
        this.policy = policy;
    }

    // ---- detector events

    public void frame(ModelRef m, double totalMs, long now) {
        List<Watch> ws;
        synchronized (this) {
            frames.addLast(new Frame(now, m));
            while (!frames.isEmpty() && frames.peekFirst().at() < now - HISTORY_MS) frames.removeFirst();
            if (watches.isEmpty()) return; // the usual case, per frame: nothing to copy
            ws = List.copyOf(watches.values());
        }
        for (Watch w : ws) w.health.frame(m, totalMs, now);
    }

    public void model(ModelRef m, String error, long now) {
        List<Watch> ws;
        synchronized (this) {
            ws = List.copyOf(watches.values());
        }
        for (Watch w : ws) w.health.model(m, error, now);
    }

    /** Frames per second over the recent history, 0 when the source is idle. */
    synchronized double recentFps(long now) {
        if (frames.size() < 2 || now - frames.peekLast().at() > IDLE_MS) return 0;
        long span = frames.peekLast().at() - frames.peekFirst().at();
        return span <= 0 ? 0 : (frames.size() - 1) * 1000.0 / span;
    }

    synchronized ModelRef activeModel(long now) {
        return frames.isEmpty() || now - frames.peekLast().at() > IDLE_MS ? null : frames.peekLast().model();
    }

    // ---- installs

    /**
     * Called after every successful install: watches the package's model, if it carries one.
     *
     * @return the verdict to come, or empty when nothing is watched
     */
    public Optional<CompletableFuture<Outcome>> installed(DpInfo info, Path file, long now) {
        List<ModelRef> models;
        try {
            models = enabled ? ModelRef.inPackage(file) : List.of();
        } catch (IOException e) {
            models = List.of();
        }
        if (models.isEmpty()) {
            packages.judged(info.name()); // no verdict is coming
            return Optional.empty();
        }
        HealthPolicy p = policy.get(); // outside the lock: it may ask the detector
        Watch superseded;
        Watch w;
        synchronized (this) {
            if (info.name().equals(reverting)) return Optional.empty();
            // one model per package is what Vigie builds; with several, the first is judged
            w = new Watch(info.name(), info.version(), new HealthWatch(models.get(0), p, now, recentFps(now), activeModel(now)));
            superseded = watches.put(info.name(), w);
        }
        if (superseded != null)
            superseded.done.complete(new Outcome(superseded.name, superseded.version, superseded.health.model(),
                    true, "superseded by " + info.version() + " before the verdict", null, false, null));
        return Optional.of(w.done);
    }

    /**
     * The package was uninstalled (by a user or the cloud) while its model was being watched: the watch ends without
     * a verdict. Judging on would see the model gone and "roll back" by installing the previous version of a package
     * that was deliberately removed.
     */
    public void uninstalled(String name) {
        Watch w;
        synchronized (this) {
            w = watches.remove(name);
        }
        if (w != null) w.done.complete(new Outcome(w.name, w.version, w.health.model(), true,
                "uninstalled before the verdict", null, false, null));
    }

    /** The watch running for a package, if any. */
    public synchronized Optional<CompletableFuture<Outcome>> pending(String name) {
        Watch w = watches.get(name);
        return w == null ? Optional.empty() : Optional.of(w.done);
    }

    /** Latest outcome per package (for the REST status). */
    public synchronized Map<String, Outcome> outcomes() {
        return new LinkedHashMap<>(last);
    }

    public synchronized List<String> watching() {
        return List.copyOf(watches.keySet());
    }

    /** The running watches with their countdown at {@code now}. */
    public List<Watching> watches(long now) {
        List<Watch> ws;
        synchronized (this) {
            ws = List.copyOf(watches.values());
        }
        return ws.stream().map(w -> new Watching(w.name, w.version, w.health.model(), w.health.progress(now),
                w.health.policy())).toList();
    }

    /** When the latest outcome of {@code name} came (clock of {@link #tick}), or null. */
    public synchronized Long outcomeAt(String name) {
        return lastAt.get(name);
    }

    /** Advances the clock: healthy packages are released, failed ones rolled back (on the caller's thread). */
    public void tick(long now) {
        List<Watch> ws;
        synchronized (this) {
            ws = List.copyOf(watches.values());
        }
        for (Watch w : ws) {
            HealthWatch.Verdict v = w.health.tick(now);
            if (v == null) continue;
            synchronized (this) {
                if (watches.get(w.name) != w) continue; // superseded meanwhile
                watches.remove(w.name);
            }
            Outcome o;
            if (v.healthy()) {
                packages.judged(w.name);
                o = new Outcome(w.name, w.version, w.health.model(), true, v.reason(), null, false, null);
            } else {
                o = rollBack(w, v.reason()); // a rollback that failed keeps the marker: the next start tries again
            }
            synchronized (this) {
                last.put(w.name, o);
                lastAt.put(w.name, now);
            }
            listener.outcome(o);
            w.done.complete(o);
        }
    }

    private Outcome rollBack(Watch w, String reason) {
        synchronized (this) {
            reverting = w.name;
        }
        try {
            Optional<DpInfo> back = packages.revert(w.name);
            return new Outcome(w.name, w.version, w.health.model(), false, reason, back.map(DpInfo::version).orElse(null),
                    back.isEmpty(), null);
        } catch (OtaException e) {
            return new Outcome(w.name, w.version, w.health.model(), false, reason, null, false, e.getMessage());
        } finally {
            synchronized (this) {
                reverting = null;
            }
        }
    }
}
