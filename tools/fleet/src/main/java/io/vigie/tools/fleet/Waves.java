package io.vigie.tools.fleet;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code --waves 1,10%,100%}: cumulative targets, each an absolute count or a percentage of the fleet (rounded up, so
 * 10% of 5 is one gateway). Wave sizes are the differences; empty waves are dropped and the last always reaches the
 * whole fleet.
 */
public final class Waves {
    private Waves() {
    }

    /** @return the size of each wave for a fleet of {@code total} gateways (sum = total) */
    public static List<Integer> sizes(String spec, int total) {
        if (spec == null || spec.isBlank()) throw new IllegalArgumentException("--waves is empty");
        if (spec.length() > 200) throw new IllegalArgumentException("--waves is too long");
        List<Integer> out = new ArrayList<>();
        int done = 0;
        for (String part : spec.split(",")) {
            String p = part.strip();
            int upTo;
            try {
                if (p.endsWith("%")) {
                    double pct = Double.parseDouble(p.substring(0, p.length() - 1));
                    if (!(pct > 0 && pct <= 100)) throw new NumberFormatException();
                    upTo = (int) Math.ceil(total * pct / 100.0 - 1e-9);
                } else {
                    upTo = Integer.parseInt(p);
                    if (upTo <= 0) throw new NumberFormatException();
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--waves: '" + p + "' is neither a count > 0 nor a percentage in (0,100]");
            }
            upTo = Math.min(upTo, total);
            if (upTo < done) throw new IllegalArgumentException("--waves must grow: '" + p + "' is fewer than before");
            if (upTo > done) out.add(upTo - done);
            done = upTo;
        }
        if (done < total) out.add(total - done);
        return out;
    }
}
