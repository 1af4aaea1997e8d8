package io.vigie.web.osgi;

import java.io.IOException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import javax.servlet.Servlet;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.http.whiteboard.HttpWhiteboardConstants;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.vigie.web.core.AccessPolicy;
import io.vigie.web.core.BasicAuthPolicy;
import io.vigie.web.core.Credentials;
import io.vigie.web.core.PasswordHash;
import io.vigie.web.core.RequestGuard;
import io.vigie.web.core.SessionEndpoint;
import io.vigie.web.core.SessionPolicy;
import io.vigie.web.core.SessionStore;
import io.vigie.web.core.Users;

/**
 * The gateway's one authentication policy (PID {@value #AUTH_PID}), used by every bundle's instance of
 * {@link VigieServletContext}, and the sign-in endpoint {@code /vigie/api/session} that shares its sessions and its
 * password check (one failed-login throttle for Basic and the sign-in form). Its service type lives in a private
 * package: only this bundle sees it.
 */
@Designate(ocd = AuthConfig.class)
@Component(name = AuthComponent.AUTH_PID, configurationPid = AuthComponent.AUTH_PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL, service = { AccessPolicy.class, Servlet.class },
        property = {
            HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_NAME + "=io.vigie.web.session",
            HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_PATTERN + "=" + SessionPolicy.SESSION_PATH,
            HttpWhiteboardConstants.HTTP_WHITEBOARD_CONTEXT_SELECT + "=" + VigieServletContext.SELECT })
public class AuthComponent extends HttpServlet implements AccessPolicy {
    public static final String AUTH_PID = "io.vigie.web.auth";
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(AuthComponent.class);

    /** The policy and the endpoint of one configuration, swapped together. */
    private record State(AccessPolicy policy, SessionEndpoint endpoint, Users users) {
    }

    private final transient SessionStore sessions;
    private volatile transient State state;

    @Activate
    public AuthComponent(AuthConfig config) {
        SessionStore.Limits l;
        try {
            l = sessionLimitsOf(config);
        } catch (IllegalArgumentException e) {
            LOG.error("web: {} session settings refused, defaults used: {}", AUTH_PID, e.getMessage());
            l = new SessionStore.Limits(1_800_000, 43_200_000, 64);
        }
        this.sessions = new SessionStore(l, System::currentTimeMillis);
        this.state = new State(AccessPolicy.DENY_ALL, null, new Users(java.util.List.of()));
        modified(config);
    }

    /** A bad configuration is refused as a whole: the previous users stay (or, at start, everything stays closed). */
    @Modified
    void modified(AuthConfig c) {
        try {
            State s = stateOf(c, sessions);
            sessions.configure(sessionLimitsOf(c));
            state = s;
            Users users = s.users();
            sessions.retain(name -> users.get(name) != null);
            if (users.isEmpty()) LOG.warn("web: no user configured in {}: every /vigie request except {} is refused "
                    + "(./vigie password --config DIR)", AUTH_PID, String.join(", ", c.anonymous_paths()));
            else LOG.info("web: sign-in sessions and HTTP Basic with {} user(s)", users.size());
        } catch (IllegalArgumentException e) {
            LOG.error("web: {} refused, previous authentication settings kept: {}", AUTH_PID, e.getMessage());
        }
    }

    static State stateOf(AuthConfig c, SessionStore sessions) {
        Credentials credentials = new Credentials(new Users(Arrays.asList(c.users())), limitsOf(c),
                System::currentTimeMillis, PasswordHash::matches);
        BasicAuthPolicy basic = new BasicAuthPolicy(credentials, anonymousOf(c), c.realm(), c.cache_s() * 1000L,
                System::currentTimeMillis);
        SessionPolicy login = new SessionPolicy(sessions, credentials.users(), basic);
        RequestGuard guard = new RequestGuard(login, new HashSet<>(Arrays.asList(c.allowed_origins())), c.hsts_max_age_s());
        return new State(guard, new SessionEndpoint(sessions, credentials), credentials.users());
    }

    static BasicAuthPolicy policyOf(AuthConfig c) {
        return new BasicAuthPolicy(Arrays.asList(c.users()), anonymousOf(c), c.realm(), limitsOf(c),
                System::currentTimeMillis);
    }

    private static Set<String> anonymousOf(AuthConfig c) {
        Set<String> anon = new HashSet<>();
        for (String p : c.anonymous_paths()) {
            String t = p.trim();
            if (t.isEmpty()) continue;
            if (!t.startsWith("/")) throw new IllegalArgumentException("anonymous path must start with /: " + t);
            anon.add(t);
        }
        return anon;
    }

    static BasicAuthPolicy.Limits limitsOf(AuthConfig c) {
        return new BasicAuthPolicy.Limits(c.max_failures_per_minute(), c.max_concurrent_logins(),
                c.max_tracked_clients(), c.cache_s() * 1000L);
    }

    static SessionStore.Limits sessionLimitsOf(AuthConfig c) {
        return new SessionStore.Limits(c.session_idle_s() * 1000L, c.session_absolute_s() * 1000L, c.session_max());
    }

    @Override
    public boolean allow(HttpServletRequest request, HttpServletResponse response) {
        return state.policy().allow(request, response);
    }

    /** {@code /vigie/api/session}: sign-in, who am I, sign-out. */
    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        SessionEndpoint e = state.endpoint();
        if (e == null) AccessPolicy.refuse(resp, 503, "no valid authentication settings");
        else e.service(req, resp);
    }
}
