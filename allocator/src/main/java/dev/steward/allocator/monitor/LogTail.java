package dev.steward.allocator.monitor;

import dev.steward.allocator.http.AgentTarget;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Counts the lines of one task's stdout and stderr that match a pattern, from the moment the
 * monitor first looked: each call reads the bytes written since the last (through the agent's
 * signed log server), counts matches in complete lines, and carries a partial line over.
 * Returns -1 while the logs cannot be read.
 */
final class LogTail {
    private static final String[] STREAMS = {"stdout", "stderr"};
    private final String taskId;
    private final Pattern pattern;
    private final long[] offsets = {-1, -1};
    private final String[] carry = {"", ""};
    private long matches;

    LogTail(String taskId, Pattern pattern) {
        this.taskId = taskId;
        this.pattern = pattern;
    }

    long poll(HttpClient http, AgentTarget target) {
        try {
            for (int k = 0; k < 2; k++) {
                if (offsets[k] < 0) { // first look: start at the end, count only what comes during the monitor
                    offsets[k] = read(http, target, STREAMS[k], Long.MAX_VALUE).next;
                    continue;
                }
                for (int round = 0; round < 8; round++) {
                    Chunk c = read(http, target, STREAMS[k], offsets[k]);
                    offsets[k] = c.next;
                    if (c.text.isEmpty()) {
                        break;
                    }
                    String all = carry[k] + c.text;
                    int cut = all.lastIndexOf('\n');
                    String complete = cut < 0 ? "" : all.substring(0, cut);
                    carry[k] = cut < 0 ? all : all.substring(cut + 1);
                    if (carry[k].length() > 65536) {
                        carry[k] = carry[k].substring(carry[k].length() - 65536);
                    }
                    for (String line : complete.split("\n")) {
                        if (!line.isEmpty() && pattern.matcher(line).find()) {
                            matches++;
                        }
                    }
                }
            }
            return matches;
        } catch (Exception e) {
            return -1;
        }
    }

    private record Chunk(String text, long next) {
    }

    private Chunk read(HttpClient http, AgentTarget target, String stream, long offset) throws Exception {
        HttpResponse<byte[]> r = http.send(target.logRequest(taskId, stream, offset, null, Duration.ofSeconds(2), System.currentTimeMillis()),
                HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("the agent answered " + r.statusCode());
        }
        Optional<String> next = r.headers().firstValue("X-Steward-Log-Offset");
        return new Chunk(new String(r.body(), StandardCharsets.UTF_8), next.map(Long::parseLong).orElse(offset + r.body().length));
    }
}
