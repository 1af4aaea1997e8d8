package io.vigie.runtime.logging;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;

import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Listens to the OSGi log (R7 LogReaderService) and prints each entry through SLF4J under the
 * logger "osgi.&lt;bundle&gt;", so SCR, ConfigAdmin and fileinstall errors show on the console of the
 * standalone gateway. Entries logged before this component started are replayed once.
 */
@Component(immediate = true)
public class OsgiLogPrinter implements LogListener {

    private final LogReaderService reader;

    @Activate
    public OsgiLogPrinter(@Reference LogReaderService reader) {
        this.reader = reader;
        replayBacklog();
        reader.addLogListener(this);
    }

    @Deactivate
    void deactivate() {
        reader.removeLogListener(this);
    }

    private void replayBacklog() {
        List<LogEntry> backlog = new ArrayList<>();
        for (Enumeration<LogEntry> e = reader.getLog(); e.hasMoreElements();) {
            backlog.add(e.nextElement());
        }
        Collections.reverse(backlog); // getLog() is newest first
        backlog.forEach(this::logged);
    }

    @Override
    public void logged(LogEntry entry) {
        String level = entry.getLogLevel() == null ? null : entry.getLogLevel().name();
        if (!LogLine.printed(level, entry.getLoggerName())) {
            return;
        }
        Bundle b = entry.getBundle();
        Logger out = LoggerFactory.getLogger(LogLine.loggerName(b == null ? null : b.getSymbolicName()));
        ServiceReference<?> ref = entry.getServiceReference();
        String text = LogLine.text(level, entry.getLoggerName(), entry.getMessage(),
                ref == null ? null : "service.id=" + ref.getProperty("service.id"));
        Throwable t = entry.getException();
        switch (LogLine.level(level)) {
        case ERROR:
            out.error(text, t);
            break;
        case WARN:
            out.warn(text, t);
            break;
        case DEBUG:
            out.debug(text, t);
            break;
        case TRACE:
            out.trace(text, t);
            break;
        default:
            out.info(text, t);
        }
    }
}
