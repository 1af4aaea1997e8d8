package io.vigie.ota.core;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * DeploymentAdmin stand-in: parses what it is given with the inspector, records the order (public: the OSGi glue's
 * tests use it).
 */
public final class FakeDa implements Deployer {
    public final Map<String, Installed> installed = new LinkedHashMap<>();
    public final List<String> installs = new ArrayList<>();
    /** The threads DeploymentAdmin was called on (install, uninstall), in order. */
    public final List<Thread> callers = new java.util.concurrent.CopyOnWriteArrayList<>();
    final Map<String, Unmanaged> unmanaged = new HashMap<>();
    final List<String> retired = new ArrayList<>();
    final List<String> restored = new ArrayList<>();
    boolean refuse;

    @Override
    public List<Installed> list() {
        return new ArrayList<>(installed.values());
    }

    @Override
    public Installed install(Path file) throws Exception {
        callers.add(Thread.currentThread());
        if (refuse) throw new Exception("resolution failed");
        DpInfo i = new DpInspector("x86-64").inspect(file);
        Installed in = new Installed(i.name(), i.version(), i.bundles());
        installed.put(i.name(), in);
        installs.add(i.name() + " " + i.version());
        return in;
    }

    @Override
    public void uninstall(String name) {
        callers.add(Thread.currentThread());
        installed.remove(name);
    }

    @Override
    public Map<String, Unmanaged> unmanagedBundles() {
        return unmanaged;
    }

    @Override
    public void restoreUnmanaged(Path dp, String entry) {
        restored.add(entry);
    }

    @Override
    public void retire(Set<String> symbolicNames) {
        retired.addAll(symbolicNames);
        symbolicNames.forEach(unmanaged::remove);
    }
}
