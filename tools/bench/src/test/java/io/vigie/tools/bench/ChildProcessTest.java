package io.vigie.tools.bench;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChildProcessTest {
    /** Like scripts/edge-sim.sh: a bash wrapper whose EXIT trap cleans up after the command it runs. */
    @Test
    void closeLetsTheWrapperRunItsExitTrap(@TempDir Path dir) throws Exception {
        Path mark = dir.resolve("trap-ran");
        String script = "trap 'touch " + mark + "' EXIT; ( exec sleep 60 )";
        ChildProcess p = ChildProcess.start(List.of("bash", "-c", script), dir, dir.resolve("log"));
        long deadline = System.currentTimeMillis() + 5000;
        while (p.process().descendants().findAny().isEmpty() && System.currentTimeMillis() < deadline) Thread.sleep(20);
        assertTrue(p.process().descendants().findAny().isPresent(), "sleep started under bash");
        assertTrue(p.javaPid().isEmpty(), "no java under this wrapper");
        p.close();
        assertFalse(p.isAlive());
        assertTrue(Files.exists(mark), "wrapper's EXIT trap ran (edge-sim.sh removes its cgroups there)");
    }
}
