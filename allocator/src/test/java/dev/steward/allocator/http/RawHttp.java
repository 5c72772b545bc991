package dev.steward.allocator.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;

/**
 * Requests as raw bytes on a socket, as an attacker sends them: any method, target, header or
 * body, a body cut short or never finished. Answers are read to the end (the requests ask for
 * {@code Connection: close}); a reset is reported as such, never hidden.
 */
final class RawHttp {
    private RawHttp() {
    }

    /** What came back: the status (0 if none), the whole text, whether the connection was reset. */
    record Answer(int status, String text, boolean reset) {
        String contentType() {
            for (String line : text.split("\r\n")) {
                if (line.isEmpty()) {
                    break;
                }
                if (line.regionMatches(true, 0, "content-type:", 0, 13)) {
                    return line.substring(13).trim();
                }
            }
            return null;
        }
    }

    /** Sends {@code head} and {@code body}; {@code halfClose}: our side ends after them (a body cut short). */
    static Answer send(InetSocketAddress to, byte[] head, byte[] body, boolean halfClose, int timeoutMillis) throws IOException {
        try (Socket so = new Socket()) {
            so.connect(to, 5000);
            so.setSoTimeout(timeoutMillis);
            try {
                so.getOutputStream().write(head);
                if (body != null) {
                    so.getOutputStream().write(body);
                }
                so.getOutputStream().flush();
                if (halfClose) {
                    so.shutdownOutput();
                }
            } catch (SocketException e) {
                // the server may answer and close before all we send is read (an oversized header, a refused body): read what it said
            }
            return read(so.getInputStream());
        }
    }

    /** Reads an answer to the end of the stream. */
    static Answer read(InputStream in) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        boolean reset = false;
        try {
            for (int n; (n = in.read(buf)) > 0; ) {
                got.write(buf, 0, n);
            }
        } catch (SocketException e) {
            reset = true;
        }
        String text = got.toString(StandardCharsets.ISO_8859_1);
        int status = 0;
        if (text.startsWith("HTTP/1.1 ") && text.length() >= 12) {
            try {
                status = Integer.parseInt(text.substring(9, 12));
            } catch (NumberFormatException e) {
                status = 0;
            }
        }
        return new Answer(status, text, reset);
    }

    /** A request head: the method and target as given, Host, the extra header lines, Content-Length (if {@code length >= 0}), Connection: close. */
    static byte[] head(String method, String target, String extraHeaders, long length) {
        StringBuilder b = new StringBuilder().append(method).append(' ').append(target).append(" HTTP/1.1\r\nHost: test\r\n");
        if (extraHeaders != null && !extraHeaders.isEmpty()) {
            b.append(extraHeaders);
        }
        if (length >= 0) {
            b.append("Content-Length: ").append(length).append("\r\n");
        }
        b.append("Connection: close\r\n\r\n");
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }
}
