package io.vigie.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import com.google.gson.JsonObject;

/**
 * The gateway's intrusion log on the real gateway: people walking through vtest.avi's floor zone are logged with an
 * annotated snapshot, the endpoint refuses hostile input, and the log survives a restart.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class IntrusionLogIT {
    static final String API = "/vigie/api/intrusions";
    Gateway gw;
    long firstId;

    @BeforeAll
    void start() throws Exception {
        gw = new Gateway(Files.createTempDirectory(Path.of("target").toAbsolutePath(), "intrusions-"));
        gw.writeConfig(GatewayIT.DETECTOR,
                GatewayIT.detectorConfig("INT8", Gateway.vtest().toAbsolutePath().toString(), GatewayIT.FLOOR));
        gw.start();
    }

    @AfterAll
    void stop() throws Exception {
        HostileKit.stop(gw);
    }

    /** The newest intrusion of the floor zone, once one newer than {@code afterId} has its snapshot. */
    JsonObject withSnapshot(long afterId) throws Exception {
        JsonObject list = gw.awaitJson(API + "?zone=floor", o -> {
            if (o.getAsJsonArray("intrusions").isEmpty()) return false;
            JsonObject r = o.getAsJsonArray("intrusions").get(0).getAsJsonObject();
            return r.get("id").getAsLong() > afterId && !r.get("thumb").isJsonNull();
        }, 120_000);
        return list.getAsJsonArray("intrusions").get(0).getAsJsonObject();
    }

    @Test
    @Order(1)
    void peopleInTheZoneAreLoggedWithAnAnnotatedSnapshot() throws Exception {
        JsonObject r = withSnapshot(0);
        firstId = r.get("id").getAsLong();
        assertEquals("floor", r.get("zone").getAsString());
        assertTrue(r.get("persons").getAsInt() >= 1, r.toString());
        assertTrue(r.get("model").getAsString().contains("INT8"), r.toString());
        long start = r.get("startMs").getAsLong();
        assertTrue(Math.abs(System.currentTimeMillis() - start) < 600_000, "wall-clock start: " + r);
        HttpResponse<byte[]> t = gw.http.send(gw.loggedIn(r.get("thumb").getAsString()).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, t.statusCode());
        assertEquals("image/jpeg", t.headers().firstValue("Content-Type").orElse(""));
        assertTrue(t.body().length < 64 * 1024, "small: " + t.body().length + " bytes");
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(t.body()));
        assertEquals(320, img.getWidth(), "the annotated frame scaled to 320 px");
        // the time filter: it started after "until", and overlaps "since"
        assertTrue(!ids(gw.json(API + "?until=" + (start - 1))).contains(firstId));
        assertTrue(ids(gw.json(API + "?since=" + start + "&limit=1000")).contains(firstId));
        assertEquals(0, gw.json(API + "?zone=nowhere").getAsJsonArray("intrusions").size());
    }

    static java.util.List<Long> ids(JsonObject list) {
        java.util.List<Long> ids = new java.util.ArrayList<>();
        list.getAsJsonArray("intrusions").forEach(e -> ids.add(e.getAsJsonObject().get("id").getAsLong()));
        return ids;
    }

    @Test
    @Order(2)
    void hostileRequestsAreRefused() throws Exception {
        String[][] cases = {
            { "?limit=1000000", "400", "limit: 1..1000" },
            { "?limit=", "200", "intrusions" },
            { "?since=abc", "400", "since: epoch milliseconds" },
            { "?since=2026-12-07T10:00:00Z&until=2026-12-07T09:00:00Z", "400", "since is after until" },
            { "?zone=%00%0a" + "x".repeat(100), "400", "64 characters" },
            { "/0/thumb.jpg", "404", "no snapshot for intrusion 0" },
            { "/abc/thumb.jpg", "404", "no such resource" },
            { "/1/thumb.png", "404", "no such resource" },
        };
        for (String[] c : cases) {
            HttpResponse<String> r = gw.get(API + c[0]);
            assertEquals(Integer.parseInt(c[1]), r.statusCode(), c[0] + " -> " + r.body());
            assertTrue(r.body().contains(c[2]), c[0] + " -> " + r.body());
        }
        assertEquals(401, gw.anonymousGet(API).statusCode(), "the log is behind the sign-in like the rest");
        assertEquals(401, gw.anonymousGet(API + "/" + firstId + "/thumb.jpg").statusCode());
        String auth = "Basic " + Base64.getEncoder().encodeToString((Gateway.USER + ":" + gw.password)
                .getBytes(StandardCharsets.UTF_8));
        for (String path : new String[] { API + "/%2e%2e/%2e%2e/conf/thumb.jpg", API + "/..%2f..%2fdata/thumb.jpg",
            API + "/1%00/thumb.jpg", API + "/" + firstId + "/..;/thumb.jpg" }) {
            String status = raw("GET " + path + " HTTP/1.1\r\nHost: x\r\nAuthorization: " + auth
                    + "\r\nConnection: close\r\n\r\n");
            assertTrue(status.startsWith("HTTP/1.1 4"), path + " -> " + status);
        }
        assertTrue(gw.alive());
    }

    String raw(String request) throws Exception {
        try (Socket s = new Socket("127.0.0.1", gw.port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            return answer.lines().findFirst().orElse("");
        }
    }

    @Test
    @Order(3)
    void theLogAndItsSnapshotsSurviveARestart() throws Exception {
        gw.close();
        gw.start();
        JsonObject list = gw.awaitJson(API + "?until=" + System.currentTimeMillis() + "&limit=1000", o -> true, 120_000);
        boolean found = false;
        for (var e : list.getAsJsonArray("intrusions")) {
            JsonObject r = e.getAsJsonObject();
            if (r.get("id").getAsLong() == firstId) {
                found = true;
                assertTrue(!r.get("thumb").isJsonNull(), r.toString());
                HttpResponse<byte[]> t = gw.http.send(gw.loggedIn(r.get("thumb").getAsString()).GET().build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                assertEquals(200, t.statusCode());
            }
        }
        assertTrue(found, "intrusion " + firstId + " kept across the restart: " + list);
        withSnapshot(firstId); // new intrusions, new ids after the kept ones
    }

    HttpResponse<String> patchSettings(String json) throws Exception {
        return gw.http.send(gw.request("/vigie/api/settings").header("Content-Type", "application/json")
                .method("PATCH", java.net.http.HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** What the zones editor does: its PATCH of the zones key, refused as the validator words it, else applied live. */
    @Test
    @Order(4)
    void zonesSavedThroughTheSettingsEndpointRaiseIntrusionsThere() throws Exception {
        HttpResponse<String> bad = patchSettings("{\"zones\":[\"x:0,0;1,1;0,1;1,0\"]}");
        assertEquals(400, bad.statusCode(), bad.body());
        assertTrue(bad.body().contains("zone 'x' edges cross each other"), bad.body());
        assertEquals("floor", gw.json("/vigie/api/status").getAsJsonArray("zones").get(0).getAsJsonObject()
                .get("name").getAsString(), "nothing changed");
        HttpResponse<String> ok = patchSettings("{\"zones\":[\"drawn:0,0.3;1,0.3;1,1;0,1\"]}");
        assertEquals(200, ok.statusCode(), ok.body());
        JsonObject list = gw.awaitJson(API + "?zone=drawn", o -> o.getAsJsonArray("intrusions").size() > 0
                && !o.getAsJsonArray("intrusions").get(0).getAsJsonObject().get("thumb").isJsonNull(), 120_000);
        assertEquals("drawn", list.getAsJsonArray("intrusions").get(0).getAsJsonObject().get("zone").getAsString());
    }
}
