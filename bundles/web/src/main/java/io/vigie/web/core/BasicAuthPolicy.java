package io.vigie.web.core;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.Comparator;
import java.util.Deque;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
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
 * PBKDF2 is deliberately slow (tens of ms to seconds), and it runs on the detector's CPU, so:
 * <ul>
 * <li>a verified header is remembered (as its SHA-256, for {@code cacheMs}), and parallel requests with the same
 * new header share one derivation: polling and streams cost one derivation;</li>
 * <li>each attempt is counted <em>before</em> its derivation (and forgiven when it succeeds): over
 * {@code maxFailuresPerMinute} for one client address and user name, 429 until the minute has passed. The key is
 * address + name so that one flooder behind a shared address (NAT, reverse proxy) cannot lock out every user of
 * that address, only the names it guesses; guessing one account stays at the per-minute rate;</li>
 * <li>at most {@code maxConcurrentChecks} derivations run at once, whoever asks; beyond, 429 with Retry-After and
 * no derivation. This, not the per-key count, is what bounds the CPU a flood from many addresses or names takes;</li>
 * <li>unknown user names are checked against a decoy as costly as the dearest real hash (same time, same count);</li>
 * <li>the failure table keeps at most {@code maxTrackedClients} keys, least recently used evicted first.</li>
 * </ul>
 */
public final class BasicAuthPolicy implements AccessPolicy {
    private static final Logger LOG = LoggerFactory.getLogger(BasicAuthPolicy.class);
    /** Request attribute holding the authenticated user name (for audit logs of state changes). */
    public static final String USER_ATTRIBUTE = "io.vigie.web.user";
    static final long WINDOW_MS = 60_000;
    private static final String NAME_PATTERN = "[A-Za-z0-9_.@\\-]{1,64}";
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

    /** What one derivation decided, replayed to the requests that waited for it. */
    private record Outcome(String user, int status, String message, long retryMs) {
    }

    private final Map<String, PasswordHash> users;
    private final PasswordHash decoy;
    private final Set<String> anonymousGetPaths;
    private final String realm;
    private final Limits limits;
    private final LongSupplier clock;
    private final BiPredicate<PasswordHash, String> verifier;
    private final Semaphore checks;
    private final Map<String, Long> verified = new ConcurrentHashMap<>(); // sha256(header) -> expiry
    private final Map<String, String> verifiedUser = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<Outcome>> inFlight = new ConcurrentHashMap<>();
    private final Map<String, Deque<Long>> failures; // guarded by itself; access order = LRU

    /** The runtime's policy: passwords checked by {@link PasswordHash#matches}. */
    public BasicAuthPolicy(List<String> userEntries, Set<String> anonymousGetPaths, String realm, Limits limits,
            LongSupplier clock) {
        this(userEntries, anonymousGetPaths, realm, limits, clock, PasswordHash::matches);
    }

