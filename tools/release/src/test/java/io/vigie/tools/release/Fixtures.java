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

    /**
     * A tiny real model DP of {@code precision} where kura-dp writes it under {@code root} (manifest first with the
     * Deployment Admin headers, one stored bundle entry), signed as PackageSigner signs (base64 Ed25519 over the file,
     * X.dp.sig) unless {@code signed} is false. {@code salt} changes the bytes (another build).
     */
    static Path dp(Path root, String precision, String version, String salt, boolean signed) throws Exception {
        Path dp = ReleaseMlflow.dp(new PipelineContext(root, root, root, root, root, root, false, false, null, java.util.Map.of(),
                System.out), precision);
        Files.createDirectories(dp.getParent());
        java.util.jar.Manifest m = new java.util.jar.Manifest();
        m.getMainAttributes().putValue("Manifest-Version", "1.0");
        m.getMainAttributes().putValue("DeploymentPackage-SymbolicName", dp.getFileName().toString().replace(".dp", ""));
        m.getMainAttributes().putValue("DeploymentPackage-Version", version);
        String bundle = "bundles/io.vigie.model." + ReleaseMlflow.FAMILY + "." + precision + ".jar";
        java.util.jar.Attributes a = new java.util.jar.Attributes();
        a.putValue("Bundle-SymbolicName", "io.vigie.model." + ReleaseMlflow.FAMILY + "." + precision);
        a.putValue("Bundle-Version", version);
        m.getEntries().put(bundle, a);
        try (java.util.jar.JarOutputStream out = new java.util.jar.JarOutputStream(Files.newOutputStream(dp), m)) {
            out.putNextEntry(new java.util.jar.JarEntry(bundle));
            out.write(("model bundle " + precision + " " + salt).getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
        }
        Path sig = dp.resolveSibling(dp.getFileName() + ".sig");
        Files.deleteIfExists(sig);
        if (signed) {
            java.security.Signature s = java.security.Signature.getInstance("Ed25519");
            s.initSign(java.security.KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPrivate());
            s.update(Files.readAllBytes(dp));
            Files.writeString(sig, java.util.Base64.getEncoder().encodeToString(s.sign()) + "\n");
        }
        return dp;
    }

    static void edit(Path dir, String name, Consumer<JsonObject> change) throws IOException {
        Path f = dir.resolve(name + ".json");
        JsonObject o = JsonParser.parseString(Files.readString(f)).getAsJsonObject();
        change.accept(o);
        Files.writeString(f, new GsonBuilder().serializeNulls().create().toJson(o));
    }
}
