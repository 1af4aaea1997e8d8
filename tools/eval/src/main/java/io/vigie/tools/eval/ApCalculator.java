package io.vigie.tools.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Single-class detection metrics the COCO way: detections sorted by score, each matched to the
 * best-overlapping unmatched ground truth of its image (IoU ≥ threshold), precision made
 * monotone, then sampled at 101 recall points (0, 0.01, ... 1).
 */
public final class ApCalculator {
    public static final double[] COCO_IOUS = { 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95 };
    /** COCO keeps at most this many detections per image. */
    public static final int MAX_DETS = 100;

    private ApCalculator() {
    }

    /** Normalised or pixel box, any consistent unit. */
    public record Box(double xmin, double ymin, double xmax, double ymax) {
        public double area() {
            return Math.max(0, xmax - xmin) * Math.max(0, ymax - ymin);
        }

        public double iou(Box o) {
            double iw = Math.min(xmax, o.xmax) - Math.max(xmin, o.xmin);
            double ih = Math.min(ymax, o.ymax) - Math.max(ymin, o.ymin);
            if (iw <= 0 || ih <= 0) return 0;
            double inter = iw * ih;
            return inter / (area() + o.area() - inter);
        }
    }

    public record Scored(int image, double score, Box box) {
    }

    /** Counts at one score threshold. */
    public record AtThreshold(int tp, int fp, int gt, double precision, double recall) {
    }

    /** @return AP in [0,1]; NaN if there is no ground truth at all */
    public static double averagePrecision(List<List<Box>> gts, List<Scored> dets, double iouThr) {
        int nGt = gts.stream().mapToInt(List::size).sum();
        if (nGt == 0) return Double.NaN;
        boolean[] tp = match(gts, sorted(dets), iouThr);
        int n = tp.length;
        double[] prec = new double[n];
        double[] rec = new double[n];
        int ctp = 0;
        for (int i = 0; i < n; i++) {
            if (tp[i]) ctp++;
            prec[i] = ctp / (double) (i + 1);
            rec[i] = ctp / (double) nGt;
        }
        for (int i = n - 1; i > 0; i--) prec[i - 1] = Math.max(prec[i - 1], prec[i]);
        double sum = 0;
        for (int r = 0; r <= 100; r++) {
            double thr = r / 100.0;
            int idx = firstAtLeast(rec, thr);
            sum += idx < n ? prec[idx] : 0;
        }
        return sum / 101;
    }

    /** Mean AP over IoU 0.50:0.05:0.95. */
    public static double averagePrecisionCoco(List<List<Box>> gts, List<Scored> dets) {
        double s = 0;
        for (double t : COCO_IOUS) s += averagePrecision(gts, dets, t);
        return s / COCO_IOUS.length;
    }

    public static AtThreshold atThreshold(List<List<Box>> gts, List<Scored> dets, double iouThr, double scoreThr) {
        List<Scored> kept = new ArrayList<>();
        for (Scored d : dets) if (d.score() >= scoreThr) kept.add(d);
        boolean[] tp = match(gts, sorted(kept), iouThr);
        int t = 0;
        for (boolean b : tp) if (b) t++;
        int nGt = gts.stream().mapToInt(List::size).sum();
        int f = tp.length - t;
        return new AtThreshold(t, f, nGt, tp.length == 0 ? Double.NaN : t / (double) tp.length,
                nGt == 0 ? Double.NaN : t / (double) nGt);
    }

    /** Score-descending, at most MAX_DETS per image (the best ones). Stable for equal scores. */
    static List<Scored> sorted(List<Scored> dets) {
        List<Scored> s = new ArrayList<>(dets);
        s.sort(Comparator.comparingDouble(Scored::score).reversed());
        java.util.Map<Integer, Integer> perImage = new java.util.HashMap<>();
        List<Scored> out = new ArrayList<>(s.size());
        for (Scored d : s) if (perImage.merge(d.image(), 1, Integer::sum) <= MAX_DETS) out.add(d);
        return out;
    }

    private static boolean[] match(List<List<Box>> gts, List<Scored> dets, double iouThr) {
        boolean[][] used = new boolean[gts.size()][];
        for (int i = 0; i < gts.size(); i++) used[i] = new boolean[gts.get(i).size()];
        boolean[] tp = new boolean[dets.size()];
        for (int k = 0; k < dets.size(); k++) {
            Scored d = dets.get(k);
            if (d.image() < 0 || d.image() >= gts.size()) throw new IllegalArgumentException("image index " + d.image());
            List<Box> g = gts.get(d.image());
            int best = -1;
            double bestIou = iouThr;
            for (int j = 0; j < g.size(); j++) {
                if (used[d.image()][j]) continue;
                double iou = d.box().iou(g.get(j));
                if (iou >= bestIou) {
                    bestIou = iou;
                    best = j;
                }
            }
            if (best >= 0) {
                used[d.image()][best] = true;
                tp[k] = true;
            }
        }
        return tp;
    }

    private static int firstAtLeast(double[] a, double v) {
        int i = Arrays.binarySearch(a, v);
        if (i < 0) return -i - 1;
        while (i > 0 && a[i - 1] >= v) i--; // leftmost of equal recalls
        return i;
    }
}
