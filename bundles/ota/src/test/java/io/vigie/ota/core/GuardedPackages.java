package io.vigie.ota.core;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongSupplier;

/**
 * A real package manager on a {@link FakeDa} whose installs and uninstalls are shown to a real {@link ModelGuard},
 * as the wiring component does (public: the OSGi glue's tests use it too).
 */
public final class GuardedPackages {
    public final FakeDa da = new FakeDa();
    public final DpStore store;
    public final PackageManager pm;
    public final ModelGuard guard;
    /** "UNINSTALLED name", "FAILED operation name", in order. */
    public final List<String> events = new CopyOnWriteArrayList<>();

    /** @param clock the time the guard is told an install happened at */
    public GuardedPackages(Path dir, HealthPolicy policy, LongSupplier clock, ModelGuard.Listener outcomes) throws IOException {
        store = new DpStore(dir);
        PackageManager[] self = new PackageManager[1];
        pm = new PackageManager(da, store, new DpInspector("x86-64"), new PackageManager.Listener() {
            @Override
            public void installed(DpInfo info, String sha256) {
                guard.installed(info, self[0].storedFile(info.name()), clock.getAsLong());
            }

            @Override
            public void uninstalled(String name) {
                events.add("UNINSTALLED " + name);
                guard.uninstalled(name);
            }

            @Override
            public void failed(String name, String operation, OtaException e) {
                events.add("FAILED " + operation + " " + name);
            }
        });
        self[0] = pm;
        pm.trials(true);
        guard = new ModelGuard(pm, policy, outcomes);
    }
}
