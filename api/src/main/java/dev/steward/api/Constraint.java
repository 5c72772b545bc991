package dev.steward.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A constraint on agent attributes, as on the wire: {@code {attribute: "os", op: "=", value: "linux"}}.
 * Operators: {@code =}, {@code !=}, {@code in} (value is a comma list, or {@code values}),
 * {@code regex}, and {@code distinct} (no two allocations of one request share the attribute's
 * value; without an attribute, no two share an agent). The attribute {@code agent} is the agent's id.
 */
public record Constraint(String attribute, String op, String value, List<String> values) {
    public enum Op { EQ, NE, IN, REGEX, DISTINCT }

    public static Constraint eq(String attribute, String value) {
        return new Constraint(attribute, "=", value, null);
    }

    public static Constraint distinct() {
        return new Constraint(null, "distinct", null, null);
    }

    public Op parsedOp() {
        String o = op == null ? "" : op.trim().toLowerCase(Locale.ROOT);
        return switch (o) {
            case "=", "==", "eq" -> Op.EQ;
            case "!=", "ne" -> Op.NE;
            case "in" -> Op.IN;
            case "regex", "=~" -> Op.REGEX;
            case "distinct" -> Op.DISTINCT;
            default -> throw new ValidationException("op", "'" + op + "' is not an operator; use =, !=, in, regex or distinct");
        };
    }

    /** The allowed values of an {@code in} constraint. */
    public List<String> inValues() {
        List<String> out = new ArrayList<>();
        if (values != null) {
            out.addAll(values);
        }
        if (value != null) {
            for (String v : value.split(",")) {
                if (!v.isBlank()) {
                    out.add(v.trim());
                }
            }
        }
        return out;
    }

    /** Checks the constraint; returns itself for chaining. */
    public Constraint validate() {
        Op o = parsedOp();
        if (o != Op.DISTINCT && (attribute == null || attribute.isBlank())) {
            throw new ValidationException("attribute", "is required for operator '" + op + "'");
        }
        switch (o) {
            case EQ, NE -> Validation.required("value", value);
            case IN -> {
                if (inValues().isEmpty()) {
                    throw new ValidationException("value", "lists no values for 'in'; write value: \"a,b\" or values: [\"a\", \"b\"]");
                }
            }
            case REGEX -> {
                try {
                    Pattern.compile(Validation.required("value", value));
                } catch (PatternSyntaxException e) {
                    throw new ValidationException("value", "is not a regular expression: " + e.getDescription());
                }
            }
            case DISTINCT -> {
            }
        }
        return this;
    }

    @Override
    public String toString() {
        Op o = parsedOp();
        return switch (o) {
            case DISTINCT -> "distinct " + (attribute == null ? "agent" : attribute);
            case IN -> attribute + " in " + inValues();
            default -> attribute + " " + op + " " + value;
        };
    }
}