    /**
     * @param userEntries {@code name:{pbkdf2-sha256}...} entries
     * @param verifier    checks a password against a stored hash (the seam tests count derivations through)
     * @throws IllegalArgumentException naming the bad entry (by user name, never the hash)
     */
    public BasicAuthPolicy(List<String> userEntries, Set<String> anonymousGetPaths, String realm, Limits limits,
            LongSupplier clock, BiPredicate<PasswordHash, String> verifier) {
        Map<String, PasswordHash> u = new LinkedHashMap<>();
        for (String e : userEntries) {
            if (e == null || e.isBlank()) continue;
            int colon = e.indexOf(':');
            if (colon <= 0) throw new IllegalArgumentException("user entry must be name:" + PasswordHash.PREFIX + "...");
            String name = e.substring(0, colon).trim();
            if (!name.matches(NAME_PATTERN)) throw new IllegalArgumentException("bad user name '" + name + "'");
            try {
                if (u.put(name, PasswordHash.parse(e.substring(colon + 1).trim())) != null)
                    throw new IllegalArgumentException("user '" + name + "' is listed twice");
            } catch (IllegalArgumentException bad) {
                throw new IllegalArgumentException("user '" + name + "': " + bad.getMessage());
            }
        }
        if (realm == null || realm.isBlank() || realm.contains("\"")) throw new IllegalArgumentException("bad realm");
        this.users = Map.copyOf(u);
        this.decoy = u.values().stream().max(Comparator.comparingLong(PasswordHash::cost)).map(PasswordHash::decoy)
                .orElseGet(PasswordHash::defaultDecoy);
        this.anonymousGetPaths = Set.copyOf(anonymousGetPaths);
        this.realm = realm;
        this.limits = limits;
        this.clock = clock;
        this.verifier = verifier;
        this.checks = new Semaphore(limits.maxConcurrentChecks());
        int max = limits.maxTrackedClients();
        this.failures = new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Deque<Long>> eldest) {
                return size() > max;
            }
        };
    }

    public int userCount() {
        return users.size();
    }

    /** Keys the failure table holds now (bounded by {@link Limits#maxTrackedClients}). */
    public int trackedClients() {
        synchronized (failures) {
            return failures.size();
        }
    }

    @Override
    public boolean allow(HttpServletRequest req, HttpServletResponse resp) {
        String path = pathInContext(req);
        if ("GET".equals(req.getMethod()) || "HEAD".equals(req.getMethod())) {
            if (anonymousGetPaths.contains(path)) return true;
        }
        String header = req.getHeader("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
            challenge(resp, users.isEmpty() ? "no user is configured (./vigie password --config DIR)"
                    : "authentication required");
            return false;
        }
        String client = String.valueOf(req.getRemoteAddr());
        String key = sha256(header);
        Long until = verified.get(key);
        if (until != null && until > clock.getAsLong()) {
            req.setAttribute(USER_ATTRIBUTE, verifiedUser.get(key));
            return true;
        }
        CompletableFuture<Outcome> mine = new CompletableFuture<>();
        CompletableFuture<Outcome> shared = inFlight.putIfAbsent(key, mine);
        Outcome o;
        if (shared != null) {
            o = awaitShared(shared);
        } else {
            try {
                o = verify(client, header.substring(6).trim());
                if (o.user() != null) {
                    if (verified.size() > 1000) verified.clear(); // only right passwords add here: one more check each
                    verified.put(key, clock.getAsLong() + limits.cacheMs());
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
            req.setAttribute(USER_ATTRIBUTE, o.user());
            return true;
        }
        if (o.status() == 401) {
            LOG.warn("web: failed login from {} for {}", client, path);
            challenge(resp, o.message());
        } else {
            resp.setHeader("Retry-After", Long.toString(Math.max(1, (o.retryMs() + 999) / 1000)));
            AccessPolicy.refuse(resp, o.status(), o.message());
        }
        return false;
    }

    private static Outcome awaitShared(CompletableFuture<Outcome> shared) {
        try {
            return shared.get(SHARED_WAIT_S, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // fall through: busy
        }
        return new Outcome(null, 429, "login checks are busy, retry shortly", 1000);
    }

    /** Counts the attempt, then (within the concurrency limit) derives; forgives the attempt when it succeeds. */
    private Outcome verify(String client, String base64) {
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            decoded = "";
        }
        int colon = decoded.indexOf(':');
        String name = colon > 0 ? decoded.substring(0, colon) : "";
        // names that cannot be users share one key per address: the table's keys stay short
        String failureKey = client + "\n" + (name.matches(NAME_PATTERN) ? name : "");
        long now = clock.getAsLong();
        long wait = admit(failureKey, now);
        if (wait > 0)
            return new Outcome(null, 429, "too many failed logins for this user from " + client + ", retry in a minute", wait);
        if (colon <= 0) return new Outcome(null, 401, "wrong user name or password", 0);
        if (!checks.tryAcquire()) {
            forgive(failureKey, now); // nothing was tried
            return new Outcome(null, 429, "login checks are busy, retry shortly", 1000);
        }
        boolean ok;
        try {
            PasswordHash h = users.get(name);
            ok = verifier.test(h != null ? h : decoy, decoded.substring(colon + 1)) && h != null;
        } finally {
            checks.release();
        }
        if (!ok) return new Outcome(null, 401, "wrong user name or password", 0);
        forgive(failureKey, now);
        return new Outcome(name, 200, null, 0);
    }

    /** Records an attempt unless {@code key} is at its limit; @return 0 when recorded, else ms until it may retry. */
    private long admit(String key, long now) {
        synchronized (failures) {
            Deque<Long> d = failures.computeIfAbsent(key, k -> new ArrayDeque<>());
            while (!d.isEmpty() && d.peekFirst() <= now - WINDOW_MS) d.pollFirst();
            if (d.size() >= limits.maxFailuresPerMinute()) return Math.max(1, d.peekFirst() + WINDOW_MS - now);
            d.addLast(now);
            return 0;
        }
    }

    private void forgive(String key, long stamp) {
        synchronized (failures) {
            Deque<Long> d = failures.get(key);
            if (d == null) return;
            d.removeLastOccurrence(stamp);
            if (d.isEmpty()) failures.remove(key);
        }
    }

    private void challenge(HttpServletResponse resp, String message) {
        resp.setHeader("WWW-Authenticate", "Basic realm=\"" + realm + "\", charset=\"UTF-8\"");
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
