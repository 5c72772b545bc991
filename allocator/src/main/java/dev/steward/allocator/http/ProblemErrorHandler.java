package dev.steward.allocator.http;

import dev.steward.allocator.Json;
import dev.steward.api.Problem;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

import java.nio.ByteBuffer;

/**
 * What Jetty answers itself (a malformed request line, headers too large, a bad URI, a body
 * that stopped): a problem+json body like every other refusal, never an HTML page, saying what
 * was wrong in the client's request.
 */
final class ProblemErrorHandler extends ErrorHandler {

    static byte[] problem(int status, String message) {
        String title = HttpStatus.getMessage(status);
        String detail = message == null || message.isBlank() ? title : message;
        return Json.write(new Problem("about:blank", title, status, "the request was refused by the HTTP layer: " + detail, null));
    }

    /** Every method gets its problem body (Jetty's default writes one only for GET, POST and HEAD, and an empty 400 for a bad PUT or DELETE). */
    @Override
    public boolean errorPageForMethod(String method) {
        return true;
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put("Content-Type", "application/problem+json");
        return ByteBuffer.wrap(problem(status, reason));
    }

    @Override
    protected void generateResponse(Request request, Response response, int status, String message, Throwable cause, Callback callback) {
        response.getHeaders().put("Content-Type", "application/problem+json");
        response.write(true, ByteBuffer.wrap(problem(status, message)), callback);
    }
}
