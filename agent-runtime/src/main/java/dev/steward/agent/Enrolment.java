package dev.steward.agent;

import dev.steward.api.AgentJoined;
import dev.steward.api.AgentRegistration;
import dev.steward.client.StewardException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * How an agent joins the allocator: with the identity an earlier run saved, re-registering what
 * it has now; or, when there is none or the allocator no longer knows it, as a new agent with the
 * cluster's join token, saving the identity it is given.
 */
final class Enrolment {
    private static final Logger LOG = Logger.getLogger(Agent.class.getName()); // the agent's own lines, as before the split

    /** The agent as the allocator knows it, and a client that speaks as it. */
    record Joined(Identity identity, AllocatorClient client) {
    }

    private Enrolment() {
    }

    /** {@code clientWith} makes a client of the allocator with a token; the new identity is saved in {@code dataDir}. */
    static Joined join(Identity saved, String joinToken, Path dataDir, AgentRegistration registration, Function<String, AllocatorClient> clientWith)
            throws IOException {
        if (saved != null) {
            AllocatorClient client = clientWith.apply(saved.token());
            try {
                client.updateAgent(saved.id(), registration);
                LOG.info("rejoined as agent " + saved.id());
                return new Joined(saved, client);
            } catch (StewardException e) {
                if (e.status() != 401 && e.status() != 404) {
                    throw e;
                }
                LOG.warning("the allocator does not know agent " + saved.id() + " any more (" + e.getMessage() + "); joining anew");
            }
        }
        if (joinToken == null) {
            throw new IOException("no join token: give join-token-file (or join-token in the config, or STEWARD_JOIN_TOKEN): one the admin minted for "
                    + "this machine ('steward tokens create --join'), or the allocator's data directory's join.token");
        }
        AgentJoined j;
        try {
            j = clientWith.apply(joinToken).register(registration);
        } catch (StewardException e) {
            if (e.status() != 401) {
                throw e;
            }
            boolean said = e.getMessage().contains("steward tokens create --join"); // a minted one, expired or used up: the refusal says what to do
            throw new IOException("the allocator refused the join token: " + e.getMessage() + (said ? ""
                    : ". Give a join token the admin minted for this machine ('steward tokens create --join') or the allocator's data directory's "
                    + "join.token (join-token-file, join-token in the config, or STEWARD_JOIN_TOKEN)"), e);
        }
        Identity identity = new Identity(j.agent().id(), j.token());
        identity.save(dataDir);
        LOG.info("joined as agent " + identity.id());
        return new Joined(identity, clientWith.apply(identity.token()));
    }
}
