package dev.steward.api;

import java.util.List;
import java.util.Map;

/**
 * The manifest of a package, {@code steward.json}, its first entry: the app's name and version,
 * the command that starts it (run by {@code /bin/sh -c} in the unpacked tree, so
 * {@code $PORT_HTTP} expands), its environment, named ports, health check and default
 * resources, and the build's {@link Provenance}. A task or service started from the package
 * takes these as defaults and may override each.
 */
public record PackageManifest(Integer schema, String name, String version, String command, Map<String, String> env, List<String> ports,
                              HealthCheck healthCheck, ResourceAmounts resources, Provenance provenance) {

    public static final int SCHEMA = 1;
    public static final String FILE_NAME = "steward.json";

    /**
     * {@link #validate} for a package being built: its default cpus and memory, when given, are
     * also held to the least an allocation may have ({@link ResourceAmounts#parseAsk}). A stored
     * package is read with {@link #validate} alone, so one built before that stays readable; a
     * deploy of it that takes such a default is refused, naming the field.
     */
    public PackageManifest validateNew() {
        PackageManifest m = validate();
        if (m.resources() != null) {
            try {
                m.resources().parseAsk();
            } catch (ValidationException ex) {
                throw ex.under("resources");
            }
        }
        return m;
    }

    /** Checks every field; returns a copy with sorted environment and schema set. */
    public PackageManifest validate() {
        if (schema != null && schema != SCHEMA) {
            throw new ValidationException("schema", "is " + schema + "; this version of Steward reads manifest schema " + SCHEMA);
        }
        Validation.name("name", name);
        if (version != null) {
            Validation.name("version", version);
        }
        if (command != null) {
            if (command.isBlank()) {
                throw new ValidationException("command", "is blank; leave it out or give the command that starts the app");
            }
            if (command.length() > 4096) {
                throw new ValidationException("command", "is above the limit of 4096 characters");
            }
        }
        Map<String, String> e = Validation.variables("env", env);
        List<String> p = Validation.portNames(ports);
        if (healthCheck != null) {
            try {
                healthCheck.validate(p);
            } catch (ValidationException ex) {
                throw ex.under("healthCheck");
            }
        }
        if (resources != null) {
            try {
                resources.parse(Resources.ZERO);
            } catch (ValidationException ex) {
                throw ex.under("resources");
            }
        }
        Provenance prov = provenance == null ? null : provenance;
        if (prov != null) {
            try {
                prov.validate();
            } catch (ValidationException ex) {
                throw ex.under("provenance");
            }
        }
        return new PackageManifest(SCHEMA, name, version, command, e.isEmpty() ? null : e, p.isEmpty() ? null : List.copyOf(p), healthCheck,
                resources, prov);
    }
}
