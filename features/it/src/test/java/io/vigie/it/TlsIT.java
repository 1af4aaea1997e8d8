package io.vigie.it;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Properties;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HTTPS as a user sets it up: ./vigie tls --https-only, then the gateway serves only TLS, still behind the login. */
class TlsIT {

    @Test
    void httpsOnlyGatewayServesTheApiOverTlsBehindTheLogin(@TempDir Path dir) throws Exception {
        try (Gateway gw = new Gateway(dir)) {
            gw.writeConfig("io.vigie.detector",
                    Map.of("source.uri", Gateway.vtest().toAbsolutePath().toString(), "source.loop", "true"));
            int httpsPort = Gateway.freePort();
            Process tls = new ProcessBuilder("bash", Gateway.root().resolve("vigie").toString(), "tls",
                    "--config", gw.conf.toString(), "--https-port", Integer.toString(httpsPort), "--https-only",
                    "--cn", "localhost").redirectErrorStream(true).start();
            String out = new String(tls.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, tls.waitFor(), out);
            assertTrue(out.contains("SHA256:"), "prints the certificate fingerprint: " + out);
            Path cfg = gw.conf.resolve("org.apache.felix.http.cfg");
            assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(cfg)),
                    "the keystore password file is private");
            Properties p = new Properties();
            try (InputStream in = Files.newInputStream(cfg)) {
                p.load(in);
            }
            String ksPassword = p.getProperty("org.apache.felix.https.keystore.password");
            assertFalse(out.contains(ksPassword), "the keystore password is not printed");

            // trust exactly the generated certificate, as a client given its fingerprint would
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(Path.of(p.getProperty("org.apache.felix.https.keystore")))) {
                ks.load(in, ksPassword.toCharArray());
            }
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("vigie", ks.getCertificate("vigie"));
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(null, tmf.getTrustManagers(), null);
            HttpClient https = HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(5)).build();
            String auth = "Basic "
                    + Base64.getEncoder().encodeToString((Gateway.USER + ":" + gw.password).getBytes(StandardCharsets.UTF_8));

            gw.start();
            URI status = URI.create("https://localhost:" + httpsPort + "/vigie/api/status");
            HttpResponse<String> r = gw.await("HTTPS answering 200", Duration.ofSeconds(60), () -> {
                assertTrue(gw.alive(), gw.tail());
                try {
                    return https.send(HttpRequest.newBuilder(status).header("Authorization", auth).build(),
                            HttpResponse.BodyHandlers.ofString());
                } catch (ConnectException notYet) {
                    return null; // Jetty restarts its connectors when the TLS configuration arrives
                }
            }, x -> x != null && x.statusCode() == 200);
            assertTrue(r.body().contains("\"state\""), r.body());
            assertEquals(401, https.send(HttpRequest.newBuilder(status).build(), HttpResponse.BodyHandlers.ofString())
                    .statusCode(), "TLS does not replace the login");
            assertThrows(IOException.class, () -> gw.get("/vigie/api/status"), "plain HTTP is off (--https-only)");
            HttpClient trustsNothing = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            assertThrows(SSLHandshakeException.class,
                    () -> trustsNothing.send(HttpRequest.newBuilder(status).build(), HttpResponse.BodyHandlers.ofString()),
                    "a client that does not trust the certificate is refused");
        }
    }
}
