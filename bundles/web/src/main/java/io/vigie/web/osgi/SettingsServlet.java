package io.vigie.web.osgi;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import javax.servlet.Servlet;
import javax.servlet.ServletException;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.http.whiteboard.HttpWhiteboardConstants;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import io.vigie.api.detect.DetectorSettingsService;
import io.vigie.web.core.JsonMapper;
import io.vigie.web.core.SettingsJson;

/**
 * {@code GET /vigie/api/settings} (the detector's settings in force, secrets masked by the detector) and
 * {@code PATCH /vigie/api/settings} with a JSON object of changes: checked and stored by the detector's
 * {@link DetectorSettingsService}, the same rules as the Kura console and MQTT's {@code PUT config}. A model switch
 * is a PATCH of {@code model.precision}; zones a PATCH of {@code zones}. Who may PATCH is the context's policy.
 */
@Component(service = Servlet.class,
        property = {
            HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_NAME + "=io.vigie.web.settings",
            HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_PATTERN + "=/api/settings",
            HttpWhiteboardConstants.HTTP_WHITEBOARD_CONTEXT_SELECT + "=" + VigieServletContext.SELECT })
public class SettingsServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(SettingsServlet.class);

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private transient volatile DetectorSettingsService settings;

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws ServletException, IOException {
        if ("PATCH".equals(req.getMethod())) {
            patch(req, resp);
        } else if ("GET".equals(req.getMethod()) || "HEAD".equals(req.getMethod())) {
            super.service(req, resp);
        } else {
            resp.setHeader("Allow", "GET, HEAD, PATCH");
            WebComponent.error(resp, 405, req.getMethod() + " not allowed: GET or PATCH");
        }
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        DetectorSettingsService s = settings;
        if (s == null) {
            WebComponent.error(resp, 503, "no detector: its settings service is not registered");
            return;
        }
        JsonObject o = new JsonObject();
        o.add("settings", SettingsJson.toJson(s.current()));
        JsonArray ro = new JsonArray();
        SettingsJson.READ_ONLY.forEach(ro::add);
        o.add("readOnly", ro);
        WebComponent.json(resp, JsonMapper.toJson(o));
    }

    private void patch(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String type = req.getContentType() == null ? "" : req.getContentType().trim().toLowerCase(java.util.Locale.ROOT);
        if (!type.startsWith("application/json")) {
            WebComponent.error(resp, 415, "Content-Type must be application/json");
            return;
        }
        if (req.getContentLengthLong() > SettingsJson.MAX_BODY_BYTES) {
            WebComponent.error(resp, 413, "body larger than " + SettingsJson.MAX_BODY_BYTES + " bytes");
            return;
        }
        byte[] body = req.getInputStream().readNBytes(SettingsJson.MAX_BODY_BYTES + 1); // chunked: bounded anyway
        if (body.length > SettingsJson.MAX_BODY_BYTES) {
            WebComponent.error(resp, 413, "body larger than " + SettingsJson.MAX_BODY_BYTES + " bytes");
            return;
        }
        DetectorSettingsService s = settings;
        if (s == null) {
            WebComponent.error(resp, 503, "no detector: its settings service is not registered");
            return;
        }
        Map<String, Object> applied;
        try {
            applied = s.apply(SettingsJson.parsePatch(new String(body, StandardCharsets.UTF_8)));
        } catch (SettingsJson.Refused e) {
            WebComponent.error(resp, e.status(), e.getMessage());
            return;
        } catch (IllegalArgumentException e) {
            WebComponent.error(resp, 400, e.getMessage());
            return;
        } catch (IOException e) {
            LOG.warn("settings not stored: {}", e.toString());
            WebComponent.error(resp, 500, "cannot store the detector's configuration: " + e.getMessage());
            return;
        }
        LOG.info("settings changed by {}: {}", req.getRemoteUser(), applied.keySet());
        JsonObject o = new JsonObject();
        o.add("applied", SettingsJson.toJson(applied));
        o.add("settings", SettingsJson.toJson(s.current()));
        WebComponent.json(resp, JsonMapper.toJson(o));
    }
}
