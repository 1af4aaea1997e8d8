package io.vigie.web.core;

import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

/**
 * Decides whether a request to /vigie may proceed; consulted once per request by the context's
 * handleSecurity ({@link BasicAuthPolicy} in the runtime; allow-all only in tests).
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
}
