package io.vigie.web.core;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.Deque;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP Basic authentication for everything under /vigie, closed by default: with no user configured
 * every request is refused, except GETs of the configured anonymous paths (by default only the
 * Prometheus text, which shows neither video nor anything that changes state).
 * <p>
 * PBKDF2 is deliberately slow (tens of ms), and a browser sends the header with every request: a
 * verified header is remembered (as its SHA-256, for {@code cacheMs}) so polling and streams cost one
 * derivation. Failed attempts are counted per client address; over {@code maxFailures} within a minute
 * the address gets 429 until the minute has passed, so a password cannot be guessed quickly.
 */
public final class BasicAuthPolicy implements AccessPolicy {
    private static final Logger LOG = LoggerFactory.getLogger(BasicAuthPolicy.class);
    /** Request attribute holding the authenticated user name (for audit logs of state changes). */
    public static final String USER_ATTRIBUTE = "io.vigie.web.user";
    static final long WINDOW_MS = 60_000;

    private final Map<String, PasswordHash> users;
    private final Set<String> anonymousGetPaths;
    private final String realm;
    private final int maxFailures;
    private final long cacheMs;
    private final LongSupplier clock;
    private final Map<String, Long> verified = new ConcurrentHashMap<>(); // sha256(header) -> expiry
    private final Map<String, String> verifiedUser = new ConcurrentHashMap<>();
    private final Map<String, Deque<Long>> failures = new ConcurrentHashMap<>();

    /**
     * @param userEntries {@code name:{pbkdf2-sha256}...} entries
     * @throws IllegalArgumentException naming the bad entry (by user name, never the hash)
     */
    public BasicAuthPolicy(List<String> userEntries, Set<String> anonymousGetPaths, String realm, int maxFailures, long cacheMs,
            LongSupplier clock) {
        Map<String, PasswordHash> u = new LinkedHashMap<>();
        for (String e : userEntries) {
            if (e == null || e.isBlank()) continue;
            int colon = e.indexOf(':');
            if (colon <= 0) throw new IllegalArgumentException("user entry must be name:" + PasswordHash.PREFIX + "...");
            String name = e.substring(0, colon).trim();
            if (!name.matches("[A-Za-z0-9_.@\\-]{1,64}")) throw new IllegalArgumentException("bad user name '" + name + "'");
            try {
                if (u.put(name, PasswordHash.parse(e.substring(colon + 1).trim())) != null)
                    throw new IllegalArgumentException("user '" + name + "' is listed twice");
            } catch (IllegalArgumentException bad) {
                throw new IllegalArgumentException("user '" + name + "': " + bad.getMessage());
            }
        }
        if (maxFailures < 1) throw new IllegalArgumentException("max failures must be >= 1");
        if (realm == null || realm.isBlank() || realm.contains("\"")) throw new IllegalArgumentException("bad realm");
        this.users = Map.copyOf(u);
        this.anonymousGetPaths = Set.copyOf(anonymousGetPaths);
        this.realm = realm;
        this.maxFailures = maxFailures;
        this.cacheMs = cacheMs;
        this.clock = clock;
    }

    public int userCount() {
        return users.size();
    }

    @Override
    public boolean allow(HttpServletRequest req, HttpServletResponse resp) {
        String path = pathInContext(req);
        if ("GET".equals(req.getMethod()) || "HEAD".equals(req.getMethod())) {
            if (anonymousGetPaths.contains(path)) return true;
        }
        String client = String.valueOf(req.getRemoteAddr());
        long now = clock.getAsLong();
        if (throttled(client, now)) {
            refuse(resp, 429, "too many failed logins from " + client + ", retry in a minute", false);
            return false;
        }
        String header = req.getHeader("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
            String why = users.isEmpty() ? "no user is configured (./vigie password --config DIR)" : "authentication required";
            refuse(resp, 401, why, true);
            return false;
        }
        String key = sha256(header);
        Long until = verified.get(key);
        if (until != null && until > now) {
            req.setAttribute(USER_ATTRIBUTE, verifiedUser.get(key));
            return true;
        }
        String user = check(header.substring(6).trim());
        if (user == null) {
            fail(client, now);
            LOG.warn("web: failed login from {} for {}", client, path);
            refuse(resp, 401, "wrong user name or password", true);
            return false;
        }
        if (verified.size() > 1000) verified.clear(); // bounded: at worst one more derivation per client
        verified.put(key, now + cacheMs);
        verifiedUser.put(key, user);
        req.setAttribute(USER_ATTRIBUTE, user);
        return true;
    }

    /** @return the user name when the credentials match, else null */
    String check(String base64) {
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
        int colon = decoded.indexOf(':');
        if (colon <= 0) return null;
        String name = decoded.substring(0, colon);
        PasswordHash h = users.get(name);
        return h != null && h.matches(decoded.substring(colon + 1)) ? name : null;
    }

    private boolean throttled(String client, long now) {
        Deque<Long> d = failures.get(client);
        if (d == null) return false;
        synchronized (d) {
            while (!d.isEmpty() && d.peekFirst() <= now - WINDOW_MS) d.pollFirst();
            return d.size() >= maxFailures;
        }
    }

    private void fail(String client, long now) {
        if (failures.size() > 10_000) failures.clear(); // an address flood must not grow the map forever
        Deque<Long> d = failures.computeIfAbsent(client, k -> new ArrayDeque<>());
        synchronized (d) {
            d.addLast(now);
            while (d.size() > maxFailures) d.pollFirst();
        }
    }

    private void refuse(HttpServletResponse resp, int status, String message, boolean challenge) {
        try {
            resp.setStatus(status);
            if (challenge) resp.setHeader("WWW-Authenticate", "Basic realm=\"" + realm + "\", charset=\"UTF-8\"");
            resp.setContentType("application/json;charset=utf-8");
            resp.getWriter().write("{\"error\":\"" + message.replace("\"", "'") + "\",\"status\":" + status + "}");
        } catch (IOException e) {
            // the client went away; nothing else to do
        }
    }

    static String pathInContext(HttpServletRequest req) {
        String uri = req.getRequestURI(), ctx = req.getContextPath();
        String p = uri != null && ctx != null && uri.startsWith(ctx) ? uri.substring(ctx.length()) : String.valueOf(uri);
        return p.isEmpty() ? "/" : p;
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
