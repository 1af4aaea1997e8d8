package io.vigie.ota.core;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Writes a zip byte by byte, for what java.util.zip will not write fast: an entry of many MiB of zeros deflated
 * without deflating them (one compressed MiB of zeros repeated), as a zip bomb is made.
 */
final class HandZip {
    private record Entry(String name, int method, long crc, long size, byte[][] chunks, int repeat) {
    }

    /** 1980-01-01 00:00, the first date a zip can say. */
    private static final int DOS_1980 = 0x21 << 16;
    private final List<Entry> entries = new ArrayList<>();

    HandZip stored(String name, byte[] content) {
        CRC32 crc = new CRC32();
        crc.update(content);
        byte[][] chunks = { content, new byte[0], new byte[0] };
        entries.add(new Entry(name, 0, crc.getValue(), content.length, chunks, 0));
        return this;
    }

    /** {@code mib} MiB of zeros, deflated: the first MiB, the middle MiB repeated, the last MiB (final block). */
    HandZip zeros(String name, int mib) {
        byte[] zeros = new byte[1 << 20];
        Deflater d = new Deflater(Deflater.BEST_COMPRESSION, true);
        byte[] first = deflate(d, zeros, Deflater.SYNC_FLUSH);
        byte[] middle = deflate(d, zeros, Deflater.SYNC_FLUSH); // refers to zeros only: valid after any zeros
        d.finish();
        byte[] last = deflate(d, zeros, Deflater.NO_FLUSH);
        d.end();
        CRC32 crc = new CRC32();
        for (int i = 0; i < mib; i++) crc.update(zeros);
        entries.add(new Entry(name, 8, crc.getValue(), (long) mib << 20, new byte[][] { first, middle, last }, mib - 2));
        return this;
    }

    private static byte[] deflate(Deflater d, byte[] input, int flush) {
        d.setInput(input);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[1 << 16];
        while (true) {
            int n = d.deflate(buf, 0, buf.length, flush);
            out.write(buf, 0, n);
            if (d.finished() || n < buf.length && d.needsInput()) break;
        }
        return out.toByteArray();
    }

    Path write(Path file) throws IOException {
        ByteBuffer cen = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        long offset = 0;
        try (OutputStream out = Files.newOutputStream(file)) {
            for (Entry e : entries) {
                byte[] name = e.name().getBytes(StandardCharsets.UTF_8);
                long csize = e.chunks()[0].length + (long) e.repeat() * e.chunks()[1].length + e.chunks()[2].length;
                ByteBuffer loc = ByteBuffer.allocate(30 + name.length).order(ByteOrder.LITTLE_ENDIAN);
                loc.putInt(0x04034b50).putShort((short) 20).putShort((short) 0x800).putShort((short) e.method())
                        .putInt(DOS_1980).putInt((int) e.crc()).putInt((int) csize).putInt((int) e.size())
                        .putShort((short) name.length).putShort((short) 0).put(name);
                out.write(loc.array());
                out.write(e.chunks()[0]);
                for (int i = 0; i < e.repeat(); i++) out.write(e.chunks()[1]);
                out.write(e.chunks()[2]);
                cen.putInt(0x02014b50).putShort((short) 20).putShort((short) 20).putShort((short) 0x800)
                        .putShort((short) e.method()).putInt(DOS_1980).putInt((int) e.crc()).putInt((int) csize)
                        .putInt((int) e.size()).putShort((short) name.length).putShort((short) 0).putShort((short) 0)
                        .putShort((short) 0).putShort((short) 0).putInt(0).putInt((int) offset).put(name);
                offset += loc.capacity() + csize;
            }
            out.write(cen.array(), 0, cen.position());
            ByteBuffer end = ByteBuffer.allocate(22).order(ByteOrder.LITTLE_ENDIAN);
            end.putInt(0x06054b50).putShort((short) 0).putShort((short) 0).putShort((short) entries.size())
                    .putShort((short) entries.size()).putInt(cen.position()).putInt((int) offset).putShort((short) 0);
            out.write(end.array());
        }
        return file;
    }
}
