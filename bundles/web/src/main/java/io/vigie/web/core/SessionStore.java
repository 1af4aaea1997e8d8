package io.vigie.web.core;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Browser sessions, in memory only (a gateway restart signs everyone out, which is the safe side): random 256-bit
 * ids and CSRF tokens, an idle and an absolute timeout, and at most {@code max} sessions (a new sign-in beyond
 * evicts the session idle longest, so sign-ins can never be locked out by stale sessions).
 */
public final class SessionStore {
    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * @param idleMs     a session unused this long ends
     * @param absoluteMs a session ends this long after its sign-in, used or not
     * @param max        sessions kept at once
     */
    public record Limits(long idleMs, long absoluteMs, int max) {
        public Limits {
            if (idleMs < 1000) throw new IllegalArgumentException("session idle timeout must be >= 1 s");
            if (absoluteMs < idleMs) throw new IllegalArgumentException("session absolute timeout must be >= the idle one");
            if (max < 1) throw new IllegalArgumentException("max sessions must be >= 1");
        }
    }

    /** One signed-in browser. {@code user} is the name; its role is looked up in the users on every request. */
    public static final class Session {
        private final String id;
        private final String user;
        private final String csrf;
        private final long created;
        private volatile long lastSeen;

        Session(String id, String user, String csrf, long created) {
            this.id = id;
            this.user = user;
            this.csrf = csrf;
            this.created = created;
            this.lastSeen = created;
        }

        public String id() {
            return id;
        }

        public String user() {
            return user;
        }

        public String csrf() {
            return csrf;
        }

        public long created() {
            return created;
        }

        public long lastSeen() {
            return lastSeen;
        }
    }

    private final LongSupplier clock;
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private volatile Limits limits;

    public SessionStore(Limits limits, LongSupplier clock) {
        this.limits = limits;
        this.clock = clock;
    }

    /** New timeouts and bound apply to existing sessions too (from their next use). */
    public void configure(Limits l) {
        this.limits = l;
        purge(clock.getAsLong());
    }

    /** A new session for {@code user}, evicting expired ones, then the longest idle when full. */
    public synchronized Session create(String user) {
        long now = clock.getAsLong();
        purge(now);
        while (sessions.size() >= limits.max()) {
            sessions.values().stream().min(Comparator.comparingLong(Session::lastSeen))
                    .ifPresent(oldest -> sessions.remove(oldest.id()));
        }
        Session s = new Session(token(), user, token(), now);
        sessions.put(s.id(), s);
        return s;
    }

    /** @return the live session with this id, marked as used now; null when unknown or expired (then removed) */
    public Session find(String id) {
        if (id == null || id.length() != 43) return null; // 32 bytes base64url: nothing else is worth a lookup
        Session s = sessions.get(id);
        if (s == null) return null;
        long now = clock.getAsLong();
        if (expired(s, now)) {
            sessions.remove(id, s);
            return null;
        }
        s.lastSeen = now;
        return s;
    }

    /** Signs out: @return whether there was such a session */
    public boolean remove(String id) {
        return id != null && sessions.remove(id) != null;
    }

    /** Ends every session of users the predicate rejects (removed users, after a configuration change). */
    public void retain(java.util.function.Predicate<String> userStillValid) {
        sessions.values().removeIf(s -> !userStillValid.test(s.user()));
    }

    public int size() {
        return sessions.size();
    }

    private boolean expired(Session s, long now) {
        Limits l = limits;
        return now - s.lastSeen >= l.idleMs() || now - s.created >= l.absoluteMs();
    }

    private void purge(long now) {
        sessions.values().removeIf(s -> expired(s, now));
    }

    /** 256 random bits, base64url without padding (43 characters). */
    static String token() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
