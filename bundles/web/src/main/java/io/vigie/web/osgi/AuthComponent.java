package io.vigie.web.osgi;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.vigie.web.core.AccessPolicy;
import io.vigie.web.core.BasicAuthPolicy;
import io.vigie.web.core.RequestGuard;

/**
 * The gateway's one authentication policy (PID {@value #AUTH_PID}), used by every bundle's instance of
 * {@link VigieServletContext}. Its service type lives in a private package: only this bundle sees it.
 */
@Designate(ocd = AuthConfig.class)
@Component(name = AuthComponent.AUTH_PID, configurationPid = AuthComponent.AUTH_PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL, service = AccessPolicy.class)
public class AuthComponent implements AccessPolicy {
    public static final String AUTH_PID = "io.vigie.web.auth";
    private static final Logger LOG = LoggerFactory.getLogger(AuthComponent.class);

    private volatile AccessPolicy policy = AccessPolicy.DENY_ALL;

    @Activate
    public AuthComponent(AuthConfig config) {
        modified(config);
    }

    /** A bad configuration is refused as a whole: the previous users stay (or, at start, everything stays closed). */
    @Modified
    void modified(AuthConfig c) {
        try {
            BasicAuthPolicy p = policyOf(c);
            policy = new RequestGuard(p, new HashSet<>(Arrays.asList(c.allowed_origins())), c.hsts_max_age_s());
            if (p.userCount() == 0) LOG.warn("web: no user configured in {}: every /vigie request except {} is refused "
                    + "(./vigie password --config DIR)", AUTH_PID, String.join(", ", c.anonymous_paths()));
            else LOG.info("web: HTTP Basic authentication with {} user(s)", p.userCount());
        } catch (IllegalArgumentException e) {
            LOG.error("web: {} refused, previous authentication settings kept: {}", AUTH_PID, e.getMessage());
        }
    }

    static BasicAuthPolicy policyOf(AuthConfig c) {
        Set<String> anon = new HashSet<>();
        for (String p : c.anonymous_paths()) {
            String t = p.trim();
            if (t.isEmpty()) continue;
            if (!t.startsWith("/")) throw new IllegalArgumentException("anonymous path must start with /: " + t);
            anon.add(t);
        }
        return new BasicAuthPolicy(Arrays.asList(c.users()), anon, c.realm(), limitsOf(c), System::currentTimeMillis);
    }

    static BasicAuthPolicy.Limits limitsOf(AuthConfig c) {
        return new BasicAuthPolicy.Limits(c.max_failures_per_minute(), c.max_concurrent_logins(),
                c.max_tracked_clients(), c.cache_s() * 1000L);
    }

    @Override
    public boolean allow(HttpServletRequest request, HttpServletResponse response) {
        return policy.allow(request, response);
    }
}
