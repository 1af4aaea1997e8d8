package io.vigie.web.core;

import java.util.Locale;

/** What a signed-in user may do under /vigie: viewers read everything, admins also change state. */
public enum Role {
    VIEWER, ADMIN;

    /** The lower-case name used in the users entries, the session JSON and the audit log. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @throws IllegalArgumentException for anything but {@code viewer} / {@code admin} */
    public static Role of(String id) {
        for (Role r : values()) if (r.id().equals(id)) return r;
        throw new IllegalArgumentException("role must be viewer or admin, got '" + AuditLog.clean(id, 32) + "'");
    }
}
