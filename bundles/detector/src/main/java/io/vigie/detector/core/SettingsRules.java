package io.vigie.detector.core;

import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import io.vigie.api.model.Precision;
import io.vigie.api.video.SourceConfig;

/**
 * The one place that knows the detector's settings: keys, types, defaults, inclusive ranges and the
 * refusal messages. The metatype ({@code DetectorConfig}) takes its defaults and min/max from the
 * constants below, the component builds its running settings with {@link #effective} and
 * {@link #settings}, and {@link SettingsService} checks changes with {@link #normalise}, so the Kura
 * console form, remote commands and the running detector accept exactly the same values.
 * <p>
 * Values may arrive typed (ConfigurationAdmin, Kura) or as text (configuration files): both are
 * normalised to the type the configuration holds. Errors start with the key, then the value and what
 * it must be (e.g. {@code threads '99' must be 1..16}).
 */
public final class SettingsRules {
    public static final String SOURCE_URI = "source.uri";
    public static final String SOURCE_LOOP = "source.loop";
    public static final String SOURCE_REALTIME = "source.realtime";
    public static final String SOURCE_MAX_FPS = "source.max.fps";
    public static final String RECONNECT_MIN_MS = "source.reconnect.min.ms";
    public static final String RECONNECT_MAX_MS = "source.reconnect.max.ms";
    public static final String SOURCE_TIMEOUT_MS = "source.timeout.ms";
    public static final String PRECISION = "model.precision";
    public static final String CHECK_MIN_SCORE = "model.check.min.score";
    public static final String LATENCY_BUDGET_MS = "model.latency.budget.ms";
    public static final String GRACE_MS = "model.grace.ms";
    public static final String LOAD_PACED = "model.load.paced";
    public static final String STANDBY = "model.standby";
    public static final String THREADS = "threads";
    public static final String SCORE_THRESHOLD = "score.threshold";
    public static final String CLASSES = "classes";
    public static final String MIN_BOX_AREA = "min.box.area";
    public static final String ZONES = "zones";
    public static final String DWELL_MS = "dwell.ms";
    public static final String COOLDOWN_MS = "cooldown.ms";

    // ---- motion gate (MotionGate): keys, bounds, defaults ----
    public static final String MOTION_GATE_ENABLED = "motion.gate.enabled";
    public static final String MOTION_THRESHOLD = "motion.threshold";
    public static final String MOTION_MIN_AREA = "motion.min.area";
    public static final String MOTION_RECHECK_MS = "motion.recheck.ms";
    public static final String MOTION_IDLE_RECHECK_MS = "motion.idle.recheck.ms";
    /** motion.threshold: a grey-level difference. */
    public static final String GREY_MAX = "255";
    /** Off in the product: the edge profile turns it on. */
    public static final boolean MOTION_GATE_DEFAULT = false;
    /** Above blurred compression noise, below a person on a typical background (vtest.avi). */
    public static final int MOTION_THRESHOLD_DEFAULT = 25;
    /** As min.box.area: a change smaller than the smallest box that counts is not worth an inference. */
    public static final float MOTION_MIN_AREA_DEFAULT = 0.001f;
    public static final long MOTION_RECHECK_DEFAULT = 2000;
    public static final long MOTION_IDLE_RECHECK_DEFAULT = 10_000;
    // ---- end motion gate ----

    // Inclusive bounds, written as the metatype's min/max strings (DetectorConfig refers to them).
    public static final String ZERO = "0";
    public static final String ONE = "1";
    public static final String SCORE_MIN = "0.01";
    public static final String SCORE_MAX = "0.99";
    /** min.box.area and model.check.min.score: a fraction below 1. */
    public static final String FRACTION_MAX = "0.99";
    public static final String THREADS_MAX = "16";
    public static final String FPS_MAX = "1000";
    /** dwell.ms and cooldown.ms: at most a day. */
    public static final String DAY_MS = "86400000";

