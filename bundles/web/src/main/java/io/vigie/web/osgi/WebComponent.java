package io.vigie.web.osgi;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

import javax.servlet.Servlet;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.eclipse.kura.configuration.ConfigurableComponent;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;
import org.osgi.service.http.whiteboard.HttpWhiteboardConstants;
import org.osgi.service.http.whiteboard.annotations.RequireHttpWhiteboard;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.vigie.api.detect.DetectorService;
import io.vigie.api.detect.DetectorStatus;
import io.vigie.api.detect.DetectorTopics;
import io.vigie.api.detect.FrameListener;
import io.vigie.api.detect.FrameResult;
import io.vigie.api.model.ModelIdentity;
import io.vigie.api.video.ImageView;
import io.vigie.view.image.Annotator;
import io.vigie.view.image.JpegEncoder;
import io.vigie.view.image.Picture;
import io.vigie.web.core.FrameHub;
import io.vigie.web.core.JsonMapper;
import io.vigie.web.core.MjpegSession;
import io.vigie.web.core.MjpegWriter;
import io.vigie.web.core.PrometheusWriter;
import io.vigie.web.core.SseHub;
import io.vigie.web.core.SseSession;
import io.vigie.web.core.ThrottledReading;
import io.vigie.web.core.WebMetrics;
import io.vigie.web.core.WebSettings;

/**
 * The web sink: one servlet for every endpoint under the {@code io.vigie} context (/vigie), a
 * FrameListener for results and pixels, an EventHandler for intrusion start/end. Streaming clients
 * (MJPEG, SSE) are served on their own request thread, bounded in number; the listener thread only
 * hands frames over and never waits for a client.
 */
@RequireHttpWhiteboard
@Designate(ocd = WebConfig.class)
@Component(name = WebComponent.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL,
        service = { Servlet.class, FrameListener.class, EventHandler.class, ConfigurableComponent.class },
        property = {
            "service.pid=" + WebComponent.PID,
            HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_NAME + "=" + WebComponent.PID,
            HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_PATTERN + "=/*",
            HttpWhiteboardConstants.HTTP_WHITEBOARD_CONTEXT_SELECT + "=" + VigieServletContext.SELECT,
            EventConstants.EVENT_TOPIC + "=io/vigie/intrusion/*",
            EventConstants.EVENT_TOPIC + "=" + DetectorTopics.MODEL_CHANGED })
public class WebComponent extends HttpServlet implements FrameListener, EventHandler, ConfigurableComponent {
    public static final String PID = "io.vigie.web";
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(WebComponent.class);
    private static final String JSON = "application/json; charset=utf-8";
    /** A snapshot reuses the newest frame when it is at most this old. */
    private static final long SNAPSHOT_FRESH_NANOS = 1_000_000_000L;
    private static final long SNAPSHOT_WAIT_MILLIS = 3_000;
    private static final int SSE_QUEUE = 64;
    /** How often the overlay's fps figure is read from the detector. */
    private static final long OVERLAY_FPS_PERIOD_NANOS = 1_000_000_000L;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private transient volatile DetectorService detector;
    /** The charts' 1 s samples, fed from this sink thread (no second listener queue in the detector). */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private transient volatile HistoryServlet history;

    private final transient WebMetrics metrics = new WebMetrics();
    private final transient Annotator annotator = new Annotator();
    /** The detector's own fps (DetectorStatus), not re-measured here. */
    private final transient ThrottledReading fps = new ThrottledReading(this::detectorFps, OVERLAY_FPS_PERIOD_NANOS,
            System::nanoTime);
    private transient JpegEncoder encoder;
    private transient FrameHub frames;
    private transient SseHub events;
    private volatile transient WebSettings settings = WebSettings.DEFAULTS;
    private volatile transient FrameResult latest;
    private volatile boolean active;

    @Activate
    void activate(WebConfig config) {
        applySettings(config);
        WebSettings s = settings;
        encoder = new JpegEncoder();
        frames = new FrameHub(this::render, s.streamMaxClients(), System::nanoTime);
        events = new SseHub(s.sseMaxClients(), s.sseDetectionRate(), SSE_QUEUE, System::nanoTime);
        active = true;
        LOG.info("Vigie web at {}/ ({})", VigieServletContext.PATH, s);
    }

