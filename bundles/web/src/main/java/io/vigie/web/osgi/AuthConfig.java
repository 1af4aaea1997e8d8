package io.vigie.web.osgi;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(id = AuthComponent.AUTH_PID, name = "Vigie web authentication",
        description = "HTTP Basic authentication for everything under /vigie (stream, API, OTA uploads). No user = every "
                + "request refused except the anonymous paths. Use HTTPS (./vigie run --tls-keystore) on untrusted networks.")
public @interface AuthConfig {
    @AttributeDefinition(name = "Users", required = false,
            description = "name:{pbkdf2-sha256}ITERATIONS:SALT_HEX:HASH_HEX entries; ./vigie password --config DIR writes one. "
                    + "Clear-text passwords are refused.")
    String[] users() default {};

    @AttributeDefinition(name = "Anonymous GET paths", required = false,
            description = "Paths under /vigie served without login to GET, e.g. /metrics for a Prometheus scraper. "
                    + "Nothing that shows video or changes state belongs here.")
    String[] anonymous_paths() default { "/metrics" };

    @AttributeDefinition(name = "Realm")
    String realm() default "Vigie";

    @AttributeDefinition(name = "Failed logins per minute", description = "Per client address; more get 429 for the rest of "
            + "the minute.", min = "1")
    int max_failures_per_minute() default 10;

    @AttributeDefinition(name = "Verified login cache (s)", description = "How long a verified Authorization header is "
            + "remembered (PBKDF2 is slow on purpose). 0 = verify every request.", min = "0")
    int cache_s() default 300;
}
