package io.vigie.detector.core;

import java.util.ArrayList;
import java.util.List;

/** A named polygon in normalised image coordinates. xs/ys are parallel vertex arrays. */
public record Zone(String name, float[] xs, float[] ys) {

    /** Even-odd ray casting; points on an edge count as inside for the lower/left edges only. */
    public boolean contains(float x, float y) {
        boolean inside = false;
        int n = xs.length;
        for (int i = 0, j = n - 1; i < n; j = i++) {
            if ((ys[i] > y) != (ys[j] > y)) {
                float xCross = (xs[j] - xs[i]) * (y - ys[i]) / (ys[j] - ys[i]) + xs[i];
                if (x < xCross) inside = !inside;
            }
        }
        return inside;
    }

    /** Signed area (shoelace); zero for degenerate polygons. */
    public double area() {
        double a = 0;
        int n = xs.length;
        for (int i = 0, j = n - 1; i < n; j = i++) a += (double) xs[j] * ys[i] - (double) xs[i] * ys[j];
        return Math.abs(a) / 2;
    }

    public List<float[]> points() {
        List<float[]> p = new ArrayList<>(xs.length);
        for (int i = 0; i < xs.length; i++) p.add(new float[] { xs[i], ys[i] });
        return p;
    }
}
