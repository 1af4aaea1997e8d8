package io.vigie.ota.osgi;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.eclipse.kura.KuraException;
import org.eclipse.kura.cloudconnection.request.RequestHandlerRegistry;
import org.eclipse.kura.configuration.ConfigurableComponent;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.deploymentadmin.DeploymentAdmin;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.vigie.api.ota.OtaTopics;
import io.vigie.ota.core.Background;
import io.vigie.ota.core.DeployV2Handler;
import io.vigie.ota.core.DownloadPolicy;
import io.vigie.ota.core.DpInfo;
import io.vigie.ota.core.DpInspector;
import io.vigie.ota.core.DpStore;
import io.vigie.ota.core.HealthFeed;
import io.vigie.ota.core.HealthPolicy;
import io.vigie.ota.core.ModelGuard;
import io.vigie.ota.core.ModelRef;
import io.vigie.ota.core.OtaException;
import io.vigie.ota.core.PackageManager;
import io.vigie.ota.core.SignatureVerifier;

/**
 * OTA agent, wiring: the Kura ConfigurableComponent {@code io.vigie.ota}. Owns the package store
 * ({@code ${vigie.data}/dp}), the {@link PackageManager} on the real DeploymentAdmin, the
 * {@link ModelGuard} (automatic rollback of model packages), the Kura DEPLOY-V2 request handler registered
 * with every {@link RequestHandlerRegistry} (cloud connection), and the re-install of the stored packages
 * at start (core first; a seed folder, {@code vigie.dp.seed}, provides the first ones). Posts
 * {@code io/vigie/ota/INSTALLED|UNINSTALLED|FAILED|HEALTHY|ROLLBACK}.
 * <p>
 * Shares what it owns as the bundle-private {@link OtaAgent} service with {@link PackagesServlet}
 * ({@code /vigie/api/packages}) and {@link HealthComponent} (the detector's frames and MODEL events, the
 * verdict tick).
 */
@Designate(ocd = OtaConfig.class)
@Component(name = OtaComponent.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL,
        service = { ConfigurableComponent.class, OtaAgent.class }, property = "service.pid=" + OtaComponent.PID)
public class OtaComponent implements ConfigurableComponent, OtaAgent, PackageManager.Listener {
    public static final String PID = "io.vigie.ota";
    public static final String TOPIC = OtaTopics.PREFIX;
    private static final Logger LOG = LoggerFactory.getLogger(OtaComponent.class);

    private final EventAdmin events;
    private final PackageManager manager;
    private final DpStore store;
    private final Path incoming;
    private final ModelGuard guard;
    private final DeployV2Handler deployV2;
    private final ExecutorService jobs;
    /** REST installs and uninstalls: off the HTTP thread, at the background priority. */
    private final ExecutorService installs = Executors.newSingleThreadExecutor(Background.threads("vigie-ota-install"));
    private final Thread restorer;
    private final List<RequestHandlerRegistry> registries = new CopyOnWriteArrayList<>();
    private volatile String appId;
    private final DpInspector inspector;

    @Activate
    public OtaComponent(@Reference DeploymentAdmin da, @Reference EventAdmin events, BundleContext context, OtaConfig config)
            throws IOException {
        this.events = events;
        String data = context.getProperty("vigie.data");
        Path dir = data != null ? Path.of(data, "dp") : context.getDataFile("dp").toPath();
        this.store = new DpStore(dir);
        this.incoming = Files.createDirectories(dir.resolve("incoming"));
        String seed = context.getProperty("vigie.dp.seed");
        Path defaultSeed = seed == null || seed.isBlank() ? null : Path.of(seed);
        String processor = DpInspector.processorOf(System.getProperty("os.arch"));
        this.inspector = new DpInspector(processor,
                DpInspector.Limits.forMaxPackageBytes(config.max_package_mb() * 1024L * 1024L));
        this.manager = new PackageManager(new DaDeployer(da, context), store, inspector, this);
        // until the health handler applies the same settings with the detector's own budget (installs at start
        // may come first): the detector's default budget
        HealthFeed.Settings health = new HealthFeed.Settings(config.rollback_enabled(), config.health_window_seconds(),
                config.health_max_model_errors(), config.health_latency_budget_ms(), config.health_min_fps_ratio());
        HealthPolicy initial = health.policy(HealthFeed.DEFAULT_DETECTOR_BUDGET_MS);
        this.guard = new ModelGuard(manager, initial, this::outcome);
        guard.configure(health.rollbackEnabled(), initial);
        this.jobs = Executors.newSingleThreadExecutor(Background.threads("vigie-ota-deploy-v2"));
        this.deployV2 = new DeployV2Handler(manager, guard, dir.resolve("downloads"), jobs, deployV2Settings(config));
        this.appId = config.deploy_v2_app_id();
        modified(config);
        Path seedDir = config.seed_dir().isBlank() ? defaultSeed : Path.of(config.seed_dir());
        // DA installs and starts bundles: never from SCR's activation thread.
        restorer = daemon(() -> {
            List<String> done = manager.restore(seedDir);
            if (!done.isEmpty()) LOG.info("OTA: installed at start: {}", done);
        }, "vigie-ota-restore");
        restorer.start();
        LOG.info("OTA: packages in {} (processor {}){}", dir, processor, seedDir == null ? "" : ", seed " + seedDir);
    }

