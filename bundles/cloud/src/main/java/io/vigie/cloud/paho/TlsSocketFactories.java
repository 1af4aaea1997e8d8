package io.vigie.cloud.paho;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;

import javax.net.SocketFactory;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS socket factories from PEM files: CA certificate(s), client certificate chain and PKCS#8 private key. Sockets
 * offer TLS 1.3 and 1.2 (the broker picks; 1.3 preferred), nothing older.
 */
final class TlsSocketFactories {

    private TlsSocketFactories() {
    }

    /**
     * @param caPath   PEM CA certificate(s) to trust; empty: the JVM's default trust store
     * @param certPath PEM client certificate chain; empty: no client authentication
     * @param keyPath  PEM PKCS#8 ("BEGIN PRIVATE KEY") RSA or EC key of the client certificate
     */
    static SocketFactory create(String caPath, String certPath, String keyPath) throws Exception {
        TrustManagerFactory tmf = null;
        if (!caPath.isEmpty()) {
            KeyStore ts = KeyStore.getInstance(KeyStore.getDefaultType());
            ts.load(null, null);
            int i = 0;
            for (Certificate c : certs(caPath)) {
                ts.setCertificateEntry("ca" + i++, c);
            }
            tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ts);
        }
        KeyManagerFactory kmf = null;
        if (!certPath.isEmpty()) {
            if (keyPath.isEmpty()) {
                throw new IllegalArgumentException("tls.cert.path is set but tls.key.path is empty");
            }
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            char[] pw = new char[0];
            ks.setKeyEntry("client", key(keyPath), pw, certs(certPath).toArray(new Certificate[0]));
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, pw);
        }
        // "TLS", then the versions pinned per socket: 1.3 and 1.2 only, whatever the JVM's defaults allow.
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
        return new Pinned(ctx.getSocketFactory());
    }

    /** Offered protocol versions, most preferred first. */
    static final String[] PROTOCOLS = { "TLSv1.3", "TLSv1.2" };

    /** Every socket it creates offers {@link #PROTOCOLS} only (Paho creates unconnected sockets, then connects). */
    private static final class Pinned extends SSLSocketFactory {
        private final SSLSocketFactory d;

        Pinned(SSLSocketFactory d) {
            this.d = d;
        }

        private static Socket pin(Socket s) {
            ((SSLSocket) s).setEnabledProtocols(PROTOCOLS);
            return s;
        }

        @Override
        public String[] getDefaultCipherSuites() {
            return d.getDefaultCipherSuites();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return d.getSupportedCipherSuites();
        }

        @Override
        public Socket createSocket() throws IOException {
            return pin(d.createSocket());
        }

        @Override
        public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
            return pin(d.createSocket(s, host, port, autoClose));
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return pin(d.createSocket(host, port));
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress local, int localPort) throws IOException {
            return pin(d.createSocket(host, port, local, localPort));
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return pin(d.createSocket(host, port));
        }

        @Override
        public Socket createSocket(InetAddress host, int port, InetAddress local, int localPort) throws IOException {
            return pin(d.createSocket(host, port, local, localPort));
        }
    }

    private static Collection<? extends Certificate> certs(String path) throws Exception {
        try (InputStream in = Files.newInputStream(Path.of(path))) {
            Collection<? extends Certificate> cs = CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (cs.isEmpty()) {
                throw new IllegalArgumentException("no certificate in " + path);
            }
            return cs;
        }
    }

    private static PrivateKey key(String path) throws Exception {
        String pem = Files.readString(Path.of(path), StandardCharsets.US_ASCII);
        int b = pem.indexOf("-----BEGIN PRIVATE KEY-----"), e = pem.indexOf("-----END PRIVATE KEY-----");
        if (b < 0 || e < 0) {
            throw new IllegalArgumentException(path + ": expected a PKCS#8 PEM key (BEGIN PRIVATE KEY);"
                    + " convert with: openssl pkcs8 -topk8 -nocrypt");
        }
        byte[] der = Base64.getMimeDecoder()
                .decode(pem.substring(b + "-----BEGIN PRIVATE KEY-----".length(), e).getBytes(StandardCharsets.US_ASCII));
        List<String> tried = new ArrayList<>();
        for (String alg : new String[] { "RSA", "EC", "Ed25519" }) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (Exception ex) {
                tried.add(alg);
            }
        }
        throw new IllegalArgumentException(path + ": key is not " + tried);
    }
}
