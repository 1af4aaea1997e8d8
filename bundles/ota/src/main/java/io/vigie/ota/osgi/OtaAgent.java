package io.vigie.ota.osgi;

import java.nio.file.Path;

import io.vigie.ota.core.DpStore;
import io.vigie.ota.core.ModelGuard;
import io.vigie.ota.core.PackageManager;

/**
 * What the wiring component ({@link OtaComponent}) owns and shares with the packages servlet and the health
 * handler. A service of this bundle only (its package is private), so the three components start and stop in
 * order through DS references instead of holding each other.
 */
public interface OtaAgent {
    PackageManager packages();

    DpStore store();

    ModelGuard guard();

    /**
     * Where REST installs and uninstalls run: one thread at the background priority ({@code Background}), so checks,
     * DeploymentAdmin and the new model's activation do not take the detector's CPU.
     */
    java.util.concurrent.ExecutorService installs();

    /** Folder for uploads and REST downloads on their way to an install. */
    Path incoming();
}
