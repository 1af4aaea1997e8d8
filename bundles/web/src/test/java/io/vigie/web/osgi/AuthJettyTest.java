package io.vigie.web.osgi;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.lang.annotation.Annotation;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.EnumSet;

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
import org.eclipse.jetty.servlet.FilterHolder;
import org.eclipse.jetty.servlet.ServletContextHandler;
import org.eclipse.jetty.servlet.ServletHolder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.vigie.web.core.BasicAuthPolicy;
import io.vigie.web.core.PasswordHash;

/** The context's security gate in front of a real Jetty servlet context, configured as ConfigAdmin would. */
class AuthJettyTest {
    static final String ALICE = "alice:" + PasswordHash.create("s3cret-pass", 20_000);

    private Server server;
    private AuthComponent auth;
    private VigieServletContext context;

    record Config(String[] users, String[] anonymous_paths, String realm, int max_failures_per_minute, int cache_s)
            implements AuthConfig {
        @Override
        public Class<? extends Annotation> annotationType() {
            return AuthConfig.class;
        }
    }

    static Config config(String... users) {
        return new Config(users, new String[] { "/metrics" }, "Vigie", 3, 300);
    }

    int start(Config c) throws Exception {
        auth = new AuthComponent(c);
        context = new VigieServletContext(auth);
        server = new Server(0);
        ServletContextHandler ctx = new ServletContextHandler();
        ctx.setContextPath(VigieServletContext.PATH);
        // what the HTTP whiteboard does: handleSecurity before any servlet of the context
        ctx.addFilter(new FilterHolder(new Filter() {
            @Override
            public void init(javax.servlet.FilterConfig fc) {
            }

            @Override
            public void destroy() {
            }

            @Override
            public void doFilter(ServletRequest req, ServletResponse resp, FilterChain chain)
                    throws IOException, ServletException {
                if (context.handleSecurity((HttpServletRequest) req, (HttpServletResponse) resp)) chain.doFilter(req, resp);
            }
        }), "/*", EnumSet.of(DispatcherType.REQUEST));
        ctx.addServlet(new ServletHolder(new HttpServlet() {
            @Override
            protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                resp.getWriter().write("ok " + req.getMethod() + " " + req.getAttribute(BasicAuthPolicy.USER_ATTRIBUTE));
            }
        }), "/*");
        server.setHandler(ctx);
        server.start();
        return server.getURI().getPort();
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) server.stop();
    }

    HttpURLConnection req(int port, String method, String path, String user, String password) throws IOException {
        HttpURLConnection c = (HttpURLConnection) new URL("http://127.0.0.1:" + port + "/vigie" + path).openConnection();
        c.setRequestMethod(method);
        if (user != null)
            c.setRequestProperty("Authorization", "Basic " + Base64.getEncoder()
                    .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
        return c;
    }

    static String body(HttpURLConnection c) throws IOException {
        var in = c.getResponseCode() < 400 ? c.getInputStream() : c.getErrorStream();
        return in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }

    @Test
    void closedWithoutUsersExceptAnonymousGets() throws Exception {
        int port = start(config());
        HttpURLConnection c = req(port, "GET", "/stream.mjpg", null, null);
        assertEquals(401, c.getResponseCode());
        assertTrue(body(c).contains("no user is configured"));
        assertEquals(200, req(port, "GET", "/metrics", null, null).getResponseCode(), "Prometheus may scrape anonymously");
        assertEquals(401, req(port, "POST", "/metrics", null, null).getResponseCode(), "anonymous paths are GET only");
        assertEquals(401, req(port, "GET", "/metrics/../api/packages", null, null).getResponseCode());
    }

    @Test
    void rightCredentialsPassWrongOnesAreRefusedThenThrottled() throws Exception {
        int port = start(config(ALICE));
        HttpURLConnection none = req(port, "GET", "/api/status", null, null);
        assertEquals(401, none.getResponseCode());
        assertTrue(none.getHeaderField("WWW-Authenticate").startsWith("Basic realm=\"Vigie\""));

        HttpURLConnection ok = req(port, "POST", "/api/packages", "alice", "s3cret-pass");
        assertEquals(200, ok.getResponseCode());
        assertEquals("ok POST alice", body(ok));
        assertEquals(200, req(port, "GET", "/stream.mjpg", "alice", "s3cret-pass").getResponseCode(), "cached verification");

        assertEquals(401, req(port, "GET", "/api/status", "alice", "wrong").getResponseCode());
        assertEquals(401, req(port, "GET", "/api/status", "bob", "s3cret-pass").getResponseCode());
        assertEquals(401, req(port, "GET", "/api/status", "alice", "S3cret-pass").getResponseCode());
        HttpURLConnection limited = req(port, "GET", "/api/status", "alice", "s3cret-pass");
        assertEquals(429, limited.getResponseCode(), "3 failures per minute configured: even the right password waits");
        assertTrue(body(limited).contains("too many failed logins"));
    }

    @Test
    void everyBundlesContextSharesOneLoginCacheAndThrottle() throws Exception {
        int port = start(config(ALICE));
        VigieServletContext otherBundles = new VigieServletContext(auth); // what the whiteboard makes for the OTA bundle
        javax.servlet.http.HttpServletRequest wrong = fakeRequest("alice", "nope");
        for (int i = 0; i < 3; i++) assertFalse(otherBundles.handleSecurity(wrong, fakeResponse()));
        assertEquals(429, req(port, "GET", "/api/status", "alice", "s3cret-pass").getResponseCode(),
                "failures counted through another bundle's context throttle this one too");
    }

    static javax.servlet.http.HttpServletRequest fakeRequest(String user, String password) {
        String header = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        ClassLoader cl = AuthJettyTest.class.getClassLoader();
        return (javax.servlet.http.HttpServletRequest) java.lang.reflect.Proxy.newProxyInstance(cl,
                new Class<?>[] { javax.servlet.http.HttpServletRequest.class }, (p, m, a) -> switch (m.getName()) {
                    case "getMethod" -> "GET";
                    case "getRequestURI" -> "/vigie/api/packages";
                    case "getContextPath" -> "/vigie";
                    case "getRemoteAddr" -> "127.0.0.1";
                    case "getHeader" -> "Authorization".equals(a[0]) ? header : null;
                    default -> null;
                });
    }

    static javax.servlet.http.HttpServletResponse fakeResponse() {
        java.io.PrintWriter sink = new java.io.PrintWriter(java.io.Writer.nullWriter());
        return (javax.servlet.http.HttpServletResponse) java.lang.reflect.Proxy.newProxyInstance(
                AuthJettyTest.class.getClassLoader(), new Class<?>[] { javax.servlet.http.HttpServletResponse.class },
                (p, m, a) -> "getWriter".equals(m.getName()) ? sink : null);
    }

    @Test
    void garbageHeadersAreRefused() throws Exception {
        int port = start(config(ALICE));
        for (String h : new String[] { "Basic !!!notbase64", "Basic " + Base64.getEncoder().encodeToString("nocolon".getBytes()),
                "Bearer abc" }) {
            HttpURLConnection c = req(port, "GET", "/api/status", null, null);
            c.setRequestProperty("Authorization", h);
            assertEquals(401, c.getResponseCode(), h);
        }
    }

    @Test
    void badConfigurationIsRefusedAndThePreviousUsersStay() throws Exception {
        int port = start(config(ALICE));
        auth.modified(config("mallory:plaintext-password"));
        assertEquals(401, req(port, "GET", "/api/status", "mallory", "plaintext-password").getResponseCode());
        assertEquals(200, req(port, "GET", "/api/status", "alice", "s3cret-pass").getResponseCode(), "alice still works");
        auth.modified(config("carol:" + PasswordHash.create("other-pass", 20_000)));
        assertEquals(200, req(port, "GET", "/api/status", "carol", "other-pass").getResponseCode(), "live update");
        assertEquals(401, req(port, "GET", "/api/status", "alice", "s3cret-pass").getResponseCode(), "alice removed");
    }

    @Test
    void storedFormsAreValidated() {
        assertThrows(IllegalArgumentException.class, () -> PasswordHash.parse("secret"));
        assertThrows(IllegalArgumentException.class, () -> PasswordHash.parse("{pbkdf2-sha256}100:00112233445566778899:aabb"));
        assertThrows(IllegalArgumentException.class, () -> PasswordHash.parse("{pbkdf2-sha256}100000:zz:aabb"));
        assertThrows(IllegalArgumentException.class, () -> PasswordHash.parse("{pbkdf2-sha256}100000:0011"));
        // the form openssl writes (./vigie password): openssl kdf -keylen 32 -kdfopt digest:SHA2-256 -kdfopt pass:secret
        //   -kdfopt hexsalt:00112233445566778899aabbccddeeff -kdfopt iter:100000 PBKDF2
        PasswordHash h = PasswordHash.parse("{pbkdf2-sha256}100000:00112233445566778899aabbccddeeff:"
                + "f92d0c0b7758f48a976587412c2bf21b7f1dae21875133fda2983fa4cbf1ea9d");
        assertTrue(h.matches("secret"));
        assertFalse(h.matches("Secret"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AuthComponent.policyOf(config("alice:{pbkdf2-sha256}1:00:00")));
        assertTrue(e.getMessage().startsWith("user 'alice'"), e.getMessage());
        assertFalse(e.getMessage().contains("{pbkdf2"), "never echoes the stored hash");
    }
}
