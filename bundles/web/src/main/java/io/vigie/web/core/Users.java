package io.vigie.web.core;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The users of PID io.vigie.web.auth, parsed once per configuration. An entry is {@code name:HASH} (an admin: what
 * every entry written before roles existed means) or {@code name:ROLE:HASH} with ROLE {@code viewer} or
 * {@code admin}; HASH is {@link PasswordHash}'s stored form, which starts with "{" so the two cannot be confused.
 */
public final class Users {
    /** User names: short, no separators, nothing that needs escaping in a log line or a header. */
    public static final String NAME_PATTERN = "[A-Za-z0-9_.@\\-]{1,64}";

    /** One configured user. */
    public record User(String name, Role role, PasswordHash hash) {
    }

    private final Map<String, User> byName;

    /** @throws IllegalArgumentException naming the bad entry (by user name, never the hash) */
    public Users(List<String> entries) {
        Map<String, User> u = new LinkedHashMap<>();
        for (String e : entries) {
            if (e == null || e.isBlank()) continue;
            int colon = e.indexOf(':');
            if (colon <= 0) throw new IllegalArgumentException("user entry must be name:[role:]" + PasswordHash.PREFIX + "...");
            String name = e.substring(0, colon).trim();
            if (!name.matches(NAME_PATTERN))
                throw new IllegalArgumentException("bad user name '" + AuditLog.clean(name, 64) + "'");
            String rest = e.substring(colon + 1).trim();
            try {
                Role role = Role.ADMIN;
                if (!rest.startsWith("{")) {
                    int c2 = rest.indexOf(':');
                    if (c2 < 0) throw new IllegalArgumentException("entry must be name:[role:]" + PasswordHash.PREFIX + "...");
                    role = Role.of(rest.substring(0, c2).trim());
                    rest = rest.substring(c2 + 1).trim();
                }
                if (u.put(name, new User(name, role, PasswordHash.parse(rest))) != null)
                    throw new IllegalArgumentException("user '" + name + "' is listed twice");
            } catch (IllegalArgumentException bad) {
                if (bad.getMessage().startsWith("user '")) throw bad;
                throw new IllegalArgumentException("user '" + name + "': " + bad.getMessage());
            }
        }
        this.byName = Map.copyOf(u);
    }

    /** @return the user, or null (unknown, or a name that cannot be one) */
    public User get(String name) {
        return name == null ? null : byName.get(name);
    }

    public int size() {
        return byName.size();
    }

    public boolean isEmpty() {
        return byName.isEmpty();
    }

    Iterable<User> all() {
        return byName.values();
    }
}
