package io.vigie.ota.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.vigie.ota.core.OtaException.Kind;

/**
 * The whole install/uninstall/restore logic, without OSGi: validate (hash, signature, structure,
 * arch, clashes) BEFORE handing the file to the {@link Deployer}, then keep the file in the
 * {@link DpStore}. Nothing is stopped or installed when a check fails. One operation at a time.
 */
public final class PackageManager {
    private static final Logger LOG = LoggerFactory.getLogger(PackageManager.class);
    /** Outcome listener: the OSGi layer turns these into EventAdmin events. */
    public interface Listener {
        void installed(DpInfo info, String sha256);

        void uninstalled(String name);

        void failed(String name, String operation, OtaException e);
    }

    /** @param allowDowngrade accept a version older than the installed one (the rollback never needs it) */
    public record Options(SignatureVerifier verifier, boolean signatureRequired, boolean allowDowngrade) {
        public static final Options NONE = new Options(null, false, false);
    }

    /**
     * What an install did.
     *
     * @param unchanged that exact package (name, version, sha256) was already installed: nothing was done
     */
    public record Result(DpInfo info, String sha256, boolean unchanged) {
    }

    private final Deployer deployer;
    private final DpStore store;
    private final DpInspector inspector;
    private final Listener listener;
    private volatile Options options = Options.NONE;
    private volatile boolean trials;

    public PackageManager(Deployer deployer, DpStore store, DpInspector inspector, Listener listener) {
        this.deployer = deployer;
        this.store = store;
        this.inspector = inspector;
        this.listener = listener;
    }

    public void options(Options o) {
        this.options = o;
    }

    /** The checks in force (the REST list reports whether signatures are required). */
    public Options options() {
        return options;
    }

    public List<Deployer.Installed> list() {
        return deployer.list();
    }

    public Optional<Deployer.Installed> get(String name) {
        return deployer.list().stream().filter(i -> i.name().equals(name)).findFirst();
    }

