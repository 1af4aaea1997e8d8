package io.vigie.web.core;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiPredicate;
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
 * Passwords are checked by the gateway's one {@link Credentials} (its failed-login throttle and its limit on
 * derivations at once are shared with the sign-in form). On top of it, a verified header is remembered (as its
 * SHA-256, for {@code cacheMs}), and parallel requests with the same new header share one derivation: polling and
 * streams cost one derivation.
 */
public final class BasicAuthPolicy implements AccessPolicy {
    private static final Logger LOG = LoggerFactory.getLogger(BasicAuthPolicy.class);
    /** Request attribute holding the authenticated user name (for audit logs of state changes). */
    public static final String USER_ATTRIBUTE = "io.vigie.web.user";
    /** Request attribute holding the authenticated user's {@link Role}. */
    public static final String ROLE_ATTRIBUTE = "io.vigie.web.role";
    /** The whiteboard's attribute for {@code getRemoteUser()} (ServletContextHelper.REMOTE_USER). */
    public static final String REMOTE_USER = "org.osgi.service.http.authentication.remote.user";
    /** The whiteboard's attribute for {@code getAuthType()} (ServletContextHelper.AUTHENTICATION_TYPE). */
    public static final String AUTHENTICATION_TYPE = "org.osgi.service.http.authentication.type";
    static final long WINDOW_MS = Credentials.WINDOW_MS;
    /** How long a request waits for the same header's derivation started by another request. */
    private static final long SHARED_WAIT_S = 60;

    /**
     * @param maxFailuresPerMinute failed logins per client address and user name before 429 (>= 1)
     * @param maxConcurrentChecks  password derivations running at once, gateway-wide (>= 1)
     * @param maxTrackedClients    address/name keys the failure table remembers (>= 1)
     * @param cacheMs              how long a verified header is remembered (0 = never)
     */
    public record Limits(int maxFailuresPerMinute, int maxConcurrentChecks, int maxTrackedClients, long cacheMs) {
        public Limits {
            if (maxFailuresPerMinute < 1) throw new IllegalArgumentException("max failures must be >= 1");
            if (maxConcurrentChecks < 1) throw new IllegalArgumentException("max concurrent logins must be >= 1");
            if (maxTrackedClients < 1) throw new IllegalArgumentException("max tracked clients must be >= 1");
            if (cacheMs < 0) throw new IllegalArgumentException("login cache must be >= 0");
        }
    }

    private final Credentials credentials;
    private final Set<String> anonymousGetPaths;
    private final String realm;
    private final long cacheMs;
    private final LongSupplier clock;
    private final Map<String, Long> verified = new ConcurrentHashMap<>(); // sha256(header) -> expiry
    private final Map<String, Users.User> verifiedUser = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<Credentials.Outcome>> inFlight = new ConcurrentHashMap<>();

    /** The runtime's policy: passwords checked by {@link PasswordHash#matches}. */
    public BasicAuthPolicy(List<String> userEntries, Set<String> anonymousGetPaths, String realm, Limits limits,
            LongSupplier clock) {
        this(userEntries, anonymousGetPaths, realm, limits, clock, PasswordHash::matches);
    }

    /**
     * @param userEntries {@code name:[role:]{pbkdf2-sha256}...} entries ({@link Users})
     * @param verifier    checks a password against a stored hash (the seam tests count derivations through)
     * @throws IllegalArgumentException naming the bad entry (by user name, never the hash)
     */
    public BasicAuthPolicy(List<String> userEntries, Set<String> anonymousGetPaths, String realm, Limits limits,
            LongSupplier clock, BiPredicate<PasswordHash, String> verifier) {
        this(new Credentials(new Users(userEntries), limits, clock, verifier), anonymousGetPaths, realm, limits.cacheMs(),
                clock);
    }

    /** Basic on the gateway's shared {@link Credentials} (the sign-in form uses the same). */
    public BasicAuthPolicy(Credentials credentials, Set<String> anonymousGetPaths, String realm, long cacheMs,
            LongSupplier clock) {
        if (realm == null || realm.isBlank() || realm.contains("\"")) throw new IllegalArgumentException("bad realm");
        this.credentials = credentials;
        this.anonymousGetPaths = Set.copyOf(anonymousGetPaths);
        this.realm = realm;
        this.cacheMs = cacheMs;
        this.clock = clock;
    }

