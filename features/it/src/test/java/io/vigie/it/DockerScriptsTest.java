package io.vigie.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * docker/up.sh and docker/build.sh refuse bad arguments before they write, build or start anything (their values end
 * up in YAML, sed expressions and config files): exit 1 with the reason, no run dir made, no daemon needed.
 */
class DockerScriptsTest {
    /** The checkout (surefire runs in features/it); not Gateway.root(): unit tests run before the jar exists. */
    static final Path ROOT = Path.of("../..").toAbsolutePath().normalize();
    @TempDir
    Path tmp;

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "up.sh|--gateways 0|--gateways N",
        "up.sh|--gateways 501|--gateways N",
        "up.sh|--gateways 3;touch${IFS}/tmp/x|--gateways N",
        "up.sh|--gateways 012|--gateways N",
        "up.sh||--gateways N (1..500) is required",
        "up.sh|--gateways 3 --project Bad_Name|--project",
        "up.sh|--gateways 3 --project ../x|--project",
        "up.sh|--gateways 3 --fps 0|--fps",
        "up.sh|--gateways 3 --fps 0.0|--fps",
        "up.sh|--gateways 3 --fps 1e9|--fps",
        "up.sh|--gateways 3 --fps 2\"|--fps",
        "up.sh|--gateways 3 --port-base 80|bad port 80",
        "up.sh|--gateways 3 --port-base 65534|bad port 65534",
        "up.sh|--gateways 3 --mlflow-port 99999|bad port 99999",
        "up.sh|--gateways 3 --mqtt-port 08080|bad port",
        "up.sh|--gateways 3 --account a/b|--account",
        "up.sh|--gateways 3 --wait -1|--wait",
        "up.sh|--gateways 3 --bogus|unknown option --bogus",
        "up.sh|--gateways|unknown option", // --gateways takes --dir as its value, then the dir is an unknown option
        "build.sh|--arch sparc|--arch must be amd64 or arm64",
        "build.sh|--tag Bad:Tag!|bad --tag",
        "build.sh|--bogus|unknown option --bogus",
        "base-image.sh|--mirror file:///etc|--mirror must be an http(s) URI",
        "base-image.sh|--mirror http://x/debian;reboot|--mirror must be an http(s) URI",
        "base-image.sh|--bogus|unknown option --bogus",
    })
    void badArgumentsAreRefusedBeforeAnythingHappens(String script, String args, String reason) throws Exception {
        Path dir = tmp.resolve("run");
        List<String> cmd = new ArrayList<>(List.of("bash", ROOT.resolve("docker/" + script).toString()));
        if (args != null) cmd.addAll(List.of(args.split(" ")));
        if (script.equals("up.sh")) cmd.addAll(List.of("--dir", dir.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(1, p.exitValue(), out);
        assertTrue(out.contains(reason), out);
        assertFalse(Files.exists(dir), "run dir made for refused arguments: " + out);
    }

    @ParameterizedTest
    @ValueSource(strings = { "run dir with \"quote", "run\ndir", "run'dir", "run$(id)" })
    void aRunDirThatWouldBreakTheGeneratedYamlIsRefused(String name) throws Exception {
        Path dir = tmp.resolve(name);
        Process p = new ProcessBuilder("bash", ROOT.resolve("docker/up.sh").toString(), "--gateways", "1",
                "--dir", dir.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(1, p.exitValue(), out);
        assertTrue(out.contains("--dir: letters, digits"), out);
        assertFalse(Files.exists(dir));
    }
}
