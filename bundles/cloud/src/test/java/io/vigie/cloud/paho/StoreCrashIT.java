package io.vigie.cloud.paho;

import static org.junit.jupiter.api.Assertions.*;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * "Stored before acknowledged" under a real crash: a child JVM stores messages in a loop and prints each id only after
 * {@link MessageStore#store} returned; the test SIGKILLs it mid-stream and checks that every acknowledged id is in the
 * reopened store.
 */
class StoreCrashIT {

    /** The child process: stores until killed. */
    public static void main(String[] args) throws Exception {
        MessageStore s = new MessageStore(Path.of(args[0]), 1_000_000, 0, System::currentTimeMillis);
        for (int i = 0;; i++) {
            long id = s.store("acct/gw/VIGIE/events", ("event " + i).getBytes(StandardCharsets.UTF_8), 1, false, 5);
            System.out.println(id);
            System.out.flush();
        }
    }

    @TempDir
    Path dir;

    @Test
    void everyAcknowledgedMessageSurvivesSigkill() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", StoreCrashIT.class.getName(), dir.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Set<Long> acked = new HashSet<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            String line;
            while (acked.size() < 500 && (line = r.readLine()) != null) {
                acked.add(Long.parseLong(line.trim()));
                assertTrue(System.nanoTime() < deadline, "child too slow: " + acked.size() + " stored in 60 s");
            }
            // SIGKILL right after reading an acknowledgement, while the child keeps storing: no shutdown hook, no H2 close.
            child.destroyForcibly();
            assertTrue(child.waitFor(10, TimeUnit.SECONDS));
        } finally {
            child.destroyForcibly();
        }
        assertTrue(acked.size() >= 500, "acknowledged " + acked.size());
        try (MessageStore s = new MessageStore(dir, 1_000_000, 0, System::currentTimeMillis)) {
            Set<Long> present = new HashSet<>();
            for (StoredMessage m : s.nextBatch(1_000_000)) {
                present.add(m.id);
            }
            Set<Long> lost = new HashSet<>(acked);
            lost.removeAll(present);
            System.out.printf("SIGKILL: %d acknowledged, %d in the reopened store, %d lost%n", acked.size(),
                    present.size(), lost.size());
            assertEquals(Set.of(), lost, "acknowledged but lost");
        }
    }
}
