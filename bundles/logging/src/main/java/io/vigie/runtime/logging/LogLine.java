package io.vigie.runtime.logging;

/**
 * Pure formatting of one OSGi log entry (no OSGi types, so it is unit-testable): which SLF4J
 * level it maps to and the text printed.
 */
public final class LogLine {

    /** SLF4J levels; AUDIT entries are printed as ERROR so they are never filtered out. */
    public enum Level { ERROR, WARN, INFO, DEBUG, TRACE }

    private LogLine() {
    }

    /** Maps an R7 level name (AUDIT, ERROR, WARN, INFO, DEBUG, TRACE); unknown names become INFO. */
    public static Level level(String osgiLevel) {
        if (osgiLevel == null) {
            return Level.INFO;
        }
        switch (osgiLevel) {
        case "AUDIT":
        case "ERROR":
            return Level.ERROR;
        case "WARN":
            return Level.WARN;
        case "DEBUG":
            return Level.DEBUG;
        case "TRACE":
            return Level.TRACE;
        default:
            return Level.INFO;
        }
    }

    /**
     * Whether an entry is worth printing: the framework's own "Events.*" entries (every service
     * registration and bundle state change, logged at INFO/DEBUG by felix.log) are only printed
     * when they are warnings or errors.
     */
    public static boolean printed(String osgiLevel, String osgiLogger) {
        if (osgiLogger != null && osgiLogger.startsWith("Events.")) {
            Level l = level(osgiLevel);
            return l == Level.ERROR || l == Level.WARN;
        }
        return true;
    }

    /** SLF4J logger name for a bundle: "osgi.<bsn>", "osgi.framework" for the system bundle or none. */
    public static String loggerName(String bundleSymbolicName) {
        return "osgi." + (bundleSymbolicName == null || bundleSymbolicName.isEmpty() ? "framework" : bundleSymbolicName);
    }

    /** "[LEVEL] logger: message (service ref)"; the logger is omitted when it is the default LogService one. */
    public static String text(String osgiLevel, String osgiLogger, String message, String serviceRef) {
        StringBuilder sb = new StringBuilder();
        sb.append('[').append(osgiLevel == null ? "INFO" : osgiLevel).append("] ");
        if (osgiLogger != null && !osgiLogger.isEmpty() && !"LogService".equals(osgiLogger)) {
            sb.append(osgiLogger).append(": ");
        }
        sb.append(message == null ? "(no message)" : message);
        if (serviceRef != null) {
            sb.append(" (").append(serviceRef).append(')');
        }
        return sb.toString();
    }
}
