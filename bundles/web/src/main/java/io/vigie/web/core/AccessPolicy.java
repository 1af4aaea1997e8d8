package io.vigie.web.core;

import java.io.IOException;

import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import com.google.gson.JsonObject;

/**
 * Decides whether a request to /vigie may proceed; consulted once per request by the context's
 * handleSecurity ({@link RequestGuard} around {@link BasicAuthPolicy} in the runtime; allow-all only in tests).
 */
@FunctionalInterface
public interface AccessPolicy {
    /**
     * @return true to serve the request; false after having written the refusal (e.g. 401) to
     *         {@code response}
     */
    boolean allow(HttpServletRequest request, HttpServletResponse response);

    AccessPolicy ALLOW_ALL = (req, resp) -> true;

    /** Refuses everything with 503 (no valid authentication settings yet). */
    AccessPolicy DENY_ALL = (req, resp) -> {
        resp.setStatus(503);
        return false;
    };

    /** Writes a refusal as {@code {"error":message,"status":status}}; the caller has set any extra header. */
    static void refuse(HttpServletResponse resp, int status, String message) {
        JsonObject o = new JsonObject();
        o.addProperty("error", message);
        o.addProperty("status", status);
        try {
            resp.setStatus(status);
            resp.setContentType("application/json;charset=utf-8");
            resp.getWriter().write(o.toString());
        } catch (IOException e) {
            // the client went away; nothing else to do
        }
    }
}
