package dev.steward.monitor;

/** A gate's value at one evaluation: the number, or no data (with why), and whether it held. */
public record Measurement(Double value, boolean passed, String detail) {

    public boolean noData() {
        return value == null;
    }

    static Measurement none(String why) {
        return new Measurement(null, false, why);
    }
}
