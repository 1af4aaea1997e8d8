package io.vigie.ota.core;

import java.util.concurrent.ThreadFactory;

/**
 * Threads for work that must not take CPU from the detector (package checks, DeploymentAdmin, downloads): daemon
 * threads at {@link Thread#MIN_PRIORITY}. Threads they start inherit it (DeploymentAdmin's, the model bundle's
 * activation). On Linux the JVM maps it to a nice value only with {@code -XX:ThreadPriorityPolicy=1
 * -XX:JavaPriority1_To_OSPriority=10} (the launcher sets them; docs/KURA.md says what a Kura install needs): then
 * inside a CPU quota (half a core) the detector thread gets about nine tenths of it while both want it, for any
 * user (raising a nice value needs no privilege). Without the flags the priority is ignored, as before.
 */
public final class Background {
    private Background() {
    }

    /** Daemon threads named {@code name}, at the lowest priority. */
    public static ThreadFactory threads(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            t.setPriority(Thread.MIN_PRIORITY);
            return t;
        };
    }
}
