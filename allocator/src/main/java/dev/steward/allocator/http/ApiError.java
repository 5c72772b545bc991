package dev.steward.allocator.http;

/** An error a handler answers with: the status, a title, the detail a user can act on, and the field if any. */
public final class ApiError extends RuntimeException {
    private final int status;
    private final String title;
    private final String field;

    public ApiError(int status, String title, String detail, String field) {
        super(detail);
        this.status = status;
        this.title = title;
        this.field = field;
    }

    public static ApiError forbidden(String detail) {
        return new ApiError(403, "Forbidden", detail, null);
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }

    public String field() {
        return field;
    }

    public ApiResponse response() {
        return ApiResponse.problem(status, title, getMessage(), field);
    }
}
