package io.vigie.detector.core;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Parses zones written as {@code name:x1,y1;x2,y2;x3,y3[;...]} with coordinates normalised to
 * 0..1 (so the same config works at any resolution). Errors name the zone and the problem.
 */
public final class ZoneParser {
    private ZoneParser() {
    }

    public static List<Zone> parse(String[] specs) {
        List<Zone> zones = new ArrayList<>();
        Set<String> names = new HashSet<>();
        if (specs == null) return zones;
        for (String raw : specs) {
            if (raw == null || raw.isBlank()) continue;
            Zone z = parseOne(raw.trim());
            if (!names.add(z.name())) throw new IllegalArgumentException("zone '" + z.name() + "' is defined twice");
            zones.add(z);
        }
        return zones;
    }

    static Zone parseOne(String spec) {
        int colon = spec.indexOf(':');
        if (colon <= 0) throw new IllegalArgumentException("zone '" + spec + "': expected name:x1,y1;x2,y2;x3,y3");
        String name = spec.substring(0, colon).trim();
        if (!name.matches("[A-Za-z0-9_.-]+"))
            throw new IllegalArgumentException("zone name '" + name + "' may only use letters, digits, _ . -");
        String[] pts = spec.substring(colon + 1).split(";");
        if (pts.length < 3) throw new IllegalArgumentException("zone '" + name + "' needs at least 3 points, has " + pts.length);
        float[] xs = new float[pts.length];
        float[] ys = new float[pts.length];
        for (int i = 0; i < pts.length; i++) {
            String[] xy = pts[i].trim().split(",");
            if (xy.length != 2)
                throw new IllegalArgumentException("zone '" + name + "' point " + (i + 1) + " '" + pts[i] + "' is not x,y");
            try {
                xs[i] = Float.parseFloat(xy[0].trim());
                ys[i] = Float.parseFloat(xy[1].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("zone '" + name + "' point " + (i + 1) + " '" + pts[i] + "' is not numeric");
            }
            if (!(xs[i] >= 0 && xs[i] <= 1 && ys[i] >= 0 && ys[i] <= 1))
                throw new IllegalArgumentException("zone '" + name + "' point " + (i + 1)
                        + " is outside 0..1 (coordinates are normalised)");
        }
        Zone z = new Zone(name, xs, ys);
        if (selfIntersects(xs, ys)) throw new IllegalArgumentException("zone '" + name + "' edges cross each other");
        if (z.area() < 1e-6) throw new IllegalArgumentException("zone '" + name + "' has no area");
        return z;
    }

    static boolean selfIntersects(float[] xs, float[] ys) {
        int n = xs.length;
        for (int i = 0; i < n; i++) {
            int i2 = (i + 1) % n;
            for (int j = i + 1; j < n; j++) {
                int j2 = (j + 1) % n;
                if (i == j2 || i2 == j) continue; // adjacent edges share a vertex
                if (segmentsCross(xs[i], ys[i], xs[i2], ys[i2], xs[j], ys[j], xs[j2], ys[j2])) return true;
            }
        }
        return false;
    }

    private static boolean segmentsCross(float ax, float ay, float bx, float by, float cx, float cy, float dx, float dy) {
        double d1 = cross(cx, cy, dx, dy, ax, ay), d2 = cross(cx, cy, dx, dy, bx, by);
        double d3 = cross(ax, ay, bx, by, cx, cy), d4 = cross(ax, ay, bx, by, dx, dy);
        return ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0));
    }

    private static double cross(float ox, float oy, float ax, float ay, float bx, float by) {
        return (double) (ax - ox) * (by - oy) - (double) (ay - oy) * (bx - ox);
    }
}
