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

    /** A bundle installed OUTSIDE DeploymentAdmin (by the runtime's launcher, by hand). */
    record Unmanaged(String version, boolean exportsPackages) {
    }

    /** Unmanaged bundles by symbolic name. */
    java.util.Map<String, Unmanaged> unmanagedBundles();

    /**
     * Installs and starts a bundle entry of a package file outside DeploymentAdmin: puts back an
     * unmanaged bundle retired for a package that DeploymentAdmin then refused.
     */
    void restoreUnmanaged(Path dp, String entry) throws Exception;

    /**
     * Uninstalls the unmanaged bundles with these symbolic names, once a package has brought its own
     * copy ("adoption" of the launcher's data-only model bundles).
     */
    void retire(java.util.Set<String> symbolicNames) throws Exception;
}
