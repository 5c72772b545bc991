package dev.steward.ha;

import dev.steward.allocator.Server;
import dev.steward.allocator.ServerConfig;
import dev.steward.allocator.auth.Tokens;
import dev.steward.allocator.http.JettyServer;
import dev.steward.allocator.http.SwitchApi;
import dev.steward.allocator.store.SecretKeys;
import dev.steward.allocator.store.SqliteStore;
import dev.steward.allocator.store.Store;
import dev.steward.datadir.DataDirLock;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderLatchListener;
import org.apache.curator.framework.recipes.leader.Participant;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.RetryUntilElapsed;
import org.apache.zookeeper.CreateMode;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Clock;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One allocator of several on ZooKeeper. It listens at once and follows: it replays the log into
 * its SQLite file and answers clients with the leader's address. When the election (a Curator
 * {@link LeaderLatch}) makes it leader, it increments the leader epoch (fencing the old leader),
 * applies what is left of the log, and starts a {@link Server} whose engine writes through
 * {@link ReplicatedStore}; the same listener then serves it. It steps down, and follows again,
 * when it loses its ZooKeeper connection or leadership, or when a write is refused; the process
 * keeps running, and rejoins the election.
 */
public final class HaServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(HaServer.class.getName());
    private final ServerConfig cfg;
    /** The data directory, held while this server runs (set once, by {@link #start}; read by a close on another thread). */
    private volatile DataDirLock lock;
    private final HaConfig ha;
    private final Clock clock;
    private final CuratorFramework zk;
    private final ZkLog log;
    private final SecretKeys keys;
    private final ClusterTokens.Tokens tokens;
    private final SwitchApi front;
    private final FollowerApi following;
    private final JettyServer http;
    private final String url;
    /** This server's name among the members in ZooKeeper: its URL, encoded. */
    private final String memberName;
    private final PersistentNode member;
    private final KeyHandover handover;
    /** Where a rotation of the secrets key runs and waits for the other servers: one at a time, a few waiting at most. */
    private final java.util.concurrent.ThreadPoolExecutor rotations = new java.util.concurrent.ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS,
            new java.util.concurrent.ArrayBlockingQueue<>(2), r -> {
                Thread t = new Thread(r, "steward-ha-key-rotation");
                t.setDaemon(true);
                return t;
            });
    private final ExecutorService role = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "steward-ha-role");
        t.setDaemon(true);
        return t;
    });
    private final java.util.concurrent.ScheduledExecutorService watch = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "steward-ha-watch");
        t.setDaemon(true);
        return t;
    });
    private volatile String why = "an election is under way";
    private volatile boolean closed;
    private volatile boolean connected = true;
    /** Why this server no longer stands for election (a leader of a newer release), or null. */
    private volatile String refusal;
    /** The leader as last seen by the watch thread: requests never wait on ZooKeeper to learn it. */
    private volatile String leaderSeen;
    private volatile LeaderLatch latch; // replaced on the role thread only
    // touched on the role thread only
    private Follower follower;
    private Server leader;
    private volatile int epoch; // read by the metrics too
    private volatile dev.steward.allocator.metrics.AllocatorMetrics leaderMetrics;
    private final HaMetrics metrics;

    private HaServer(ServerConfig cfg, HaConfig ha, Clock clock, CuratorFramework zk, ZkLog log, SecretKeys keys, ClusterTokens.Tokens tokens) throws IOException {
        this.cfg = cfg.withTokens(tokens.admin(), tokens.join());
        this.ha = ha;
        this.clock = clock;
        this.zk = zk;
        this.log = log;
        this.keys = keys;
        this.tokens = tokens;
        this.metrics = new HaMetrics(() -> leaderMetrics != null, () -> epoch, () -> refusal == null, cfg.metricsOpen(),
                dev.steward.allocator.auth.Tokens.fromFile(cfg.dataDir().resolve("metrics.token"), null, "sta_metrics"), tokens.admin(), () -> leaderMetrics,
                cfg.tls() == null ? null : cfg.tls().expiries(clock.instant())); // its certificates' ends: logged now if soon
        this.following = new FollowerApi(this::leaderUrl, () -> why, () -> refusal, new dev.steward.allocator.packages.PackageStore(cfg.dataDir(), cfg.packages()),
                tokens.peer(), metrics::followerScrape);
        this.front = new SwitchApi(following);
        this.http = new JettyServer(front, cfg.bind(), cfg.http(), cfg.tls(), new dev.steward.allocator.http.RequestLog(clock).and(metrics.http()));
        String bound = (cfg.tls() != null ? "https://" : "http://") + http.address().getHostString() + ":" + http.address().getPort();
        this.url = ha.advertise() != null ? ha.advertise() : bound;
        Server.writeAddress(cfg.dataDir(), bound);
        this.memberName = URLEncoder.encode(url, StandardCharsets.UTF_8);
        this.member = new PersistentNode(zk, CreateMode.EPHEMERAL, false, log.root() + "/members/" + memberName, url.getBytes(StandardCharsets.UTF_8));
        this.handover = new KeyHandover(zk, log, keys, ha.keyHandover());
    }

    /** Connects to ZooKeeper, listens, and joins the election. */
    public static HaServer start(ServerConfig cfg, HaConfig ha) throws IOException {
        return start(cfg, ha, Clock.systemUTC());
    }

    public static HaServer start(ServerConfig cfg, HaConfig ha, Clock clock) throws IOException {
        if (!Files.isDirectory(cfg.dataDir())) {
            Files.createDirectories(cfg.dataDir(), java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
        }
        DataDirLock held = DataDirLock.acquire(cfg.dataDir(), "an allocator of a cluster");
        int session = (int) ha.sessionTimeout().toMillis();
        CuratorFramework zk;
        try {
            zk = CuratorFrameworkFactory.builder().connectString(ha.zookeeper()).sessionTimeoutMs(session)
                    .connectionTimeoutMs(Math.min(session / 2, 5_000))
                    // bounded: a write the leader cannot make must fail within seconds (the engine waits on it), not retry for a minute
                    .retryPolicy(new RetryUntilElapsed(Math.min(session / 2, 5_000), 250)).build();
            zk.start();
        } catch (RuntimeException e) { // a bad connect string: the directory is let go with the refusal
            held.close();
            throw e;
        }
        HaServer s = null;
        try {
            if (!zk.blockUntilConnected(30, TimeUnit.SECONDS)) {
                throw new IOException("cannot reach ZooKeeper at " + ha.zookeeper() + " within 30 s");
            }
            ZkLog log = new ZkLog(zk, ha.root());
            log.init();
            SecretKeys keys = SecretKeys.open(cfg.secretsKeyFile());
            new KeyHandover(zk, log, keys, ha.keyHandover()).atStart(); // a key being rotated now: the cluster's tokens may be sealed with it soon
            ClusterTokens.Tokens mine = new ClusterTokens.Tokens(java.util.UUID.randomUUID().toString(), Tokens.fromFile(cfg.dataDir().resolve("admin.token"), cfg.adminToken(), "sta_admin"),
                    cfg.staticJoinToken() ? Tokens.fromFile(cfg.dataDir().resolve("join.token"), cfg.joinToken(), "sta_join") : Tokens.mint("sta_join"),
                    Tokens.mint("sta_peer"));
            ClusterTokens.Tokens agreed = ClusterTokens.agree(zk, ha.root(), keys, mine);
            Tokens.fromFile(cfg.dataDir().resolve("admin.token"), agreed.admin(), "sta_admin"); // the cluster's, where this machine's CLI looks
            if (cfg.staticJoinToken()) { // off: this server takes minted join tokens only, and leaves no join.token to copy
                Tokens.fromFile(cfg.dataDir().resolve("join.token"), agreed.join(), "sta_join");
            }
            DataDirectories.adopt(cfg.dataDir(), keys, log, agreed.id());
            s = new HaServer(cfg, ha, clock, zk, log, keys, agreed);
            s.lock = held;
            s.begin();
            return s;
        } catch (Exception e) {
            if (s != null) {
                s.close();
            } else {
                zk.close();
            }
            held.close();
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw e instanceof IOException io ? io : new IOException(e.getMessage(), e);
        }
    }

    private void begin() throws IOException {
        member.start();
        zk.getConnectionStateListenable().addListener((c, state) -> {
            if (state == ConnectionState.SUSPENDED || state == ConnectionState.LOST) {
                if (connected) {
                    LOG.warning("lost the connection to ZooKeeper (" + state + "): no writes until it is back");
                }
                connected = false;
                leaderSeen = null;
                why = "this server lost its ZooKeeper connection (" + state + "): ZooKeeper down, without quorum, or cut off";
            } else if (state.isConnected()) {
                if (!connected) {
                    LOG.info("connected to ZooKeeper again (" + state + ")");
                }
                connected = true;
                why = "an election is under way";
            }
        });
        watch.scheduleWithFixedDelay(() -> leaderSeen = connected ? electedLeader() : null, 0, 250, TimeUnit.MILLISECONDS);
        String[] said = {null}; // on the watch thread only: a failure that lasts is logged once
        watch.scheduleWithFixedDelay(() -> {
            if (connected && refusal == null) {
                try {
                    handover.follow(memberName, this::leads);
                    said[0] = null;
                } catch (Exception e) {
                    if (!String.valueOf(e.getMessage()).equals(said[0])) {
                        said[0] = String.valueOf(e.getMessage());
                        LOG.log(e instanceof org.apache.zookeeper.KeeperException ? Level.INFO : Level.WARNING,
                                "cannot follow the secrets key's rotation (tried again every 500 ms): " + e.getMessage(), e);
                    }
                }
            }
        }, 0, 500, TimeUnit.MILLISECONDS);
        role.submit(() -> {
            follow();
            join();
        });
    }

    private void follow() {
        if (follower == null && !closed) {
            follower = Follower.start(new SqliteStore(cfg.dataDir(), keys), log, zk, e -> role.execute(() -> refuse(e)));
        }
    }

    /**
     * On the role thread: the log holds changes of a newer release than this one. This server
     * leaves the election (it could not lead without losing them), keeps answering clients with the
     * leader's address, and says why in its health; upgrading it is the way back.
     */
    private void refuse(RuntimeException newer) {
        if (refusal != null) {
            return;
        }
        refusal = newer.getMessage();
        why = refusal;
        LOG.severe("leaving the election: " + refusal);
        leaveElection();
    }

    /** On the role thread: out of the election (a step down rejoins it at the back; a refusal stays out). */
    private void leaveElection() {
        if (latch != null) {
            try {
                latch.close();
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.FINE, "leaving the election: " + e.getMessage(), e);
            }
            latch = null;
        }
    }

    private void join() {
        if (closed || refusal != null) {
            return;
        }
        latch = new LeaderLatch(zk, log.root() + "/leader", url);
        LeaderLatch mine = latch;
        latch.addListener(new LeaderLatchListener() {
            @Override
            public void isLeader() {
                role.execute(() -> {
                    if (latch == mine) {
                        lead();
                    }
                });
            }

            @Override
            public void notLeader() {
                role.execute(() -> {
                    if (latch == mine && leader != null) {
                        stepDown("it lost its leadership in ZooKeeper (" + why + ")");
                    }
                });
            }
        });
        try {
            latch.start();
        } catch (Exception e) {
            LOG.log(Level.WARNING, "cannot join the election: " + e.getMessage(), e);
        }
    }

    /** On the role thread: fence, catch up, and serve as the leader. */
    private void lead() {
        if (closed || leader != null || !latch.hasLeadership()) {
            return;
        }
        try {
            if (follower != null) {
                follower.close();
                follower = null;
            }
            try (SqliteStore local = new SqliteStore(cfg.dataDir(), keys)) {
                Follower.catchUp(local, log); // before fencing: a log this release cannot read is found without deposing anyone
            }
            int e = log.fence(url);
            // the keyring as the cluster agreed it, once no other leader can change that (fenced) and before anything is opened or
            // sealed: a rotation under way has its key held here, one that ended (perhaps just before the old leader died) has its key
            // active here and the older ones gone
            handover.settle(memberName);
            long at;
            try (SqliteStore local = new SqliteStore(cfg.dataDir(), keys)) {
                at = Follower.catchUp(local, log);
                if (at < 0 && log.latestSnapshotPosition() < 0) {
                    // a log that never held anything: this directory's state (a single server's, or none) goes first, as a snapshot every server loads
                    Store.Dump d = local.dump();
                    at = Restore.install(log, e, d);
                    local.replaceAll(new Store.Dump(d.index(), d.sequence(), at, d.schema(), d.rows()));
                    LOG.info("wrote this data directory's state to ZooKeeper as the first snapshot (log position " + at + ")");
                }
            }
            epoch = e;
            leader = Server.start(cfg, clock, new Server.Embedding(
                    local -> new ReplicatedStore(local, log, e, ha.snapshotEvery(), () -> connected, this::writeFailed), false,
                    new PeerPackages(zk, log.root(), url, tokens.peer(), cfg.tls() == null ? null : cfg.tls().context()), keys));
            Server s = leader;
            metrics.addTo(s.api().metrics());
            s.api().metrics().connections(http::connectionsOpen, http::connectionsRefused, http::connectionsEvicted); // this server's one listener, which a leader's metrics report
            leaderMetrics = s.api().metrics();
            front.set(new LeaderApi(s.api(), url, e, () -> s.engine().index(), tokens.admin(), () -> rotate(s, e)));
            try {
                rotations.execute(() -> { // a rotation the last leader began and did not finish: finished here, not left half done
                    dev.steward.allocator.http.ApiResponse done = rotateNow(s, e, true);
                    if (done != null) {
                        LOG.info("went on with the secrets key's rotation a leader began: " + (done.status() == 200 ? "done"
                                : "stopped again (" + done.status() + "); rotate-key goes on with it"));
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException busy) {
                // rotations already waiting: they go on with it
            }
            log.watchEpoch(e, () -> role.execute(() -> {
                if (leader == s) {
                    stepDown("the leader epoch moved on to " + log.holder() + " (another leader, or a restored snapshot)");
                }
            }));
            LOG.info("leading at " + url + ": epoch " + e + ", the log applied to position " + at);
        } catch (dev.steward.allocator.store.NewerSchema newer) {
            stepDown("it cannot read what a newer release wrote");
            refuse(newer);
        } catch (Exception ex) {
            LOG.log(Level.WARNING, "cannot take over as leader: " + ex.getMessage(), ex);
            stepDown("it could not take over: " + ex.getMessage());
        }
    }

    /** {@code POST /v1/secrets/rotate-key} on the leader: handed over to every server ({@link KeyHandover}), on a thread of its own. */
    private java.util.concurrent.CompletableFuture<dev.steward.allocator.http.ApiResponse> rotate(Server s, int epoch) {
        try {
            return java.util.concurrent.CompletableFuture.supplyAsync(() -> rotateNow(s, epoch, false), rotations);
        } catch (java.util.concurrent.RejectedExecutionException busy) {
            return java.util.concurrent.CompletableFuture.completedFuture(dev.steward.allocator.http.ApiResponse.problem(409, "Conflict",
                    "a rotation of the secrets key is under way; wait for it", null));
        }
    }

    /** On the rotation thread: a rotation, or only the rest of one under way ({@code onlyUnderWay}: null if none). */
    private dev.steward.allocator.http.ApiResponse rotateNow(Server s, int epoch, boolean onlyUnderWay) {
        try {
            return handover.rotate(memberName, epoch, () -> {
                try {
                    return s.engine().command((st, now) -> st.resealSecrets()).get(30, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new IllegalStateException("sealing the secrets again failed: " + e.getMessage(), e);
                }
            }, tokens, onlyUnderWay);
        } catch (Exception e) {
            LOG.log(Level.WARNING, "rotating the secrets key: " + e.getMessage(), e);
            return dev.steward.allocator.http.ApiResponse.problem(503, "Service Unavailable", "the secrets key's rotation stopped: " + e.getMessage()
                    + ". Every secret opens as before; run rotate-key again to go on with the same key", null).header("Retry-After", "5");
        }
    }

    private void writeFailed(RuntimeException e) {
        role.execute(() -> {
            if (leader != null) {
                stepDown(e instanceof Fenced ? e.getMessage() : "a write to the replicated log failed: " + e.getMessage());
            }
        });
    }

    /** On the role thread: stop serving as leader, follow again, and rejoin the election. */
    private void stepDown(String reason) {
        front.set(following);
        leaderMetrics = null;
        if (leader != null) {
            LOG.warning("stepping down as leader (epoch " + epoch + "): " + reason);
            try {
                leader.close();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "closing the leader's engine: " + e.getMessage(), e);
            }
            leader = null;
        }
        leaveElection();
        follow();
        join();
    }

    /** The leader's URL as last seen, or null. */
    String leaderUrl() {
        return leaderSeen;
    }

    /** Why this server stands no more for election, or null. */
    public String refusal() {
        return refusal;
    }

    /** The leader's URL as the election knows it now, or null (asks ZooKeeper). */
    private String electedLeader() {
        LeaderLatch l = latch;
        if (l == null) { // out of the election: the epoch's holder is the leader (or was, until the next one fences)
            try {
                String holder = log.holder();
                return holder.startsWith("http://") || holder.startsWith("https://") ? holder : null;
            } catch (RuntimeException e) {
                return null;
            }
        }
        try {
            Participant p = l.getLeader();
            return p != null && p.isLeader() && !p.getId().isEmpty() ? p.getId() : null;
        } catch (Exception e) {
            return null;
        }
    }

    public String url() {
        return url;
    }

    /** Whether this server leads now. */
    public boolean leads() {
        return front.current() instanceof LeaderApi;
    }

    public String adminToken() {
        return tokens.admin();
    }

    /** The cluster's static join token; null when this server refuses it ({@code --static-join-token off}). */
    public String joinToken() {
        return cfg.staticJoinToken() ? tokens.join() : null;
    }

    /** The running leader, while this server leads (for tests). */
    public Server leaderServer() {
        try {
            return role.submit(() -> leader).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            return null;
        }
    }

    @Override
    public void close() {
        closed = true;
        front.set(following);
        leaderMetrics = null;
        try {
            role.submit(() -> {
                if (leader != null) {
                    leader.close();
                    leader = null;
                }
                if (latch != null) {
                    try {
                        latch.close();
                    } catch (IOException e) {
                        // leaving anyway
                    }
                }
                if (follower != null) {
                    follower.close();
                    follower = null;
                }
            }).get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.log(Level.WARNING, "closing: " + e.getMessage(), e);
        }
        role.shutdownNow();
        watch.shutdownNow();
        rotations.shutdownNow();
        try {
            member.close();
        } catch (IOException e) {
            // the ephemeral node goes with the session
        }
        http.close();
        zk.close();
        if (lock != null) {
            lock.close(); // last: the directory is let go once nothing of this server writes to it
        }
    }
}
