package io.vigie.tools.release;

import java.math.BigDecimal;

/** Numbers as text: the JSON's own digits, so the report shows exactly what the bench/eval JSON holds. */
final class Numbers {
    private Numbers() {
    }

    static String text(Double v) {
        if (v == null) return "—";
        if (!Double.isFinite(v)) return String.valueOf(v);
        return new BigDecimal(Double.toString(v)).stripTrailingZeros().toPlainString();
    }
}
