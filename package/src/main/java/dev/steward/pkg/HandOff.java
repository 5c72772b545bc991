package dev.steward.pkg;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * An output stream that hands what is written to a thread of its own, which writes it on to
 * {@code out}: so hashing and writing the compressed package happen beside the thread that reads,
 * archives and compresses, as {@code tar | zstd > file} runs in several processes. At most
 * {@link #CHUNKS} chunks wait (the writer blocks past that: memory stays bounded). A failure of
 * the thread is thrown by the next write, flush or close; close waits for every byte to be out.
 */
final class HandOff extends OutputStream {
    static final int CHUNKS = 32;
    private static final byte[] END = new byte[0];
    private final BlockingQueue<byte[]> queue = new ArrayBlockingQueue<>(CHUNKS);
    private final Thread thread;
    private volatile IOException failed;
    private boolean closed;

    HandOff(OutputStream out, String name) {
        thread = new Thread(() -> {
            try {
                for (byte[] b; (b = queue.take()) != END; ) {
                    if (failed == null) {
                        out.write(b);
                    }
                }
            } catch (IOException e) {
                failed = e;
                queue.clear(); // a writer blocked on a full queue must see the failure, not wait for ever
            } catch (InterruptedException e) {
                failed = new InterruptedIOException("the package's writer was interrupted");
            }
        }, name);
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        check();
        if (len == 0) {
            return;
        }
        put(Arrays.copyOfRange(b, off, off + len)); // the caller reuses its buffer
    }

    private void put(byte[] b) throws IOException {
        try {
            while (!queue.offer(b, 100, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                check();
                if (!thread.isAlive()) {
                    throw new IOException("the package's writer stopped");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while writing the package");
        }
    }

    private void check() throws IOException {
        IOException f = failed;
        if (f != null) {
            throw new IOException(f.getMessage(), f);
        }
    }

    /** Throws what the writer met, if anything; the bytes are out only once {@link #close} returns. */
    @Override
    public void flush() throws IOException {
        check();
    }

    /** Waits until every byte is written on, and throws what the writer met, if anything. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        put(END);
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while the package was written out");
        }
        check();
    }
}
