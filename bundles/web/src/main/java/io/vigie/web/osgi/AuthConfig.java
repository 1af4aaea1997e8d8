package io.vigie.web.osgi;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(id = AuthComponent.AUTH_PID, name = "Vigie web authentication",
        description = "Sign-in sessions for browsers and HTTP Basic for scripts, for everything under /vigie (stream, "
                + "API, OTA uploads); roles viewer/admin; CSRF token and same-origin proof for state changes, HSTS. No "
                + "user = every request refused except the anonymous paths. Use HTTPS (./vigie tls) on untrusted "
                + "networks.")
public @interface AuthConfig {
    @AttributeDefinition(name = "Users", required = false,
            description = "name:[ROLE:]{pbkdf2-sha256}ITERATIONS:SALT_HEX:HASH_HEX entries, ROLE viewer (sees "
                    + "everything) or admin (also changes things; the default); ./vigie password --config DIR [--user "
                    + "NAME --role ROLE] writes one. Clear-text passwords are refused.")
    String[] users() default {};

    @AttributeDefinition(name = "Anonymous GET paths", required = false,
            description = "Paths under /vigie served without login to GET, e.g. /metrics for a Prometheus scraper. "
                    + "Nothing that shows video or changes state belongs here.")
    String[] anonymous_paths() default { "/metrics" };

    @AttributeDefinition(name = "Realm")
    String realm() default "Vigie";

    @AttributeDefinition(name = "Failed logins per minute", description = "Per client address and user name, counted "
            + "before the password is checked; more get 429 for the rest of the minute.", min = "1")
    int max_failures_per_minute() default 10;

    @AttributeDefinition(name = "Password checks at once", description = "PBKDF2 derivations running at the same "
            + "time, gateway-wide (they take the detector's CPU); more logins get 429 with Retry-After.", min = "1")
    int max_concurrent_logins() default 1;

    @AttributeDefinition(name = "Tracked clients", description = "Address/user keys the failed-login table keeps "
            + "(least recently used forgotten first).", min = "1")
    int max_tracked_clients() default 10_000;

    @AttributeDefinition(name = "Verified login cache (s)", description = "How long a verified Authorization header is "
            + "remembered (PBKDF2 is slow on purpose). 0 = verify every request.", min = "0")
    int cache_s() default 300;

    @AttributeDefinition(name = "Allowed origins", required = false, description = "Other origins (scheme://host[:port]) "
            + "whose pages may change state (POST/PUT/DELETE), e.g. a reverse proxy's public https address. The "
            + "gateway's own origin is always allowed; scripts send X-Requested-By: vigie.")
    String[] allowed_origins() default {};

    @AttributeDefinition(name = "HSTS max-age (s)", description = "Strict-Transport-Security on HTTPS responses "
            + "under /vigie; 0 = none.", min = "0")
    long hsts_max_age_s() default 31_536_000;

    @AttributeDefinition(name = "Session idle timeout (s)", description = "A browser session unused this long ends "
            + "(sign in again).", min = "10")
    int session_idle_s() default 1800;

    @AttributeDefinition(name = "Session absolute timeout (s)", description = "A browser session ends this long after "
            + "its sign-in, used or not (>= the idle timeout).", min = "10")
    int session_absolute_s() default 43_200;

    @AttributeDefinition(name = "Sessions at once", description = "Browser sessions kept; a sign-in beyond ends the "
            + "session idle longest.", min = "1")
    int session_max() default 64;
}
