package io.vigie.web.osgi;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import javax.servlet.Servlet;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;
import org.osgi.service.http.whiteboard.HttpWhiteboardConstants;

import io.vigie.api.detect.DetectorTopics;
import io.vigie.api.detect.FrameResult;
import io.vigie.view.process.ProcessStats;
import io.vigie.web.core.History;
import io.vigie.web.core.HistoryJson;
import io.vigie.web.core.JsonMapper;

/**
 * {@code GET /vigie/api/history?seconds=1..900}: the dashboard's charts. Owns the {@link History}, fed with
 * results by {@link WebComponent}'s sink thread, sampled by its own 1 s ticker (which also reads the process's
 * CPU and RSS), marked by MODEL events (swaps, refused models) and the OTA agent's {@code io/vigie/ota/*} events.
 */
@Component(service = { Servlet.class, EventHandler.class, HistoryServlet.class },
        property = {
            HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_NAME + "=io.vigie.web.history",
            HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_PATTERN + "=/api/history",
            HttpWhiteboardConstants.HTTP_WHITEBOARD_CONTEXT_SELECT + "=" + VigieServletContext.SELECT,
            EventConstants.EVENT_TOPIC + "=" + DetectorTopics.MODEL_CHANGED,
            EventConstants.EVENT_TOPIC + "=" + HistoryServlet.OTA_TOPICS })
public class HistoryServlet extends HttpServlet implements EventHandler {
    /** Posted by io.vigie.ota's OtaComponent: INSTALLED, UNINSTALLED, FAILED, HEALTHY, ROLLBACK. */
    static final String OTA_TOPICS = "io/vigie/ota/*";
    static final int SECONDS = 900;
    private static final long serialVersionUID = 1L;
    private static final int MARKS = 256;

    private final transient History history = new History(SECONDS, MARKS);
    private final transient ProcessStats process = new ProcessStats(Path.of("/proc/self"), System::nanoTime);
    private transient ScheduledExecutorService ticker;
    private transient long lastTick;

    @Activate
    void activate() {
        ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "vigie-web-history");
            t.setDaemon(true);
            return t;
        });
        lastTick = System.nanoTime();
        process.cpuPercent(); // the baseline of the first sample
        ticker.scheduleAtFixedRate(this::tick, 1, 1, TimeUnit.SECONDS);
    }

    @Deactivate
    void deactivate() {
        ticker.shutdownNow();
    }

    /** The web sink's thread, once per result. */
    void record(FrameResult r) {
        history.record(r);
    }

    private void tick() {
        long now = System.nanoTime();
        double elapsed = (now - lastTick) / 1e9;
        lastTick = now;
        history.sample(System.currentTimeMillis(), elapsed, process.cpuPercent(), process.rssBytes());
    }

    @Override
    public void handleEvent(Event event) {
        Map<String, Object> p = new HashMap<>();
        for (String k : event.getPropertyNames()) p.put(k, event.getProperty(k));
        long now = System.currentTimeMillis();
        String topic = event.getTopic();
        if (DetectorTopics.MODEL_CHANGED.equals(topic)) {
            String model = p.get(DetectorTopics.MODEL_NAME) + "/" + p.get(DetectorTopics.MODEL_PRECISION);
            if (p.get(DetectorTopics.ERROR) != null) {
                history.mark(now, "model-error", String.valueOf(p.get(DetectorTopics.ERROR)));
            } else if (p.get(DetectorTopics.SWAP_MS) instanceof Number ms
                    && p.get(DetectorTopics.SEQUENCE) instanceof Number seq) {
                history.swap(now, model, ms.doubleValue(), seq.longValue());
            } else {
                history.mark(now, "model", model);
            }
        } else if (topic.startsWith("io/vigie/ota/")) {
            String what = topic.substring("io/vigie/ota/".length());
            StringBuilder text = new StringBuilder(String.valueOf(p.get("name")));
            if (p.get("version") != null) text.append(' ').append(p.get("version"));
            Object why = p.get("reason") != null ? p.get("reason") : p.get("message");
            if (why != null) text.append(": ").append(why);
            history.mark(now, "ota-" + what.toLowerCase(java.util.Locale.ROOT), text.toString());
        }
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String q = req.getParameter("seconds");
        int seconds = SECONDS;
        if (q != null) {
            try {
                seconds = Integer.parseInt(q.trim());
            } catch (NumberFormatException e) {
                seconds = -1;
            }
            if (seconds < 1 || seconds > SECONDS) {
                WebComponent.error(resp, 400, "seconds must be a whole number 1.." + SECONDS);
                return;
            }
        }
        WebComponent.json(resp, JsonMapper.toJson(HistoryJson.toJson(history.snapshot(seconds), SECONDS)));
    }
}
