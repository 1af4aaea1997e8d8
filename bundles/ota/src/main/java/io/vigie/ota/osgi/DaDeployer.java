package io.vigie.ota.osgi;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.Set;
import java.util.zip.ZipFile;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.service.deploymentadmin.BundleInfo;
import org.osgi.service.deploymentadmin.DeploymentAdmin;
import org.osgi.service.deploymentadmin.DeploymentPackage;

import io.vigie.ota.core.Deployer;
import io.vigie.ota.core.DpInfo;

/** {@link Deployer} on the real DeploymentAdmin. */
final class DaDeployer implements Deployer {
    /** DeploymentAdmin installs its bundles with this location prefix (OSGi DA spec, Felix and Kura alike). */
    static final String DP_LOCATION = "osgi-dp:";
    static final String RESTORED_LOCATION = "vigie-ota-restored:";
    private final DeploymentAdmin da;
    private final BundleContext context;

    DaDeployer(DeploymentAdmin da, BundleContext context) {
        this.da = da;
        this.context = context;
    }

    static Installed of(DeploymentPackage dp) {
        List<DpInfo.BundleRef> b = new ArrayList<>();
        for (BundleInfo i : dp.getBundleInfos())
                b.add(new DpInfo.BundleRef(null, i.getSymbolicName(), i.getVersion().toString()));
        return new Installed(dp.getName(), dp.getVersion().toString(), b);
    }

    @Override
    public List<Installed> list() {
        List<Installed> l = new ArrayList<>();
        for (DeploymentPackage dp : da.listDeploymentPackages()) {
            if (!dp.isStale() && !"System".equals(dp.getName())) l.add(of(dp));
        }
        return l;
    }

    @Override
    public Installed install(Path file) throws Exception {
        try (InputStream in = Files.newInputStream(file)) {
            return of(da.installDeploymentPackage(in));
        }
    }

    @Override
    public void uninstall(String name) throws Exception {
        DeploymentPackage dp = da.getDeploymentPackage(name);
        if (dp == null) throw new IllegalStateException("not installed: " + name);
        dp.uninstall();
    }

    @Override
    public Map<String, Unmanaged> unmanagedBundles() {
        Map<String, Unmanaged> m = new HashMap<>();
        for (Bundle b : unmanaged()) {
            String exports = b.getHeaders("").get(Constants.EXPORT_PACKAGE);
            m.put(b.getSymbolicName(), new Unmanaged(b.getVersion().toString(), exports != null && !exports.isBlank()));
        }
        return m;
    }

    @Override
    public void restoreUnmanaged(Path dp, String entry) throws Exception {
        try (ZipFile z = new ZipFile(dp.toFile()); InputStream in = z.getInputStream(z.getEntry(entry))) {
            context.installBundle(RESTORED_LOCATION + entry, in).start();
        }
    }

    private List<Bundle> unmanaged() {
        List<Bundle> l = new ArrayList<>();
        for (Bundle b : context.getBundles()) {
            if (b.getBundleId() == 0 || b.getSymbolicName() == null) continue;
            if (!b.getLocation().startsWith(DP_LOCATION)) l.add(b);
        }
        return l;
    }

    @Override
    public void retire(Set<String> symbolicNames) throws Exception {
        for (Bundle b : unmanaged()) {
            if (symbolicNames.contains(b.getSymbolicName())) b.uninstall(); // exports nothing: no refresh needed
        }
    }
}
