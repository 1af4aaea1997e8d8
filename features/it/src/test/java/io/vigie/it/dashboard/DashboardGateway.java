package io.vigie.it.dashboard;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.vigie.it.Gateway;
import io.vigie.it.HostileKit;

/**
 * The shared fixture of the dashboard tests: the real gateway jar analysing vtest.avi on INT8 (like the other ITs),
 * with an {@link #ADMIN} and a {@link #VIEWER} user (random passwords), the tests' own Basic user
 * ({@link Gateway#USER}) and any extra users a test class adds. One per test class.
 */
public final class DashboardGateway implements AutoCloseable {
    public static final String ADMIN = "admin";
    public static final String VIEWER = "viewer";
    public final String adminPassword = secret();
    public final String viewerPassword = secret();
    public final Gateway gw;

    /** A signed-in HTTP client's credentials: the session cookie value and its CSRF token. */
    public record Session(String cookie, String csrf) {
    }

    private DashboardGateway(Gateway gw) {
        this.gw = gw;
    }

    /**
     * Starts a gateway in a new folder under target/ (name prefix {@code prefix}) and returns once it serves.
     *
     * @param extraUsers more {@code users} entries ({@code name:[role:]hash}, see {@link Gateway#pbkdf2})
     * @param auth       more io.vigie.web.auth settings (e.g. session timeouts)
     */
    public static DashboardGateway start(String prefix, List<String> extraUsers, Map<String, Object> auth)
            throws Exception {
        DashboardGateway[] made = new DashboardGateway[1];
        HostileKit.start(prefix, Map.of(), g -> {
            made[0] = new DashboardGateway(g);
            made[0].writeAuth(extraUsers, auth);
        });
        return made[0];
    }

    public static DashboardGateway start(String prefix) throws Exception {
        return start(prefix, List.of(), Map.of());
    }

    private void writeAuth(List<String> extraUsers, Map<String, Object> auth) throws IOException {
        String[] users = new String[3 + extraUsers.size()];
        users[0] = Gateway.USER + ":" + Gateway.pbkdf2(gw.password);
        users[1] = ADMIN + ":admin:" + Gateway.pbkdf2(adminPassword);
        users[2] = VIEWER + ":viewer:" + Gateway.pbkdf2(viewerPassword);
        for (int i = 0; i < extraUsers.size(); i++) users[3 + i] = extraUsers.get(i);
        Map<String, Object> c = new LinkedHashMap<>(auth);
        c.put("users", users);
        gw.writeConfig("io.vigie.web.auth", c);
    }

    /** {@code http://127.0.0.1:PORT}, what {@link Browser} takes. */
    public String origin() {
        return "http://127.0.0.1:" + gw.port;
    }

    /** A desktop-sized browser on this gateway (close it: it checks the console). */
    public Browser browser() {
        return new Browser(origin());
    }

    /** Signs in over HTTP as the sign-in page does (same-origin JSON POST). */
    public Session signIn(String user, String password) throws IOException, InterruptedException {
        JsonObject body = new JsonObject();
        body.addProperty("user", user);
        body.addProperty("password", password);
        HttpResponse<String> r = send(null, "POST", "/vigie/api/session", body.toString(), "Origin", origin());
        if (r.statusCode() != 200) throw new IOException("sign-in as " + user + ": HTTP " + r.statusCode() + " " + r.body());
        String set = r.headers().firstValue("Set-Cookie").orElseThrow();
        String cookie = set.substring(set.indexOf('=') + 1, set.indexOf(';'));
        return new Session(cookie, JsonParser.parseString(r.body()).getAsJsonObject().get("csrf").getAsString());
    }

    /**
     * A request as a browser's fetch would send it: with the session's cookie (null: none), a JSON body (null: none)
     * and these extra headers (name, value, ...). No CSRF token unless a test adds it.
     */
    public HttpResponse<String> send(Session s, String method, String path, String json, String... headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(origin() + path)).timeout(Duration.ofSeconds(30))
                .header("Sec-Fetch-Mode", "cors").method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) b.header("Content-Type", "application/json");
        if (s != null) b.header("Cookie", "vigie_session=" + s.cookie());
        if (headers.length > 0) b.headers(headers);
        return gw.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Stops the gateway and starts it again on the same folders (a restart as users do it); returns once it serves. */
    public void restart() throws Exception {
        gw.close();
        gw.start();
        gw.awaitJson(HostileKit.STATUS, s -> HostileKit.serving(s, "INT8"), 120_000);
    }

    private static String secret() {
        return "pw-" + Long.toHexString(new SecureRandom().nextLong());
    }

    @Override
    public void close() throws Exception {
        HostileKit.stop(gw);
    }
}