    private static DeployV2Handler.Settings deployV2Settings(OtaConfig c) {
        return new DeployV2Handler.Settings(c.deploy_v2_app_id(), c.download_timeout_seconds() * 1000,
                c.max_package_mb() * 1024L * 1024L, DownloadPolicy.of(c.download_allow_local(), c.download_allowed_hosts()));
    }

    @Modified
    void modified(OtaConfig config) {
        manager.options(packageOptions(config));
        inspector.limits(DpInspector.Limits.forMaxPackageBytes(config.max_package_mb() * 1024L * 1024L));
        manager.trials(config.rollback_enabled()); // installs on trial while a health watch judges them
        LOG.info("OTA: DEPLOY-V2 app id {}, downgrades {}, downloads from local addresses {}, download hosts {}",
                config.deploy_v2_app_id(), config.allow_downgrade() ? "allowed" : "refused",
                config.download_allow_local() ? "allowed" : "refused",
                config.download_allowed_hosts().isBlank() ? "any" : config.download_allowed_hosts());
        // a model install's job waits for the verdict: at most two windows
        deployV2.settings(deployV2Settings(config), 2L * config.health_window_seconds() * 1000 + 30_000);
        String previous = appId;
        if (!previous.equals(config.deploy_v2_app_id())) {
            appId = config.deploy_v2_app_id();
            for (RequestHandlerRegistry r : registries) {
                unregister(r, previous);
                register(r);
            }
        }
    }

    /**
     * The package checks a configuration asks for. Installing unsigned packages is a choice made explicitly
     * ({@code signature.required=false}) and stays visible: a WARN at every (re)configuration.
     */
    static PackageManager.Options packageOptions(OtaConfig config) {
        SignatureVerifier v = null;
        try {
            v = SignatureVerifier.ofAll(config.public_key());
        } catch (IllegalArgumentException e) {
            LOG.error("OTA: {} public.key: {} (no key accepted)", PID, e.getMessage());
        }
        if (!config.signature_required())
            LOG.warn("OTA: signature.required=false: packages are installed WITHOUT a signature check{}",
                    v == null ? "" : " (a signature sent with a package is still checked)");
        else if (v == null)
            LOG.warn("OTA: signature required but no valid public key: every install is refused (make a key pair with "
                    + "./vigie keys --out DIR, then set public.key in {})", PID);
        else
            LOG.info("OTA: signed packages required, {} accepted key(s)", v.keys());
        return new PackageManager.Options(v, config.signature_required(), config.allow_downgrade());
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        restorer.join(5_000);
        deployV2.close();
        jobs.shutdownNow();
        installs.shutdownNow();
    }

    // ---- what the servlet and the health handler share

    @Override
    public PackageManager packages() {
        return manager;
    }

    @Override
    public DpStore store() {
        return store;
    }

    @Override
    public ModelGuard guard() {
        return guard;
    }

    @Override
    public ExecutorService installs() {
        return installs;
    }

    @Override
    public Path incoming() {
        return incoming;
    }

    // ---- DEPLOY-V2: one handler, registered with every matching cloud connection. The default target is the
    // standalone runtime's own connection: inside Kura, Kura's DEPLOY-V2 cloudlet owns that app id, and Kura's
    // registry replaces a handler registered under an id already taken, so ours must not reach it unasked.

    @Reference(name = "RequestHandlerRegistry", cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            target = OtaConfig.STANDALONE_REGISTRY)
    void bindRequestHandlerRegistry(RequestHandlerRegistry r) {
        registries.add(r);
        register(r);
    }

    void unbindRequestHandlerRegistry(RequestHandlerRegistry r) {
        registries.remove(r);
        unregister(r, appId);
    }

    private void register(RequestHandlerRegistry r) {
        try {
            r.registerRequestHandler(appId, deployV2);
            LOG.info("OTA: request handler {} registered with {}", appId, r.getClass().getName());
        } catch (KuraException | RuntimeException e) {
            LOG.warn("OTA: cannot register request handler {}: {}", appId, e.getMessage());
        }
    }

    private void unregister(RequestHandlerRegistry r, String id) {
        try {
            r.unregister(id);
        } catch (KuraException | RuntimeException e) {
            LOG.debug("OTA: unregister {}: {}", id, e.getMessage());
        }
    }

    // ---- events (keys: io.vigie.api.ota.OtaTopics; telemetry forwards them to the cloud, the deployment audit reads them)

