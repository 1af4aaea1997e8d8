package io.vigie.tools.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.vigie.tools.eval.ApCalculator.Box;
import io.vigie.tools.eval.ApCalculator.Scored;

class ApCalculatorTest {
    static final Box A = new Box(0, 0, 1, 1);
    static final Box B = new Box(2, 2, 3, 3);

    @Test
    void perfectDetectionIsApOne() {
        assertEquals(1.0, ApCalculator.averagePrecision(List.of(List.of(A)), List.of(new Scored(0, 0.9, A)), 0.5), 1e-12);
    }

    @Test
    void falsePositiveRankedFirstHalvesAp() {
        // ranked: FP (0.9), TP (0.8) -> precision [0, 0.5], recall [0, 1]; envelope 0.5 everywhere
        List<Scored> d = List.of(new Scored(0, 0.9, B), new Scored(0, 0.8, A));
        assertEquals(0.5, ApCalculator.averagePrecision(List.of(List.of(A)), d, 0.5), 1e-12);
    }

    @Test
    void halfTheObjectsFoundGives51Of101RecallPoints() {
        // two objects, one found with precision 1: recall points 0..0.50 (51 of 101) score 1
        List<Scored> d = List.of(new Scored(0, 0.9, A));
        assertEquals(51.0 / 101, ApCalculator.averagePrecision(List.of(List.of(A, B)), d, 0.5), 1e-12);
    }

    @Test
    void duplicatesAreFalsePositivesAndImagesAreSeparate() {
        // image0: A found twice (second is FP); image1: B found. ranked TP, FP, TP:
        // precision [1, .5, .667] -> envelope [1, .667, .667], recall [.5, .5, 1]
        // recall points 0..0.5 -> 1 (51), 0.51..1 -> 0.667 (50)
        List<Scored> d = List.of(new Scored(0, 0.9, A), new Scored(0, 0.8, A), new Scored(1, 0.7, B));
        double ap = ApCalculator.averagePrecision(List.of(List.of(A), List.of(B)), d, 0.5);
        assertEquals((51 + 50 * (2.0 / 3)) / 101, ap, 1e-12);
    }

    @Test
    void noDetectionsIsZeroNoGroundTruthIsNaN() {
        assertEquals(0.0, ApCalculator.averagePrecision(List.of(List.of(A)), List.of(), 0.5));
        assertTrue(Double.isNaN(ApCalculator.averagePrecision(List.of(List.of()), List.of(new Scored(0, 1, A)), 0.5)));
    }

    @Test
    void cocoMeanOverTenIouThresholds() {
        // IoU 0.72 with A: TP at 0.50..0.70 (5 thresholds), FP at 0.75..0.95 -> mean 0.5
        Box shifted = new Box(0, 0, 1, 0.72);
        assertEquals(0.72, shifted.iou(A), 1e-12);
        assertEquals(0.5, ApCalculator.averagePrecisionCoco(List.of(List.of(A)), List.of(new Scored(0, 0.9, shifted))), 1e-12);
    }

    @Test
    void precisionRecallAtThreshold() {
        List<Scored> d = List.of(new Scored(0, 0.9, A), new Scored(0, 0.6, B), new Scored(1, 0.4, B));
        var r = ApCalculator.atThreshold(List.of(List.of(A), List.of(B)), d, 0.5, 0.5);
        assertEquals(1, r.tp());
        assertEquals(1, r.fp());
        assertEquals(2, r.gt());
        assertEquals(0.5, r.precision(), 1e-12);
        assertEquals(0.5, r.recall(), 1e-12);
    }

    @Test
    void yoloLabelsParseCentreFormatAndFilterClass() {
        var b = YoloDataset.parse(List.of("0 0.5 0.5 0.2 0.4", "1 0.1 0.1 0.1 0.1", ""), 0);
        assertEquals(1, b.size());
        assertEquals(new Box(0.4, 0.3, 0.6, 0.7).xmin(), b.get(0).xmin(), 1e-12);
        assertEquals(0.7, b.get(0).ymax(), 1e-12);
    }
}
