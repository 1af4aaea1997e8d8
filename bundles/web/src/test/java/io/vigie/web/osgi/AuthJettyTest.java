package io.vigie.web.osgi;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.InputStream;
import java.lang.annotation.Annotation;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiPredicate;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import javax.servlet.DispatcherType;
import javax.servlet.Filter;
import javax.servlet.FilterChain;
import javax.servlet.ServletException;
import javax.servlet.ServletRequest;
import javax.servlet.ServletResponse;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.servlet.FilterHolder;
import org.eclipse.jetty.servlet.ServletContextHandler;
import org.eclipse.jetty.servlet.ServletHolder;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.vigie.web.core.AccessPolicy;
import io.vigie.web.core.BasicAuthPolicy;
import io.vigie.web.core.PasswordHash;

/** The context's security gate in front of a real Jetty servlet context, configured as ConfigAdmin would. */
class AuthJettyTest {
    static final String ALICE = "alice:" + PasswordHash.create("s3cret-pass", 20_000);

    private Server server;
    private AuthComponent auth;
    private VigieServletContext context;

    record Config(String[] users, String[] anonymous_paths, String realm, int max_failures_per_minute,
            int max_concurrent_logins, int max_tracked_clients, int cache_s, String[] allowed_origins, long hsts_max_age_s,
            int session_idle_s, int session_absolute_s, int session_max) implements AuthConfig {
        @Override
        public Class<? extends Annotation> annotationType() {
            return AuthConfig.class;
        }
    }

    static Config config(String... users) {
        return new Config(users, new String[] { "/metrics" }, "Vigie", 3, 2, 10_000, 300,
                new String[] { "https://vigie.example.org" }, 600, 1800, 43_200, 64);
    }

    /** A policy with {@link #ALICE} whose password checks go through {@code verifier} (3 failures/min, 2 at once). */
    static BasicAuthPolicy counted(int maxTracked, BiPredicate<PasswordHash, String> verifier) {
        return counted(3, maxTracked, verifier);
    }

    static BasicAuthPolicy counted(int maxFailures, int maxTracked, BiPredicate<PasswordHash, String> verifier) {
        return new BasicAuthPolicy(List.of(ALICE), Set.of(), "Vigie",
                new BasicAuthPolicy.Limits(maxFailures, 2, maxTracked, 300_000), System::currentTimeMillis, verifier);
    }

    /** Counts password checks and holds each one until {@link #open}: checks in flight stay observable. */
    static final class GatedVerifier implements BiPredicate<PasswordHash, String> {
        final AtomicInteger derivations = new AtomicInteger(), running = new AtomicInteger(), maxRunning = new AtomicInteger();
        private final CountDownLatch gate = new CountDownLatch(1);

        @Override
        public boolean test(PasswordHash h, String password) {
            derivations.incrementAndGet();
            maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
            try {
                gate.await(30, TimeUnit.SECONDS);
                return h.matches(password);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            } finally {
                running.decrementAndGet();
            }
        }

        void open() {
            gate.countDown();
        }

        /** Waits (hang guard, not a timing assertion) until {@code done} holds. */
        static void await(java.util.function.BooleanSupplier done) throws InterruptedException {
            long guard = System.currentTimeMillis() + 30_000;
            while (!done.getAsBoolean() && System.currentTimeMillis() < guard) Thread.sleep(20);
        }
    }

    int start(Config c) throws Exception {
        auth = new AuthComponent(c);
        return start(auth, null);
    }

