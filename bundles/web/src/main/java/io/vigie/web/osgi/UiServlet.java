package io.vigie.web.osgi;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;

import javax.servlet.Servlet;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.http.whiteboard.HttpWhiteboardConstants;

import io.vigie.web.core.UiFiles;

/**
 * The dashboard pages at {@code /vigie/ui/<file>}: the files this bundle ships under {@value #FOLDER}, read once at
 * activation ({@link UiFiles}: the request path only picks one of them by name).
 */
@Component(name = "io.vigie.web.ui", service = Servlet.class,
        property = {
            HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_NAME + "=io.vigie.web.ui",
            HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_PATTERN + "=/ui/*",
            HttpWhiteboardConstants.HTTP_WHITEBOARD_CONTEXT_SELECT + "=" + VigieServletContext.SELECT })
public class UiServlet extends HttpServlet {
    static final String FOLDER = "io/vigie/web/ui";
    private static final long serialVersionUID = 1L;
    private final transient UiFiles files;

    @Activate
    public UiServlet(BundleContext context) throws IOException {
        Map<String, byte[]> shipped = new LinkedHashMap<>();
        Enumeration<URL> e = context.getBundle().findEntries(FOLDER, "*", false);
        while (e != null && e.hasMoreElements()) {
            URL u = e.nextElement();
            String path = u.getPath();
            if (path.endsWith("/")) continue;
            try (InputStream in = u.openStream()) {
                shipped.put(path.substring(path.lastIndexOf('/') + 1), in.readAllBytes());
            }
        }
        this.files = new UiFiles(shipped);
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String info = req.getPathInfo(); // "/app.js"; decoded by the container, matched only against shipped names
        files.serve(info == null || info.length() < 2 ? null : info.substring(1), req, resp);
    }
}
