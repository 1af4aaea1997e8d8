package io.vigie.web.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

/** The users entry format: old entries stay admins, roles are explicit, bad entries are refused by name. */
class UsersTest {
    static final String HASH = PasswordHash.create("pw-123456", 10_000);

    @Test
    void entriesWithoutRoleAreAdminsAsBeforeRolesExisted() {
        Users u = new Users(List.of("alice:" + HASH, " bob:viewer:" + HASH, "carol:admin:" + HASH, ""));
        assertEquals(3, u.size());
        assertEquals(Role.ADMIN, u.get("alice").role());
        assertEquals(Role.VIEWER, u.get("bob").role());
        assertEquals(Role.ADMIN, u.get("carol").role());
        assertTrue(u.get("bob").hash().matches("pw-123456"));
        assertNull(u.get("dave"));
        assertNull(u.get(null));
    }

    @Test
    void badEntriesAreRefusedNamingTheUserNeverTheHash() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Users(List.of("bob:root:" + HASH)));
        assertTrue(e.getMessage().contains("'bob'") && e.getMessage().contains("viewer or admin"), e.getMessage());
        assertFalse(e.getMessage().contains(HASH.substring(20)), "the hash is not echoed");
        assertThrows(IllegalArgumentException.class, () -> new Users(List.of("bob:viewer:secret")), "clear text");
        assertThrows(IllegalArgumentException.class, () -> new Users(List.of("bob:viewer")));
        assertThrows(IllegalArgumentException.class, () -> new Users(List.of("bob:" + HASH, "bob:viewer:" + HASH)));
        e = assertThrows(IllegalArgumentException.class, () -> new Users(List.of("bad\nname:" + HASH)));
        assertFalse(e.getMessage().contains("\n"), "a control character in a name is not echoed into the log");
        assertThrows(IllegalArgumentException.class, () -> new Users(List.of("x".repeat(65) + ":" + HASH)));
        assertThrows(IllegalArgumentException.class, () -> new Users(List.of(":" + HASH)));
    }

    @Test
    void rolesAreOnlyViewerAndAdmin() {
        assertEquals(Role.VIEWER, Role.of("viewer"));
        assertEquals("admin", Role.ADMIN.id());
        assertThrows(IllegalArgumentException.class, () -> Role.of("Admin"));
        assertThrows(IllegalArgumentException.class, () -> Role.of(null));
    }
}
