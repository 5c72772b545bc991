package dev.steward.api;

/** A monitor's answer: go on ({@code PASS}), stop ({@code FAIL}), or not enough data to say ({@code INCONCLUSIVE}, never a pass). */
public enum Verdict { PASS, FAIL, INCONCLUSIVE }
