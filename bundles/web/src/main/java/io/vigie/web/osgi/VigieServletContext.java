package io.vigie.web.osgi;

import java.io.IOException;

import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ServiceScope;
import org.osgi.service.http.context.ServletContextHelper;
import org.osgi.service.http.whiteboard.HttpWhiteboardConstants;

import io.vigie.web.core.AccessPolicy;

/**
 * The one HTTP Whiteboard context every Vigie endpoint lives in ({@code /vigie}), including other
 * bundles' servlets (OTA uploads). Its {@link #handleSecurity} is the single gate for every request (login,
 * same-origin proof for state changes, body types, HSTS: {@link AuthComponent}).
 * The whiteboard asks for one instance per bundle (bundle scope); they all share the one
 * {@link AuthComponent} policy, so login cache and failed-login throttle are per gateway, not per bundle.
 */
@Component(name = "io.vigie.web.context", service = ServletContextHelper.class, scope = ServiceScope.BUNDLE,
        property = {
            HttpWhiteboardConstants.HTTP_WHITEBOARD_CONTEXT_NAME + "=" + VigieServletContext.NAME,
            HttpWhiteboardConstants.HTTP_WHITEBOARD_CONTEXT_PATH + "=" + VigieServletContext.PATH })
public class VigieServletContext extends ServletContextHelper {
    public static final String NAME = "io.vigie";
    public static final String PATH = "/vigie";
    /** Context select filter for Vigie servlets/resources in any bundle. */
    public static final String SELECT = "(" + HttpWhiteboardConstants.HTTP_WHITEBOARD_CONTEXT_NAME + "=" + NAME + ")";

    private final AccessPolicy policy;

    @Activate
    public VigieServletContext(@Reference AccessPolicy policy) {
        this.policy = policy;
    }

    @Override
    public boolean handleSecurity(HttpServletRequest request, HttpServletResponse response) throws IOException {
        return policy.allow(request, response);
    }
}