    /** Serves /vigie behind {@code policy}: plain HTTP, or HTTPS only when {@code keystore} is given. */
    int start(AccessPolicy policy, Path keystore) throws Exception {
        context = new VigieServletContext(policy);
        server = new Server(0);
        if (keystore != null) {
            SslContextFactory.Server ssl = new SslContextFactory.Server();
            ssl.setKeyStorePath(keystore.toString());
            ssl.setKeyStorePassword("changeit");
            ssl.setKeyStoreType("PKCS12");
            HttpConfiguration hc = new HttpConfiguration();
            SecureRequestCustomizer secure = new SecureRequestCustomizer();
            secure.setSniHostCheck(false);
            hc.addCustomizer(secure);
            ServerConnector https = new ServerConnector(server, new SslConnectionFactory(ssl, "http/1.1"),
                    new HttpConnectionFactory(hc));
            server.setConnectors(new org.eclipse.jetty.server.Connector[] { https });
        }
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
        return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
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
        ok.setRequestProperty("X-Requested-By", "vigie");
        assertEquals(200, ok.getResponseCode());
        assertEquals("ok POST alice", body(ok));
        assertEquals(200, req(port, "GET", "/stream.mjpg", "alice", "s3cret-pass").getResponseCode(), "cached verification");

        assertEquals(401, req(port, "GET", "/api/status", "alice", "wrong").getResponseCode());
        assertEquals(401, req(port, "GET", "/api/status", "bob", "s3cret-pass").getResponseCode());
        assertEquals(401, req(port, "GET", "/api/status", "alice", "S3cret-pass").getResponseCode());
        assertEquals(401, req(port, "GET", "/api/status", "alice", "s3cret-pasS").getResponseCode());
        HttpResponse<String> limited = send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/vigie/api/status"))
                .header("Authorization", "basic " + Base64.getEncoder().encodeToString( // not the cached header
                        "alice:s3cret-pass".getBytes(StandardCharsets.UTF_8))).build());
        assertEquals(429, limited.statusCode(), "3 failures per minute for alice: even the right password waits");
        assertTrue(limited.body().contains("too many failed logins"));
        int retry = Integer.parseInt(limited.headers().firstValue("Retry-After").orElseThrow());
        assertTrue(retry >= 1 && retry <= 60, "Retry-After " + retry);
        assertEquals(200, req(port, "GET", "/stream.mjpg", "alice", "s3cret-pass").getResponseCode(),
                "an already verified session is not cut by the throttle");
    }

    @Test
    void everyBundlesContextSharesOneLoginCacheAndThrottle() throws Exception {
        int port = start(config(ALICE));
        VigieServletContext otherBundles = new VigieServletContext(auth); // what the whiteboard makes for the OTA bundle
        javax.servlet.http.HttpServletRequest wrong = fakeRequest("127.0.0.1", "alice", "nope");
        for (int i = 0; i < 3; i++) assertFalse(otherBundles.handleSecurity(wrong, fakeResponse()));
        assertEquals(429, req(port, "GET", "/api/status", "alice", "s3cret-pass").getResponseCode(),
                "failures counted through another bundle's context throttle this one too");
    }

    /**
     * 40 parallel wrong logins (half for alice, half for unknown names, one address): while the checks that got a
     * slot are held inside the derivation, every other attempt has already been answered 429 without deriving.
     */
    @Test
    void aLoginFloodRunsAtMostNDerivationsAtOnceAndTheRealUserStillGetsIn() throws Exception {
        GatedVerifier checks = new GatedVerifier();
        int port = start(counted(10_000, checks), null);
        int n = 40;
        AtomicInteger answered = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<HttpURLConnection>> calls = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String user = i % 2 == 0 ? "alice" : "intruder" + i;
                String password = "guess-" + i;
                calls.add(pool.submit(() -> {
                    HttpURLConnection c = req(port, "GET", "/api/status", user, password);
                    c.getResponseCode();
                    answered.incrementAndGet();
                    return c;
                }));
            }
            GatedVerifier.await(() -> answered.get() + checks.running.get() >= n);
            int inside = checks.running.get();
            checks.open();
            int refused = 0, wrong = 0;
            for (Future<HttpURLConnection> f : calls) {
                HttpURLConnection c = f.get(60, TimeUnit.SECONDS);
                if (c.getResponseCode() == 429) {
                    refused++;
                    assertNotNull(c.getHeaderField("Retry-After"), "429 says when to retry");
                } else {
                    assertEquals(401, c.getResponseCode());
                    wrong++;
                }
            }
            assertTrue(inside <= 2, inside + " derivations at once");
            assertTrue(checks.maxRunning.get() <= 2, checks.maxRunning.get() + " derivations at once");
            assertEquals(2, checks.derivations.get(), "the refused attempts did not derive");
            assertEquals(2, wrong);
            assertEquals(n - 2, refused);
        } finally {
            checks.open();
            pool.shutdownNow();
        }
        HttpURLConnection real = req(port, "GET", "/api/status", "alice", "s3cret-pass");
        assertEquals(200, real.getResponseCode(), "the flood did not lock alice out");
        assertEquals("ok GET alice", body(real));
    }

    /** One failure a minute allowed: a second guess while the first is still being checked is already over it. */
    @Test
    void anAttemptIsCountedBeforeItsDerivation() throws Exception {
        GatedVerifier checks = new GatedVerifier();
        int port = start(counted(1, 10_000, checks), null);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<Integer> first = pool.submit(() -> req(port, "GET", "/api/status", "alice", "guess-1").getResponseCode());
            GatedVerifier.await(() -> checks.running.get() == 1);
            HttpURLConnection second = req(port, "GET", "/api/status", "alice", "guess-2");
            assertEquals(429, second.getResponseCode(), "the pending first guess counts");
            assertEquals(1, checks.derivations.get(), "the second guess never derived");
            checks.open();
            assertEquals(401, first.get(60, TimeUnit.SECONDS));
        } finally {
            checks.open();
            pool.shutdownNow();
        }
    }

    @Test
    void parallelRequestsWithTheSameNewHeaderShareOneDerivation() throws Exception {
        GatedVerifier checks = new GatedVerifier();
        int port = start(counted(10_000, checks), null);
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<Integer>> calls = new ArrayList<>();
            for (int i = 0; i < 6; i++)
                calls.add(pool.submit(() -> req(port, "GET", "/api/status", "alice", "s3cret-pass").getResponseCode()));
            GatedVerifier.await(() -> checks.running.get() == 1);
            Thread.sleep(300); // let the other requests arrive while the first one derives (either way they must pass)
            checks.open();
            for (Future<Integer> f : calls) assertEquals(200, f.get(60, TimeUnit.SECONDS), "page, stream, poll at once");
        } finally {
            checks.open();
            pool.shutdownNow();
        }
        assertEquals(1, checks.derivations.get(), "one derivation for one header");
    }

    @Test
    void unknownUserNamesAreCheckedAgainstADecoyLikeKnownOnes() throws Exception {
        List<PasswordHash> checked = new java.util.concurrent.CopyOnWriteArrayList<>();
        int port = start(counted(10_000, (h, pw) -> {
            checked.add(h);
            return h.matches(pw);
        }), null);
        assertEquals(401, req(port, "GET", "/api/status", "nobody", "s3cret-pass").getResponseCode());
        assertEquals(1, checked.size(), "an unknown name costs one derivation, as a known one does");
        assertFalse(checked.get(0).matches("s3cret-pass"), "the decoy matches no password");
        assertEquals(401, req(port, "GET", "/api/status", "alice", "wrong").getResponseCode());
        assertEquals(2, checked.size());
    }

    @Test
    void theFailureTableStaysBoundedAndForgetsTheLeastRecentlyUsed() {
        AtomicInteger derivations = new AtomicInteger();
        BasicAuthPolicy policy = counted(1_000, (h, pw) -> derivations.incrementAndGet() < 0);
        for (int i = 0; i < 20_000; i++) {
            if (i == 19_500) {
                for (int k = 0; k < 3; k++) assertFalse(policy.allow(fakeRequest("10.99.0.1", "alice", "x" + k), fakeResponse()));
            }
            assertFalse(policy.allow(fakeRequest("10." + (i >> 16) + "." + ((i >> 8) & 255) + "." + (i & 255), "alice", "no"),
                    fakeResponse()));
            assertTrue(policy.trackedClients() <= 1_000, "bounded at " + i);
        }
        assertEquals(1_000, policy.trackedClients());
        assertEquals(20_003, derivations.get());
        assertFalse(policy.allow(fakeRequest("10.99.0.1", "alice", "y"), fakeResponse()));
        assertEquals(20_003, derivations.get(), "a recent offender is still remembered: refused without deriving");
    }

    static javax.servlet.http.HttpServletRequest fakeRequest(String address, String user, String password) {
        String header = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        return (javax.servlet.http.HttpServletRequest) java.lang.reflect.Proxy.newProxyInstance(
                AuthJettyTest.class.getClassLoader(), new Class<?>[] { javax.servlet.http.HttpServletRequest.class },
                (p, m, a) -> switch (m.getName()) {
                    case "getMethod" -> "GET";
                    case "getRequestURI" -> "/vigie/api/packages";
                    case "getContextPath" -> "/vigie";
                    case "getRemoteAddr" -> address;
                    case "getHeader" -> "Authorization".equals(a[0]) ? header : null;
                    case "isSecure" -> false;
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

    static final HttpClient HTTP = HttpClient.newHttpClient();

    HttpRequest.Builder as(String scheme, int port, String path, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(scheme + "://127.0.0.1:" + port + "/vigie" + path))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                        "alice:s3cret-pass".getBytes(StandardCharsets.UTF_8)));
        return headers.length == 0 ? b : b.headers(headers);
    }

    static HttpRequest post(HttpRequest.Builder b, String contentType, String body) {
        return b.header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    static HttpResponse<String> send(HttpRequest r) throws IOException, InterruptedException {
        return HTTP.send(r, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void stateChangesNeedSameOriginProofAndReadsDoNot() throws Exception {
        int port = start(config(ALICE));
        String own = "http://127.0.0.1:" + port, dp = "application/octet-stream";
        for (String[] h : new String[][] { { "Origin", "https://evil.example" }, { "Origin", "null" },
                { "Origin", "http://127.0.0.1:" + (port + 1) }, { "Sec-Fetch-Site", "cross-site" },
                { "Sec-Fetch-Site", "same-site" }, {} }) {
            HttpResponse<String> r = send(post(as("http", port, "/api/packages", h), dp, "PK"));
            assertEquals(403, r.statusCode(), String.join(": ", h) + " " + r.body());
            assertFalse(r.body().startsWith("ok"), "the servlet never ran");
            assertTrue(r.body().contains("refused"), r.body());
        }
        HttpResponse<String> multipart = send(post(as("http", port, "/api/packages", "Origin", "https://evil.example"),
                "multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"dp\"\r\n\r\nPK\r\n--x--"));
        assertEquals(403, multipart.statusCode(), "a cross-site form upload");
        assertTrue(multipart.body().contains("cross-site"), multipart.body());
        assertEquals(403, send(as("http", port, "/api/packages/x", "Origin", "https://evil.example").DELETE().build())
                .statusCode());

        for (String[] h : new String[][] { { "Origin", own }, { "Origin", "https://vigie.example.org" },
                { "Sec-Fetch-Site", "same-origin" }, { "X-Requested-By", "vigie" } }) {
            HttpResponse<String> r = send(post(as("http", port, "/api/packages", h), dp, "PK"));
            assertEquals(200, r.statusCode(), String.join(": ", h) + " " + r.body());
            assertEquals("ok POST alice", r.body());
        }
        assertEquals(200, send(post(as("http", port, "/api/packages", "Origin", own), "multipart/form-data; boundary=x",
                "--x--")).statusCode());
        assertEquals(200, send(post(as("http", port, "/api/packages", "X-Requested-By", "vigie"), "application/json",
                "{}")).statusCode());
        assertEquals(200, send(as("http", port, "/api/packages/x", "X-Requested-By", "vigie").DELETE().build())
                .statusCode(), "no body, no type needed");
        HttpResponse<String> read = send(as("http", port, "/api/status", "Origin", "https://evil.example",
                "Sec-Fetch-Site", "cross-site").GET().build());
        assertEquals(200, read.statusCode(), "reads are not state changes");
        assertEquals("ok GET alice", read.body());
        HttpResponse<String> anonymous = send(HttpRequest.newBuilder(URI.create(own + "/vigie/api/packages"))
                .header("Origin", "https://evil.example").POST(HttpRequest.BodyPublishers.ofString("PK")).build());
        assertEquals(401, anonymous.statusCode(), "the login comes first: anonymous clients still get the challenge");
    }

    @Test
    void stateChangingBodiesMustBeRawPackagesMultipartOrJson() throws Exception {
        int port = start(config(ALICE));
        for (String type : new String[] { "text/plain", "application/x-www-form-urlencoded", "text/plain; charset=utf-8" }) {
            HttpResponse<String> r = send(post(as("http", port, "/api/packages", "X-Requested-By", "vigie"), type, "PK"));
            assertEquals(415, r.statusCode(), type);
            assertTrue(r.body().contains("application/octet-stream"), r.body());
        }
        HttpResponse<String> untyped = send(as("http", port, "/api/packages", "X-Requested-By", "vigie")
                .POST(HttpRequest.BodyPublishers.ofString("PK")).build());
        assertEquals(415, untyped.statusCode(), "a raw body without Content-Type");
        assertEquals(200, send(post(as("http", port, "/api/packages", "X-Requested-By", "vigie"),
                "Application/Octet-Stream", "PK")).statusCode());
    }

    @Test
    void httpsResponsesCarryHsts(@TempDir Path dir) throws Exception {
        Path ks = dir.resolve("tls.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "t", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
                "-ext", "SAN=ip:127.0.0.1", "-storetype", "PKCS12", "-keystore", ks.toString(), "-storepass", "changeit",
                "-keypass", "changeit", "-validity", "2").redirectErrorStream(true).start();
        String out = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, keytool.waitFor(), out);
        auth = new AuthComponent(config(ALICE));
        int port = start(auth, ks);
        KeyStore trust = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(ks)) {
            trust.load(in, "changeit".toCharArray());
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, tmf.getTrustManagers(), null);
        HttpClient https = HttpClient.newBuilder().sslContext(tls).build();
        HttpResponse<String> ok = https.send(as("https", port, "/api/status").GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, ok.statusCode());
        assertEquals("max-age=600", ok.headers().firstValue("Strict-Transport-Security").orElse("(none)"));
        HttpResponse<String> anonymous = https.send(HttpRequest.newBuilder(
                URI.create("https://127.0.0.1:" + port + "/vigie/api/status")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(401, anonymous.statusCode());
        assertTrue(anonymous.headers().firstValue("Strict-Transport-Security").isPresent(), "on refusals too");
    }

    @Test
    void plainHttpResponsesCarryNoHsts() throws Exception {
        int port = start(config(ALICE));
        HttpResponse<String> r = send(as("http", port, "/api/status").GET().build());
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Strict-Transport-Security").isEmpty(), "HSTS over plain HTTP is ignored");
    }
}
