package io.vigie.web.osgi;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import javax.servlet.Servlet;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;
import org.osgi.service.http.whiteboard.HttpWhiteboardConstants;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.gson.JsonObject;

import io.vigie.api.detect.DetectorTopics;
import io.vigie.api.detect.FrameListener;
import io.vigie.api.detect.FrameResult;
import io.vigie.api.detect.ZoneState;
import io.vigie.api.video.ImageView;
import io.vigie.view.image.Annotator;
import io.vigie.view.image.JpegEncoder;
import io.vigie.view.image.Picture;
import io.vigie.web.core.FrameHub;
import io.vigie.web.core.IntrusionApi;
import io.vigie.web.core.IntrusionLog;
import io.vigie.web.core.JsonMapper;

/**
 * The intrusion log's OSGi side: records INTRUSION_START/END (EventAdmin), takes a snapshot of each start and serves
 * {@code /vigie/api/intrusions}. The snapshot is the stream's rendering (a {@link FrameHub} with the same
 * {@link Annotator} and {@link JpegEncoder}), scaled down: this listener asks the detector for pixels only while a
 * snapshot is pending, the detector hands them over from its own per-listener queue, and the drawing and encoding
 * run on this component's capture thread, never on the frame thread or EventAdmin's.
 */
@Designate(ocd = IntrusionConfig.class)
@Component(name = IntrusionComponent.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL,
        service = { Servlet.class, EventHandler.class, FrameListener.class },
        property = {
            HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_NAME + "=" + IntrusionComponent.PID,
            HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_PATTERN + "=/api/intrusions",
            HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_PATTERN + "=/api/intrusions/*",
            HttpWhiteboardConstants.HTTP_WHITEBOARD_CONTEXT_SELECT + "=" + VigieServletContext.SELECT,
            EventConstants.EVENT_TOPIC + "=" + DetectorTopics.INTRUSION_START,
            EventConstants.EVENT_TOPIC + "=" + DetectorTopics.INTRUSION_END })
public class IntrusionComponent extends HttpServlet implements EventHandler, FrameListener {
    public static final String PID = "io.vigie.web.intrusions";
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(IntrusionComponent.class);
    /** A snapshot waits at most this long for the next frame with pixels. */
    static final long CAPTURE_WAIT_MS = 3_000;
    /** Starts waiting for a snapshot; more at once (a burst of zones) are logged without one. */
    static final int CAPTURE_QUEUE = 16;
    static final int THUMB_QUALITY = 70;

    private final transient IntrusionLog log;
    private final transient Annotator annotator = new Annotator();
    private final transient JpegEncoder encoder = new JpegEncoder();
    private final transient FrameHub hub;
    private final transient ThreadPoolExecutor captures;
    private final int thumbWidth;

    @Activate
    public IntrusionComponent(BundleContext context, IntrusionConfig config) throws IOException {
        this(new IntrusionLog(dataDir(context), config.max_events(), config.max_thumbs_mb() * 1024L * 1024L,
                System::currentTimeMillis), config.thumb_width());
    }

    private static Path dataDir(BundleContext context) {
        String data = context.getProperty("vigie.data");
        return data != null ? Path.of(data, "intrusions") : context.getDataFile("intrusions").toPath();
    }