    @Modified
    void modified(WebConfig config) {
        if (applySettings(config)) {
            WebSettings s = settings;
            frames.setMaxViewers(s.streamMaxClients());
            events.setMaxClients(s.sseMaxClients());
            events.setDetectionRate(s.sseDetectionRate());
            LOG.info("Vigie web reconfigured ({})", s);
        }
    }

    /** Invalid configuration is refused as a whole, with the reason logged; the previous stays. */
    private boolean applySettings(WebConfig c) {
        try {
            settings = new WebSettings(c.jpeg_quality(), c.stream_max_fps(), c.stream_max_clients(),
                    c.sse_max_clients(), c.sse_detection_rate());
            return true;
        } catch (IllegalArgumentException e) {
            LOG.error("{}; keeping {}", e.getMessage(), settings);
            return false;
        }
    }

    @Deactivate
    void deactivate() {
        active = false;
        frames.close(); // wakes streaming request threads so they return
        events.close();
        encoder.close();
    }

    // ---- inputs -------------------------------------------------------------------------------

    @Override
    public boolean wantsImages() {
        FrameHub f = frames;
        return f != null && f.wantsImages();
    }

    @Override
    public void onFrame(FrameResult result, ImageView image) {
        if (!active || result == null) return;
        latest = result;
        metrics.record(result);
        HistoryServlet h = history;
        if (h != null) h.record(result);
        if (image != null) frames.publish(result, image);
        if (events.clientCount() > 0) events.publishDetection(() -> JsonMapper.toJson(JsonMapper.frameResult(result)));
    }

    @Override
    public void handleEvent(Event event) {
        if (!active) return;
        String type;
        if (DetectorTopics.MODEL_CHANGED.equals(event.getTopic())) {
            Map<String, Object> props = new HashMap<>();
            for (String k : event.getPropertyNames()) props.put(k, event.getProperty(k));
            Object swap = props.get(DetectorTopics.SWAP_MS);
            metrics.modelEvent(swap instanceof Number n ? n.doubleValue() : null, props.get(DetectorTopics.ERROR) != null);
            events.publish(SseHub.MODEL, JsonMapper.toJson(JsonMapper.modelEvent(props)));
            return;
        }
        if (DetectorTopics.INTRUSION_START.equals(event.getTopic())) {
            type = "START";
        } else if (DetectorTopics.INTRUSION_END.equals(event.getTopic())) {
            type = "END";
        } else {
            return;
        }
        Map<String, Object> props = new HashMap<>();
        for (String k : event.getPropertyNames()) props.put(k, event.getProperty(k));
        if ("START".equals(type)) metrics.intrusionStarted(String.valueOf(props.get(DetectorTopics.ZONE)));
        events.publish(SseHub.INTRUSION, JsonMapper.toJson(JsonMapper.intrusion(type, props)));
    }

    private byte[] render(FrameResult r, ImageView image) throws IOException {
        // one native copy, drawn on and encoded by OpenCV, freed here (not by the GC)
        try (Picture p = Picture.copyOf(image)) {
            annotator.annotate(p, r, overlay(r));
            return encoder.encode(p, settings.jpegQuality());
        }
    }

    private String overlay(FrameResult r) {
        String model = r.model() == null ? "no model" : r.model().shortId();
        double total = r.timings() == null ? Double.NaN : r.timings().totalMillis();
        return String.format(Locale.ROOT, "%.1f fps | %.0f ms | %s | #%d", fps.get(), total, model, r.sequence());
    }

