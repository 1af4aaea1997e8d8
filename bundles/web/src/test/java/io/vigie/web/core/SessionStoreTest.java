package io.vigie.web.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

/** Sessions on an injected clock: idle and absolute timeouts, the bound, the ids. */
class SessionStoreTest {
    final AtomicLong now = new AtomicLong(1_000_000);
    final SessionStore store = new SessionStore(new SessionStore.Limits(60_000, 300_000, 3), now::get);

    @Test
    void idleTimeoutEndsAnUnusedSessionAndUseKeepsItAlive() {
        SessionStore.Session s = store.create("alice");
        now.addAndGet(59_999);
        assertSame(s, store.find(s.id()), "used just before the idle timeout");
        now.addAndGet(59_999);
        assertSame(s, store.find(s.id()), "the idle clock restarted at the last use");
        now.addAndGet(60_000);
        assertNull(store.find(s.id()), "idle for 60 s: gone");
        assertEquals(0, store.size(), "an expired session is removed, not just refused");
    }

    @Test
    void absoluteTimeoutEndsEvenABusySession() {
        SessionStore.Session s = store.create("alice");
        for (int i = 0; i < 9; i++) {
            now.addAndGet(30_000);
            assertNotNull(store.find(s.id()), "in use at " + (i + 1) * 30 + " s");
        }
        now.addAndGet(30_000); // 300 s after sign-in
        assertNull(store.find(s.id()));
    }

    @Test
    void boundedEvictingTheLongestIdleSoSignInsNeverLockOut() {
        SessionStore.Session a = store.create("a");
        now.addAndGet(10);
        SessionStore.Session b = store.create("b");
        now.addAndGet(10);
        SessionStore.Session c = store.create("c");
        now.addAndGet(10);
        store.find(a.id()); // a used last: b is now the longest idle
        for (int i = 0; i < 100; i++) store.create("flood" + i);
        assertEquals(3, store.size());
        assertNull(store.find(b.id()));
        assertNull(store.find(c.id()));
    }

    @Test
    void idsAndTokensAre256RandomBitsAndOnlyThatShapeIsLookedUp() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            SessionStore.Session s = new SessionStore(new SessionStore.Limits(60_000, 60_000, 1), now::get).create("u");
            assertEquals(43, s.id().length());
            assertTrue(s.id().matches("[A-Za-z0-9_-]{43}"), s.id());
            assertNotEquals(s.id(), s.csrf());
            assertTrue(seen.add(s.id()) && seen.add(s.csrf()), "no repeats");
        }
        SessionStore.Session s = store.create("alice");
        assertNull(store.find(null));
        assertNull(store.find(""));
        assertNull(store.find(s.id() + "x"));
        assertNull(store.find("x".repeat(100_000)));
        assertSame(s, store.find(s.id()));
    }

    @Test
    void signOutAndRemovedUsersEndSessions() {
        SessionStore.Session a = store.create("alice"), b = store.create("bob");
        assertTrue(store.remove(a.id()));
        assertTrue(!store.remove(a.id()) && !store.remove(null), "twice, or nothing: no-op");
        assertNull(store.find(a.id()));
        store.retain(name -> !name.equals("bob"));
        assertNull(store.find(b.id()));
    }

    @Test
    void newTimeoutsApplyToExistingSessionsAndBadOnesAreRefused() {
        SessionStore.Session s = store.create("alice");
        now.addAndGet(20_000);
        store.configure(new SessionStore.Limits(10_000, 300_000, 3));
        assertNull(store.find(s.id()), "idle 20 s > the new 10 s");
        assertThrows(IllegalArgumentException.class, () -> new SessionStore.Limits(0, 1000, 1));
        assertThrows(IllegalArgumentException.class, () -> new SessionStore.Limits(60_000, 1000, 1));
        assertThrows(IllegalArgumentException.class, () -> new SessionStore.Limits(60_000, 60_000, 0));
    }
}
