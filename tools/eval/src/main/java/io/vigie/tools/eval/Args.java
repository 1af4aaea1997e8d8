package io.vigie.tools.eval;

import java.util.HashMap;
import java.util.Map;

/** --key value pairs; flags without a value are "true". */
final class Args {
    private final Map<String, String> m = new HashMap<>();

    Args(String[] a) {
        for (int i = 0; i < a.length; i++) {
            if (!a[i].startsWith("--")) throw new IllegalArgumentException("unexpected argument " + a[i]);
            String k = a[i].substring(2);
            if (i + 1 < a.length && !a[i + 1].startsWith("--")) m.put(k, a[++i]);
            else m.put(k, "true");
        }
    }

    String get(String k, String def) {
        return m.getOrDefault(k, def);
    }

    String require(String k) {
        String v = m.get(k);
        if (v == null) throw new IllegalArgumentException("missing --" + k);
        return v;
    }

    boolean has(String k) {
        return m.containsKey(k);
    }
}
