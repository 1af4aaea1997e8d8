package io.vigie.it.dashboard;

import static io.vigie.it.dashboard.DashboardGateway.ADMIN;
import static io.vigie.it.dashboard.DashboardGateway.VIEWER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
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

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.vigie.it.Gateway;

/**
 * Sign-in, sessions, CSRF, roles, sign-out and the audit log in a real Chromium against the real gateway jar (one
 * gateway for the class, restarted once to show the audit log survives).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardAuthIT {
    /** An admin of its own, so throttling it leaves {@link DashboardGateway#ADMIN} usable. */
    static final String OPERATOR = "operator";
    final String operatorPassword = "op-" + Long.toHexString(new java.security.SecureRandom().nextLong());
    DashboardGateway dash;

    @BeforeAll
    void start() throws Exception {
        dash = DashboardGateway.start("dash-auth-", List.of(OPERATOR + ":" + Gateway.pbkdf2(operatorPassword)), Map.of());
    }

    @AfterAll
    void stop() throws Exception {
        if (dash != null) dash.close();
    }

    JsonArray audit() throws Exception {
        DashboardGateway.Session s = dash.signIn(VIEWER, dash.viewerPassword);
        HttpResponse<String> r = dash.send(s, "GET", "/vigie/api/audit?limit=1000", null);
        assertEquals(200, r.statusCode(), r.body());
        return JsonParser.parseString(r.body()).getAsJsonObject().getAsJsonArray("records");
    }

    static boolean has(JsonArray records, String event, String user, String method, String path) {
        for (JsonElement e : records) {
            JsonObject o = e.getAsJsonObject();
            if ((event == null ? !o.has("event") : o.has("event") && event.equals(o.get("event").getAsString()))
                    && user.equals(o.get("user").getAsString()) && method.equals(o.get("method").getAsString())
                    && path.equals(o.get("path").getAsString())) return true;
        }
        return false;
    }

    @Test
    @Order(1)
    void aPageWithoutSessionLeadsToSignInWhereWrongPasswordsAreRefusedThenThrottled() throws Exception {
        try (Browser b = dash.browser()) {
            b.open("/vigie/");
            assertTrue(b.path().startsWith("/vigie/ui/signin.html?next="), "no Basic prompt, our page: " + b.path());
            b.screenshot("signin-1366x768");
            b.size(Browser.PHONE_WIDTH, Browser.PHONE_HEIGHT);
            b.screenshot("signin-390");
            b.size(Browser.DESKTOP_WIDTH, Browser.DESKTOP_HEIGHT);
            assertEquals("Wrong user name or password", b.submitSignIn(OPERATOR, "not-" + operatorPassword));
            // the rest of the minute's allowance (10 by default) from the same page, like a script guessing
            Object left = b.asyncScript("var done = arguments[arguments.length - 1], codes = [];"
                    + "function one(i) { if (i === 0) return done(codes.join(','));"
                    + " fetch('/vigie/api/session', {method: 'POST', headers: {'Content-Type': 'application/json'},"
                    + "  body: JSON.stringify({user: 'operator', password: 'guess' + i})})"
                    + " .then(function (r) { codes.push(r.status); one(i - 1); }); }"
                    + "one(9);");
            assertEquals("401,401,401,401,401,401,401,401,401", left);
            String shown = b.submitSignIn(OPERATOR, operatorPassword);
            assertTrue(shown.startsWith("Too many failed logins for this user"), "even the right password waits: "
                    + shown);
            assertTrue(b.path().contains("/signin.html"), "still not signed in");
            b.screenshot("signin-throttled-1366x768");
        }
    }

    @Test
    @Order(2)
    void signInWorksAndStateChangesNeedTheCsrfToken() throws Exception {
        try (Browser b = dash.browser()) {
            b.open("/vigie/ui/audit.html");
            assertTrue(b.path().startsWith("/vigie/ui/signin.html?next=%2Fvigie%2Fui%2Faudit.html"), b.path());
            b.signIn(ADMIN, dash.adminPassword);
            assertEquals("/vigie/ui/audit.html", b.path(), "back where the browser was going");
            assertEquals(ADMIN, b.wait(d -> d.findElement(By.id("nav-user"))).getText());
            assertEquals("admin", b.driver().findElement(By.id("nav-role")).getText());
            assertNotNull(b.sessionCookie());
            b.allowConsoleErrors("Failed to load resource: the server responded with a status of 404.*");
            // without the token (a plain fetch from the page) -> 403; through vigie.api (adds it) -> reaches OTA (404)
            Object bare = b.asyncScript("var done = arguments[arguments.length - 1];"
                    + "fetch('/vigie/api/packages/no-such-package', {method: 'DELETE'}).then(function (r) {"
                    + " return r.json().then(function (j) { done(r.status + ' ' + j.error); }); });");
            assertTrue(String.valueOf(bare).startsWith("403 missing or wrong CSRF token"), String.valueOf(bare));
            Object withToken = b.asyncScript("var done = arguments[arguments.length - 1];"
                    + "vigie.api('DELETE', 'api/packages/no-such-package').then(function () { done('ok'); },"
                    + " function (e) { done(e.status + ' ' + e.message); });");
            assertTrue(String.valueOf(withToken).startsWith("404"), "past the security, OTA answers: " + withToken);
        }
        // the same without a browser: the cookie alone is not enough
        DashboardGateway.Session s = dash.signIn(ADMIN, dash.adminPassword);
        HttpResponse<String> r = dash.send(s, "DELETE", "/vigie/api/packages/no-such-package", null, "Origin", dash.origin());
        assertEquals(403, r.statusCode(), r.body());
        r = dash.send(s, "DELETE", "/vigie/api/packages/no-such-package", null, "Origin", dash.origin(), "X-CSRF-Token",
                s.csrf());
        assertEquals(404, r.statusCode(), r.body());
    }

    @Test
    @Order(3)
    void aViewerSeesNoAdminControlsAndCannotChangeState() throws Exception {
        try (Browser b = dash.browser()) {
            b.signIn(VIEWER, dash.viewerPassword);
            assertEquals("viewer", b.wait(d -> d.findElement(By.id("nav-role"))).getText());
            String probe = "var e = document.createElement('button'); e.className = 'admin-only'; e.id = 'probe';"
                    + "document.querySelector('main').appendChild(e); return getComputedStyle(e).display;";
            assertEquals("none", b.script(probe), "admin-only controls are hidden for a viewer");
            assertEquals(Boolean.FALSE, b.script("return vigie.isAdmin()"));
            Object r = b.asyncScript("var done = arguments[arguments.length - 1];"
                    + "vigie.api('DELETE', 'api/packages/no-such-package').then(function () { done('ok'); },"
                    + " function (e) { done(e.status + ' ' + e.message); });");
            assertEquals("403 the viewer role cannot change anything (an admin can)", r);
        }
        try (Browser b = dash.browser()) {
            b.signIn(ADMIN, dash.adminPassword);
            b.wait(d -> d.findElement(By.id("nav-role")));
            assertEquals("inline-block", b.script("var e = document.createElement('button'); e.className = 'admin-only';"
                    + "document.querySelector('main').appendChild(e); return getComputedStyle(e).display;"), "shown to admins");
        }
    }

    @Test
    @Order(4)
    void signOutEndsTheSession() throws Exception {
        try (Browser b = dash.browser()) {
            b.signIn(ADMIN, dash.adminPassword);
            String cookie = b.sessionCookie();
            DashboardGateway.Session old = new DashboardGateway.Session(cookie, "");
            assertEquals(200, dash.send(old, "GET", "/vigie/api/status", null).statusCode());
            b.wait(d -> d.findElement(By.id("signout"))).click();
            b.wait(d -> b.path().startsWith("/vigie/ui/signin.html"));
            HttpResponse<String> after = dash.send(old, "GET", "/vigie/api/status", null);
            assertEquals(401, after.statusCode(), "the old cookie is worth nothing now");
            b.open("/vigie/ui/live.html");
            assertTrue(b.path().startsWith("/vigie/ui/signin.html"), b.path());
        }
    }

    @Test
    @Order(5)
    void hostileSignInsAndPathsCannotForgeAuditLines() throws Exception {
        String garbage = "x\n{\"event\":\"sign-in\",\"user\":\"admin\"}\u0000\u2028" + "y".repeat(3000);
        JsonObject body = new JsonObject();
        body.addProperty("user", garbage);
        body.addProperty("password", "p");
        assertEquals(401, dash.send(null, "POST", "/vigie/api/session", body.toString(), "Origin", dash.origin())
                .statusCode());
        body.addProperty("user", "z".repeat(10_000));
        assertEquals(413, dash.send(null, "POST", "/vigie/api/session", body.toString(), "Origin", dash.origin())
                .statusCode());
        DashboardGateway.Session s = dash.signIn(ADMIN, dash.adminPassword);
        HttpResponse<String> crlf = dash.send(s, "DELETE", "/vigie/api/packages/a%0d%0aforged", null, "Origin", dash.origin(),
                "X-CSRF-Token", s.csrf());
        assertEquals(404, crlf.statusCode(), "reached OTA: " + crlf.body());
        JsonArray records = audit();
        for (JsonElement e : records) {
            String line = e.toString();
            assertFalse(line.contains("\n") || line.contains("\u0000"), line);
            assertTrue(e.getAsJsonObject().get("user").getAsString().length() <= 65, line);
        }
        assertTrue(has(records, null, ADMIN, "DELETE", "/vigie/api/packages/a%0d%0aforged"), "kept as sent, encoded");
    }

    @Test
    @Order(6)
    void theAuditPageListsSignInsAndChangesAndKeepsThemAcrossARestart() throws Exception {
        JsonArray before = audit();
        assertTrue(has(before, "sign-in", ADMIN, "POST", "/vigie/api/session"), before.toString());
        assertTrue(has(before, "sign-in failed", OPERATOR, "POST", "/vigie/api/session"), before.toString());
        assertTrue(has(before, "sign-out", ADMIN, "DELETE", "/vigie/api/session"), before.toString());
        assertTrue(has(before, null, ADMIN, "DELETE", "/vigie/api/packages/no-such-package"), before.toString());

        dash.restart();
        JsonArray after = audit();
        assertTrue(has(after, "sign-out", ADMIN, "DELETE", "/vigie/api/session"), "kept across the restart");
        assertTrue(after.size() > before.size(), "and the new sign-in added");
        try (Browser b = dash.browser()) {
            b.signIn(ADMIN, dash.adminPassword);
            b.open("/vigie/ui/audit.html");
            b.wait(d -> d.findElements(By.cssSelector("#audit tbody tr")).size() > 5);
            String table = b.driver().findElement(By.id("audit")).getText();
            assertTrue(table.contains("sign-in") && table.contains("sign-out")
                    && table.contains("/vigie/api/packages/no-such-package"), table);
            b.screenshot("audit-1366x768");
            b.size(Browser.PHONE_WIDTH, Browser.PHONE_HEIGHT);
            b.open("/vigie/ui/audit.html");
            b.wait(d -> d.findElements(By.cssSelector("#audit tbody tr")).size() > 5);
            b.screenshot("audit-390");
        }
    }
}
