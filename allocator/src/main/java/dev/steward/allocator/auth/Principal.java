package dev.steward.allocator.auth;

/**
 * Who a request acts for: the admin, a role (team or Jenkins controller), an agent, a machine
 * joining with the join token, or a metrics scraper with the metrics token (which reads
 * {@code /metrics} and nothing else).
 */
public record Principal(Kind kind, String subject) {
    public enum Kind { ADMIN, ROLE, AGENT, JOIN, METRICS }

    public static final Principal ADMIN = new Principal(Kind.ADMIN, "admin");
    public static final Principal JOIN = new Principal(Kind.JOIN, "join");
    public static final Principal METRICS = new Principal(Kind.METRICS, "metrics");

    /** The data directory's join token, not one the admin minted (whose subject is its id). */
    public boolean isStaticJoin() {
        return this.equals(JOIN);
    }

    public boolean isAdmin() {
        return kind == Kind.ADMIN;
    }

    /** For history lines: "admin", "role ci", "agent a-12". */
    public String describe() {
        return switch (kind) {
            case ADMIN -> "admin";
            case ROLE -> "role " + subject;
            case AGENT -> "agent " + subject;
            case JOIN -> isStaticJoin() ? "join token" : "join token " + subject;
            case METRICS -> "metrics token";
        };
    }
}
