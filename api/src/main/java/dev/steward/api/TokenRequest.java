package dev.steward.api;

/** Body of {@code POST /v1/roles/NAME/tokens}: what the token is for, e.g. "jenkins-ci controller". */
public record TokenRequest(String description) {
}
