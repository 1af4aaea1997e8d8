package io.vigie.web.osgi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javax.servlet.FilterChain;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.BundleContext;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.vigie.web.core.AuditLog;
import io.vigie.web.core.BasicAuthPolicy;
import io.vigie.web.core.Role;

/** What the audit filter records: changes and marked sign-in events, never plain reads; where; and its API. */
class AuditFilterTest {
    @TempDir
    Path data;

    /** A request of this method and URI whose attributes live in {@code attrs}. */
    static HttpServletRequest request(String method, String uri, Map<String, Object> attrs, Map<String, String> params) {
        return (HttpServletRequest) Proxy.newProxyInstance(AuditFilterTest.class.getClassLoader(),
                new Class<?>[] { HttpServletRequest.class }, (p, m, a) -> switch (m.getName()) {
                    case "getMethod" -> method;
                    case "getRequestURI" -> uri;
                    case "getRemoteAddr" -> "10.1.2.3";
                    case "getAttribute" -> attrs.get((String) a[0]);
                    case "setAttribute" -> attrs.put((String) a[0], a[1]);
                    case "getParameter" -> params.get((String) a[0]);
                    default -> null;
                });
    }

    static HttpServletResponse response(int[] status, StringWriter body) {
        return (HttpServletResponse) Proxy.newProxyInstance(AuditFilterTest.class.getClassLoader(),
                new Class<?>[] { HttpServletResponse.class }, (p, m, a) -> switch (m.getName()) {
                    case "getStatus" -> status[0];
                    case "setStatus" -> {
                        status[0] = (Integer) a[0];
                        yield null;
                    }
                    case "getWriter" -> new PrintWriter(body, true);
                    default -> null;
                });
    }

    AuditFilter filter() throws Exception {
        BundleContext ctx = (BundleContext) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] { BundleContext.class }, (p, m, a) -> "getProperty".equals(m.getName())
                        && "vigie.data".equals(a[0]) ? data.toString() : null);
        return new AuditFilter(ctx);
    }

    List<JsonObject> records(AuditFilter f, String limit) throws Exception {
        StringWriter body = new StringWriter();
        int[] status = { 200 };
        f.doGet(request("GET", "/vigie/api/audit", new HashMap<>(), limit == null ? Map.of() : Map.of("limit", limit)),
                response(status, body));
        if (status[0] != 200) throw new IllegalArgumentException(status[0] + " " + body);
        List<JsonObject> out = new java.util.ArrayList<>();
        JsonParser.parseString(body.toString()).getAsJsonObject().getAsJsonArray("records")
                .forEach(e -> out.add(e.getAsJsonObject()));
        return out;
    }

    @Test
    void changesAndSignInEventsAreRecordedReadsAreNot() throws Exception {
        AuditFilter f = filter();
        Map<String, Object> admin = new HashMap<>(Map.of(BasicAuthPolicy.USER_ATTRIBUTE, "alice",
                BasicAuthPolicy.ROLE_ATTRIBUTE, Role.ADMIN));
        FilterChain answers409 = (req, resp) -> ((HttpServletResponse) resp).setStatus(409);
        f.doFilter(request("PATCH", "/vigie/api/settings", admin, Map.of()), response(new int[] { 200 }, null),
                answers409);
        f.doFilter(request("GET", "/vigie/api/status", admin, Map.of()), response(new int[] { 200 }, null), (q, r) -> { });
        Map<String, Object> attempt = new HashMap<>();
        f.doFilter(request("POST", "/vigie/api/session", attempt, Map.of()), response(new int[] { 401 }, null), (q, r) -> {
            q.setAttribute(AuditLog.EVENT_ATTRIBUTE, "sign-in failed");
            q.setAttribute(AuditLog.USER_ATTRIBUTE, "mallory\r\nforged");
        });
        Map<String, Object> viewer = new HashMap<>(Map.of(BasicAuthPolicy.USER_ATTRIBUTE, "victor",
                BasicAuthPolicy.ROLE_ATTRIBUTE, Role.VIEWER));
        f.refused(request("DELETE", "/vigie/api/packages/x", viewer, Map.of()));
        assertThrows(IllegalStateException.class, () -> f.doFilter(request("POST", "/vigie/api/packages", admin,
                Map.of()), response(new int[] { 200 }, null), (q, r) -> {
                    throw new IllegalStateException("servlet blew up");
                }));

        List<JsonObject> r = records(filter(), null); // a new instance: read back from the data dir
        assertEquals(4, r.size(), r.toString());
        assertEquals("POST /vigie/api/packages 500", line(r.get(0)), "a failing servlet is recorded as 500");
        assertEquals("DELETE /vigie/api/packages/x 403 refused victor viewer", line(r.get(1)) + " " + who(r.get(1)));
        assertEquals("POST /vigie/api/session 401 sign-in failed mallory??forged ", line(r.get(2)) + " " + who(r.get(2)));
        assertEquals("PATCH /vigie/api/settings 409", line(r.get(3)));
        assertEquals("10.1.2.3", r.get(3).get("addr").getAsString());
        assertTrue(data.resolve("audit").resolve("audit.jsonl").toFile().isFile(), "under ${vigie.data}/audit");
        assertEquals(1, records(f, "1").size());
        assertThrows(IllegalArgumentException.class, () -> records(f, "0"));
        assertThrows(IllegalArgumentException.class, () -> records(f, "1001"));
        assertThrows(IllegalArgumentException.class, () -> records(f, "ten"));
    }

    static String line(JsonObject o) {
        return o.get("method").getAsString() + " " + o.get("path").getAsString() + " " + o.get("status").getAsInt()
                + (o.has("event") ? " " + o.get("event").getAsString() : "");
    }

    static String who(JsonObject o) {
        return o.get("user").getAsString() + " " + o.get("role").getAsString();
    }
}