    public int userCount() {
        return credentials.users().size();
    }

    /** Keys the failure table holds now (bounded by {@link Limits#maxTrackedClients}). */
    public int trackedClients() {
        return credentials.trackedClients();
    }

    /** GETs of these paths are served without login. */
    public boolean anonymous(HttpServletRequest req) {
        return ("GET".equals(req.getMethod()) || "HEAD".equals(req.getMethod()))
                && anonymousGetPaths.contains(pathInContext(req));
    }

    /** Puts the authenticated user on the request: our attributes and the whiteboard's (getRemoteUser()). */
    public static void authenticated(HttpServletRequest req, Users.User user, String type) {
        req.setAttribute(USER_ATTRIBUTE, user.name());
        req.setAttribute(ROLE_ATTRIBUTE, user.role());
        req.setAttribute(REMOTE_USER, user.name());
        req.setAttribute(AUTHENTICATION_TYPE, type);
    }

    @Override
    public boolean allow(HttpServletRequest req, HttpServletResponse resp) {
        return allow(req, resp, true);
    }

    /**
     * @param challenge whether a 401 carries the Basic challenge ({@code WWW-Authenticate}): not for browsers, which
     *                  would show their own login prompt instead of our sign-in page
     */
    public boolean allow(HttpServletRequest req, HttpServletResponse resp, boolean challenge) {
        String path = pathInContext(req);
        if (anonymous(req)) return true;
        String header = req.getHeader("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
            refuse401(resp, challenge, credentials.users().isEmpty()
                    ? "no user is configured (./vigie password --config DIR)" : "authentication required");
            return false;
        }
        String client = String.valueOf(req.getRemoteAddr());
        String key = sha256(header);
        Long until = verified.get(key);
        Users.User known = verifiedUser.get(key);
        if (until != null && until > clock.getAsLong() && known != null) {
            authenticated(req, known, "BASIC");
            return true;
        }
        CompletableFuture<Credentials.Outcome> mine = new CompletableFuture<>();
        CompletableFuture<Credentials.Outcome> shared = inFlight.putIfAbsent(key, mine);
        Credentials.Outcome o;
        if (shared != null) {
            o = awaitShared(shared);
        } else {
            try {
                o = verify(client, header.substring(6).trim());
                if (o.user() != null) {
                    if (verified.size() > 1000) verified.clear(); // only right passwords add here: one more check each
                    verified.put(key, clock.getAsLong() + cacheMs);
                    verifiedUser.put(key, o.user());
                }
                mine.complete(o);
            } catch (RuntimeException | Error e) {
                mine.completeExceptionally(e);
                throw e;
            } finally {
                inFlight.remove(key, mine);
            }
        }
        if (o.user() != null) {
            authenticated(req, o.user(), "BASIC");
            return true;
        }
        if (o.status() == 401) {
            LOG.warn("web: failed login from {} for {}", client, AuditLog.clean(path, 200));
            refuse401(resp, challenge, o.message());
        } else {
            resp.setHeader("Retry-After", Long.toString(Math.max(1, (o.retryMs() + 999) / 1000)));
            AccessPolicy.refuse(resp, o.status(), o.message());
        }
        return false;
    }

    private static Credentials.Outcome awaitShared(CompletableFuture<Credentials.Outcome> shared) {
        try {
            return shared.get(SHARED_WAIT_S, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // fall through: busy
        }
        return new Credentials.Outcome(null, 429, "login checks are busy, retry shortly", 1000);
    }

    private Credentials.Outcome verify(String client, String base64) {
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            decoded = "";
        }
        int colon = decoded.indexOf(':');
        return credentials.check(client, colon > 0 ? decoded.substring(0, colon) : "",
                colon > 0 ? decoded.substring(colon + 1) : null);
    }

    private void refuse401(HttpServletResponse resp, boolean challenge, String message) {
        if (challenge) resp.setHeader("WWW-Authenticate", "Basic realm=\"" + realm + "\", charset=\"UTF-8\"");
        AccessPolicy.refuse(resp, 401, message);
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
