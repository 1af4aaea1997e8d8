package io.vigie.web.core;

import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.function.BiPredicate;
import java.util.function.LongSupplier;
import java.util.stream.StreamSupport;

/**
 * The one password check of the gateway, shared by HTTP Basic ({@link BasicAuthPolicy}) and the sign-in form
 * ({@link SessionEndpoint}): one failed-login throttle and one limit on derivations at once, whichever way a guess
 * comes in. PBKDF2 is deliberately slow and runs on the detector's CPU, so:
 * <ul>
 * <li>each attempt is counted <em>before</em> its derivation (and forgiven when it succeeds): over
 * {@code maxFailuresPerMinute} for one client address and user name, 429 until the minute has passed. The key is
 * address + name so that one flooder behind a shared address (NAT, reverse proxy) cannot lock out every user of
 * that address, only the names it guesses;</li>
 * <li>at most {@code maxConcurrentChecks} derivations run at once, whoever asks; beyond, 429 and no derivation;</li>
 * <li>unknown user names are checked against a decoy as costly as the dearest real hash (same time, same count);</li>
 * <li>the failure table keeps at most {@code maxTrackedClients} keys, least recently used evicted first.</li>
 * </ul>
 */
public final class Credentials {
    static final long WINDOW_MS = 60_000;

    /** What one check decided: the user (status 200), or a refusal (401 wrong, 429 throttled / busy). */
    public record Outcome(Users.User user, int status, String message, long retryMs) {
    }

    private final Users users;
    private final PasswordHash decoy;
    private final BasicAuthPolicy.Limits limits;
    private final LongSupplier clock;
    private final BiPredicate<PasswordHash, String> verifier;
    private final Semaphore checks;
    private final Map<String, Deque<Long>> failures; // guarded by itself; access order = LRU

    /** @param verifier checks a password against a stored hash (the seam tests count derivations through) */
    public Credentials(Users users, BasicAuthPolicy.Limits limits, LongSupplier clock,
            BiPredicate<PasswordHash, String> verifier) {
        this.users = users;
        this.decoy = StreamSupport.stream(users.all().spliterator(), false).map(Users.User::hash)
                .max(Comparator.comparingLong(PasswordHash::cost)).map(PasswordHash::decoy)
                .orElseGet(PasswordHash::defaultDecoy);
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

    public Users users() {
        return users;
    }

    /** Keys the failure table holds now (bounded by {@link BasicAuthPolicy.Limits#maxTrackedClients}). */
    public int trackedClients() {
        synchronized (failures) {
            return failures.size();
        }
    }

    /**
     * Counts the attempt, then (within the concurrency limit) derives; forgives the attempt when it succeeds.
     *
     * @param client the client address (part of the throttle key)
     * @param name   the user name as sent (anything: names that cannot be users share one key per address)
     */
    public Outcome check(String client, String name, String password) {
        String safeName = name != null && name.matches(Users.NAME_PATTERN) ? name : "";
        String failureKey = client + "\n" + safeName;
        long now = clock.getAsLong();
        long wait = admit(failureKey, now);
        if (wait > 0) return new Outcome(null, 429,
                "too many failed logins for this user from " + AuditLog.clean(client, 64) + ", retry in a minute", wait);
        if (safeName.isEmpty() || password == null) return new Outcome(null, 401, "wrong user name or password", 0);
        if (!checks.tryAcquire()) {
            forgive(failureKey, now); // nothing was tried
            return new Outcome(null, 429, "login checks are busy, retry shortly", 1000);
        }
        Users.User u = users.get(safeName);
        boolean ok;
        try {
            ok = verifier.test(u != null ? u.hash() : decoy, password) && u != null;
        } finally {
            checks.release();
        }
        if (!ok) return new Outcome(null, 401, "wrong user name or password", 0);
        forgive(failureKey, now);
        return new Outcome(u, 200, null, 0);
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
}
