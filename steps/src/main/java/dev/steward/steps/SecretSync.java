package dev.steward.steps;

import dev.steward.api.SecretInfo;
import dev.steward.api.ValidationException;
import dev.steward.client.StewardClient;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code deploy} step's {@code secretCredentials}: before the deploy, each named service
 * secret is set from a value the step resolved (in Jenkins, a Secret text credential), and the
 * deploy names it. The allocator keeps an unchanged value at its version, so a build that sets
 * the same values again rolls nothing out; a changed one gets a new version, which the deploy
 * rolls out. The log names each secret and its version, never a value.
 */
public final class SecretSync {
    private SecretSync() {
    }

    /**
     * The lines {@code NAME=CREDENTIALS_ID} of the step's argument, checked: each name a valid
     * secret name, once, and a credentials id after the '='.
     */
    public static Map<String, String> parse(List<String> lines) {
        Map<String, String> out = new LinkedHashMap<>();
        if (lines == null) {
            return out;
        }
        for (int i = 0; i < lines.size(); i++) {
            String field = "secretCredentials[" + i + "]";
            String l = lines.get(i) == null ? "" : lines.get(i).trim();
            int eq = l.indexOf('=');
            if (eq <= 0 || eq == l.length() - 1) {
                throw new ValidationException(field, "'" + l + "' is not NAME=CREDENTIALS_ID (the secret's name, '=', the id of a Secret text credential)");
            }
            String name = dev.steward.api.Validation.secretName(field, l.substring(0, eq).trim());
            if (out.put(name, l.substring(eq + 1).trim()) != null) {
                throw new ValidationException(field, "names secret '" + name + "' a second time");
            }
        }
        return out;
    }

    /** Sets each secret of {@code values} (name → value) for APP/ENV, for {@code role} (the admin's choice; null: the service's), logging name and version. */
    public static List<SecretInfo> set(StewardClient client, String app, String env, String role, Map<String, String> values, StepListener log)
            throws IOException {
        List<SecretInfo> out = new ArrayList<>();
        for (Map.Entry<String, String> e : values.entrySet()) {
            SecretInfo s = client.deployments().setSecret(app, env, e.getKey(), e.getValue(), role);
            log.line("steward: secret " + s.name() + " of " + s.service() + " is at version " + s.version());
            out.add(s);
        }
        return out;
    }

    /** The deploy's secret names: those it names, then those it sets, each once. */
    public static List<String> names(List<String> named, Map<String, String> fromCredentials) {
        java.util.LinkedHashSet<String> all = new java.util.LinkedHashSet<>();
        if (named != null) {
            all.addAll(named);
        }
        all.addAll(fromCredentials.keySet());
        return all.isEmpty() ? null : List.copyOf(all);
    }
}
