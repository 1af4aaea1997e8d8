package io.vigie.web.core;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

/**
 * What every request under /vigie must satisfy besides the login, wrapped around the login policy.
 * <ul>
 * <li><b>HSTS</b>: HTTPS responses carry {@code Strict-Transport-Security} (browsers ignore it when they had to
 * accept a certificate warning, so it only takes effect with a trusted certificate).</li>
 * <li><b>Same origin for state changes</b>: browsers re-send cached Basic credentials, and a cross-site form POST
 * (multipart included) is a "simple" request, so any page the operator visits could install a package. Every
 * method but GET/HEAD/OPTIONS must prove it comes from our own pages or from a script: an {@code Origin} equal to
 * the request's own scheme://host[:port] (or in the allow-list), else {@code Sec-Fetch-Site: same-origin}, else -
 * when a client sends neither (curl, scripts) - the {@value #SCRIPT_HEADER} header, which a cross-site page
 * cannot send without a CORS preflight that we never grant. Checked after the login, so anonymous clients still
 * get 401 and its challenge.</li>
 * <li><b>Body types</b>: a state-changing request body must be {@code application/octet-stream},
 * {@code multipart/form-data} or {@code application/json}; the other "simple" types a form can send
 * ({@code text/plain}, {@code application/x-www-form-urlencoded}) are refused with 415.</li>
 * </ul>
 */
public final class RequestGuard implements AccessPolicy {
    /** Header that marks a request as sent by a script, not by a cross-site page (any non-blank value). */
    public static final String SCRIPT_HEADER = "X-Requested-By";
    static final Set<String> SAFE_METHODS = Set.of("GET", "HEAD", "OPTIONS");
    static final Set<String> BODY_TYPES = Set.of("application/octet-stream", "multipart/form-data", "application/json");

    private final AccessPolicy login;
    private final Set<String> allowedOrigins;
    private final long hstsMaxAgeS;

    /**
     * @param allowedOrigins other origins allowed to change state ({@code https://host[:port]}, e.g. a reverse
     *                       proxy's public address)
     * @param hstsMaxAgeS    max-age of the HSTS header on HTTPS; 0 = no header
     * @throws IllegalArgumentException naming an allowed origin that is not scheme://host[:port]
     */
    public RequestGuard(AccessPolicy login, Set<String> allowedOrigins, long hstsMaxAgeS) {
        if (hstsMaxAgeS < 0) throw new IllegalArgumentException("HSTS max-age must be >= 0");
        Set<String> o = new HashSet<>();
        for (String a : allowedOrigins) {
            if (a == null || a.isBlank()) continue;
            String n = normalise(a.trim());
            if (n == null) throw new IllegalArgumentException("allowed origin must be http(s)://host[:port]: " + a);
            o.add(n);
        }
        this.login = login;
        this.allowedOrigins = Set.copyOf(o);
        this.hstsMaxAgeS = hstsMaxAgeS;
    }

    /** GET, HEAD, OPTIONS: what changes nothing. */
    public static boolean isSafe(String method) {
        return SAFE_METHODS.contains(method);
    }

    @Override
    public boolean allow(HttpServletRequest req, HttpServletResponse resp) {
        if (hstsMaxAgeS > 0 && req.isSecure()) resp.setHeader("Strict-Transport-Security", "max-age=" + hstsMaxAgeS);
        if (!login.allow(req, resp)) return false;
        if (SAFE_METHODS.contains(req.getMethod())) return true;
        if (!sameOrigin(req, resp)) return false;
        String type = mediaType(req.getContentType());
        boolean body = req.getContentLengthLong() > 0 || req.getHeader("Transfer-Encoding") != null;
        if (body && !BODY_TYPES.contains(type)) {
            AccessPolicy.refuse(resp, 415, "request body must be application/octet-stream (a raw package), "
                    + "multipart/form-data or application/json, got " + (type.isEmpty() ? "no Content-Type" : type));
            return false;
        }
        return true;
    }

    /**
     * The same-origin proof alone, for pages with their own login whose forms we do not control (the Felix web
     * console posts url-encoded forms, so no body-type check): safe methods pass, others need the proof.
     *
     * @return true to go on; false after having written the 403
     */
    public boolean sameOrigin(HttpServletRequest req, HttpServletResponse resp) {
        if (SAFE_METHODS.contains(req.getMethod())) return true;
        String crossSite = crossSite(req);
        if (crossSite == null) return true;
        AccessPolicy.refuse(resp, 403, crossSite);
        return false;
    }

    /** @return null when the request proves it comes from our origin or a script, else why not */
    String crossSite(HttpServletRequest req) {
        String origin = req.getHeader("Origin");
        if (origin != null) {
            String o = normalise(origin.trim());
            if (o != null && (o.equals(ownOrigin(req)) || allowedOrigins.contains(o))) return null;
            return "cross-site request refused: Origin " + origin + " is not this gateway's ("
                    + ownOrigin(req) + "); add it to allowed.origins of io.vigie.web.auth if it is a proxy of ours";
        }
        String site = req.getHeader("Sec-Fetch-Site");
        if (site != null) {
            return "same-origin".equalsIgnoreCase(site.trim()) ? null
                    : "cross-site request refused (Sec-Fetch-Site: " + site + ")";
        }
        String script = req.getHeader(SCRIPT_HEADER);
        if (script != null && !script.isBlank()) return null;
        return "state-changing request without Origin, Sec-Fetch-Site or " + SCRIPT_HEADER
                + " header refused (scripts: add -H '" + SCRIPT_HEADER + ": vigie')";
    }

    /** The request's own origin, from its scheme and Host header (what a browser on our page sends as Origin). */
    static String ownOrigin(HttpServletRequest req) {
        String host = req.getHeader("Host");
        if (host == null || host.isBlank()) host = req.getServerName() + ":" + req.getServerPort();
        return normalise(req.getScheme() + "://" + host.trim());
    }

    /** {@code scheme://host[:port]} lower-case, default port dropped; null when it is not such an origin. */
    static String normalise(String origin) {
        URI u;
        try {
            u = new URI(origin);
        } catch (URISyntaxException e) {
            return null;
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) return null;
        if (u.getHost() == null || u.getRawUserInfo() != null || u.getRawQuery() != null || u.getRawFragment() != null
                || !(u.getRawPath() == null || u.getRawPath().isEmpty())) return null;
        int port = u.getPort();
        boolean defaultPort = port == -1 || (scheme.equals("http") && port == 80) || (scheme.equals("https") && port == 443);
        return scheme + "://" + u.getHost().toLowerCase(Locale.ROOT) + (defaultPort ? "" : ":" + port);
    }

    static String mediaType(String contentType) {
        if (contentType == null) return "";
        int semi = contentType.indexOf(';');
        return (semi < 0 ? contentType : contentType.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
    }
}
