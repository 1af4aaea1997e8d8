package io.vigie.web.core;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Set;

import javax.servlet.http.Cookie;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

/**
 * Who is asking, and may they: the login step of the /vigie policy chain ({@link RequestGuard} wraps it).
 * <ol>
 * <li>a valid {@value #COOKIE} cookie (a browser signed in through {@link SessionEndpoint}) authenticates as its
 * user, whose role is read from the current users (a removed user's sessions end);</li>
 * <li>else the sign-in page, its style/script and {@value #SESSION_PATH} are open to anyone;</li>
 * <li>else HTTP Basic ({@link BasicAuthPolicy}, for scripts and scrapers; the anonymous GET paths too). Browsers
 * never get the Basic challenge (their own login prompt would appear over our pages): a page they navigate to
 * redirects to the sign-in page, anything else gets 401 JSON, which app.js turns into the same redirect;</li>
 * <li>then state changes (every method but GET/HEAD/OPTIONS) need the admin role (403), and those made with a
 * session need its CSRF token in {@value #CSRF_HEADER} (403). Signing in and out are not state changes of the
 * gateway: any role may; sign-in needs no token (there is no session yet; the same-origin rule of
 * {@link RequestGuard} keeps other sites from signing a browser in).</li>
 * </ol>
 */
public final class SessionPolicy implements AccessPolicy {
    public static final String COOKIE = "vigie_session";
    public static final String CSRF_HEADER = "X-CSRF-Token";
    public static final String SESSION_PATH = "/api/session";
    public static final String SIGNIN_PAGE = "/ui/signin.html";
    /** Request attribute holding the {@link SessionStore.Session} a request came with. */
    public static final String SESSION_ATTRIBUTE = "io.vigie.web.session";
    /** What the sign-in page needs before anyone has signed in. */
    static final Set<String> PUBLIC_PATHS = Set.of(SIGNIN_PAGE, "/ui/signin.js", "/ui/app.css", "/ui/app.js",
            "/ui/favicon.svg");

    private final SessionStore store;
    private final Users users;
    private final BasicAuthPolicy basic;

    public SessionPolicy(SessionStore store, Users users, BasicAuthPolicy basic) {
        this.store = store;
        this.users = users;
        this.basic = basic;
    }

    @Override
    public boolean allow(HttpServletRequest req, HttpServletResponse resp) {
        String path = BasicAuthPolicy.pathInContext(req);
        boolean safe = RequestGuard.SAFE_METHODS.contains(req.getMethod());
        SessionStore.Session session = session(req);
        if (session != null) {
            Users.User u = users.get(session.user());
            BasicAuthPolicy.authenticated(req, u, "FORM");
            req.setAttribute(SESSION_ATTRIBUTE, session);
            if (safe || (path.equals(SESSION_PATH) && "POST".equals(req.getMethod()))) return true;
            if (!csrfMatches(session, req.getHeader(CSRF_HEADER))) {
                AccessPolicy.refuse(resp, 403, "missing or wrong CSRF token (" + CSRF_HEADER + " header)");
                return false;
            }
            return path.equals(SESSION_PATH) || adminFor(u, resp); // signing out is for every role
        }
        if (path.equals(SESSION_PATH) || (safe && PUBLIC_PATHS.contains(path))) return true;
        boolean browser = req.getHeader("Sec-Fetch-Mode") != null;
        if (req.getHeader("Authorization") == null && !basic.anonymous(req)) {
            if ("GET".equals(req.getMethod()) && navigation(req)) {
                redirectToSignIn(req, resp, path);
                return false;
            }
            if (browser) {
                AccessPolicy.refuse(resp, 401, "sign in first (" + req.getContextPath() + SIGNIN_PAGE + ")");
                return false;
            }
        }
        if (!basic.allow(req, resp, !browser)) return false;
        if (safe || req.getAttribute(BasicAuthPolicy.ROLE_ATTRIBUTE) == null) return true; // anonymous GET path
        return adminFor(users.get((String) req.getAttribute(BasicAuthPolicy.USER_ATTRIBUTE)), resp);
    }

    private static boolean adminFor(Users.User u, HttpServletResponse resp) {
        if (u != null && u.role() == Role.ADMIN) return true;
        AccessPolicy.refuse(resp, 403, "the viewer role cannot change anything (an admin can)");
        return false;
    }

    /** The live session of the request's cookie whose user still exists; null otherwise. */
    SessionStore.Session session(HttpServletRequest req) {
        Cookie[] cookies = req.getCookies();
        if (cookies == null) return null;
        for (Cookie c : cookies) {
            if (!COOKIE.equals(c.getName())) continue;
            SessionStore.Session s = store.find(c.getValue());
            if (s == null) continue;
            if (users.get(s.user()) != null) return s;
            store.remove(s.id()); // the user was removed from the configuration
        }
        return null;
    }

    static boolean csrfMatches(SessionStore.Session s, String header) {
        return header != null && MessageDigest.isEqual(s.csrf().getBytes(StandardCharsets.US_ASCII),
                header.trim().getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * A page a browser navigates to, as opposed to a script's fetch, an image or an event stream. Browsers say so in
     * Sec-Fetch-Mode (Chrome, Firefox, Safari 16.4+); Accept cannot tell (Java's HttpURLConnection asks for text/html
     * too). A browser without Fetch Metadata is treated as a script: Basic challenge.
     */
    static boolean navigation(HttpServletRequest req) {
        String mode = req.getHeader("Sec-Fetch-Mode");
        return mode != null && mode.equalsIgnoreCase("navigate");
    }

    private static void redirectToSignIn(HttpServletRequest req, HttpServletResponse resp, String path) {
        String next = req.getContextPath() + path + (req.getQueryString() == null ? "" : "?" + req.getQueryString());
        resp.setStatus(302);
        resp.setHeader("Location", req.getContextPath() + SIGNIN_PAGE + "?next="
                + URLEncoder.encode(next.length() > 512 ? req.getContextPath() + "/" : next, StandardCharsets.UTF_8));
        resp.setHeader("Cache-Control", "no-store");
    }
}
