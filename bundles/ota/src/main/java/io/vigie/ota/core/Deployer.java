package io.vigie.ota.core;

import java.nio.file.Path;
import java.util.List;

/** What the package manager needs from DeploymentAdmin (and what tests fake). */
public interface Deployer {
    record Installed(String name, String version, List<DpInfo.BundleRef> bundles) {
    }

    List<Installed> list();

    /** Installs or updates; throws with DA's reason when it refuses (DA rolls back itself). */
    Installed install(Path file) throws Exception;

    void uninstall(String name) throws Exception;

    /**
     * Symbolic names of bundles installed OUTSIDE DeploymentAdmin (by the launcher, by hand): a DP
     * that brings one of them would clash with the framework's duplicate check.
     */
    java.util.Set<String> unmanagedBundles();
}
