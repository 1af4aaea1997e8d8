package io.vigie.tools.fleet;

import java.util.Locale;
import java.util.Map;

import io.vigie.tools.fleet.FleetState.Gw;
import io.vigie.tools.fleet.FleetState.Status;

/** The live progress table: one line per wave with a progress bar, then the counts (printed when something changed). */
public final class Progress {
    private Progress() {
    }

    public static String table(FleetState s) {
        StringBuilder sb = new StringBuilder();
        synchronized (s) {
            sb.append(String.format(Locale.ROOT, "fleet: %s %s %s  [%s]%s%n", s.name, s.version,
                    s.sha256 == null ? "" : s.sha256.substring(0, 12), s.phase, s.haltReason == null ? "" : " " + s.haltReason));
            for (int w = 0; w < s.waveSizes.size(); w++) {
                int n = 0, ok = 0, failed = 0, busy = 0, other = 0;
                for (Gw g : s.gateways.values()) {
                    if (g.wave != w) continue;
                    n++;
                    switch (g.status) {
                        case HEALTHY, SKIPPED -> ok++;
                        case FAILED, RESTORE_FAILED -> failed++;
                        case INSTALLING -> busy++;
                        case PENDING, UNTOUCHED -> {
                        }
                        default -> other++;
                    }
                }
                int width = 30;
                int fill = n == 0 ? 0 : ok * width / n;
                int bad = n == 0 ? 0 : Math.min(width - fill, (failed + other) * width / n);
                sb.append(String.format(Locale.ROOT, "  wave %d  [%s%s%s] %3d%%  %d/%d ok, %d running, %d failed, %d other%n",
                        w + 1,
                        "#".repeat(fill), "x".repeat(bad), ".".repeat(width - fill - bad), n == 0 ? 100 : ok * 100 / n, ok, n,
                        busy, failed, other));
            }
        }
        return sb.toString();
    }

    /** Counts per status, e.g. {@code HEALTHY=9 FAILED=1}. */
    public static String counts(FleetState s) {
        StringBuilder sb = new StringBuilder();
        for (Status st : Status.values()) {
            int n = s.count(st);
            if (n > 0) sb.append(sb.length() == 0 ? "" : " ").append(st).append('=').append(n);
        }
        return sb.toString();
    }

    /** One line per gateway (the report's text form). */
    public static String gateways(FleetState s) {
        StringBuilder sb = new StringBuilder();
        synchronized (s) {
            for (Map.Entry<String, Gw> e : s.gateways.entrySet()) {
                Gw g = e.getValue();
                sb.append(String.format(Locale.ROOT, "  %-24s wave %d  %-14s %s%n", e.getKey(), g.wave + 1, g.status,
                        g.reason == null ? "" : g.reason));
            }
        }
        return sb.toString();
    }
}
