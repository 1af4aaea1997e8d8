package io.vigie.it.dashboard;

import static io.vigie.it.dashboard.DashboardGateway.ADMIN;
import static io.vigie.it.dashboard.DashboardGateway.VIEWER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.WebDriverWait;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.vigie.it.OpsFixtures;

/**
 * The packages, events and zones pages in a real Chromium against the real gateway jar (one gateway for the class):
 * a bad upload is refused with the server's words and changes nothing; a good model package shows its health
 * countdown, then its verdict; a zone drawn on the live frame is applied and raises intrusions that appear on the
 * events page with their snapshots.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardOpsIT {
    static final String INT8 = OpsFixtures.INT8;
    /** Failed requests a test provokes on purpose (a refused upload, a refused zone). */
    static final String EXPECTED_REFUSAL =
            "Failed to load resource: the server responded with a status of (400|409|413|415|422)\\b.*";
    DashboardGateway dash;
    Path files;

    @BeforeAll
    void start() throws Exception {
        dash = DashboardGateway.start("dash-ops-");
        files = Files.createDirectories(dash.gw.dir.resolve("uploads"));
        // a 6 s health window, so the countdown and the verdict come within the test
        dash.gw.writeConfig("io.vigie.ota", OpsFixtures.otaShortWindow());
        OpsFixtures.awaitLog(dash.gw, "health window 6 s");
    }

    @AfterAll
    void stop() throws Exception {
        if (dash != null) dash.close();
    }

    Browser admin() {
        Browser b = dash.browser();
        b.allowConsoleErrors(EXPECTED_REFUSAL);
        b.signIn(ADMIN, dash.adminPassword);
        return b;
    }

    JsonObject api(String path) throws Exception {
        HttpResponse<String> r = dash.gw.get(path);
        assertEquals(200, r.statusCode(), path + " -> " + r.body());
        return JsonParser.parseString(r.body()).getAsJsonObject();
    }

    static String text(WebDriver d, String css) {
        List<WebElement> e = d.findElements(By.cssSelector(css));
        return e.isEmpty() ? "" : e.get(0).getText();
    }

    @Test
    @Order(1)
    void aBadPackageIsRefusedWithTheServersWordsAndNothingChanges() throws Exception {
        String before = api("/vigie/api/packages").getAsJsonArray("packages").toString();
        byte[] bad = "PK\u0003\u0004 this is not a deployment package".getBytes(StandardCharsets.ISO_8859_1);
        Path dp = Files.write(files.resolve("bad.dp"), bad);
        Path sig = Files.write(files.resolve("bad.dp.sig"), OpsFixtures.signature(dash.gw, bad));
        // the server's own words for that package, asked over HTTP
        HttpResponse<String> direct = OpsFixtures.postSigned(dash.gw, bad);
        assertTrue(direct.statusCode() >= 400, direct.body());
        String expected = JsonParser.parseString(direct.body()).getAsJsonObject().get("error").getAsString();
        try (Browser b = admin()) {
            b.open("/vigie/ui/packages.html");
            String rows = b.wait(d -> d.findElements(By.cssSelector("#packages tbody tr")).isEmpty() ? null
                    : d.findElement(By.cssSelector("#packages tbody")).getText());
            b.driver().findElement(By.id("dp")).sendKeys(dp.toString());
            b.driver().findElement(By.id("up-sig")).sendKeys(sig.toString());
            b.driver().findElement(By.id("up-go")).click();
            String shown = b.wait(d -> {
                WebElement m = d.findElement(By.id("message"));
                return m.isDisplayed() && !m.getText().isEmpty() ? m.getText() : null;
            });
            assertEquals("Install refused: " + expected, shown);
            assertEquals(rows, b.driver().findElement(By.cssSelector("#packages tbody")).getText(),
                    "the list did not change");
            b.screenshot("packages-refused-1366x768");
            // install from a URL the gateway cannot fetch: its downloader's words
            String url = "http://127.0.0.1:" + closedPort() + "/missing.dp";
            HttpResponse<String> fromApi = dash.gw.http.send(dash.gw.request("/vigie/api/packages")
                    .header("Content-Type", "application/json").POST(java.net.http.HttpRequest.BodyPublishers
                            .ofString("{\"url\":\"" + url + "\"}")).build(), HttpResponse.BodyHandlers.ofString());
            assertTrue(fromApi.statusCode() >= 400, fromApi.body());
            b.driver().findElement(By.id("url")).sendKeys(url);
            b.driver().findElement(By.id("url-go")).click();
            String urlShown = b.wait(d -> {
                String t = text(d, "#message");
                return t.startsWith("Install refused: ") && !t.equals(shown) ? t : null;
            });
            assertEquals("Install refused: " + JsonParser.parseString(fromApi.body()).getAsJsonObject().get("error")
                    .getAsString(), urlShown);
            assertEquals(rows, b.driver().findElement(By.cssSelector("#packages tbody")).getText());
        }
        assertEquals(before, api("/vigie/api/packages").getAsJsonArray("packages").toString(), "nothing installed");
    }

    /** A local port nothing listens on (bound, then closed). */
    static int closedPort() throws java.io.IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    @Order(2)
    void aGoodPackageUploadsWithProgressThenCountsDownItsHealthWindowToAVerdict() throws Exception {
        String version = OpsFixtures.int8BundleVersion() + "dash";
        byte[] good = OpsFixtures.int8ModelDp(version);
        Path dp = Files.write(files.resolve("int8-" + version + ".dp"), good);
        Path sig = Files.write(files.resolve("int8-" + version + ".dp.sig"), OpsFixtures.signature(dash.gw, good));
        try (Browser b = admin()) {
            b.open("/vigie/ui/packages.html");
            b.wait(d -> !d.findElements(By.cssSelector("#packages tbody tr")).isEmpty());
            b.driver().findElement(By.id("dp")).sendKeys(dp.toString());
            b.driver().findElement(By.id("up-sig")).sendKeys(sig.toString());
            b.driver().findElement(By.id("up-go")).click();
            // the countdown card of the watch, with seconds left
            String watch = "#watches .watch[data-name='" + INT8 + "']";
            String countdown = b.wait(d -> {
                String t = text(d, watch + " .countdown");
                return t.matches("\\d+ s") ? t : null;
            });
            assertTrue(Integer.parseInt(countdown.split(" ")[0]) <= 12, "at most two 6 s windows: " + countdown);
            assertTrue(text(b.driver(), watch).contains("Checks: the model must become active within 6 s"),
                    text(b.driver(), watch));
            assertEquals(100L, ((Number) b.script("return document.getElementById('up-progress').value")).longValue(),
                    "the upload's progress reached 100 %");
            assertTrue(text(b.driver(), "#info").contains("Installed " + INT8 + " " + version), text(b.driver(), "#info"));
            b.screenshot("packages-1366x768");
            // the verdict replaces the countdown (a window of 6 s, at most two: the wait is a hang guard)
            String row = "#packages tbody tr[data-name='" + INT8 + "']";
            String state = new WebDriverWait(b.driver(), Duration.ofSeconds(60)).until(d -> {
                List<WebElement> v = d.findElements(By.cssSelector(row + " .verdict"));
                return v.isEmpty() || !d.findElements(By.cssSelector(watch)).isEmpty() ? null : v.get(0).getAttribute(
                        "data-state");
            });
            assertEquals("HEALTHY", state, text(b.driver(), row));
            assertTrue(text(b.driver(), row).contains(version) && text(b.driver(), row).contains("healthy"),
                    text(b.driver(), row));
            b.screenshot("packages-healthy-1366x768");
        }
        JsonObject last = api("/vigie/api/packages").getAsJsonObject("health").getAsJsonObject("last")
                .getAsJsonObject(INT8);
        assertEquals(version, last.get("version").getAsString());
        assertEquals("HEALTHY", last.get("state").getAsString());
    }

    @Test
    @Order(3)
    void aViewerSeesThePackagesButNoControlsAndTheServerRefusesThem() throws Exception {
        try (Browser b = dash.browser()) {
            b.signIn(VIEWER, dash.viewerPassword);
            b.open("/vigie/ui/packages.html");
            b.wait(d -> !d.findElements(By.cssSelector("#packages tbody tr[data-name]")).isEmpty());
            assertFalse(b.driver().findElement(By.id("upload")).isDisplayed());
            assertFalse(b.driver().findElement(By.id("fromurl")).isDisplayed());
            assertTrue(b.driver().findElements(By.cssSelector("#packages button")).stream()
                    .noneMatch(WebElement::isDisplayed));
        }
        DashboardGateway.Session s = dash.signIn(VIEWER, dash.viewerPassword);
        HttpResponse<String> r = dash.send(s, "DELETE", "/vigie/api/packages/" + INT8, null, "X-CSRF-Token", s.csrf());
        assertEquals(403, r.statusCode(), r.body());
    }

    @Test
    @Order(5)
    void anAdminUninstallsAPackageFromThePage() throws Exception {
        String name = "vigie-it-plain";
        HttpResponse<String> r = OpsFixtures.postSigned(dash.gw, OpsFixtures.plainDp(name, "1.0.0"));
        assertEquals(200, r.statusCode(), r.body());
        try (Browser b = admin()) {
            b.open("/vigie/ui/packages.html");
            String row = "#packages tbody tr[data-name='" + name + "']";
            b.wait(d -> d.findElements(By.cssSelector(row + " button")).isEmpty() ? null
                    : d.findElement(By.cssSelector(row + " button"))).click();
            b.driver().switchTo().alert().accept(); // "Uninstall vigie-it-plain?"
            b.wait(d -> d.findElements(By.cssSelector(row)).isEmpty() ? true : null);
            assertEquals("Uninstalled " + name + ".", text(b.driver(), "#info"));
        }
        assertFalse(api("/vigie/api/packages").getAsJsonArray("packages").toString().contains(name));
    }

    /** Clicks the canvas at these fractions of its size (Selenium offsets are from the element's centre). */
    static void clickAt(Browser b, WebElement canvas, double fx, double fy) {
        int w = canvas.getSize().getWidth(), h = canvas.getSize().getHeight();
        new Actions(b.driver()).moveToElement(canvas, (int) Math.round((fx - 0.5) * w),
                (int) Math.round((fy - 0.5) * h)).click().perform();
    }

    void drawZone(Browser b, String name, double[][] points) {
        WebElement n = b.driver().findElement(By.id("zname"));
        n.clear();
        n.sendKeys(name);
        b.driver().findElement(By.id("new")).click();
        WebElement canvas = b.driver().findElement(By.id("canvas"));
        for (double[] p : points) clickAt(b, canvas, p[0], p[1]);
        b.driver().findElement(By.id("finish")).click();
    }

    String spec(Browser b) {
        return (String) b.script("return document.getElementById('spec').value");
    }

    @Test
    @Order(4)
    void aZoneDrawnOnTheLiveFrameIsValidatedAppliedAndRaisesIntrusionsOnTheEventsPage() throws Exception {
        Map<String, Object> noZones = OpsFixtures.detectorWithoutZones();
        dash.gw.writeConfig(OpsFixtures.DETECTOR, noZones);
        dash.gw.awaitJson("/vigie/api/status", s -> s.getAsJsonArray("zones").isEmpty(), 60_000);
        // the removed zone sends no END: the log ends its open intrusion from the frames
        dash.gw.awaitJson("/vigie/api/intrusions?zone=floor", o -> {
            for (var e : o.getAsJsonArray("intrusions")) if (!e.getAsJsonObject().has("endMs")) return false;
            return true;
        }, 30_000);
        try (Browser b = admin()) {
            b.open("/vigie/ui/zones.html");
            b.wait(d -> ((Number) b.script("var f = document.getElementById('frame'); return f.naturalWidth || 0"))
                    .intValue() > 0);
            b.wait(d -> text(d, "#zones").contains("No zone"));
            // edges crossing: the detector's validator refuses it, in its words, and nothing changes
            drawZone(b, "bowtie", new double[][] { { 0.1, 0.3 }, { 0.9, 0.9 }, { 0.9, 0.3 }, { 0.1, 0.9 } });
            b.driver().findElement(By.id("save")).click();
            String refused = b.wait(d -> text(d, "#message").isEmpty() ? null : text(d, "#message"));
            // the validator's own words for the very value the page sent
            HttpResponse<String> direct = dash.gw.http.send(dash.gw.request("/vigie/api/settings")
                    .header("Content-Type", "application/json").method("PATCH", java.net.http.HttpRequest.BodyPublishers
                            .ofString("{\"zones\":[\"" + spec(b) + "\"]}")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(400, direct.statusCode(), direct.body());
            assertEquals("Not saved: " + JsonParser.parseString(direct.body()).getAsJsonObject().get("error").getAsString(),
                    refused);
            assertTrue(refused.contains("zone 'bowtie' edges cross each other"), refused);
            assertTrue(api("/vigie/api/status").getAsJsonArray("zones").isEmpty(), "nothing applied");
            b.driver().findElement(By.id("revert")).click();
            b.wait(d -> text(d, "#zones").contains("No zone"));
            // the floor where people walk, then one point dragged a little higher
            drawZone(b, "drawn", new double[][] { { 0.02, 0.40 }, { 0.98, 0.40 }, { 0.98, 0.98 }, { 0.02, 0.98 } });
            String drawn = spec(b);
            String frac = "0\\.\\d+";
            assertTrue(drawn.matches("drawn:" + frac + "," + frac + "(;" + frac + "," + frac + "){3}"), drawn);
            WebElement canvas = b.driver().findElement(By.id("canvas"));
            int w = canvas.getSize().getWidth(), h = canvas.getSize().getHeight();
            new Actions(b.driver()).moveToElement(canvas, (int) Math.round((0.02 - 0.5) * w),
                    (int) Math.round((0.40 - 0.5) * h)).clickAndHold().moveByOffset(0, -h / 10).release().perform();
            String moved = spec(b);
            double y = Double.parseDouble(moved.split(":")[1].split(";")[0].split(",")[1]);
            assertTrue(y < 0.35 && y > 0.25, "first point dragged from 0.40 to ~0.30: " + moved);
            b.screenshot("zones-1366x768");
            b.driver().findElement(By.id("save")).click();
            b.wait(d -> text(d, "#info").startsWith("Saved") ? true : null);
            assertEquals("", text(b.driver(), "#message"));
            JsonObject zone = api("/vigie/api/status").getAsJsonArray("zones").get(0).getAsJsonObject();
            assertEquals("drawn", zone.get("name").getAsString(), "applied live");

            // the events page: the zone's intrusion arrives live (SSE), with its snapshot
            b.open("/vigie/ui/events.html");
            b.wait(d -> text(d, "#live-state").equals("live") ? true : null);
            WebElement img = new WebDriverWait(b.driver(), Duration.ofSeconds(120)).until(d -> {
                for (WebElement tr : d.findElements(By.cssSelector("#events tbody tr[data-id]"))) {
                    if (!tr.getText().contains("drawn")) continue;
                    List<WebElement> i = tr.findElements(By.cssSelector("img"));
                    if (!i.isEmpty() && ((Number) b.script("return arguments[0].complete ? arguments[0]"
                            + ".naturalWidth : 0", i.get(0))).intValue() > 0) return i.get(0);
                }
                return null;
            });
            assertEquals(320L, ((Number) b.script("return arguments[0].naturalWidth", img)).longValue(), "the snapshot");
            b.screenshot("events-1366x768");
            // the zone filter
            new org.openqa.selenium.support.ui.Select(b.driver().findElement(By.id("zone"))).selectByValue("drawn");
            b.wait(d -> {
                List<WebElement> rows = d.findElements(By.cssSelector("#events tbody tr[data-id]"));
                return !rows.isEmpty() && rows.stream().allMatch(r -> r.getText().contains("drawn"));
            });
        }
    }
}
