package io.vigie.web.osgi;

import java.io.IOException;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import javax.servlet.Servlet;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.http.whiteboard.HttpWhiteboardConstants;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import io.vigie.api.detect.DetectorService;
import io.vigie.api.detect.DetectorStatus;
import io.vigie.api.model.DetectionModel;
import io.vigie.api.model.ModelIdentity;
import io.vigie.view.json.ApiJson;
import io.vigie.web.core.JsonMapper;

/**
 * {@code GET /vigie/api/models/catalog}: every model service with its identity, the size its bundle declares
 * ({@code vigie.model.size}, model bundles' ModelRegistration), an AP when the package carries one
 * ({@code vigie.model.ap}), its model card, and which one serves. Service properties and the card only: no model
 * bytes are loaded to answer.
 */
@Component(service = Servlet.class,
        property = {
            HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_NAME + "=io.vigie.web.models.catalog",
            HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_PATTERN + "=/api/models/catalog",
            HttpWhiteboardConstants.HTTP_WHITEBOARD_CONTEXT_SELECT + "=" + VigieServletContext.SELECT })
public class ModelCatalogServlet extends HttpServlet {
    static final String PROP_SIZE = "vigie.model.size";
    static final String PROP_AP = "vigie.model.ap";
    private static final long serialVersionUID = 1L;

    private record Entry(DetectionModel model, Map<String, Object> props) {
    }

    private final transient Map<Object, Entry> models = new ConcurrentHashMap<>();

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private transient volatile DetectorService detector;

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addModel(DetectionModel model, Map<String, Object> props) {
        models.put(props.get(Constants.SERVICE_ID), new Entry(model, props));
    }

    void removeModel(DetectionModel model, Map<String, Object> props) {
        models.remove(props.get(Constants.SERVICE_ID));
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        ModelIdentity active = null;
        DetectorService d = detector;
        if (d != null) {
            try {
                DetectorStatus s = d.status();
                active = s == null ? null : s.activeModel();
            } catch (RuntimeException e) {
                active = null; // no detector answer: nothing marked active
            }
        }
        List<Entry> list = models.values().stream()
                .sorted(Comparator.comparing((Entry e) -> e.model().identity().precision().name())
                        .thenComparing(e -> e.model().identity().version()))
                .toList();
        JsonArray a = new JsonArray();
        for (Entry e : list) {
            ModelIdentity id = e.model().identity();
            JsonObject o = ApiJson.model(id).getAsJsonObject();
            o.addProperty("sizeBytes", e.props().get(PROP_SIZE) instanceof Number n ? n : null);
            o.addProperty("ap", e.props().get(PROP_AP) instanceof Number n ? n : null);
            o.addProperty("active", id.equals(active));
            String card;
            try {
                card = e.model().modelCard();
            } catch (RuntimeException ex) {
                card = "";
            }
            o.addProperty("card", card);
            a.add(o);
        }
        JsonObject out = new JsonObject();
        out.add("models", a);
        out.add("active", ApiJson.model(active));
        out.addProperty("switchKey", "model.precision");
        WebComponent.json(resp, JsonMapper.toJson(out));
    }
}
