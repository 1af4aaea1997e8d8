package io.vigie.tools.release;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.function.Consumer;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * Real result files (src/test/resources/fixtures, made by the real commands: see fixtures/README.md) copied into a
 * temp data folder, optionally edited (a field removed, a number changed) to make the hostile cases.
 */
final class Fixtures {
    static final List<String> RUN = List.of("bench-edge-int8", "bench-x86-fp32", "bench-x86-int8", "eval-fp32", "eval-int8");

    private Fixtures() {
    }

    static Path root() {
        return Paths.get(System.getProperty("vigie.root", "../..")).toAbsolutePath().normalize();
    }

    static GateFile gates() throws IOException {
        return GateFile.read(root().resolve("conf/release-gates.json"));
    }

    static String text(String resource) throws IOException {
        try (InputStream in = Fixtures.class.getResourceAsStream("/fixtures/" + resource)) {
            if (in == null) throw new IOException("no fixture " + resource);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static JsonObject json(String resource) throws IOException {
        return JsonParser.parseString(text(resource)).getAsJsonObject();
    }

    /** The quiet run's five results in {@code dir}. */
    static Path run(Path dir) throws IOException {
        return run(dir, "run");
    }

    /** The five results of fixture set {@code set} (run: quiet, busy: a loaded machine) in {@code dir}. */
    static Path run(Path dir, String set) throws IOException {
        Files.createDirectories(dir);
        for (String n : RUN) Files.writeString(dir.resolve(n + ".json"), text(set + "/" + n + ".json"));
        return dir;
    }

    static void edit(Path dir, String name, Consumer<JsonObject> change) throws IOException {
        Path f = dir.resolve(name + ".json");
        JsonObject o = JsonParser.parseString(Files.readString(f)).getAsJsonObject();
        change.accept(o);
        Files.writeString(f, new GsonBuilder().serializeNulls().create().toJson(o));
    }
}