    public static final String SOURCE_URI_DEFAULT = "";
    public static final boolean LOOP_DEFAULT = true;
    public static final boolean REALTIME_DEFAULT = true;
    public static final double MAX_FPS_DEFAULT = 0;
    public static final long RECONNECT_MIN_DEFAULT = 500;
    public static final long RECONNECT_MAX_DEFAULT = 30_000;
    public static final long TIMEOUT_DEFAULT = 5000;
    public static final String PRECISION_DEFAULT = "INT8";
    public static final float CHECK_MIN_SCORE_DEFAULT = 0.4f;
    public static final long LATENCY_BUDGET_DEFAULT = 1000;
    public static final long GRACE_DEFAULT = 60_000;
    public static final boolean LOAD_PACED_DEFAULT = true;
    public static final boolean STANDBY_DEFAULT = false;
    public static final int THREADS_DEFAULT = 2;
    public static final float SCORE_DEFAULT = 0.5f;
    public static final String CLASS_DEFAULT = "person";
    public static final float MIN_BOX_AREA_DEFAULT = 0.001f;
    public static final long DWELL_DEFAULT = 1000;
    public static final long COOLDOWN_DEFAULT = 3000;

    /** Longest text accepted in one value (a URI, a zone, a label list). */
    public static final int MAX_TEXT = 4096;

    private static final Pattern LABEL = Pattern.compile("[a-z0-9 _-]{1,64}");

    /** How a value is read and stored. */
    public enum Kind {
        URI, BOOLEAN, INT, LONG, FLOAT, DOUBLE, PRECISION, LABELS, ZONES
    }

    /** One key: its kind, default (as the configuration holds it) and inclusive bounds (null = none). */
    public record Rule(String key, Kind kind, Object defaultValue, String min, String max) {
    }

    /** Every key, in the metatype's order. */
    public static final Map<String, Rule> RULES = index(
            new Rule(SOURCE_URI, Kind.URI, SOURCE_URI_DEFAULT, null, null),
            new Rule(SOURCE_LOOP, Kind.BOOLEAN, LOOP_DEFAULT, null, null),
            new Rule(SOURCE_REALTIME, Kind.BOOLEAN, REALTIME_DEFAULT, null, null),
            new Rule(SOURCE_MAX_FPS, Kind.DOUBLE, MAX_FPS_DEFAULT, ZERO, FPS_MAX),
            new Rule(RECONNECT_MIN_MS, Kind.LONG, RECONNECT_MIN_DEFAULT, ONE, null),
            new Rule(RECONNECT_MAX_MS, Kind.LONG, RECONNECT_MAX_DEFAULT, ONE, null),
            new Rule(SOURCE_TIMEOUT_MS, Kind.LONG, TIMEOUT_DEFAULT, ZERO, null),
            new Rule(PRECISION, Kind.PRECISION, PRECISION_DEFAULT, null, null),
            new Rule(CHECK_MIN_SCORE, Kind.FLOAT, CHECK_MIN_SCORE_DEFAULT, ZERO, FRACTION_MAX),
            new Rule(LATENCY_BUDGET_MS, Kind.LONG, LATENCY_BUDGET_DEFAULT, ZERO, null),
            new Rule(GRACE_MS, Kind.LONG, GRACE_DEFAULT, ZERO, null),
            new Rule(LOAD_PACED, Kind.BOOLEAN, LOAD_PACED_DEFAULT, null, null),
            new Rule(STANDBY, Kind.BOOLEAN, STANDBY_DEFAULT, null, null),
            new Rule(THREADS, Kind.INT, THREADS_DEFAULT, ONE, THREADS_MAX),
            new Rule(SCORE_THRESHOLD, Kind.FLOAT, SCORE_DEFAULT, SCORE_MIN, SCORE_MAX),
            new Rule(CLASSES, Kind.LABELS, new String[] { CLASS_DEFAULT }, null, null),
            new Rule(MIN_BOX_AREA, Kind.FLOAT, MIN_BOX_AREA_DEFAULT, ZERO, FRACTION_MAX),
            new Rule(ZONES, Kind.ZONES, new String[0], null, null),
            new Rule(DWELL_MS, Kind.LONG, DWELL_DEFAULT, ZERO, DAY_MS),
            new Rule(COOLDOWN_MS, Kind.LONG, COOLDOWN_DEFAULT, ZERO, DAY_MS),
            // motion gate
            new Rule(MOTION_GATE_ENABLED, Kind.BOOLEAN, MOTION_GATE_DEFAULT, null, null),
            new Rule(MOTION_THRESHOLD, Kind.INT, MOTION_THRESHOLD_DEFAULT, ONE, GREY_MAX),
            new Rule(MOTION_MIN_AREA, Kind.FLOAT, MOTION_MIN_AREA_DEFAULT, ZERO, FRACTION_MAX),
            new Rule(MOTION_RECHECK_MS, Kind.LONG, MOTION_RECHECK_DEFAULT, ZERO, DAY_MS),
            new Rule(MOTION_IDLE_RECHECK_MS, Kind.LONG, MOTION_IDLE_RECHECK_DEFAULT, ZERO, DAY_MS));