    /**
     * Installs a package file (the caller deletes it afterwards).
     *
     * @param expected optional expected digest; the sha256 is always computed and returned
     * @param signature detached signature bytes or null
     */
    public synchronized Result install(Path file, HashSpec expected, byte[] signature) throws OtaException {
        String label = file.getFileName().toString();
        long t0 = System.nanoTime();
        try {
            String sha256 = HashSpec.sha256(file);
            if (expected != null) expected.verify(file, sha256);
            Options o = options;
            if (o.verifier() != null && (o.signatureRequired() || signature != null)) o.verifier().verify(file, signature);
            else if (o.signatureRequired())
                throw new OtaException(Kind.INTERNAL, "signature required but no public key configured: every install is "
                        + "refused. Make a key pair (./vigie keys --out DIR), set public.key in io.vigie.ota and sign "
                        + "packages (./vigie sign, or kura-dp with -Dvigie.dp.signing.key); or set "
                        + "signature.required=false explicitly");
            DpInfo info = inspector.inspect(file);
            label = info.name();
            if (sameAsInstalled(info, sha256, o.allowDowngrade())) {
                LOG.info("OTA: {} {} is already installed with the same content (sha256 {}): nothing to do", info.name(),
                        info.version(), sha256);
                return new Result(info, sha256, true);
            }
            onTrial(info, sha256);
            long t1 = System.nanoTime();
            try {
                deploy(info, file);
            } catch (OtaException e) {
                judged(info.name()); // DeploymentAdmin changed nothing
                throw e;
            }
            long t2 = System.nanoTime();
            try {
                store.put(info, file, sha256);
            } catch (IOException e) {
                throw new OtaException(Kind.INTERNAL, info.name() + " installed but not persisted (lost at restart): "
                        + e.getMessage(), e);
            }
            // where an install's time goes (swap latency budget: docs/BENCHMARKS.md)
            LOG.info("OTA: {} {}: checks {} ms (sha256, signature, inspection), DeploymentAdmin {} ms, persisted {} ms",
                    info.name(), info.version(), (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000,
                    (System.nanoTime() - t2) / 1_000_000);
            listener.installed(info, sha256);
            return new Result(info, sha256, false);
        } catch (OtaException e) {
            listener.failed(label, "install", e);
            throw e;
        } catch (IOException e) {
            OtaException x = new OtaException(Kind.INTERNAL, "reading the package failed: " + e.getMessage(), e);
            listener.failed(label, "install", x);
            throw x;
        }
    }

    /**
     * A version names one content: the same name and version with other bytes is refused (DeploymentAdmin would keep
     * the old bundles while the store kept the new file, installed at the next start), and so is a version older than
     * the installed one unless downgrades are allowed. The automatic rollback and the restart re-install do not come
     * here ({@link #revert}, {@link #restore}).
     *
     * @return true when this very package is installed already (nothing to do)
     */
    private boolean sameAsInstalled(DpInfo info, String sha256, boolean allowDowngrade) throws OtaException, IOException {
        Optional<Deployer.Installed> live = get(info.name());
        DpStore.Entry stored = store.entries().stream().filter(e -> e.name().equals(info.name())).findFirst().orElse(null);
        String current = live.map(Deployer.Installed::version).orElse(stored == null ? null : stored.version());
        if (current == null || current.isEmpty()) return false;
        int c = compareVersions(info.version(), current);
        if (c < 0 && !allowDowngrade)
            throw new OtaException(Kind.CLASH, info.name() + " " + info.version() + " is older than the installed " + current
                    + ": downgrades are refused (allow.downgrade=true allows them)");
        if (c != 0 || stored == null || stored.version() == null || stored.sha256() == null || stored.sha256().isEmpty()
                || compareVersions(info.version(), stored.version()) != 0)
            return false; // nothing recorded to compare the content with: installed as before
        if (!stored.sha256().equalsIgnoreCase(sha256))
            throw new OtaException(Kind.CLASH, info.name() + " " + info.version() + " is already installed with different"
                    + " content (sha256 " + stored.sha256() + ", this package " + sha256 + "); bump the version");
        return live.isPresent(); // stored but not live (its re-install failed at start): install it again
    }

    /** OSGi version order: major.minor.micro numerically (missing parts are 0), then the qualifier as text. */
    static int compareVersions(String a, String b) {
        try {
            return compareOsgi(a, b);
        } catch (NumberFormatException e) {
            return a.compareTo(b); // not an OSGi version (the inspector refuses those): text order
        }
    }

    private static int compareOsgi(String a, String b) {
        String[] x = a.trim().split("\\.", 4);
        String[] y = b.trim().split("\\.", 4);
        for (int i = 0; i < 3; i++) {
            int c = Long.compare(i < x.length ? Long.parseLong(x[i]) : 0, i < y.length ? Long.parseLong(y[i]) : 0);
            if (c != 0) return c;
        }
        return (x.length > 3 ? x[3] : "").compareTo(y.length > 3 ? y[3] : "");
    }

    /**
     * Hands the checked file to DA, adopting the runtime's copies of its data-only bundles: a copy
     * with the same version is uninstalled first (DA refuses a bundle already present) and put back
     * from the package's own entry if DA then fails; a copy with another version is uninstalled
     * after DA succeeded (the framework runs with bsnversion=multiple).
     */
    private void deploy(DpInfo info, Path file) throws OtaException {
        java.util.List<DpInfo.BundleRef> adopt = checkClash(info);
        Map<String, Deployer.Unmanaged> unmanaged = deployer.unmanagedBundles();
        java.util.List<DpInfo.BundleRef> before = new ArrayList<>();
        java.util.Set<String> after = new java.util.LinkedHashSet<>();
        for (DpInfo.BundleRef b : adopt) {
            if (b.version().equals(unmanaged.get(b.symbolicName()).version())) before.add(b);
            else after.add(b.symbolicName());
        }
        try {
            if (!before.isEmpty())
                deployer.retire(new java.util.LinkedHashSet<>(before.stream().map(DpInfo.BundleRef::symbolicName).toList()));
        } catch (Exception e) {
            throw new OtaException(Kind.INTERNAL, "could not take over the runtime's copy of " + before + ": " + message(e), e);
        }
        try {
            deployer.install(file);
        } catch (Exception e) {
            for (DpInfo.BundleRef b : before) {
                try {
                    deployer.restoreUnmanaged(file, b.entry());
                } catch (Exception r) {
                    listener.failed(info.name(), "rollback",
                            new OtaException(Kind.INTERNAL, "could not put back " + b.symbolicName() + ": " + message(r), r));
                }
            }
            throw new OtaException(Kind.INVALID, "DeploymentAdmin refused " + info.name() + " " + info.version()
                    + ": " + message(e), e);
        }
        retire(info.name(), after);
    }

    /**
     * A bundle owned by another DP, or installed outside DA and exporting packages, refuses the
     * whole package. Unmanaged bundles that export nothing (the launcher's data-only model bundles)
     * are returned: the package adopts them.
     */
    java.util.List<DpInfo.BundleRef> checkClash(DpInfo info) throws OtaException {
        for (Deployer.Installed other : deployer.list()) {
            if (other.name().equals(info.name())) continue; // an update of the same package
            for (DpInfo.BundleRef b : info.bundles()) {
                for (DpInfo.BundleRef ob : other.bundles()) {
                    if (ob.symbolicName().equals(b.symbolicName()))
                        throw new OtaException(Kind.CLASH, "bundle " + b.symbolicName()
                                + " already belongs to deployment package " + other.name() + " " + other.version());
                }
            }
        }
        Map<String, Deployer.Unmanaged> unmanaged = deployer.unmanagedBundles();
        java.util.List<DpInfo.BundleRef> adopt = new ArrayList<>();
        for (DpInfo.BundleRef b : info.bundles()) {
            Deployer.Unmanaged u = unmanaged.get(b.symbolicName());
            if (u == null) continue;
            if (u.exportsPackages())
                throw new OtaException(Kind.CLASH, "bundle " + b.symbolicName()
                        + " is installed outside DeploymentAdmin (by the runtime) and exports packages;"
                        + " a package cannot replace it");
            adopt.add(b);
        }
        return adopt;
    }

    private void retire(String name, java.util.Set<String> adopt) {
        if (adopt.isEmpty()) return;
        try {
            deployer.retire(adopt);
        } catch (Exception e) {
            listener.failed(name, "adopt", new OtaException(Kind.INTERNAL, "installed, but the runtime's copy of " + adopt
                    + " could not be removed: " + message(e), e));
        }
    }

    /**
     * With a health watch judging installs (the automatic rollback on): each install is on trial until
     * {@link #judged}, and one still on trial at start is rolled back ({@link #restore}).
     */
    public void trials(boolean on) {
        this.trials = on;
    }

    /** Before DeploymentAdmin gets a package: a marker that stays until the verdict on it (see restore). */
    private void onTrial(DpInfo info, String sha256) throws OtaException {
        if (!trials) return;
        try {
            store.markPending(info.name(), info.version(), sha256, System.currentTimeMillis());
        } catch (IOException e) {
            throw new OtaException(Kind.INTERNAL, "cannot record the trial of " + info.name() + ": " + e.getMessage(), e);
        }
    }

    /** The verdict on a package is in (healthy, or rolled back), or none is coming: its trial ends. */
    public void judged(String name) {
        try {
            store.clearPending(name);
        } catch (IOException e) {
            LOG.warn("OTA: cannot clear the trial marker of {}: {}", name, e.getMessage());
        }
    }

    public synchronized void uninstall(String name) throws OtaException {
        if (get(name).isEmpty()) {
            OtaException e = new OtaException(Kind.NOT_FOUND, "no deployment package named " + name);
            listener.failed(name, "uninstall", e);
            throw e;
        }
        try {
            deployer.uninstall(name);
        } catch (Exception e) {
            OtaException x = new OtaException(Kind.INTERNAL, "DeploymentAdmin could not uninstall " + name
                    + ": " + message(e), e);
            listener.failed(name, "uninstall", x);
            throw x;
        }
        try {
            store.remove(name);
        } catch (IOException e) {
            OtaException x = new OtaException(Kind.INTERNAL, name + " uninstalled but still indexed (back at restart): "
                    + e.getMessage(), e);
            listener.failed(name, "uninstall", x);
            throw x;
        }
        judged(name);
        listener.uninstalled(name);
    }

    /**
     * The automatic rollback: re-installs the package this one replaced (kept by the store, its
     * sha256 checked again; no signature needed, it was checked when it was first installed), or
     * uninstalls it when it replaced nothing.
     *
     * @return the package now installed under that name, or empty when it was uninstalled
     */
    public synchronized Optional<DpInfo> revert(String name) throws OtaException {
        Optional<DpStore.Entry> prev;
        try {
            prev = store.previous(name);
        } catch (IOException e) {
            throw new OtaException(Kind.INTERNAL, "cannot read the previous-package index: " + e.getMessage(), e);
        }
        if (prev.isEmpty()) {
            uninstall(name);
            return Optional.empty();
        }
        DpStore.Entry e = prev.get();
        try {
            if (e.sha256() != null && !e.sha256().isEmpty()) new HashSpec("SHA-256", e.sha256()).verify(e.file());
            DpInfo info = inspector.inspect(e.file());
            deploy(info, e.file());
            store.revert(name);
            judged(name);
            listener.installed(info, e.sha256());
            return Optional.of(info);
        } catch (OtaException x) {
            listener.failed(name, "rollback", x);
            throw x;
        } catch (IOException x) {
            OtaException o = new OtaException(Kind.INTERNAL, "rollback of " + name + " failed: " + x.getMessage(), x);
            listener.failed(name, "rollback", o);
            throw o;
        }
    }

    /** Where the store keeps a package's file (for reading what it carries, e.g. its model). */
    public Path storedFile(String name) {
        return store.dir().resolve(name + ".dp");
    }

    /**
     * Start-up: every stored package DA does not already have at that version is installed again,
     * core first; then every seed package (a folder of .dp files shipped beside the runtime) whose
     * name is neither stored nor installed. Failures are reported and skipped (the others still run).
     *
     * @return names (re)installed, in order
     */
    public synchronized List<String> restore(Path seedDir) {
        List<String> done = new ArrayList<>();
        Map<String, String> have = new java.util.HashMap<>();
        for (Deployer.Installed i : deployer.list()) have.put(i.name(), i.version());
        if (trials) rollBackUnjudged(have);
        List<DpStore.Entry> entries;
        try {
            entries = store.installOrder();
        } catch (IOException e) {
            listener.failed("(index)", "restore",
                    new OtaException(Kind.INTERNAL, "cannot read the package index: " + e.getMessage(), e));
            entries = List.of();
        }
        for (DpStore.Entry e : entries) {
            if (e.version() != null && e.version().equals(have.get(e.name()))) continue;
            if (restoreOne(e.name(), e.file(), e.sha256())) done.add(e.name());
            have.put(e.name(), e.version());
        }
        if (seedDir != null && Files.isDirectory(seedDir)) {
            List<Path> seeds = new ArrayList<>();
            try (var s = Files.list(seedDir)) {
                s.filter(p -> p.getFileName().toString().endsWith(".dp") && Files.isRegularFile(p)).sorted().forEach(seeds::add);
            } catch (IOException e) {
                listener.failed("(seed)", "restore",
                        new OtaException(Kind.INTERNAL, "cannot list " + seedDir + ": " + e.getMessage(), e));
            }
            List<DpInfo> infos = new ArrayList<>();
            List<Path> files = new ArrayList<>();
            for (Path p : seeds) {
                try {
                    DpInfo i = inspector.inspect(p);
                    if (have.containsKey(i.name())) continue;
                    infos.add(i);
                    files.add(p);
                } catch (OtaException | IOException e) {
                    listener.failed(p.getFileName().toString(), "seed", e instanceof OtaException o ? o
                            : new OtaException(Kind.INTERNAL, e.getMessage(), e));
                }
            }
            for (int pass = 0; pass < 2; pass++) { // core first
                for (int k = 0; k < infos.size(); k++) {
                    if (infos.get(k).isCore() != (pass == 0)) continue;
                    try {
                        Path sig = files.get(k).resolveSibling(files.get(k).getFileName() + ".sig");
                        install(files.get(k), null, Files.isRegularFile(sig) ? Files.readAllBytes(sig) : null);
                        done.add(infos.get(k).name());
                    } catch (OtaException e) {
                        // reported by install()
                    } catch (IOException e) {
                        listener.failed(infos.get(k).name(), "seed", new OtaException(Kind.INTERNAL, e.getMessage(), e));
                    }
                }
            }
        }
        return done;
    }

    /**
     * A package stored but never judged healthy (the gateway stopped, or the package crashed the JVM, during its
     * trial) gives way to the package it replaced before anything is re-installed: the store goes back to that one
     * (the loop in restore installs it) or forgets the package when it replaced nothing. Markers of installs that
     * never reached the store are dropped: the stored package is still the one before.
     */
    private void rollBackUnjudged(Map<String, String> have) {
        try {
            java.util.Set<String> unjudged = new java.util.HashSet<>();
            for (DpStore.Pending p : store.unjudged()) unjudged.add(p.name());
            for (DpStore.Pending p : store.pending()) {
                if (unjudged.contains(p.name())) {
                    Optional<DpStore.Entry> prev = store.previous(p.name());
                    String outcome;
                    if (prev.isPresent()) {
                        store.revert(p.name());
                        outcome = "back to " + prev.get().version();
                    } else {
                        store.remove(p.name());
                        if (have.remove(p.name()) != null) deployer.uninstall(p.name());
                        outcome = "removed";
                    }
                    listener.failed(p.name(), "restore", new OtaException(Kind.INVALID, p.name() + " " + p.version()
                            + " never proved healthy (the gateway stopped during its trial): " + outcome));
                }
                store.clearPending(p.name());
            }
        } catch (Exception e) {
            listener.failed("(trials)", "restore",
                    new OtaException(Kind.INTERNAL, "cannot roll back unjudged packages: " + message(e), e));
        }
    }

    private boolean restoreOne(String name, Path file, String sha256) {
        try {
            if (!Files.isRegularFile(file)) throw new OtaException(Kind.INTERNAL, "stored file " + file + " is missing");
            if (sha256 != null && !sha256.isEmpty()) new HashSpec("SHA-256", sha256).verify(file);
            deploy(inspector.inspect(file), file);
            return true;
        } catch (OtaException e) {
            listener.failed(name, "restore", e);
        } catch (Exception e) {
            listener.failed(name, "restore",
                    new OtaException(Kind.INTERNAL, "re-install of " + name + " failed: " + message(e), e));
        }
        return false;
    }

    static String message(Throwable e) {
        StringBuilder sb = new StringBuilder(String.valueOf(e.getMessage()));
        for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause())
            if (c.getMessage() != null) sb.append(": ").append(c.getMessage());
        return sb.toString();
    }
}
