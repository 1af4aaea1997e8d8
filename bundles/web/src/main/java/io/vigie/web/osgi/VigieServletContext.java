package io.vigie.web.osgi;

import java.io.IOException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.ServiceScope;
import org.osgi.service.http.context.ServletContextHelper;
import org.osgi.service.http.whiteboard.HttpWhiteboardConstants;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.vigie.web.core.AccessPolicy;
import io.vigie.web.core.BasicAuthPolicy;

/**
 * The one HTTP Whiteboard context every Vigie endpoint lives in ({@code /vigie}), including other
 * bundles' servlets (OTA uploads). Its {@link #handleSecurity} is the single gate for every request:
 * HTTP Basic against hashed users from {@code io.vigie.web.auth} (closed when none is configured).
 */
@Designate(ocd = AuthConfig.class)
@Component(name = "io.vigie.web.context", service = ServletContextHelper.class, scope = ServiceScope.BUNDLE,
        configurationPid = VigieServletContext.AUTH_PID, configurationPolicy = ConfigurationPolicy.OPTIONAL,
        property = {
            HttpWhiteboardConstants.HTTP_WHITEBOARD_CONTEXT_NAME + "=" + VigieServletContext.NAME,
            HttpWhiteboardConstants.HTTP_WHITEBOARD_CONTEXT_PATH + "=" + VigieServletContext.PATH })
public class VigieServletContext extends ServletContextHelper {
    public static final String NAME = "io.vigie";
    public static final String PATH = "/vigie";
    public static final String AUTH_PID = "io.vigie.web.auth";
    /** Context select filter for Vigie servlets/resources in any bundle. */
    public static final String SELECT = "(" + HttpWhiteboardConstants.HTTP_WHITEBOARD_CONTEXT_NAME + "=" + NAME + ")";
    private static final Logger LOG = LoggerFactory.getLogger(VigieServletContext.class);

    private volatile AccessPolicy policy;

    @Activate
    public VigieServletContext(AuthConfig config) {
        this.policy = AccessPolicy.DENY_ALL;
        modified(config);
    }

    VigieServletContext(AccessPolicy policy) {
        this.policy = policy;
    }

    /** A bad configuration is refused as a whole: the previous users stay (or, at start, everything stays closed). */
    @Modified
    void modified(AuthConfig c) {
        try {
            BasicAuthPolicy p = policyOf(c);
            policy = p;
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
        return new BasicAuthPolicy(Arrays.asList(c.users()), anon, c.realm(), c.max_failures_per_minute(),
                c.cache_s() * 1000L, System::currentTimeMillis);
    }

    @Override
    public boolean handleSecurity(HttpServletRequest request, HttpServletResponse response) throws IOException {
        return policy.allow(request, response);
    }
}
