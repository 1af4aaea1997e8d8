package io.vigie.cloud.paho;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.h2.store.fs.FileBase;
import org.h2.store.fs.FilePath;
import org.h2.store.fs.FilePathWrapper;

/**
 * H2 file system "fulldisk:" over the real disk whose writes fail with the kernel's ENOSPC message while {@link #FULL}
 * is set, or beyond {@link #CAPACITY} after writing what fits (as on a 1 MB tmpfs filled up: the failed chunk is partly
 * in the file). MVStore then meets what a full disk gives it, inside its own write, without a tmpfs (which needs root).
 */
public final class FullDiskFilePath extends FilePathWrapper {

    public static final String SCHEME = "fulldisk";
    /** While true, every write fails as on a full disk. */
    public static final AtomicBoolean FULL = new AtomicBoolean();
    /** File size the disk can hold: a write reaching beyond it is cut there and fails. */
    public static final AtomicLong CAPACITY = new AtomicLong(Long.MAX_VALUE);

    static {
        FilePath.register(new FullDiskFilePath());
    }

    /** Makes sure the scheme is registered (class initialisation). */
    public static String prefix() {
        return SCHEME + ":";
    }

    @Override
    public String getScheme() {
        return SCHEME;
    }

    @Override
    public FileChannel open(String mode) throws IOException {
        return new Channel(getBase().open(mode));
    }

    private static final class Channel extends FileBase {
        private final FileChannel base;

        Channel(FileChannel base) {
            this.base = base;
        }

        /**
         * As a disk that fills up mid-write: what fits below {@link #CAPACITY} lands (the file grows to it), then ENOSPC;
         * while {@link #FULL} is set nothing more fits.
         */
        private static void check(ByteBuffer src, FileChannel base, long position) throws IOException {
            long at = position >= 0 ? position : base.position();
            long room = FULL.get() ? 0 : CAPACITY.get() - at;
            if (src.remaining() <= room) {
                return;
            }
            if (room > 0) {
                ByteBuffer part = src.duplicate();
                part.limit(part.position() + (int) room);
                base.write(part, at);
            }
            throw new IOException("No space left on device");
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            return base.read(dst);
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            return base.read(dst, position);
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            check(src, base, -1);
            return base.write(src);
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            check(src, base, position);
            return base.write(src, position);
        }

        @Override
        public long position() throws IOException {
            return base.position();
        }

        @Override
        public FileChannel position(long newPosition) throws IOException {
            base.position(newPosition);
            return this;
        }

        @Override
        public long size() throws IOException {
            return base.size();
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            base.truncate(size);
            return this;
        }

        @Override
        public void force(boolean metaData) throws IOException {
            base.force(metaData);
        }

        @Override
        public FileLock tryLock(long position, long size, boolean shared) throws IOException {
            return base.tryLock(position, size, shared);
        }

        @Override
        protected void implCloseChannel() throws IOException {
            base.close();
        }
    }
}
