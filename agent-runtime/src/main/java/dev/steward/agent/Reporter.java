package dev.steward.agent;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.steward.api.TaskInfo;
import dev.steward.api.TaskReports;
import dev.steward.api.TaskStatus;
import dev.steward.client.StewardException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Delivers task status reports at least once and in order per task. Each report gets the next
 * sequence number of its task and is appended to the task's {@code statuses.jsonl} before it is
 * sent; {@code acked} records the last number the allocator took. A sender thread sends the
 * oldest unacknowledged report of each task, retrying with backoff through network errors and
 * allocator restarts; after an agent restart the unacknowledged ones are sent again. The
 * allocator applies a number once, so a repeat is harmless.
 */
final class Reporter implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Reporter.class.getName());
    private static final ObjectMapper JSON = Agent.JSON;
    private final AllocatorClient client;
    private final String agentId;
    private final Path tasksDir;
    private final Consumer<TaskInfo> answers;
    private final Map<String, Deque<TaskStatus>> pending = new LinkedHashMap<>();
    private final Map<String, Long> seqs = new LinkedHashMap<>();
    private final Thread sender;
    private volatile boolean closed;

    Reporter(AllocatorClient client, String agentId, Path tasksDir, Consumer<TaskInfo> answers) {
        this.client = client;
        this.agentId = agentId;
        this.tasksDir = tasksDir;
        this.answers = answers;
        this.sender = new Thread(this::sendLoop, "steward-reporter");
        sender.setDaemon(true);
    }

    /** Loads what earlier runs did not deliver, then starts sending. */
    void start() throws IOException {
        if (Files.isDirectory(tasksDir)) {
            try (var dirs = Files.list(tasksDir)) {
                for (Path d : (Iterable<Path>) dirs::iterator) {
                    load(d.getFileName().toString(), d);
                }
            }
        }
        sender.start();
    }

    private synchronized void load(String taskId, Path dir) throws IOException {
        Path journal = dir.resolve("statuses.jsonl");
        if (!Files.exists(journal)) {
            return;
        }
        long acked = readLong(dir.resolve("acked"));
        long last = 0;
        Deque<TaskStatus> q = new ArrayDeque<>();
        for (String line : Files.readAllLines(journal, StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            TaskStatus s;
            try {
                s = JSON.readValue(line, TaskStatus.class);
            } catch (IOException e) {
                continue; // a line torn by a crash mid-write was never sent: skip it
            }
            last = Math.max(last, s.seq());
            if (s.seq() > acked) {
                q.add(s);
            }
        }
        seqs.put(taskId, last);
        if (!q.isEmpty()) {
            pending.put(taskId, q);
        }
    }

    /** Where a RUNNING status's journaling and acknowledgement are noted as launch stages (null: nowhere). */
    volatile LaunchTimes times;

    /**
     * Stripes that keep one task's reports in order while another task's are journaled: a report
     * takes its task's stripe for the whole of numbering, journaling (the fsync) and queueing, and
     * the reporter's own lock only for the numbering and the queueing. So the launcher threads'
     * RUNNING reports are made durable at once, not one fsync after another.
     */
    private final Object[] stripes = new Object[64];

    {
        for (int i = 0; i < stripes.length; i++) {
            stripes[i] = new Object();
        }
    }

    /** Records a report (numbered, on disk) and wakes the sender; safe from several threads. */
    TaskStatus report(String taskId, TaskStatus s) {
        synchronized (stripes[Math.floorMod(taskId.hashCode(), stripes.length)]) {
            long seq;
            synchronized (this) {
                seq = seqs.getOrDefault(taskId, 0L) + 1;
                seqs.put(taskId, seq);
            }
            TaskStatus numbered = new TaskStatus(seq, s.state(), s.pid(), s.exitCode(), s.healthy(), s.reason(), s.restarts(), s.at(), s.hostFault());
            try {
                Path dir = tasksDir.resolve(taskId);
                Files.createDirectories(dir);
                // the agent's alone (0600 from the start): a reason carries the task's last stderr line, and the task's directory is passable
                PrivateFiles.append(dir.resolve("statuses.jsonl"), (JSON.writeValueAsString(numbered) + "\n").getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                LOG.log(Level.WARNING, "cannot journal the status of task " + taskId + "; sending it anyway", e);
            }
            if (times != null && s.state() == dev.steward.api.TaskState.RUNNING) {
                times.stamp(taskId, LaunchTimes.Stage.JOURNALED);
            }
            synchronized (this) {
                pending.computeIfAbsent(taskId, k -> new ArrayDeque<>()).add(numbered);
                notifyAll();
            }
            return numbered;
        }
    }

    /** True when every report has been taken by the allocator. */
    synchronized boolean drained() {
        return pending.isEmpty();
    }

    /** The most reports one request carries (the allocator takes up to {@link TaskReports#MAX}). */
    static final int BATCH = 128;

    /** False once the allocator answered that it has no route for several reports at once (an older allocator). */
    private volatile boolean batches = true;

    /**
     * Sends as soon as there is something to send: the oldest unacknowledged report of every task
     * with one, in one request (so a burst of launches costs one round trip and one durable write
     * at the allocator, not one each), and the first report of a quiet spell goes at once rather
     * than waiting for company. Retries with backoff through network errors and restarts.
     */
    private void sendLoop() {
        long backoff = 100;
        while (!closed) {
            List<TaskReports.Report> next = new ArrayList<>();
            synchronized (this) {
                while (pending.isEmpty() && !closed) {
                    try {
                        wait(1000);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (closed) {
                    return;
                }
                for (Map.Entry<String, Deque<TaskStatus>> e : pending.entrySet()) {
                    next.add(new TaskReports.Report(e.getKey(), e.getValue().peekFirst()));
                    if (next.size() == (batches ? BATCH : 1)) {
                        break;
                    }
                }
            }
            boolean sent = batches && next.size() > 1 ? sendBatch(next) : sendOne(next.get(0));
            if (sent) {
                backoff = 100;
            } else {
                pause(backoff);
                backoff = Math.min(5000, backoff * 2);
            }
        }
    }

    /** One request for several reports; false when it should be tried again later. */
    private boolean sendBatch(List<TaskReports.Report> reports) {
        List<TaskReports.Result> results;
        try {
            results = client.reportTasks(agentId, reports);
        } catch (StewardException e) {
            if (e.status() == 404 || e.status() == 405) {
                LOG.info("the allocator takes one task report per request (it has no route for several): sending them one by one");
                batches = false;
                return true; // not a failure: the next round sends one
            }
            return false;
        } catch (IOException e) {
            return false;
        }
        for (int i = 0; i < reports.size() && i < results.size(); i++) {
            TaskReports.Report r = reports.get(i);
            TaskReports.Result res = results.get(i);
            if (res.info() != null) {
                done(r.task(), r.status(), res.info());
            } else {
                LOG.warning("the allocator refused status " + r.status().seq() + " of task " + r.task() + ": " + res.error());
                done(r.task(), r.status(), null);
            }
        }
        return true;
    }

    /** One request for one report; false when it should be tried again later. */
    private boolean sendOne(TaskReports.Report r) {
        try {
            done(r.task(), r.status(), client.reportTask(agentId, r.task(), r.status()));
            return true;
        } catch (StewardException e) {
            if (e.status() >= 400 && e.status() < 500) { // the allocator refuses it for good: do not loop on it
                LOG.warning("the allocator refused status " + r.status().seq() + " of task " + r.task() + ": " + e.getMessage());
                done(r.task(), r.status(), null);
                return true;
            }
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    /** A report the allocator took (its answer) or refused for good (null): recorded, and the task's next report goes next. */
    private void done(String taskId, TaskStatus s, TaskInfo answer) {
        if (answer != null) {
            answers.accept(answer);
        }
        if (times != null && s.state() == dev.steward.api.TaskState.RUNNING) {
            times.stamp(taskId, LaunchTimes.Stage.ACKNOWLEDGED);
        }
        acknowledge(taskId, s);
    }

    private synchronized void acknowledge(String taskId, TaskStatus s) {
        Deque<TaskStatus> q = pending.get(taskId);
        if (q != null && !q.isEmpty() && q.peekFirst().seq() == s.seq()) {
            q.pollFirst();
            if (q.isEmpty()) {
                pending.remove(taskId);
            } else {
                // move the task to the back so one chatty task does not starve the others
                pending.remove(taskId);
                pending.put(taskId, q);
            }
        }
        try {
            Path dir = tasksDir.resolve(taskId);
            if (Files.isDirectory(dir)) {
                PrivateFiles.write(dir.resolve("acked"), Long.toString(s.seq()).getBytes(StandardCharsets.US_ASCII));
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot record the acknowledgement of task " + taskId, e);
        }
    }

    private static long readLong(Path p) {
        try {
            return Long.parseLong(Files.readString(p).trim());
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    /** Waits out a retry backoff; an interrupt ends it early and is kept for the caller's loop to see. */
    static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closed = true;
        synchronized (this) {
            notifyAll();
        }
        sender.interrupt();
    }
}
