package io.vigie.web.osgi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

import javax.servlet.DispatcherType;
import javax.servlet.Filter;
import javax.servlet.FilterChain;
import javax.servlet.ServletException;
import javax.servlet.ServletRequest;
import javax.servlet.ServletResponse;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.servlet.FilterHolder;
import org.eclipse.jetty.servlet.ServletContextHandler;
import org.eclipse.jetty.servlet.ServletHolder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.vigie.web.core.BasicAuthPolicy;
import io.vigie.web.core.PasswordHash;
import io.vigie.web.core.UiFiles;

/**
 * Browser sessions through the real policy chain (AuthComponent as ConfigAdmin makes it) on a real Jetty: sign-in,
 * cookie, CSRF, roles, sign-out, the redirect of pages, one throttle for Basic and the form, and the dashboard files.
 */
class SessionJettyTest {
    static final String ADMIN = "alice:" + PasswordHash.create("alice-pass", 10_000);
    static final String VIEWER = "victor:viewer:" + PasswordHash.create("victor-pass", 10_000);
    /** What a browser adds to its fetch() calls (Fetch Metadata): tells the policy not to send a Basic challenge. */
    static final String[] FETCH = { "Sec-Fetch-Mode", "cors", "Sec-Fetch-Site", "same-origin" };

