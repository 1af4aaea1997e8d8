package io.vigie.tools.fleet;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.util.Base64;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;

import io.vigie.ota.core.PackageSigner;

/** Small real deployment packages (one bundle), signed with a key made by the OTA bundle's PackageSigner. */
final class TestPackages {
    final Path dir;
    final PackageSigner.KeyFiles keys;

    TestPackages(Path dir) throws IOException, GeneralSecurityException {
        this.dir = dir;
        this.keys = PackageSigner.generate(dir.resolve("keys"), false);
    }

    static byte[] bundle(String bsn, String version) throws IOException {
        Manifest m = new Manifest();
        Attributes a = m.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Bundle-ManifestVersion", "2");
        a.putValue("Bundle-SymbolicName", bsn);
        a.putValue("Bundle-Version", version);
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (JarOutputStream out = new JarOutputStream(bos, m)) {
            out.putNextEntry(new ZipEntry("x.txt"));
            out.write(version.getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
        }
        return bos.toByteArray();
    }

    /** name-version.dp and its .sig (signed: true). */
    Path dp(String name, String version, boolean signed) throws Exception {
        String bsn = "io.vigie.test." + name.replace('-', '.');
        String mf = "Manifest-Version: 1.0\r\nDeploymentPackage-SymbolicName: " + name + "\r\nDeploymentPackage-Version: "
                + version + "\r\n\r\nName: bundles/" + bsn + ".jar\r\nBundle-SymbolicName: " + bsn + "\r\nBundle-Version: "
                + version + "\r\n\r\n";
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (JarOutputStream out = new JarOutputStream(bos)) {
            out.putNextEntry(new ZipEntry("META-INF/MANIFEST.MF"));
            out.write(mf.getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
            out.putNextEntry(new ZipEntry("bundles/" + bsn + ".jar"));
            out.write(bundle(bsn, version));
            out.closeEntry();
        }
        Path f = dir.resolve(name + "-" + version + ".dp");
        Files.write(f, bos.toByteArray());
        if (signed) Files.writeString(dir.resolve(f.getFileName() + ".sig"), sign(bos.toByteArray()));
        return f;
    }

    String sign(byte[] data) throws Exception {
        Signature s = Signature.getInstance("Ed25519");
        s.initSign(PackageSigner.readPrivateKey(keys.privateKey()));
        s.update(data);
        return Base64.getEncoder().encodeToString(s.sign());
    }

    String publicKey() {
        return keys.publicKeyBase64();
    }
}
