package io.vigie.web.osgi;

import java.io.IOException;
import java.nio.file.Path;

import javax.servlet.Filter;
import javax.servlet.FilterChain;
import javax.servlet.FilterConfig;
import javax.servlet.Servlet;
import javax.servlet.ServletException;
import javax.servlet.ServletRequest;
import javax.servlet.ServletResponse;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.http.whiteboard.HttpWhiteboardConstants;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import io.vigie.web.core.AccessPolicy;
import io.vigie.web.core.AuditLog;
import io.vigie.web.core.BasicAuthPolicy;
import io.vigie.web.core.RequestGuard;
import io.vigie.web.core.Role;

/**
 * The audit trail of the /vigie context: one whiteboard filter sees every request that passed the context's
 * security (every bundle's servlets, OTA included) and records the state changes (every method but GET/HEAD/OPTIONS)
 * and the sign-in / failed sign-in / sign-out the session endpoint marks; as a servlet it answers
 * {@code GET /vigie/api/audit?limit=N} with the newest (both roles). Stored under {@code ${vigie.data}/audit}
 * (else the bundle's data area). One service object for both: no second component to share the log with.
 */
@Component(name = "io.vigie.web.audit", service = { Filter.class, Servlet.class },
        property = {
            HttpWhiteboardConstants.HTTP_WHITEBOARD_FILTER_NAME + "=io.vigie.web.audit",
            HttpWhiteboardConstants.HTTP_WHITEBOARD_FILTER_PATTERN + "=/*",
            HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_NAME + "=io.vigie.web.audit",
            HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_PATTERN + "=/api/audit",
            HttpWhiteboardConstants.HTTP_WHITEBOARD_CONTEXT_SELECT + "=" + VigieServletContext.SELECT })
public class AuditFilter extends HttpServlet implements Filter {
    private static final long serialVersionUID = 1L;
    /** 4 files of 1 MiB: ~10 000 records of ~200 bytes; the newest 1000 are in memory for the page. */
    static final long MAX_FILE_BYTES = 1 << 20;
    static final int FILES = 4;
    static final int MEMORY = 1000;

    private final transient AuditLog log;

    @Activate
    public AuditFilter(BundleContext context) throws IOException {
        String data = context.getProperty("vigie.data");
        Path dir = data != null ? Path.of(data, "audit") : context.getDataFile("audit").toPath();
        this.log = new AuditLog(dir, MAX_FILE_BYTES, FILES, MEMORY);
    }

    @Override
    public void init(FilterConfig filterConfig) {
        // nothing to set up
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (!(request instanceof HttpServletRequest req) || !(response instanceof HttpServletResponse resp)) {
            chain.doFilter(request, response);
            return;
        }
        boolean change = !RequestGuard.isSafe(req.getMethod());
        int status = 500;
        try {
            chain.doFilter(request, response);
            status = resp.getStatus();
        } finally {
            Object event = req.getAttribute(AuditLog.EVENT_ATTRIBUTE);
            if (change || event != null) log.record(entry(req, status, event == null ? null : event.toString()));
        }
    }

    static AuditLog.Entry entry(HttpServletRequest req, int status, String event) {
        Object user = req.getAttribute(BasicAuthPolicy.USER_ATTRIBUTE);
        if (user == null) user = req.getAttribute(AuditLog.USER_ATTRIBUTE); // a sign-in attempt's claimed name
        Object role = req.getAttribute(BasicAuthPolicy.ROLE_ATTRIBUTE);
        return new AuditLog.Entry(System.currentTimeMillis(), user == null ? "" : user.toString(),
                role instanceof Role r ? r.id() : "", req.getRemoteAddr(), req.getMethod(), req.getRequestURI(), status,
                event);
    }


    /** {@code GET /vigie/api/audit?limit=N} (1..1000, default 100): {@code {records: [...newest first]}}. */
    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String l = req.getParameter("limit");
        int limit = 100;
        if (l != null) {
            try {
                limit = Integer.parseInt(l.trim());
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > log.capacity()) {
                AccessPolicy.refuse(resp, 400, "limit must be 1.." + log.capacity());
                return;
            }
        }
        JsonArray a = new JsonArray();
        log.latest(limit).forEach(a::add);
        JsonObject o = new JsonObject();
        o.add("records", a);
        resp.setHeader("Cache-Control", "no-store");
        resp.setContentType("application/json;charset=utf-8");
        resp.getWriter().write(o.toString());
    }
}
