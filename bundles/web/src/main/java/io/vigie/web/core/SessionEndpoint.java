package io.vigie.web.core;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * {@code /vigie/api/session}: POST {@code {user, password}} signs in (the gateway's one {@link Credentials}
 * check and throttle), GET tells who is signed in, DELETE signs out. Answers {@code {user, role, csrf}}.
 * Marks its requests for the audit filter ({@link AuditLog#EVENT_ATTRIBUTE}).
 */
public final class SessionEndpoint {
    /** Sign-in bodies are tiny; anything larger is refused unread. */
    static final int MAX_BODY = 4096;

    private final SessionStore store;
    private final Credentials credentials;

    public SessionEndpoint(SessionStore store, Credentials credentials) {
        this.store = store;
        this.credentials = credentials;
    }

    public void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.setHeader("Cache-Control", "no-store");
        switch (req.getMethod()) {
            case "POST" -> signIn(req, resp);
            case "GET" -> whoAmI(req, resp);
            case "DELETE" -> signOut(req, resp);
            default -> {
                resp.setHeader("Allow", "GET, POST, DELETE");
                AccessPolicy.refuse(resp, 405, "use GET, POST or DELETE");
            }
        }
    }

    private void signIn(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        req.setAttribute(AuditLog.EVENT_ATTRIBUTE, "sign-in failed");
        if (req.getContentLengthLong() > MAX_BODY) {
            AccessPolicy.refuse(resp, 413, "sign-in body over " + MAX_BODY + " bytes");
            return;
        }
        byte[] body;
        try (InputStream in = req.getInputStream()) {
            body = in.readNBytes(MAX_BODY + 1);
        }
        if (body.length > MAX_BODY) {
            AccessPolicy.refuse(resp, 413, "sign-in body over " + MAX_BODY + " bytes");
            return;
        }
        String user = null, password = null;
        try {
            JsonElement e = JsonParser.parseString(new String(body, StandardCharsets.UTF_8));
            if (e.isJsonObject()) {
                JsonObject o = e.getAsJsonObject();
                user = string(o, "user");
                password = string(o, "password");
            }
        } catch (RuntimeException bad) { // Gson's syntax errors, deep nesting
            user = null;
        }
        if (user == null || password == null) {
            AccessPolicy.refuse(resp, 400, "sign-in needs a JSON body {\"user\": \"...\", \"password\": \"...\"}");
            return;
        }
        req.setAttribute(AuditLog.USER_ATTRIBUTE, user);
        Credentials.Outcome o = credentials.check(String.valueOf(req.getRemoteAddr()), user, password);
        if (o.user() == null) {
            if (o.status() == 429) resp.setHeader("Retry-After", Long.toString(Math.max(1, (o.retryMs() + 999) / 1000)));
            AccessPolicy.refuse(resp, o.status(), o.message());
            return;
        }
        if (req.getAttribute(SessionPolicy.SESSION_ATTRIBUTE) instanceof SessionStore.Session old) store.remove(old.id());
        SessionStore.Session s = store.create(o.user().name());
        BasicAuthPolicy.authenticated(req, o.user(), "FORM");
        req.setAttribute(AuditLog.EVENT_ATTRIBUTE, "sign-in");
        cookie(req, resp, s.id(), -1);
        json(resp, o.user().name(), o.user().role(), s.csrf());
    }

    private static void whoAmI(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        Object role = req.getAttribute(BasicAuthPolicy.ROLE_ATTRIBUTE);
        if (!(role instanceof Role r)) {
            AccessPolicy.refuse(resp, 401, "not signed in");
            return;
        }
        SessionStore.Session s = (SessionStore.Session) req.getAttribute(SessionPolicy.SESSION_ATTRIBUTE);
        json(resp, (String) req.getAttribute(BasicAuthPolicy.USER_ATTRIBUTE), r, s == null ? null : s.csrf());
    }

    private void signOut(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (!(req.getAttribute(SessionPolicy.SESSION_ATTRIBUTE) instanceof SessionStore.Session s)) {
            AccessPolicy.refuse(resp, 401, "not signed in");
            return;
        }
        store.remove(s.id());
        req.setAttribute(AuditLog.EVENT_ATTRIBUTE, "sign-out");
        cookie(req, resp, "", 0);
        JsonObject o = new JsonObject();
        o.addProperty("signedOut", true);
        write(resp, o);
    }

    private static String string(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isString() ? e.getAsString() : null;
    }

    /** Servlet 3.1 has no SameSite, so the header is written whole. maxAge -1: until the browser closes. */
    static void cookie(HttpServletRequest req, HttpServletResponse resp, String value, int maxAge) {
        String path = req.getContextPath().isEmpty() ? "/" : req.getContextPath();
        resp.addHeader("Set-Cookie", SessionPolicy.COOKIE + "=" + value + "; Path=" + path + "; HttpOnly; SameSite=Strict"
                + (req.isSecure() ? "; Secure" : "") + (maxAge >= 0 ? "; Max-Age=" + maxAge : ""));
    }

    private static void json(HttpServletResponse resp, String user, Role role, String csrf) throws IOException {
        JsonObject o = new JsonObject();
        o.addProperty("user", user);
        o.addProperty("role", role.id());
        o.addProperty("csrf", csrf);
        write(resp, o);
    }

    static void write(HttpServletResponse resp, JsonObject o) throws IOException {
        resp.setContentType("application/json;charset=utf-8");
        resp.getWriter().write(o.toString());
    }
}
