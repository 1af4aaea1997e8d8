package io.vigie.tools.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * JSON GETs against the gateway's /vigie API, logged in as a throw-away user the bench configures
 * ({@link #authConfig()}); "not yet" (refused, 404, 503) is an empty result.
 */
public final class Http {
    public static final String USER = "bench";
    public static final String AUTH_PID = "io.vigie.web.auth";
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final String base;
    private final String password;

    /** @param password the bench user's password ({@link #newPassword()}), written with {@link #authConfig(String)} */
    public Http(int port, String password) {
        this.base = "http://127.0.0.1:" + port;
        this.password = password;
    }

    public static String newPassword() {
        return "bench-" + Long.toHexString(new java.security.SecureRandom().nextLong());
    }

    /** The io.vigie.web.auth configuration admitting {@link #USER} with {@code password} (PBKDF2, as ./vigie password). */
    public static java.util.Map<String, Object> authConfig(String password) {
        try {
            byte[] salt = new byte[16];
            new java.security.SecureRandom().nextBytes(salt);
            int iterations = 20_000;
            byte[] dk = javax.crypto.SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
                    .generateSecret(new javax.crypto.spec.PBEKeySpec(password.toCharArray(), salt, iterations, 256)).getEncoded();
            java.util.HexFormat hex = java.util.HexFormat.of();
            String hash = "{pbkdf2-sha256}" + iterations + ":" + hex.formatHex(salt) + ":" + hex.formatHex(dk);
            return java.util.Map.of("users", java.util.List.of(USER + ":" + hash));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A request logged in as the bench user, with the same-origin proof scripts send (X-Requested-By). */
    public HttpRequest.Builder request(String path) {
        String basic = java.util.Base64.getEncoder()
                .encodeToString((USER + ":" + password).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Basic " + basic)
                .header("X-Requested-By", "vigie-bench");
    }

    public Optional<JsonObject> getJson(String path) throws InterruptedException {
        try {
            HttpResponse<String> r = client.send(request(path).timeout(Duration.ofSeconds(5)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) return Optional.empty();
            JsonElement e = JsonParser.parseString(r.body());
            return e.isJsonObject() ? Optional.of(e.getAsJsonObject()) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
