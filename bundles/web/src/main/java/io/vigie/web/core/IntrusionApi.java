package io.vigie.web.core;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

/**
 * The HTTP side of the intrusion log, without a servlet: {@code GET /api/intrusions?zone=&since=&until=&limit=} and
 * {@code GET /api/intrusions/<id>/thumb.jpg}. Every parameter is checked here and refused with a message
 * ({@link IllegalArgumentException}, a 400) rather than clamped silently; ids are digits only, so no request text
 * ever reaches a file name.
 */
public final class IntrusionApi {
    public static final int DEFAULT_LIMIT = 100;
    public static final int MAX_LIMIT = 1000;
    /** Zone names are short (ZoneParser's); longer input is not a zone of ours. */
    static final int MAX_ZONE_CHARS = 64;

    private IntrusionApi() {
    }

    /** The query of a request's parameters (each may be null). */
    public static IntrusionLog.Query query(String zone, String since, String until, String limit) {
        if (zone != null && zone.length() > MAX_ZONE_CHARS)
            throw new IllegalArgumentException("zone: at most " + MAX_ZONE_CHARS + " characters");
        Long s = time("since", since);
        Long u = time("until", until);
        if (s != null && u != null && s > u) throw new IllegalArgumentException("since is after until");
        int n = DEFAULT_LIMIT;
        if (limit != null && !limit.isEmpty()) {
            try {
                n = Integer.parseInt(limit);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("limit: a whole number 1.." + MAX_LIMIT + ", not '" + clip(limit) + "'");
            }
            if (n < 1 || n > MAX_LIMIT) throw new IllegalArgumentException("limit: 1.." + MAX_LIMIT + ", not " + n);
        }
        return new IntrusionLog.Query(zone == null || zone.isEmpty() ? null : zone, s, u, n);
    }

    /** Epoch milliseconds or an ISO-8601 instant ({@code 2026-12-07T09:30:00Z}); empty: none. */
    static Long time(String name, String v) {
        if (v == null || v.isEmpty()) return null;
        if (v.length() > 40) throw new IllegalArgumentException(name + ": too long");
        try {
            if (v.chars().allMatch(c -> c >= '0' && c <= '9')) return Long.parseLong(v);
            return Instant.parse(v).toEpochMilli();
        } catch (NumberFormatException | DateTimeParseException | ArithmeticException e) {
            throw new IllegalArgumentException(name + ": epoch milliseconds or an ISO-8601 instant such as "
                    + "2026-12-07T09:30:00Z, not '" + clip(v) + "'");
        }
    }

    private static String clip(String v) {
        String s = v.length() > 40 ? v.substring(0, 40) + "..." : v;
        return s.replaceAll("[^\\x20-\\x7e]", "?");
    }

    /**
     * The id of {@code /<id>/thumb.jpg} (the path below /api/intrusions), or null when the path is not exactly that
     * shape (a 404 for the caller).
     */
    public static Long thumbId(String pathInfo) {
        String tail = "/thumb.jpg";
        if (pathInfo == null || pathInfo.length() <= tail.length() || !pathInfo.startsWith("/") || !pathInfo.endsWith(tail))
            return null;
        String digits = pathInfo.substring(1, pathInfo.length() - tail.length());
        if (digits.isEmpty() || digits.length() > 18 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) return null;
        return Long.parseLong(digits);
    }

    /** {"intrusions":[{id,zone,startMs,endMs?,persons,model?,sequence,thumb:url|null}],"count","limit"}. */
    public static JsonObject list(List<IntrusionLog.Intrusion> rs, int limit, String contextPath) {
        JsonArray a = new JsonArray();
        for (IntrusionLog.Intrusion r : rs) {
            JsonObject o = r.toJson();
            o.remove("thumb");
            o.addProperty("thumb", r.thumb() ? contextPath + "/api/intrusions/" + r.id() + "/thumb.jpg" : null);
            a.add(o);
        }
        JsonObject o = new JsonObject();
        o.add("intrusions", a);
        o.addProperty("count", rs.size());
        o.addProperty("limit", limit);
        return o;
    }
}
