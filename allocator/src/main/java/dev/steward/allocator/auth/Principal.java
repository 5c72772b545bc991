package dev.steward.allocator.auth;

/** Who a request acts for: the admin, a role (team or Jenkins controller), an agent, or a machine joining with the join token. */
public record Principal(Kind kind, String subject) {
    public enum Kind { ADMIN, ROLE, AGENT, JOIN }

    public static final Principal ADMIN = new Principal(Kind.ADMIN, "admin");
    public static final Principal JOIN = new Principal(Kind.JOIN, "join");

    public boolean isAdmin() {
        return kind == Kind.ADMIN;
    }

    /** For history lines: "admin", "role ci", "agent a-12". */
    public String describe() {
        return switch (kind) {
            case ADMIN -> "admin";
            case ROLE -> "role " + subject;
            case AGENT -> "agent " + subject;
            case JOIN -> "join token";
        };
    }
}
