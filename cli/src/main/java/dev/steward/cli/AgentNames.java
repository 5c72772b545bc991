package dev.steward.cli;

import dev.steward.api.AgentInfo;
import dev.steward.client.StewardClient;
import dev.steward.client.StewardException;

import java.io.IOException;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Agents' names for their ids, as a person knows them ({@code steward agents drain m1}). A few
 * are asked for one by one; more than {@value #ONE_BY_ONE} with the whole list, once. An agent
 * that cannot be read (gone, or the read failed) keeps its id.
 */
final class AgentNames {
    static final int ONE_BY_ONE = 8;

    private AgentNames() {
    }

    static Map<String, String> of(StewardClient c, Collection<String> ids) {
        Set<String> wanted = new LinkedHashSet<>();
        ids.stream().filter(Objects::nonNull).forEach(wanted::add);
        Map<String, String> names = new HashMap<>();
        try {
            if (wanted.size() > ONE_BY_ONE) {
                for (AgentInfo a : c.agents()) {
                    if (wanted.contains(a.id())) {
                        names.put(a.id(), a.name());
                    }
                }
                return names;
            }
            for (String id : wanted) {
                try {
                    names.put(id, c.agent(id).name());
                } catch (StewardException e) {
                    if (e.status() != 404) {
                        throw e;
                    }
                    // gone since: its id stands
                }
            }
        } catch (IOException e) {
            // the names are a help, not the answer: ids stand
        }
        return names;
    }
}
