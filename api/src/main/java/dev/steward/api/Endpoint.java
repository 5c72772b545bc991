package dev.steward.api;

import java.util.Map;

/** A healthy instance of a service as discovery lists it: host and port per named port. */
public record Endpoint(String instance, int revision, String host, Map<String, Integer> ports) {
}