    private SettingsRules() {
    }

    private static Map<String, Rule> index(Rule... rules) {
        Map<String, Rule> m = new LinkedHashMap<>();
        for (Rule r : rules) m.put(r.key(), r);
        return Collections.unmodifiableMap(m);
    }

    /** Every key with its default value (arrays are fresh copies). */
    public static Map<String, Object> defaults() {
        Map<String, Object> m = new LinkedHashMap<>();
        for (Rule r : RULES.values()) m.put(r.key(), copy(r.defaultValue()));
        return m;
    }

    /**
     * Complete, normalised settings from a configuration: the known keys of {@code props} over the
     * defaults (other keys, e.g. service.pid, are ignored; a null value means the default).
     *
     * @throws IllegalArgumentException naming the first bad key
     */
    public static Map<String, Object> effective(Map<String, ?> props) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (Rule r : RULES.values()) {
            Object v = props == null ? null : props.get(r.key());
            m.put(r.key(), v == null ? copy(r.defaultValue()) : normalise(r, v));
        }
        crossCheck(m);
        return m;
    }

    /** The running form of complete settings as {@link #effective} returns them. */
    public static DetectorSettings settings(Map<String, Object> v) {
        String uri = (String) normalise(SOURCE_URI, v.get(SOURCE_URI)); // the default (none) is not a source
        SourceConfig src = new SourceConfig(uri, (Boolean) v.get(SOURCE_LOOP),
                (Double) v.get(SOURCE_MAX_FPS), (Boolean) v.get(SOURCE_REALTIME), (Long) v.get(RECONNECT_MIN_MS),
                (Long) v.get(RECONNECT_MAX_MS), (Long) v.get(SOURCE_TIMEOUT_MS));
        DetectorSettings.ModelGate gate = new DetectorSettings.ModelGate((Float) v.get(CHECK_MIN_SCORE),
                (Long) v.get(LATENCY_BUDGET_MS), (Long) v.get(GRACE_MS), (Boolean) v.get(LOAD_PACED),
                (Boolean) v.get(STANDBY));
        List<Zone> zones;
        try {
            zones = ZoneParser.parse((String[]) v.get(ZONES));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(ZONES + ": " + e.getMessage());
        }
        return new DetectorSettings(src, Precision.valueOf((String) v.get(PRECISION)), (Float) v.get(SCORE_THRESHOLD),
                Set.of((String[]) v.get(CLASSES)), zones, (Float) v.get(MIN_BOX_AREA), (Long) v.get(DWELL_MS),
                (Long) v.get(COOLDOWN_MS), (Integer) v.get(THREADS), gate, motion(v));
    }

    /** The motion gate's settings out of complete settings. */
    static MotionGate.Settings motion(Map<String, Object> v) {
        return new MotionGate.Settings((Boolean) v.get(MOTION_GATE_ENABLED), (Integer) v.get(MOTION_THRESHOLD),
                (Float) v.get(MOTION_MIN_AREA), (Long) v.get(MOTION_RECHECK_MS), (Long) v.get(MOTION_IDLE_RECHECK_MS));
    }

    /** Rules that tie keys together, checked on complete (merged) settings. */
    public static void crossCheck(Map<String, Object> v) {
        long min = (Long) v.get(RECONNECT_MIN_MS);
        long max = (Long) v.get(RECONNECT_MAX_MS);
        if (max < min)
            throw new IllegalArgumentException(
                    RECONNECT_MAX_MS + " '" + max + "' must be >= " + RECONNECT_MIN_MS + " (" + min + ")");
    }

    /** Checks one value of a known key; see {@link #normalise(Rule, Object)}. */
    public static Object normalise(String key, Object value) {
        return normalise(rule(key), value);
    }

    /** The rule of a key; an unknown key is refused. */
    public static Rule rule(String key) {
        Rule r = RULES.get(key);
        if (r == null) throw new IllegalArgumentException("unknown key '" + shown(key) + "'; keys: " + RULES.keySet());
        return r;
    }

    /**
     * @return the value typed as the configuration holds it (String, Boolean, Integer, Long, Float,
     *         Double, String[])
     * @throws IllegalArgumentException starting with the key: wrong type, out of range, bad format
     */
    public static Object normalise(Rule r, Object v) {
        String k = r.key();
        if (v == null) throw new IllegalArgumentException(k + " has no value");
        switch (r.kind()) {
            case URI: {
                String s = text(k, v).trim();
                if (s.isEmpty()) throw new IllegalArgumentException(k + " is empty: set a video file, rtsp:// URL or camera");
                return s;
            }
            case BOOLEAN:
                if (v instanceof Boolean) return v;
                if (v instanceof String s && (s.trim().equalsIgnoreCase("true") || s.trim().equalsIgnoreCase("false")))
                    return Boolean.valueOf(s.trim());
                throw bad(k, v, "true or false");
            case INT:
                return (int) range(r, integer(k, v));
            case LONG:
                return (long) range(r, integer(k, v));
            case FLOAT:
                return (float) range(r, (float) decimal(k, v));
            case DOUBLE:
                return range(r, decimal(k, v));
            case PRECISION: {
                String s = text(k, v).trim().toUpperCase(Locale.ROOT);
                if (Arrays.stream(Precision.values()).noneMatch(p -> p.name().equals(s)))
                    throw bad(k, v, "INT8 or FP32");
                return s;
            }
            case LABELS:
                return labels(k, v);
            case ZONES:
                return zones(k, v);
            default:
                throw new IllegalStateException(r.kind().name());
        }
    }

    private static String[] labels(String k, Object v) {
        Set<String> out = new LinkedHashSet<>();
        for (String item : items(k, v, ",")) {
            String t = item.trim().toLowerCase(Locale.ROOT);
            if (t.isEmpty()) continue;
            if (!LABEL.matcher(t).matches()) throw bad(k, item, "labels of letters, digits, space, _ or - (at most 64 each)");
            out.add(t);
        }
        if (out.isEmpty()) throw new IllegalArgumentException(k + " must name at least one label (e.g. person)");
        return out.toArray(new String[0]);
    }

    private static String[] zones(String k, Object v) {
        // zone syntax uses ':', ',' and ';': '|' and newlines are free to separate zones in one text
        String[] specs = items(k, v, "[|\r\n]").stream().map(String::trim).filter(z -> !z.isEmpty()).toArray(String[]::new);
        try {
            ZoneParser.parse(specs);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(k + ": " + e.getMessage());
        }
        return specs;
    }

    /** A list value: an array or collection of text, or one text split at {@code separator} (a regex). */
    private static List<String> items(String k, Object v, String separator) {
        if (v instanceof String s) {
            if (s.length() > MAX_TEXT) throw tooLong(k, s);
            return Arrays.stream(s.split(separator)).map(i -> text(k, i)).toList();
        }
        Collection<?> c = v instanceof Object[] a ? Arrays.asList(a) : v instanceof Collection<?> col ? col : null;
        if (c == null) throw type(k, v, "text or a list of text");
        return c.stream().map(i -> text(k, i == null ? "" : i)).toList();
    }

    private static String text(String k, Object v) {
        if (!(v instanceof String s)) throw type(k, v, "text");
        if (s.length() > MAX_TEXT) throw tooLong(k, s);
        if (s.chars().anyMatch(c -> c < 0x20 || c == 0x7f))
            throw new IllegalArgumentException(k + " must be printable text (no control characters)");
        return s;
    }

    private static long integer(String k, Object v) {
        if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) return ((Number) v).longValue();
        if (v instanceof Double || v instanceof Float) {
            // JSON clients (the dashboard) send every number as a double: accept whole ones
            double d = ((Number) v).doubleValue();
            if (d == Math.rint(d) && Math.abs(d) < 1e15) return (long) d;
        } else if (v instanceof String s) {
            try {
                return Long.parseLong(s.trim());
            } catch (NumberFormatException e) {
                // refused below
            }
        }
        throw bad(k, v, "an integer");
    }

    private static double decimal(String k, Object v) {
        double d;
        if (v instanceof Number n) {
            d = n.doubleValue();
        } else if (v instanceof String s && s.trim().matches("[-+]?[0-9]*\\.?[0-9]+([eE][-+]?[0-9]+)?")) {
            d = Double.parseDouble(s.trim());
        } else {
            throw bad(k, v, "a number");
        }
        if (!Double.isFinite(d)) throw bad(k, v, "a finite number");
        return d;
    }

    private static long range(Rule r, long x) {
        if ((r.min() != null && x < Long.parseLong(r.min())) || (r.max() != null && x > Long.parseLong(r.max())))
            throw bad(r.key(), x, r.max() == null ? ">= " + r.min() : r.min() + ".." + r.max());
        return x;
    }

    /** Bounds compared at the value's own precision, so a Float 0.99 is not above the bound "0.99". */
    private static double range(Rule r, double x) {
        boolean f = r.kind() == Kind.FLOAT;
        double lo = r.min() == null ? Double.NEGATIVE_INFINITY : f ? Float.parseFloat(r.min()) : Double.parseDouble(r.min());
        double hi = r.max() == null ? Double.POSITIVE_INFINITY : f ? Float.parseFloat(r.max()) : Double.parseDouble(r.max());
        if (x < lo || x > hi)
            throw bad(r.key(), f ? (Object) (float) x : x,
                    r.max() == null ? ">= " + r.min() : "in [" + r.min() + ", " + r.max() + "]");
        return x;
    }

    private static Object copy(Object v) {
        return v instanceof String[] a ? a.clone() : v;
    }

    /** A value as it may appear in a message: no control characters, at most 80 characters. */
    static String shown(Object v) {
        String s = String.valueOf(v).replaceAll("\\p{Cntrl}", "?");
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }

    private static IllegalArgumentException bad(String k, Object v, String expected) {
        return new IllegalArgumentException(k + " '" + shown(v) + "' must be " + expected);
    }

    private static IllegalArgumentException type(String k, Object v, String expected) {
        return new IllegalArgumentException(k + " must be " + expected + ", got " + v.getClass().getSimpleName());
    }

    private static IllegalArgumentException tooLong(String k, String s) {
        return new IllegalArgumentException(k + " is too long (" + s.length() + " > " + MAX_TEXT + " chars)");
    }
}
