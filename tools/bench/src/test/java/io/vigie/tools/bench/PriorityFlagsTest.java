package io.vigie.tools.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * The launcher's thread-priority options (the bench runs the same ones) really give MIN_PRIORITY threads, and the
 * threads they start, nice 10, and every other priority nice 0: in a JVM started with them, as the gateway is.
 */
class PriorityFlagsTest {
    /** The launcher's PRIORITY_OPTS, as bash builds them. */
    static String launcherOptions() throws Exception {
        String script = "eval \"$(grep -E '^(PRIORITY_OPTS|for p in)' \"$0\")\"; echo \"$PRIORITY_OPTS\"";
        Process p = new ProcessBuilder("bash", "-c", script, LauncherTest.ROOT.resolve("vigie").toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        return out;
    }

    @Test
    void theBenchRunsTheLaunchersPriorityOptions() throws Exception {
        assertEquals(SwapBench.PRIORITY_JVM, launcherOptions());
        assertTrue(BenchRunner.LAUNCHER_JVM.endsWith(SwapBench.PRIORITY_JVM));
    }

    /** Runs in the child JVM: prints "priority:nice" of a thread at each Java priority, and of a MIN thread's child. */
    public static final class Probe {
        static String nice() throws Exception {
            String s = Files.readString(Path.of("/proc/thread-self/stat"));
            return s.substring(s.lastIndexOf(')') + 2).split(" ")[16]; // field 19 of proc(5)
        }

        public static void main(String[] args) throws Exception {
            List<String> out = new ArrayList<>();
            for (int prio = Thread.MIN_PRIORITY; prio <= Thread.MAX_PRIORITY; prio++) {
                int p = prio;
                Thread t = new Thread(() -> {
                    try {
                        String own = p + ":" + nice();
                        if (p == Thread.MIN_PRIORITY) { // the hash thread of a load, DeploymentAdmin's threads
                            String[] child = new String[1];
                            Thread c = new Thread(() -> {
                                try {
                                    child[0] = "child:" + nice();
                                } catch (Exception e) {
                                    child[0] = "child:" + e;
                                }
                            });
                            c.start();
                            c.join();
                            own += " " + child[0];
                        }
                        synchronized (out) {
                            out.add(own);
                        }
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                t.setPriority(prio);
                t.start();
                t.join();
            }
            System.out.println(String.join(" ", out));
        }
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void minPriorityThreadsRunAtNice10AndTheOthersAtNice0() throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(Arrays.asList(launcherOptions().split(" ")));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Probe.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), err);
        assertEquals("1:10 child:10 2:0 3:0 4:0 5:0 6:0 7:0 8:0 9:0 10:0", out, err);
    }
}
