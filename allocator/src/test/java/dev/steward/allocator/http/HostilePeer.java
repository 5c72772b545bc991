package dev.steward.allocator.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * An HTTP peer on loopback that answers as an attacker or a dead machine would: it reads each
 * request's head, then does what the test says on the raw socket (nothing, a byte a second, a
 * body without end), each connection on a thread of its own. Closing it closes every socket.
 */
public final class HostilePeer implements AutoCloseable {
    private final ServerSocket server;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();

    private HostilePeer(Consumer<OutputStream> answer) throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    sockets.add(s);
                    Thread each = new Thread(() -> {
                        try {
                            InputStream in = s.getInputStream();
                            for (int state = 0, b; state < 4 && (b = in.read()) >= 0; ) { // until the blank line that ends the head
                                state = (b == '\r' && state % 2 == 0) || (b == '\n' && state % 2 == 1) ? state + 1 : 0;
                            }
                            answer.accept(s.getOutputStream());
                        } catch (IOException | UncheckedIOException e) {
                            // the caller hung up: as it should
                        }
                    });
                    each.setDaemon(true);
                    each.start();
                } catch (IOException e) {
                    return;
                }
            }
        });
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** A peer whose every connection gets {@code answer}. */
    public static HostilePeer start(Consumer<OutputStream> answer) throws IOException {
        return new HostilePeer(answer);
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Says nothing more, for ever: a machine that died with the connection open. */
    public static void silence(OutputStream out) {
        try {
            Thread.sleep(Long.MAX_VALUE); // the test's close ends the socket; this thread is a daemon
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Writes {@code text} now. */
    public static void write(OutputStream out, String text) {
        try {
            out.write(text.getBytes(StandardCharsets.US_ASCII));
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A 200 whose chunked body never ends: 64 KiB chunks of {@code line} repeated, until the caller hangs up. */
    public static void endless(OutputStream out, String line) {
        write(out, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n");
        byte[] chunk = (Integer.toHexString(65536) + "\r\n" + line.repeat(65536 / line.length()) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        try {
            for (int i = 0; i < 1_000_000; i++) { // 64 GiB if nothing stopped it
                out.write(chunk);
            }
        } catch (IOException e) {
            // hung up on
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
    }
}