    // ---- HTTP ---------------------------------------------------------------------------------

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String uri = req.getRequestURI();
        String ctx = req.getContextPath() == null ? "" : req.getContextPath();
        String path = uri.startsWith(ctx) ? uri.substring(ctx.length()) : req.getPathInfo();
        if (path == null || path.isEmpty()) {
            resp.sendRedirect(ctx + "/");
            return;
        }
        if (!active) {
            error(resp, 503, "shutting down");
            return;
        }
        switch (path) {
            case "/", "/index.html" -> resp.sendRedirect(ctx + "/ui/live.html"); // the dashboard (io.vigie.web.ui)
            case "/stream.mjpg" -> stream(req, resp);
            case "/snapshot.jpg" -> snapshot(resp);
            case "/api/status" -> json(resp, JsonMapper.toJson(JsonMapper.status(status())));
            case "/api/detections" -> {
                FrameResult r = latest;
                if (r == null && detector != null) r = detector.latest();
                if (r == null) error(resp, 404, "no frame result yet");
                else json(resp, JsonMapper.toJson(JsonMapper.frameResult(r)));
            }
            case "/api/models" -> json(resp, JsonMapper.toJson(JsonMapper.models(status())));
            case "/api/metrics" -> json(resp, JsonMapper.toJson(JsonMapper.metrics(metrics, status(), activeModel())));
            case "/metrics" -> prometheus(resp);
            case "/events" -> sse(resp);
            default -> error(resp, 404, "no such resource: " + path);
        }
    }

    private DetectorStatus status() {
        DetectorService d = detector;
        if (d == null) return null;
        try {
            return d.status();
        } catch (RuntimeException e) {
            LOG.debug("detector status failed", e);
            return null;
        }
    }

    private double detectorFps() {
        DetectorStatus s = status();
        return s == null ? 0 : s.fps();
    }

    private ModelIdentity activeModel() {
        DetectorStatus s = status();
        if (s != null && s.activeModel() != null) return s.activeModel();
        FrameResult r = latest;
        return r == null ? null : r.model();
    }

    private void stream(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        double fps;
        try {
            fps = settings.clientFps(req.getParameter("fps"));
        } catch (IllegalArgumentException e) {
            error(resp, 400, e.getMessage());
            return;
        }
        FrameHub.Viewer viewer;
        try {
            viewer = frames.open(fps);
        } catch (FrameHub.TooManyViewersException e) {
            error(resp, 503, e.getMessage());
            return;
        }
        try (viewer) {
            resp.setContentType(MjpegWriter.CONTENT_TYPE);
            noCache(resp);
            OutputStream out = resp.getOutputStream();
            resp.flushBuffer();
            new MjpegSession(frames, viewer).run(out, () -> active, Long.MAX_VALUE);
        } catch (IOException e) {
            LOG.debug("stream client gone: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void snapshot(HttpServletResponse resp) throws IOException {
        FrameHub.Encoded e = frames.latestIfFresh(SNAPSHOT_FRESH_NANOS);
        if (e == null) {
            // Nobody is watching, so no pixels are flowing: ask for the next frame's.
            long after = frames.currentVersion();
            try (FrameHub.Viewer v = frames.open()) {
                e = frames.next(after, SNAPSHOT_WAIT_MILLIS);
            } catch (FrameHub.TooManyViewersException ex) {
                error(resp, 503, ex.getMessage());
                return;
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        if (e == null || e.jpeg() == null) {
            error(resp, 503, "no frame within " + SNAPSHOT_WAIT_MILLIS + " ms (is the detector running?)");
            return;
        }
        resp.setContentType("image/jpeg");
        noCache(resp);
        resp.setHeader("X-Vigie-Sequence", Long.toString(e.sequence()));
        resp.setContentLength(e.jpeg().length);
        resp.getOutputStream().write(e.jpeg());
    }

    private void sse(HttpServletResponse resp) throws IOException {
        SseHub.Client client;
        try {
            client = events.open();
        } catch (SseHub.TooManyClientsException e) {
            error(resp, 503, e.getMessage());
            return;
        }
        try (client) {
            resp.setContentType("text/event-stream");
            resp.setCharacterEncoding("UTF-8");
            noCache(resp);
            resp.setHeader("X-Accel-Buffering", "no");
            SseSession.run(client, resp.getOutputStream(), () -> active);
        } catch (IOException e) {
            LOG.debug("event client gone: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void prometheus(HttpServletResponse resp) throws IOException {
        String body = PrometheusWriter.write(metrics, status(), activeModel(), frames.viewers(), events.clientCount(),
                events.drops());
        resp.setContentType(PrometheusWriter.CONTENT_TYPE);
        noCache(resp);
        write(resp, body);
    }

    static void json(HttpServletResponse resp, String body) throws IOException {
        resp.setContentType(JSON);
        noCache(resp);
        write(resp, body);
    }

    static void error(HttpServletResponse resp, int code, String message) throws IOException {
        resp.setStatus(code);
        com.google.gson.JsonObject o = new com.google.gson.JsonObject();
        o.addProperty("error", message);
        o.addProperty("status", code);
        json(resp, JsonMapper.toJson(o));
    }

    private static void write(HttpServletResponse resp, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        resp.setContentLength(b.length);
        resp.getOutputStream().write(b);
    }

    private static void noCache(HttpServletResponse resp) {
        resp.setHeader("Cache-Control", "no-cache, no-store, must-revalidate");
    }
}
