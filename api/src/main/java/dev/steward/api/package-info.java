/**
 * Wire types of Steward: the one request model that the Jenkins steps, the {@code steward}
 * command and the REST API share. A field here is a step argument, a CLI flag and a JSON
 * property at once. Units parse from strings ({@code 4g}, {@code 500m}, {@code 1.5},
 * {@code 30s}) in {@link dev.steward.api.Units}; validation turns a wire record into a parsed
 * value or throws {@link dev.steward.api.ValidationException} naming the field and the limit.
 * No server code lives here: the package is small enough for a Jenkins agent.
 */
package dev.steward.api;