    IntrusionComponent(IntrusionLog log, int thumbWidth) {
        this.log = log;
        this.thumbWidth = thumbWidth;
        this.hub = new FrameHub(this::render, CAPTURE_QUEUE, System::nanoTime);
        this.captures = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(CAPTURE_QUEUE), r -> {
            Thread t = new Thread(r, "vigie-intrusion-snapshot");
            t.setDaemon(true);
            t.setPriority(Thread.MIN_PRIORITY);
            return t;
        }, new ThreadPoolExecutor.DiscardPolicy());
        LOG.info("Intrusion log: {} records", log.size());
    }

    @Deactivate
    void deactivate() {
        hub.close(); // wakes a capture waiting for a frame
        captures.shutdownNow();
        encoder.close();
    }

    // ---- inputs

    @Override
    public boolean wantsImages() {
        return hub.wantsImages();
    }

    @Override
    public void onFrame(FrameResult result, ImageView image) {
        if (image != null) hub.publish(result, image);
        if (log.hasOpen() && result.zones() != null) { // a removed or redrawn zone never sends its END
            java.util.Set<String> intruded = new java.util.HashSet<>();
            for (ZoneState z : result.zones()) if (z.intrusion()) intruded.add(z.name());
            try {
                log.endAllBut(intruded, result.timestampMillis());
            } catch (IOException e) {
                LOG.warn("intrusion log: {}", e.toString());
            }
        }
    }

    @Override
    public void handleEvent(Event e) {
        String zone = String.valueOf(e.getProperty(DetectorTopics.ZONE));
        try {
            if (DetectorTopics.INTRUSION_END.equals(e.getTopic())) {
                log.ended(zone, time(e, DetectorTopics.TIMESTAMP));
                return;
            }
            String model = e.getProperty(DetectorTopics.MODEL_NAME) == null ? null
                    : e.getProperty(DetectorTopics.MODEL_NAME) + "/" + e.getProperty(DetectorTopics.MODEL_PRECISION) + "/"
                            + e.getProperty(DetectorTopics.MODEL_VERSION);
            long id = log.started(zone, time(e, DetectorTopics.STARTED), (int) number(e, DetectorTopics.PERSONS),
                    model, number(e, DetectorTopics.SEQUENCE));
            captures.execute(() -> capture(id));
        } catch (IOException ex) {
            LOG.warn("intrusion log: {}", ex.toString());
        }
    }

    private static long time(Event e, String key) {
        long t = number(e, key);
        return t > 0 ? t : System.currentTimeMillis();
    }

    private static long number(Event e, String key) {
        return e.getProperty(key) instanceof Number n ? n.longValue() : 0;
    }

    /** On the capture thread: the next frame with pixels, rendered as the stream draws it, scaled down. */
    private void capture(long id) {
        try (FrameHub.Viewer v = hub.open()) {
            FrameHub.Encoded e = hub.next(hub.currentVersion(), CAPTURE_WAIT_MS);
            if (e == null || e.jpeg() == null) {
                LOG.debug("intrusion {}: no frame for a snapshot within {} ms", id, CAPTURE_WAIT_MS);
                return;
            }
            log.thumbnail(id, e.jpeg());
        } catch (FrameHub.TooManyViewersException | IllegalStateException | IOException ex) {
            LOG.debug("intrusion {}: no snapshot: {}", id, ex.toString());
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    private byte[] render(FrameResult r, ImageView image) throws IOException {
        try (Picture p = Picture.copyOf(image)) {
            annotator.annotate(p, r, String.format(Locale.ROOT, "%s | #%d", r.model() == null ? "no model"
                    : r.model().shortId(), r.sequence()));
            try (Picture small = p.scaledToWidth(Math.min(thumbWidth, p.width()))) {
                return encoder.encode(small, THUMB_QUALITY);
            }
        }
    }

    // ---- HTTP

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String info = req.getPathInfo();
        if (info == null || info.isEmpty() || info.equals("/")) {
            IntrusionLog.Query q;
            try {
                q = IntrusionApi.query(req.getParameter("zone"), req.getParameter("since"), req.getParameter("until"),
                        req.getParameter("limit"));
            } catch (IllegalArgumentException e) {
                error(resp, 400, e.getMessage());
                return;
            }
            List<IntrusionLog.Intrusion> rs = log.query(q);
            String ctx = req.getContextPath() == null ? "" : req.getContextPath();
            send(resp, 200, "application/json; charset=utf-8",
                    JsonMapper.toJson(IntrusionApi.list(rs, q.limit(), ctx)).getBytes(StandardCharsets.UTF_8));
            return;
        }
        Long id = IntrusionApi.thumbId(info);
        byte[] jpeg = id == null ? null : log.thumb(id);
        if (jpeg == null) {
            error(resp, 404, id == null ? "no such resource: GET /vigie/api/intrusions/<id>/thumb.jpg"
                    : "no snapshot for intrusion " + id);
            return;
        }
        resp.setHeader("X-Content-Type-Options", "nosniff");
        send(resp, 200, "image/jpeg", jpeg);
    }

    private static void error(HttpServletResponse resp, int status, String message) throws IOException {
        JsonObject o = new JsonObject();
        o.addProperty("error", message);
        o.addProperty("status", status);
        send(resp, status, "application/json; charset=utf-8", JsonMapper.toJson(o).getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpServletResponse resp, int status, String type, byte[] body) throws IOException {
        resp.setStatus(status);
        resp.setContentType(type);
        resp.setHeader("Cache-Control", "no-store");
        resp.setContentLength(body.length);
        resp.getOutputStream().write(body);
    }
}
