package io.vigie.tools.eval;

import java.math.BigDecimal;
import java.math.RoundingMode;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;

/** The JSON the eval tools write (--json), through Gson: keys with no value kept as null, no HTML escaping. */
final class Json {
    private static final Gson GSON = new GsonBuilder().serializeNulls().disableHtmlEscaping().create();

    private Json() {
    }

    /** One line, as the reports have always been written. */
    static String line(JsonElement e) {
        return GSON.toJson(e) + System.lineSeparator();
    }

    /**
     * {@code d} with {@code decimals} places, rounded half up (the {@code %.Nf} form the reports use), or null when
     * JSON has no form for it (NaN: e.g. no ground truth; infinite).
     */
    static BigDecimal fixed(double d, int decimals) {
        if (Double.isNaN(d) || Double.isInfinite(d)) return null;
        return BigDecimal.valueOf(d).setScale(decimals, RoundingMode.HALF_UP);
    }
}