    private Server server;
    private AuthComponent auth;
    private String base;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        auth = new AuthComponent(AuthJettyTest.config(ADMIN, VIEWER));
        server = new Server(0);
        ServletContextHandler ctx = new ServletContextHandler();
        ctx.setContextPath(VigieServletContext.PATH);
        VigieServletContext context = new VigieServletContext(auth);
        ctx.addFilter(new FilterHolder(new Filter() { // the whiteboard: handleSecurity before any servlet
            @Override
            public void doFilter(ServletRequest req, ServletResponse resp, FilterChain chain)
                    throws IOException, ServletException {
                if (context.handleSecurity((HttpServletRequest) req, (HttpServletResponse) resp)) chain.doFilter(req, resp);
            }

            @Override
            public void init(javax.servlet.FilterConfig fc) {
            }

            @Override
            public void destroy() {
            }
        }), "/*", EnumSet.of(DispatcherType.REQUEST));
        ctx.addServlet(new ServletHolder(auth), "/api/session");
        UiFiles ui = new UiFiles(shippedUi());
        ctx.addServlet(new ServletHolder(new HttpServlet() {
            @Override
            protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                String info = req.getPathInfo();
                ui.serve(info == null || info.length() < 2 ? null : info.substring(1), req, resp);
            }
        }), "/ui/*");
        ctx.addServlet(new ServletHolder(new HttpServlet() {
            @Override
            protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                resp.getWriter().write("ok " + req.getMethod() + " " + req.getAttribute(BasicAuthPolicy.USER_ATTRIBUTE) + " "
                        + req.getAttribute(BasicAuthPolicy.ROLE_ATTRIBUTE));
            }
        }), "/*");
        server.setHandler(ctx);
        server.start();
        base = "http://127.0.0.1:" + ((ServerConnector) server.getConnectors()[0]).getLocalPort() + "/vigie";
    }

    /** The files the bundle ships under io/vigie/web/ui (what UiServlet reads from the bundle). */
    static Map<String, byte[]> shippedUi() throws IOException {
        Map<String, byte[]> m = new LinkedHashMap<>();
        try (Stream<Path> s = Files.list(Path.of("src/main/resources", UiServlet.FOLDER))) {
            for (Path p : (Iterable<Path>) s::iterator) m.put(p.getFileName().toString(), Files.readAllBytes(p));
        }
        return m;
    }

    @AfterEach
    void stop() throws Exception {
        server.stop();
    }

    HttpResponse<String> send(String method, String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).method(method,
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) b.header("Content-Type", "application/json");
        if (headers.length > 0) b.headers(headers);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Signs in like signin.js (same-origin fetch); @return {cookie, csrf} */
    String[] signIn(String user, String password) throws Exception {
        HttpResponse<String> r = send("POST", "/api/session", "{\"user\":\"" + user + "\",\"password\":\"" + password + "\"}",
                "Sec-Fetch-Site", "same-origin", "Sec-Fetch-Mode", "cors");
        assertEquals(200, r.statusCode(), r.body());
        String setCookie = r.headers().firstValue("Set-Cookie").orElseThrow();
        JsonObject o = JsonParser.parseString(r.body()).getAsJsonObject();
        return new String[] { setCookie.substring(0, setCookie.indexOf(';')), o.get("csrf").getAsString() };
    }

    @Test
    void signInSetsAStrictHttpOnlyCookieAndTheSessionAuthenticates() throws Exception {
        HttpResponse<String> r = send("POST", "/api/session", "{\"user\":\"alice\",\"password\":\"alice-pass\"}",
                "Sec-Fetch-Site", "same-origin");
        assertEquals(200, r.statusCode(), r.body());
        String cookie = r.headers().firstValue("Set-Cookie").orElseThrow();
        assertTrue(cookie.matches("vigie_session=[A-Za-z0-9_-]{43}; Path=/vigie; HttpOnly; SameSite=Strict"), cookie);
        assertFalse(cookie.contains("Secure"), "plain HTTP: a Secure cookie would never come back");
        JsonObject o = JsonParser.parseString(r.body()).getAsJsonObject();
        assertEquals("alice", o.get("user").getAsString());
        assertEquals("admin", o.get("role").getAsString());
        assertEquals(43, o.get("csrf").getAsString().length());
        String c = cookie.substring(0, cookie.indexOf(';'));
        assertEquals("ok GET alice ADMIN", send("GET", "/api/status", null, "Cookie", c).body());
        HttpResponse<String> me = send("GET", "/api/session", null, "Cookie", c);
        assertEquals(o, JsonParser.parseString(me.body()).getAsJsonObject(), "GET answers the same");
        assertEquals("no-store", me.headers().firstValue("Cache-Control").orElse(""));
    }

    @Test
    void stateChangesWithASessionNeedItsCsrfToken() throws Exception {
        String[] s = signIn("alice", "alice-pass");
        HttpResponse<String> none = send("POST", "/api/packages", "{}", "Cookie", s[0], "Sec-Fetch-Site", "same-origin");
        assertEquals(403, none.statusCode());
        assertTrue(none.body().contains("CSRF"), none.body());
        assertEquals(403, send("DELETE", "/api/packages/x", null, "Cookie", s[0], "X-CSRF-Token", s[1] + "x",
                "Sec-Fetch-Site", "same-origin").statusCode(), "a wrong token");
        String[] other = signIn("alice", "alice-pass");
        assertEquals(403, send("DELETE", "/api/packages/x", null, "Cookie", s[0], "X-CSRF-Token", other[1],
                "Sec-Fetch-Site", "same-origin").statusCode(), "another session's token");
        HttpResponse<String> ok = send("POST", "/api/packages", "{}", "Cookie", s[0], "X-CSRF-Token", s[1],
                "Sec-Fetch-Site", "same-origin");
        assertEquals(200, ok.statusCode(), ok.body());
        assertEquals("ok POST alice ADMIN", ok.body());
        assertEquals(403, send("POST", "/api/packages", "{}", "Cookie", s[0], "X-CSRF-Token", s[1],
                "Origin", "https://evil.example").statusCode(), "the token does not replace the same-origin rule");
    }

    @Test
    void viewersReadEverythingAndChangeNothing() throws Exception {
        String[] v = signIn("victor", "victor-pass");
        assertEquals("ok GET victor VIEWER", send("GET", "/api/status", null, "Cookie", v[0]).body());
        HttpResponse<String> r = send("PATCH", "/api/settings", "{}", "Cookie", v[0], "X-CSRF-Token", v[1],
                "Sec-Fetch-Site", "same-origin");
        assertEquals(403, r.statusCode());
        assertTrue(r.body().contains("viewer"), r.body());
        String basic = "Basic " + Base64.getEncoder().encodeToString("victor:victor-pass".getBytes(StandardCharsets.UTF_8));
        assertEquals(403, send("DELETE", "/api/packages/x", null, "Authorization", basic, "X-Requested-By", "it")
                .statusCode(), "the role holds for Basic too");
        assertEquals(200, send("GET", "/api/status", null, "Authorization", basic).statusCode());
        assertEquals(200, send("DELETE", "/api/session", null, "Cookie", v[0], "X-CSRF-Token", v[1],
                "Sec-Fetch-Site", "same-origin").statusCode(), "a viewer may sign out");
    }

    @Test
    void signOutEndsTheSessionForGood() throws Exception {
        String[] s = signIn("alice", "alice-pass");
        assertEquals(403, send("DELETE", "/api/session", null, "Cookie", s[0], "Sec-Fetch-Site", "same-origin").statusCode(),
                "no sign-out forced by another site without the token");
        HttpResponse<String> out = send("DELETE", "/api/session", null, "Cookie", s[0], "X-CSRF-Token", s[1],
                "Sec-Fetch-Site", "same-origin");
        assertEquals(200, out.statusCode());
        assertTrue(out.headers().firstValue("Set-Cookie").orElse("").contains("Max-Age=0"));
        HttpResponse<String> after = send("GET", "/api/status", null, "Cookie", s[0], FETCH[0], FETCH[1], FETCH[2], FETCH[3]);
        assertEquals(401, after.statusCode(), "the old cookie is worth nothing");
        assertTrue(after.headers().firstValue("WWW-Authenticate").isEmpty(), "no browser login prompt over our pages");
        assertEquals(401, send("GET", "/api/session", null, "Cookie", s[0], FETCH[0], FETCH[1], FETCH[2], FETCH[3]).statusCode());
    }

    @Test
    void pagesRedirectToSignInScriptsGetTheBasicChallenge() throws Exception {
        HttpResponse<String> page = send("GET", "/ui/live.html?x=1", null, "Sec-Fetch-Mode", "navigate", "Sec-Fetch-Dest",
                "document");
        assertEquals(302, page.statusCode());
        assertEquals("/vigie/ui/signin.html?next=%2Fvigie%2Fui%2Flive.html%3Fx%3D1",
                page.headers().firstValue("Location").orElseThrow());
        assertEquals(401, send("GET", "/api/status", null, FETCH).statusCode());
        HttpResponse<String> script = send("GET", "/api/status", null);
        assertEquals(401, script.statusCode());
        assertTrue(script.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Basic"), "curl still gets it");
        for (String open : new String[] { "/ui/signin.html", "/ui/app.js", "/ui/app.css", "/ui/signin.js" })
            assertEquals(200, send("GET", open, null, FETCH).statusCode(), open + " is needed before signing in");
        assertEquals(401, send("GET", "/ui/audit.html", null, FETCH).statusCode(), "other pages are not");
    }

    @Test
    void theSignInFormAndBasicShareOneThrottle() throws Exception {
        String wrong = "Basic " + Base64.getEncoder().encodeToString("alice:nope".getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < 3; i++) assertEquals(401, send("GET", "/api/status", null, "Authorization", wrong).statusCode());
        HttpResponse<String> form = send("POST", "/api/session", "{\"user\":\"alice\",\"password\":\"alice-pass\"}",
                "Sec-Fetch-Site", "same-origin");
        assertEquals(429, form.statusCode(), "3 failures a minute (the test config) whichever way they came");
        assertTrue(form.body().contains("too many failed logins"), form.body());
        assertTrue(form.headers().firstValue("Retry-After").isPresent());
        assertEquals(200, signInStatus("victor", "victor-pass"), "only alice's key from this address is throttled");
    }

    int signInStatus(String user, String password) throws Exception {
        return send("POST", "/api/session", "{\"user\":\"" + user + "\",\"password\":\"" + password + "\"}",
                "Sec-Fetch-Site", "same-origin").statusCode();
    }

    @Test
    void hostileSignInsAreRefusedCheaply() throws Exception {
        assertEquals(401, signInStatus("alice", "wrong"));
        assertEquals(400, send("POST", "/api/session", "[1,2]", "Sec-Fetch-Site", "same-origin").statusCode());
        assertEquals(400, send("POST", "/api/session", "{\"user\":1,\"password\":2}", "Sec-Fetch-Site", "same-origin")
                .statusCode());
        assertEquals(400, send("POST", "/api/session", "{{{{", "Sec-Fetch-Site", "same-origin").statusCode());
        assertEquals(400, send("POST", "/api/session", "[".repeat(3000), "Sec-Fetch-Site", "same-origin").statusCode());
        assertEquals(413, send("POST", "/api/session", "{\"user\":\"" + "a".repeat(100_000) + "\"}", "Sec-Fetch-Site",
                "same-origin").statusCode());
        assertEquals(401, signInStatus("a\\nb\\u0000" + "x".repeat(2000), "p"), "a name that cannot exist");
        assertEquals(403, send("POST", "/api/session", "{\"user\":\"alice\",\"password\":\"alice-pass\"}",
                "Origin", "https://evil.example").statusCode(), "no sign-in from another site");
        HttpRequest form = HttpRequest.newBuilder(URI.create(base + "/api/session")).header("Content-Type", "text/plain")
                .header("Sec-Fetch-Site", "same-origin").POST(HttpRequest.BodyPublishers.ofString("user=alice")).build();
        assertEquals(415, http.send(form, HttpResponse.BodyHandlers.ofString()).statusCode());
        assertEquals(405, send("PUT", "/api/session", "{}", "Sec-Fetch-Site", "same-origin").statusCode());
        assertEquals(200, send("GET", "/ui/app.js", null, "Cookie", "vigie_session=" + "A".repeat(43) + "; x=\"").statusCode());
    }

    @Test
    void removingAUserEndsTheirSessions() throws Exception {
        String[] v = signIn("victor", "victor-pass");
        auth.modified(AuthJettyTest.config(ADMIN));
        assertEquals(401, send("GET", "/api/status", null, "Cookie", v[0], FETCH[0], FETCH[1], FETCH[2], FETCH[3]).statusCode());
    }

    @Test
    void dashboardFilesAreServedFromTheAllowListWithCachingAndSafetyHeaders() throws Exception {
        String[] s = signIn("alice", "alice-pass");
        HttpResponse<String> page = send("GET", "/ui/audit.html", null, "Cookie", s[0]);
        assertEquals(200, page.statusCode());
        assertEquals("text/html;charset=utf-8", page.headers().firstValue("Content-Type").orElse("").replace(" ", ""));
        assertTrue(page.headers().firstValue("Content-Security-Policy").orElse("").contains("script-src 'self';"));
        assertEquals("nosniff", page.headers().firstValue("X-Content-Type-Options").orElse(""));
        String etag = page.headers().firstValue("ETag").orElseThrow();
        assertEquals(304, send("GET", "/ui/audit.html", null, "Cookie", s[0], "If-None-Match", etag).statusCode());
        assertTrue(send("GET", "/ui/app.css", null).headers().firstValue("Content-Type").orElse("").startsWith("text/css"));
        for (String bad : new String[] { "/ui/", "/ui/nope.html", "/ui/..%2Fosgi%2FAuthComponent.class", "/ui/%2e%2e/x",
                "/ui/app.js%00.html", "/ui/APP.JS" }) {
            HttpResponse<String> r = send("GET", bad, null, "Cookie", s[0]);
            // a path the container normalises out of /ui/ reaches another servlet (here the echo), never a file
            assertTrue(r.statusCode() == 404 || r.statusCode() == 400 || r.body().startsWith("ok GET"), bad + " -> " + r.body());
        }
        assertEquals(405, send("DELETE", "/ui/app.js", null, "Cookie", s[0], "X-CSRF-Token", s[1],
                "Sec-Fetch-Site", "same-origin").statusCode());
    }
}
