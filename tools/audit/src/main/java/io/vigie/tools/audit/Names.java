package io.vigie.tools.audit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The one place where values from the wire become names and values fit for MLflow: control and format characters out,
 * lengths capped, hashes and times checked. Everything a gateway sends passes here before the core keeps it.
 */
public final class Names {
    /** Package names, versions, model ids: real ones are short; anything longer is cut. */
    public static final int MAX_NAME = 200;
    /** Reasons and errors (MLflow keeps 8000 per tag; a reason is a sentence). */
    public static final int MAX_TEXT = 2000;
    /** A gateway id inside a tag key ({@code deployed.<gateway>}); MLflow keys are at most 250 characters. */
    public static final int MAX_KEY_PART = 100;
    private static final Pattern INVISIBLE = Pattern.compile("[\\p{Cc}\\p{Cf}\\p{Co}\\p{Cn}\\p{Zl}\\p{Zp}]");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern KEY_SAFE = Pattern.compile("[A-Za-z0-9_-]+");
    /** Epoch ms accepted as a gateway time: 2000-01-01 .. 2200-01-01 (a clock at 0 or garbage is no time). */
    private static final long MIN_TIME = 946_684_800_000L;
    private static final long MAX_TIME = 7_258_118_400_000L;

    private Names() {
    }

    /** Printable text, trimmed, at most {@code max} characters; null for null, blank or non-text values. */
    public static String text(Object v, int max) {
        if (!(v instanceof String || v instanceof Number || v instanceof Boolean)) return null;
        String s = INVISIBLE.matcher(String.valueOf(v)).replaceAll(" ").strip();
        if (s.isEmpty()) return null;
        return s.length() > max ? s.substring(0, max - 3) + "..." : s;
    }

    public static String name(Object v) {
        return text(v, MAX_NAME);
    }

    /** A lower-case hex sha256, or null when {@code v} is not one. */
    public static String sha256(Object v) {
        if (!(v instanceof String s)) return null;
        String h = s.strip().toLowerCase(Locale.ROOT);
        if (h.startsWith("sha256:")) h = h.substring(7);
        return SHA256.matcher(h).matches() ? h : null;
    }

    /** A plausible epoch-millisecond time, or null. */
    public static Long time(Object v) {
        Long t = number(v);
        return t != null && t >= MIN_TIME && t <= MAX_TIME ? t : null;
    }

    /** An integral number (Long/Integer, or a decimal string), or null. */
    public static Long number(Object v) {
        if (v instanceof Long || v instanceof Integer || v instanceof Short) return ((Number) v).longValue();
        if (v instanceof String s && s.strip().matches("-?[0-9]{1,18}")) return Long.parseLong(s.strip());
        return null;
    }

    /**
     * A gateway id made fit for a tag key: only {@code [A-Za-z0-9_-]} kept (so no '/', '..' or dots that MLflow's key
     * rules or a search filter would trip on); when anything had to change, 8 hex of the original's sha256 are added so
     * two different ids never share a key.
     */
    public static String keyPart(String id) {
        if (id.length() <= MAX_KEY_PART && KEY_SAFE.matcher(id).matches()) return id;
        String s = id.replaceAll("[^A-Za-z0-9_-]", "_");
        if (s.length() > MAX_KEY_PART - 9) s = s.substring(0, MAX_KEY_PART - 9);
        return s + "-" + hex(id).substring(0, 8);
    }

    /** Hex sha256 of the UTF-8 text. */
    public static String hex(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every JRE has SHA-256
        }
    }
}
