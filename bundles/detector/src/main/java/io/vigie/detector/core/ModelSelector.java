package io.vigie.detector.core;

import java.util.Collection;
import java.util.Comparator;
import java.util.Optional;

import io.vigie.api.model.ModelIdentity;
import io.vigie.api.model.Precision;

/**
 * Picks the model to run: the preferred precision if any is installed, else any other (a
 * gateway with only one model DP keeps detecting); the highest version wins among equals.
 */
public final class ModelSelector {
    private ModelSelector() {
    }

    public static Optional<ModelIdentity> choose(Collection<ModelIdentity> available, Precision preferred) {
        Comparator<ModelIdentity> byVersion = (a, b) -> compareVersions(a.version(), b.version());
        Comparator<ModelIdentity> order = Comparator.<ModelIdentity, Boolean>comparing(m -> m.precision() == preferred)
                .thenComparing(byVersion).thenComparing(ModelIdentity::sha256);
        return available.stream().max(order);
    }

    /** Numeric comparison of dotted versions; non-numeric parts compare as strings. */
    static int compareVersions(String a, String b) {
        String[] pa = a.split("[.\\-]"), pb = b.split("[.\\-]");
        for (int i = 0; i < Math.max(pa.length, pb.length); i++) {
            String x = i < pa.length ? pa[i] : "0", y = i < pb.length ? pb[i] : "0";
            int c;
            try {
                c = Long.compare(Long.parseLong(x), Long.parseLong(y));
            } catch (NumberFormatException e) {
                c = x.compareTo(y);
            }
            if (c != 0) return c;
        }
        return 0;
    }
}