    /**
     * What a verdict event repeats from its install: the .dp that was judged (after a rollback the store holds another),
     * when and for which DEPLOY-V2 job. Per name + version: a rollback re-installs the old version before its verdict.
     */
    private record Installed(String sha256, long at, Long jobId) {
    }

    private final Map<String, Installed> watched = new ConcurrentHashMap<>();

    private static String key(String name, String version) {
        return name + '\n' + version;
    }

    private void outcome(ModelGuard.Outcome o) {
        Map<String, Object> p = new HashMap<>();
        p.put(OtaTopics.NAME, o.name());
        p.put(OtaTopics.VERSION, o.version());
        putModel(p, o.model());
        p.put(OtaTopics.REASON, o.reason());
        p.put(OtaTopics.STATE, o.state());
        p.put(OtaTopics.VERDICT_AT, System.currentTimeMillis());
        Installed i = watched.remove(key(o.name(), o.version()));
        if (i != null) {
            p.put(OtaTopics.SHA256, i.sha256());
            p.put(OtaTopics.INSTALLED_AT, i.at());
            if (i.jobId() != null) p.put(OtaTopics.JOB_ID, i.jobId());
        }
        if (o.healthy()) {
            LOG.info("OTA: {} {} healthy: {}", o.name(), o.version(), o.reason());
            post(OtaTopics.HEALTHY, p);
            return;
        }
        p.put(OtaTopics.UNINSTALLED_FLAG, o.uninstalled());
        if (o.restoredVersion() != null) p.put(OtaTopics.RESTORED_VERSION, o.restoredVersion());
        if (o.rollbackError() != null) p.put(OtaTopics.ERROR, o.rollbackError());
        LOG.warn("OTA: {}", DeployV2Handler.rollbackText(o));
        post(OtaTopics.ROLLBACK, p);
    }

    private static void putModel(Map<String, Object> p, ModelRef m) {
        p.put(OtaTopics.MODEL, m.shortId());
        p.put(OtaTopics.MODEL_NAME, m.name());
        p.put(OtaTopics.MODEL_PRECISION, m.precision());
        p.put(OtaTopics.MODEL_VERSION, m.version());
        p.put(OtaTopics.MODEL_SHA256, m.sha256());
    }

    private void post(String topic, Map<String, Object> props) {
        events.postEvent(new Event(topic, props));
    }

    @Override
    public void installed(DpInfo info, String sha256) {
        LOG.info("OTA: installed {} {} ({} bundles, sha256 {})", info.name(), info.version(), info.bundles().size(), sha256);
        long now = System.currentTimeMillis();
        OptionalLong job = deployV2.jobFor(info.name());
        // before the watch starts: a verdict can come from the tick thread at once
        String k = key(info.name(), info.version());
        watched.put(k, new Installed(sha256, now, job.isPresent() ? job.getAsLong() : null));
        Path file = manager.storedFile(info.name());
        boolean watching = guard.installed(info, file, now).isPresent();
        if (watching) LOG.info("OTA: watching the model of {} {} before keeping it", info.name(), info.version());
        else watched.remove(k); // no verdict is coming (no model, rollback off, or the re-install of a rollback)
        Map<String, Object> p = new HashMap<>();
        p.put(OtaTopics.NAME, info.name());
        p.put(OtaTopics.VERSION, info.version());
        p.put(OtaTopics.SHA256, sha256);
        p.put(OtaTopics.INSTALLED_AT, now);
        job.ifPresent(j -> p.put(OtaTopics.JOB_ID, j));
        p.put(OtaTopics.WATCHED, watching);
        p.put(OtaTopics.BUNDLES, info.bundles().stream().map(DpInfo.BundleRef::symbolicName).toArray(String[]::new));
        try {
            List<ModelRef> models = ModelRef.inPackage(file);
            if (!models.isEmpty()) putModel(p, models.get(0)); // the one the health watch judges
        } catch (IOException e) {
            LOG.debug("OTA: no model identity for {}: {}", info.name(), e.toString());
        }
        post(OtaTopics.INSTALLED, p);
    }

    @Override
    public void uninstalled(String name) {
        LOG.info("OTA: uninstalled {}", name);
        // removed by a user while watched: no verdict is coming (a rollback's own uninstall keeps the entry for its event)
        if (guard.pending(name).isPresent()) watched.keySet().removeIf(k -> k.startsWith(name + '\n'));
        guard.uninstalled(name);
        post(OtaTopics.UNINSTALLED, Map.of(OtaTopics.NAME, name));
    }

    @Override
    public void failed(String name, String operation, OtaException e) {
        LOG.warn("OTA: {} {} failed: {}", operation, name, e.getMessage());
        post(OtaTopics.FAILED, Map.of(OtaTopics.NAME, name, OtaTopics.OPERATION, operation, OtaTopics.MESSAGE,
                String.valueOf(e.getMessage()), OtaTopics.STATUS, e.kind.status));
    }
}
