package io.vigie.tools.fleet;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import io.vigie.ota.core.DpInfo;
import io.vigie.ota.core.DpInspector;
import io.vigie.ota.core.OtaException;
import io.vigie.ota.core.SignatureVerifier;

/**
 * A deployment package the fleet tool may send: its {@code .dp} file, the detached signature ({@code X.dp.sig}, what
 * ./vigie sign writes) and what its manifest says. {@link #load} checks it as the gateways will (the OTA bundle's own
 * DpInspector and SignatureVerifier): a garbage or unsigned package is refused before any gateway is touched.
 */
public record Artifact(String name, String version, String kind, String sha256, long size, Path file, String signature) {

    /** @param publicKey the gateways' public key (base64 or PEM, as their io.vigie.ota public.key); null: not checked */
    public static Artifact load(Path dp, Path sig, String publicKey) throws IOException {
        if (!Files.isRegularFile(dp)) throw new IllegalArgumentException("no package file " + dp);
        DpInfo info;
        try {
            info = new DpInspector(DpInspector.processorOf(System.getProperty("os.arch"))).inspect(dp);
        } catch (OtaException e) {
            throw new IllegalArgumentException(dp.getFileName() + " is not a deployment package the gateways accept: "
                    + e.getMessage(), e);
        }
        if (!Files.isRegularFile(sig))
            throw new IllegalArgumentException(dp.getFileName() + " is not signed: no " + sig.getFileName()
                    + " (./vigie sign --key KEY " + dp.getFileName() + "); the gateways refuse unsigned packages");
        String signature = Files.readString(sig, StandardCharsets.ISO_8859_1).strip();
        if (signature.isEmpty() || signature.length() > 4096 || !signature.matches("[A-Za-z0-9+/=\\s]+"))
            throw new IllegalArgumentException(sig.getFileName() + " is not a base64 signature");
        if (publicKey != null) {
            try {
                SignatureVerifier.of(publicKey).verify(dp, signature.getBytes(StandardCharsets.ISO_8859_1));
            } catch (OtaException e) {
                throw new IllegalArgumentException(dp.getFileName() + ": " + e.getMessage(), e);
            }
        }
        return new Artifact(info.name(), info.version(), info.kind(), sha256(dp), Files.size(dp), dp,
                signature.replaceAll("\\s", ""));
    }

    public static String sha256(Path file) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            try (var in = Files.newInputStream(file)) {
                byte[] buf = new byte[1 << 16];
                for (int n; (n = in.read(buf)) > 0;) md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Kept by the tool (state dir {@code dps/SHA.dp} + {@code .sig}): the previous package a rollback installs again. */
    public Artifact keep(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path to = dir.resolve(sha256 + ".dp");
        if (!Files.exists(to)) {
            Path tmp = dir.resolve(sha256 + ".dp.tmp");
            Files.copy(file, tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.move(tmp, to, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
        Files.writeString(dir.resolve(sha256 + ".dp.sig"), signature);
        return new Artifact(name, version, kind, sha256, size, to, signature);
    }

    /** A package kept before in {@code dir} (no signature check again: it passed when kept). */
    public static Artifact kept(Path dir, String sha256) throws IOException {
        if (sha256 == null || !sha256.matches("[0-9a-f]{64}")) return null;
        Path dp = dir.resolve(sha256 + ".dp");
        if (!Files.isRegularFile(dp)) return null;
        return load(dp, dir.resolve(sha256 + ".dp.sig"), null);
    }
}
