package io.vigie.cloud.paho;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
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
import javax.net.ssl.TrustManagerFactory;

/** TLS socket factories from PEM files: CA certificate(s), client certificate chain and PKCS#8 private key. */
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
        SSLContext ctx = SSLContext.getInstance("TLSv1.2");
        ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
        return ctx.getSocketFactory();
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
