package io.vigie.tools.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import io.vigie.web.core.PasswordHash;

/** The ./vigie launcher as users run it (never building: VIGIE_NO_BUILD=1, stdin not a terminal). */
class LauncherTest {
    /** Surefire runs in tools/bench. */
    static final Path ROOT = Path.of("").toAbsolutePath().resolve("../..").normalize();

    record Run(int exit, String out, String err) {
    }

    static Run vigie(Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bash", ROOT.resolve("vigie").toString()));
        cmd.addAll(List.of(args));
        Path err = dir.resolve("stderr");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(new File("/dev/null")).redirectError(err.toFile());
        pb.environment().put("VIGIE_NO_BUILD", "1");
        pb.environment().put("JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "vigie " + String.join(" ", args) + " finished");
        return new Run(p.exitValue(), out, Files.readString(err));
    }

    /** Every command that ./vigie help lists answers --help and -h with its own usage, exit 0, building nothing. */
    @TestFactory
    Stream<DynamicTest> everyCommandHasHelp(@TempDir Path dir) throws Exception {
        Run help = vigie(dir, "help");
        assertEquals(0, help.exit(), help.err());
        Set<String> commands = new TreeSet<>();
        Matcher m = Pattern.compile("(?m)^  \\./vigie ([a-z0-9-]+)").matcher(help.out());
        while (m.find()) commands.add(m.group(1));
        assertTrue(commands.containsAll(List.of("demo", "run", "password", "tls", "test", "eval", "bench", "quantize")),
                "listed: " + commands);
        commands.remove("help");
        return commands.stream().flatMap(c -> Stream.of("--help", "-h").map(flag -> DynamicTest.dynamicTest(c + " " + flag,
                () -> {
                    Run r = vigie(dir, c, flag);
                    assertEquals(0, r.exit(), r.err());
                    assertTrue(r.out().startsWith("  ./vigie " + c + " "), r.out());
                    assertTrue(help.out().contains(r.out()), "the same usage as in ./vigie help");
                    assertEquals("", r.err(), "nothing built or run");
                })));
    }

    @Test
    void unknownOptionsAndCommandsFail(@TempDir Path dir) throws Exception {
        for (String c : List.of("demo", "run", "password", "tls")) {
            Run r = vigie(dir, c, "--bogus");
            assertNotEquals(0, r.exit(), c);
            assertTrue(r.err().contains("unknown option --bogus"), r.err());
        }
        Run r = vigie(dir, "bogus");
        assertNotEquals(0, r.exit());
        assertTrue(r.err().contains("unknown command: bogus"), r.err());
    }

    /** ./vigie password writes what the gateway accepts: PBKDF2 for /vigie, the Felix console's {sha-256}. */
    @Test
    void passwordWritesHashesTheGatewayVerifies(@TempDir Path dir) throws Exception {
        Path conf = Files.createDirectory(dir.resolve("conf"));
        Run r = vigie(dir, "password", "--config", conf.toString());
        assertEquals(0, r.exit(), r.err());
        Matcher pw = Pattern.compile("user admin, password: (\\S{16}) ").matcher(r.out());
        assertTrue(pw.find(), r.out());
        String password = pw.group(1);

        Path auth = conf.resolve("io.vigie.web.auth.config");
        Matcher user = Pattern.compile("(?m)^users=\\[\"admin:(\\{pbkdf2-sha256\\}100000:[0-9a-f]{32}:[0-9a-f]{64})\"]$")
                .matcher(Files.readString(auth));
        assertTrue(user.find(), Files.readString(auth));
        PasswordHash stored = PasswordHash.parse(user.group(1));
        assertTrue(stored.matches(password));
        assertFalse(stored.matches(password + "x"));

        Path console = conf.resolve("org.apache.felix.webconsole.internal.servlet.OsgiManager.cfg");
        byte[] sha = MessageDigest.getInstance("SHA-256").digest(password.getBytes(StandardCharsets.UTF_8));
        assertEquals(List.of("username=admin", "password={sha-256}" + Base64.getEncoder().encodeToString(sha)),
                Files.readAllLines(console));
        for (Path f : List.of(auth, console))
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)), f.toString());
        assertFalse(Files.readString(auth).contains(password) || Files.readString(console).contains(password));
    }

    /** --user/--role add or replace one dashboard user, keep the others and the other settings, leave the console. */
    @Test
    void passwordAddsAViewerAndKeepsTheOtherUsers(@TempDir Path dir) throws Exception {
        Path conf = Files.createDirectory(dir.resolve("conf"));
        assertEquals(0, vigie(dir, "password", "--config", conf.toString()).exit());
        Path auth = conf.resolve("io.vigie.web.auth.config");
        Files.writeString(auth, "hsts.max.age.s=\"0\"\n", java.nio.file.StandardOpenOption.APPEND);
        Path console = conf.resolve("org.apache.felix.webconsole.internal.servlet.OsgiManager.cfg");
        String consoleBefore = Files.readString(console);
        Run viewer = vigie(dir, "password", "--config", conf.toString(), "--user", "bob", "--role", "viewer");
        assertEquals(0, viewer.exit(), viewer.err());
        Matcher pw = Pattern.compile("user bob \\(viewer\\), password: (\\S{16}) ").matcher(viewer.out());
        assertTrue(pw.find(), viewer.out());
        Run again = vigie(dir, "password", "--config", conf.toString(), "--user", "bob", "--role", "viewer");
        assertEquals(0, again.exit(), again.err());
        String text = Files.readString(auth);
        Matcher users = Pattern.compile("(?m)^users=\\[\"admin:\\{pbkdf2[^\"]+\",\"bob:viewer:(\\{pbkdf2[^\"]+)\"]$")
                .matcher(text);
        assertTrue(users.find(), "admin kept, bob once, as a viewer: " + text);
        assertFalse(PasswordHash.parse(users.group(1)).matches(pw.group(1)), "the second run replaced bob's password");
        assertTrue(text.contains("hsts.max.age.s=\"0\""), "other settings kept: " + text);
        assertEquals(consoleBefore, Files.readString(console), "the web console is admin's alone");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(auth)));
        for (String[] bad : List.of(new String[] { "--role", "root" }, new String[] { "--user", "a b" },
                new String[] { "--user", "admin", "--role", "viewer" })) {
            List<String> args = new ArrayList<>(List.of("password", "--config", conf.toString()));
            args.addAll(List.of(bad));
            Run r = vigie(dir, args.toArray(String[]::new));
            assertNotEquals(0, r.exit(), String.join(" ", bad));
        }
        assertEquals(text, Files.readString(auth), "refused runs change nothing");
    }
}
