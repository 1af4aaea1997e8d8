package io.vigie.tools.release;

import java.util.ArrayList;
import java.util.List;

import com.google.gson.JsonElement;
import com.google.gson.JsonPrimitive;

/**
 * Bench + eval results in, one verdict per gate out, and the decision: PROMOTE when every blocking gate passes,
 * else BLOCK with the failed gates as reasons. A value that is missing, null, not a number or not finite fails its
 * gate (nothing measured is never a pass).
 */
final class GateEvaluator {
    enum Decision { PROMOTE, BLOCK }

    /** One gate's outcome; {@code value} as the JSON holds it (null when it could not be read). */
    record Verdict(String id, String what, String rule, String value, String reference, String threshold, boolean pass,
            boolean blocking, String run, String reason) {
        String status() {
            return pass ? "PASS" : blocking ? "FAIL" : "WARN";
        }
    }

    record Outcome(Decision decision, List<Verdict> verdicts, List<String> reasons, int gatesVersion, String gatesSha256) {
    }

    private GateEvaluator() {
    }

    static Outcome evaluate(GateFile gates, Results results) {
        List<Verdict> out = new ArrayList<>();
        List<String> reasons = new ArrayList<>();
        for (GateFile.Gate g : gates.gates()) {
            Verdict v = evaluate(g, results);
            out.add(v);
            if (!v.pass() && v.blocking()) reasons.add(v.id() + ": " + v.reason());
        }
        return new Outcome(reasons.isEmpty() ? Decision.PROMOTE : Decision.BLOCK, List.copyOf(out), List.copyOf(reasons),
                gates.version(), gates.sha256());
    }

    static Verdict evaluate(GateFile.Gate g, Results results) {
        Results.Result r = results.byName().get(g.input());
        String threshold = g.threshold() == null ? null : Numbers.text(g.threshold());
        if (r == null) return fail(g, null, null, threshold, "no result " + g.input() + ".json (stage not run?)", null);
        if (r.error() != null) return fail(g, null, null, threshold, g.input() + ": " + r.error(), r.run());
        JsonElement value;
        try {
            value = JsonPick.pick(r.json(), g.path());
        } catch (IllegalArgumentException e) {
            return fail(g, null, null, threshold, g.input() + ": " + e.getMessage(), r.run());
        }
        String valueText = value.isJsonPrimitive() ? value.getAsString() : value.toString();
        String run = r.run();
        JsonElement ref = null;
        String refText = null;
        if (g.relativeTo() != null) {
            Results.Result rr = results.byName().get(g.relativeTo().input());
            if (rr == null) return fail(g, valueText, null, threshold, "no result " + g.relativeTo().input() + ".json", run);
            if (rr.error() != null) return fail(g, valueText, null, threshold, rr.name() + ": " + rr.error(), run);
            try {
                ref = JsonPick.pick(rr.json(), g.relativeTo().path());
            } catch (IllegalArgumentException e) {
                return fail(g, valueText, null, threshold, rr.name() + ": " + e.getMessage(), run);
            }
            refText = ref.isJsonPrimitive() ? ref.getAsString() : ref.toString();
            run += " vs " + rr.run();
        }
        if (g.op().equals("==")) {
            boolean same = value.isJsonPrimitive() && ref.isJsonPrimitive() && value.equals(ref);
            return new Verdict(g.id(), g.what(), g.rule(), valueText, refText, null, same, g.blocking(), run,
                    same ? "equal" : valueText + " != " + refText);
        }
        Double v = finite(value), base = ref == null ? null : finite(ref);
        if (v == null) return fail(g, valueText, refText, threshold, g.path() + " is " + valueText + ", not a number", run);
        if (ref != null && base == null)
            return fail(g, valueText, refText, threshold, g.relativeTo().path() + " is " + refText + ", not a number", run);
        double x = v;
        if (base != null && g.relativeTo().as().equals("difference")) x = v - base;
        if (base != null && g.relativeTo().as().equals("ratio")) {
            if (base == 0) return fail(g, valueText, refText, threshold, "ratio to a reference of 0", run);
            x = v / base;
        }
        boolean pass = switch (g.op()) {
            case ">" -> x > g.threshold();
            case ">=" -> x >= g.threshold();
            case "<" -> x < g.threshold();
            default -> x <= g.threshold();
        };
        String measured = base == null ? valueText : String.format(java.util.Locale.ROOT, "%s (%s %s)", Numbers.text(round(x)),
                g.relativeTo().as(), refText);
        return new Verdict(g.id(), g.what(), g.rule(), valueText, refText, threshold, pass, g.blocking(), run,
                measured + (pass ? " " : " not ") + g.op() + " " + threshold + (g.unit() == null ? "" : " " + g.unit()));
    }

    private static Verdict fail(GateFile.Gate g, String value, String ref, String threshold, String reason, String run) {
        return new Verdict(g.id(), g.what(), g.rule(), value, ref, threshold, false, g.blocking(), run, reason);
    }

    /** The number, or null when it is JSON null, not numeric or NaN/infinite (Gson reads NaN leniently). */
    private static Double finite(JsonElement e) {
        if (e == null || !e.isJsonPrimitive()) return null;
        JsonPrimitive p = e.getAsJsonPrimitive();
        double d;
        if (p.isNumber()) d = p.getAsDouble();
        else return null;
        return Double.isFinite(d) ? d : null;
    }

    /** Differences of rounded inputs printed without float noise (0.527 - 0.524 = 0.003, not 0.0030000000000000027). */
    private static double round(double x) {
        return Math.round(x * 1e6) / 1e6;
    }
}
