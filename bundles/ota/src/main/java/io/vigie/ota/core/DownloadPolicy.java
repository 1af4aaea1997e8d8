package io.vigie.ota.core;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import io.vigie.ota.core.OtaException.Kind;

/**
 * Where remote packages may come from (REST {@code url} / {@code signatureUrl}, DEPLOY-V2 {@code dp.uri}), checked on
 * the first URL and again on every redirect hop: http and https only ({@code file:} never: a local package goes in the
 * seed folder or is uploaded); when {@code allowedHosts} is not empty, only those hosts ({@code repo.example.com}, or
 * {@code *.example.com} for its subdomains); and every address the host resolves to must be neither loopback,
 * link-local (169.254/16, fe80::/10, e.g. a cloud metadata service), unspecified (0.0.0.0/8, ::) nor multicast, unless
 * {@code allowLocal}: a package URL must not reach services that trust the gateway itself.
 * <p>
 * The JDK caches a positive name lookup (networkaddress.cache.ttl, 30 s by default), so the client connects to the
 * addresses checked here; a resolver that answers differently within that time is not caught (HttpClient does not
 * expose the connected address on Java 17).
 */
public final class DownloadPolicy {
    /** How host names become addresses (the JDK's resolver; tests substitute their own). */
    interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    /** Loopback allowed, any host: for tests against a local server. */
    public static final DownloadPolicy LOCAL = new DownloadPolicy(true, List.of());

    private final boolean allowLocal;
    private final List<String> allowedHosts;
    private final Resolver resolver;

    public DownloadPolicy(boolean allowLocal, List<String> allowedHosts) {
        this(allowLocal, allowedHosts, InetAddress::getAllByName);
    }

    DownloadPolicy(boolean allowLocal, List<String> allowedHosts, Resolver resolver) {
        this.allowLocal = allowLocal;
        this.allowedHosts = allowedHosts.stream().map(h -> h.trim().toLowerCase(Locale.ROOT)).filter(h -> !h.isEmpty())
                .toList();
        this.resolver = resolver;
    }

    /** @param hosts the configuration's list: host names separated by commas or blanks (empty: any public host) */
    public static DownloadPolicy of(boolean allowLocal, String hosts) {
        return new DownloadPolicy(allowLocal, hosts == null ? List.of() : Arrays.asList(hosts.split("[,\\s]+")));
    }

    /** Scheme, host and allow-list, without a name lookup: for refusing a request at once. */
    public void checkSyntax(URI uri) throws OtaException {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https"))
            throw new OtaException(Kind.BAD_REQUEST, "unsupported URL scheme '" + scheme + "' (http, https)"
                    + (scheme.equals("file") ? ": a local package is uploaded, or put in the seed folder" : ""));
        String host = uri.getHost();
        if (host == null || host.isEmpty()) throw new OtaException(Kind.BAD_REQUEST, "URL without a host: " + uri);
        if (!allowedHosts.isEmpty() && !allowed(host.toLowerCase(Locale.ROOT)))
            throw new OtaException(Kind.BAD_REQUEST, "host " + host + " is not in download.allowed.hosts " + allowedHosts);
    }

    /** {@link #checkSyntax} and every address the host resolves to. */
    public void check(URI uri) throws OtaException {
        checkSyntax(uri);
        if (allowLocal) return;
        String host = uri.getHost();
        InetAddress[] all;
        try {
            all = resolver.resolve(host);
        } catch (UnknownHostException e) {
            throw new OtaException(Kind.BAD_REQUEST, "unknown host " + host);
        }
        for (InetAddress a : all) {
            String what = local(a);
            if (what != null)
                throw new OtaException(Kind.BAD_REQUEST, "host " + host + " resolves to " + a.getHostAddress() + ", a " + what
                        + " address: refused (download.allow.local=false)");
        }
    }

    private boolean allowed(String host) {
        for (String h : allowedHosts) {
            if (h.startsWith("*.") ? host.endsWith(h.substring(1)) : host.equals(h)) return true;
        }
        return false;
    }

    /** What kind of local address this is, or null for an ordinary (public or private network) one. */
    static String local(InetAddress a) {
        if (a instanceof Inet6Address v6 && v6.isIPv4CompatibleAddress()) {
            byte[] b = v6.getAddress();
            try {
                a = InetAddress.getByAddress(Arrays.copyOfRange(b, 12, 16)); // ::a.b.c.d
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e); // four bytes are always an address
            }
        }
        if (a.isLoopbackAddress()) return "loopback";
        if (a.isLinkLocalAddress()) return "link-local";
        // 0.0.0.0 and :: reach this host; the rest of 0/8 means "this network"
        if (a.isAnyLocalAddress() || a instanceof Inet4Address && a.getAddress()[0] == 0) return "unspecified";
        if (a.isMulticastAddress()) return "multicast";
        return null;
    }
}
