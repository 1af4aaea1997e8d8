package io.vigie.web.osgi;

import java.io.IOException;
import java.util.Arrays;
import java.util.HashSet;

import javax.servlet.Filter;
import javax.servlet.FilterChain;
import javax.servlet.FilterConfig;
import javax.servlet.ServletException;
import javax.servlet.ServletRequest;
import javax.servlet.ServletResponse;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.http.whiteboard.HttpWhiteboardConstants;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.vigie.web.core.AccessPolicy;
import io.vigie.web.core.RequestGuard;

/**
 * Same-origin proof for the standalone runtime's Felix web console ({@code /system/console}, registered through
 * its own whiteboard context): it has its own Basic login, which browsers
 * re-send to any cross-site form POST, and it installs bundles and edits configurations. Reads the allowed
 * origins from {@value AuthComponent#AUTH_PID} like the /vigie guard. On Kura there is no such console and this
 * filter matches nothing.
 */
@Component(name = "io.vigie.web.console.guard", configurationPid = AuthComponent.AUTH_PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL, service = Filter.class,
        property = {
            HttpWhiteboardConstants.HTTP_WHITEBOARD_FILTER_PATTERN + "=/*",
            HttpWhiteboardConstants.HTTP_WHITEBOARD_CONTEXT_SELECT + "=("
                    + HttpWhiteboardConstants.HTTP_WHITEBOARD_CONTEXT_NAME + "=" + ConsoleGuardFilter.CONSOLE_CONTEXT + ")" })
public class ConsoleGuardFilter implements Filter {
    /** The whiteboard context the Felix web console (4.9) registers itself in, at /system/console. */
    static final String CONSOLE_CONTEXT = "org.apache.felix.webconsole";
    private static final Logger LOG = LoggerFactory.getLogger(ConsoleGuardFilter.class);

    private volatile RequestGuard guard;

    @Activate
    public ConsoleGuardFilter(AuthConfig config) {
        modified(config);
    }

    @Modified
    void modified(AuthConfig c) {
        try {
            guard = new RequestGuard(AccessPolicy.ALLOW_ALL, new HashSet<>(Arrays.asList(c.allowed_origins())), 0);
        } catch (IllegalArgumentException e) {
            LOG.error("web console guard: {} refused, previous origins kept: {}", AuthComponent.AUTH_PID, e.getMessage());
            if (guard == null) guard = new RequestGuard(AccessPolicy.ALLOW_ALL, java.util.Set.of(), 0);
        }
    }

    @Override
    public void init(FilterConfig filterConfig) {
        // nothing to set up
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (request instanceof HttpServletRequest req && response instanceof HttpServletResponse resp
                && !guard.sameOrigin(req, resp)) {
            LOG.warn("web console: {} {} from {} refused (no same-origin proof)", req.getMethod(), req.getRequestURI(),
                    req.getRemoteAddr());
            return;
        }
        chain.doFilter(request, response);
    }

    @Override
    public void destroy() {
        // nothing to release
    }
}
