package io.vigie.ota.core;

import java.io.IOException;
import java.io.StringWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Base64;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;

import org.eclipse.kura.KuraErrorCode;
import org.eclipse.kura.KuraException;
import org.eclipse.kura.cloudconnection.message.KuraMessage;
import org.eclipse.kura.cloudconnection.publisher.CloudNotificationPublisher;
import org.eclipse.kura.cloudconnection.request.RequestHandler;
import org.eclipse.kura.cloudconnection.request.RequestHandlerContext;
import org.eclipse.kura.cloudconnection.request.RequestHandlerContextConstants;
import org.eclipse.kura.cloudconnection.request.RequestHandlerMessageConstants;
import org.eclipse.kura.message.KuraPayload;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kura's DEPLOY-V2 cloudlet protocol (resource and metric names as Kura's and Kapua's), served
 * through the {@link PackageManager} so a cloud install gets exactly the checks of a REST install.
 * Requests answer at once; downloads, installs and uninstalls run in the background, one job at a
 * time, and report through the request's notification publisher (messageType {@code download},
 * {@code install}, {@code uninstall}). A model package's final install notification waits for the
 * {@link ModelGuard}'s verdict: COMPLETED when healthy, FAILED with the reason after a rollback.
 */
public final class DeployV2Handler implements RequestHandler {
    private static final Logger LOG = LoggerFactory.getLogger(DeployV2Handler.class);

    public static final String DEFAULT_APP_ID = "DEPLOY-V2";
    // resources
    public static final String RESOURCE_PACKAGES = "packages";
    public static final String RESOURCE_DOWNLOAD = "download";
    public static final String RESOURCE_INSTALL = "install";
    public static final String RESOURCE_UNINSTALL = "uninstall";
    // request metrics
    public static final String DP_URI = "dp.uri";
    public static final String DP_NAME = "dp.name";
    public static final String DP_VERSION = "dp.version";
    public static final String PROTOCOL = "dp.download.protocol";
    public static final String BLOCK_SIZE = "dp.download.block.size";
    public static final String BLOCK_DELAY = "dp.download.block.delay";
    public static final String NOTIFY_BLOCK_SIZE = "dp.download.notify.block.size";
    public static final String TIMEOUT = "dp.download.timeout";
    public static final String RESUME = "dp.download.resume";
    public static final String FORCE = "dp.download.force";
    public static final String HASH = "dp.download.hash";
    public static final String INSTALL = "dp.install";
    public static final String SYSTEM_UPDATE = "dp.install.system.update";
    public static final String JOB_ID = "job.id";
    public static final String REQUESTER = "requester.client.id";
    /** Vigie extension: detached signature of the package (base64), for {@code signature.required}. */
    public static final String SIGNATURE = "dp.signature";
    // notification / reply metrics
    public static final String CLIENT_ID = "client.id";
    public static final String DL_SIZE = "dp.download.size";
    public static final String DL_PROGRESS = "dp.download.progress";
    public static final String DL_STATUS = "dp.download.status";
    public static final String DL_INDEX = "dp.download.index";
    public static final String DL_ERROR = "dp.download.error.message";
    public static final String IN_PROGRESS_ = "dp.install.progress";
    public static final String IN_STATUS = "dp.install.status";
    public static final String IN_MESSAGE = "dp.install.message";
    public static final String IN_ERROR = "dp.install.error.message";
    public static final String UN_PROGRESS = "dp.uninstall.progress";
    public static final String UN_STATUS = "dp.uninstall.status";
    public static final String UN_ERROR = "dp.uninstall.error.message";
    public static final String RESPONSE_CODE = "response.code";
    /** Vigie extension, in the EXEC download reply and the first download notification: the limits used, in words. */
    public static final String LIMITS = "dp.download.limits";
    // DEPLOY-V2 download parameters are clamped to these: a 1-byte block or notify interval would write and publish
    // a message per byte (the cloud store keeps them at priority 0 and drops intrusion events to make room)
    static final int MIN_BLOCK = 64 * 1024;
    static final int MAX_BLOCK = 16 * 1024 * 1024;
    static final int MAX_BLOCK_DELAY_MS = 5_000;
    static final int MIN_TIMEOUT_MS = 10_000;
    static final int MAX_TIMEOUT_MS = 3_600_000;
    // statuses
    public static final String IN_PROGRESS = "IN_PROGRESS";
    public static final String COMPLETED = "COMPLETED";
    public static final String FAILED = "FAILED";
    public static final String ALREADY_DONE = "ALREADY_DONE";
    public static final String IDLE = "IDLE";

    /**
     * @param appId            application id (notification topics use it)
     * @param defaultTimeoutMs download connect/read timeout when the request has no {@code dp.download.timeout}
     * @param maxBytes         package size cap
     * @param downloads        where {@code dp.uri} may point
     */
    public record Settings(String appId, int defaultTimeoutMs, long maxBytes, DownloadPolicy downloads) {
    }

    /** The download parameters a request asked for, clamped; {@code adjusted} says what changed (empty: nothing). */
    record Limits(int blockSize, int blockDelayMs, int notifySize, int timeoutMs, String adjusted) {
        static Limits of(Integer block, Integer delay, Integer notify, Integer timeout, int defaultTimeoutMs) {
            StringBuilder why = new StringBuilder();
            int b = clamp(BLOCK_SIZE, block, MIN_BLOCK, MAX_BLOCK, MIN_BLOCK, why);
            int d = clamp(BLOCK_DELAY, delay, 0, MAX_BLOCK_DELAY_MS, 0, why);
            int n = clamp(NOTIFY_BLOCK_SIZE, notify, MIN_BLOCK, Integer.MAX_VALUE, 0, why);
            int t = clamp(TIMEOUT, timeout, MIN_TIMEOUT_MS, MAX_TIMEOUT_MS, defaultTimeoutMs, why);
            return new Limits(b, d, n, t, why.toString());
        }

        /** 0 or absent: the default; else within [min, max], noting a change. */
        private static int clamp(String metric, Integer asked, int min, int max, int dflt, StringBuilder why) {
            if (asked == null || asked == 0) return dflt;
            int v = Math.max(min, Math.min(max, asked));
            if (v != asked) why.append(why.length() == 0 ? "" : ", ").append(metric).append(' ').append(asked).append(" -> ")
                    .append(v);
            return v;
        }

        /** In words, for the reply and the first notification. */
        String text() {
            return "block " + blockSize + " B, pause " + blockDelayMs + " ms per block, progress every "
                    + (notifySize == 0 ? "block" : notifySize + " B") + " and at most " + HttpDownloader.MAX_REPORTS
                    + " times, timeout " + timeoutMs + " ms" + (adjusted.isEmpty() ? "" : " (clamped: " + adjusted + ")");
        }

        void addTo(KuraPayload p) {
            p.addMetric(BLOCK_SIZE, blockSize);
            p.addMetric(BLOCK_DELAY, blockDelayMs);
            p.addMetric(NOTIFY_BLOCK_SIZE, notifySize == 0 ? blockSize : notifySize);
            p.addMetric(TIMEOUT, timeoutMs);
            p.addMetric(LIMITS, text());
        }
    }

    /** Where a job's notifications go. */
    private record Notifier(CloudNotificationPublisher publisher, String appId, String requestor, String clientId) {
        void send(String messageType, KuraPayload p) {
            p.setTimestamp(new Date());
            if (clientId != null) p.addMetric(CLIENT_ID, clientId);
            Map<String, Object> props = new HashMap<>();
            props.put("appId", appId);
            props.put("messageType", messageType);
            props.put("requestorClientId", requestor);
            try {
                publisher.publish(new KuraMessage(p, props));
            } catch (KuraException | RuntimeException e) {
                LOG.warn("DEPLOY-V2: {} notification not published: {}", messageType, e.getMessage());
            }
        }
    }

    private final class Job {
        final String kind;
        final long jobId;
        final String name;
        final String version;
        final Notifier notifier;
        volatile boolean downloading;
        volatile long done;
        volatile long total = -1;
        volatile boolean cancelled;
        /** Said in the first download notification, then null. */
        volatile String limits;

        Job(String kind, long jobId, String name, String version, Notifier notifier) {
            this.kind = kind;
            this.jobId = jobId;
            this.name = name;
            this.version = version;
            this.notifier = notifier;
        }

        KuraPayload payload() {
            KuraPayload p = new KuraPayload();
            p.addMetric(JOB_ID, jobId);
            p.addMetric(DP_NAME, name);
            if (version != null) p.addMetric(DP_VERSION, version);
            return p;
        }

        int percent() {
            return total > 0 ? (int) Math.min(100, done * 100 / total) : 0;
        }

        @Override
        public String toString() {
            return "job " + jobId + " (" + kind + " " + name + (version == null ? "" : " " + version) + ")";
        }
    }

    private final PackageManager packages;
    private final ModelGuard guard;
    private final Path dir;
    private final ExecutorService executor;
    private volatile Settings settings;
    private volatile long healthWaitMs;
    private final AtomicReference<Job> current = new AtomicReference<>();

    /**
     * @param guard    may be null (no health verdict awaited)
     * @param dir      download folder ({@code <name>-<version>.dp}, {@code .part} while downloading)
     * @param executor runs the jobs (one at a time is enforced here)
     */
    public DeployV2Handler(PackageManager packages, ModelGuard guard, Path dir, ExecutorService executor, Settings settings)
            throws IOException {
        this.packages = packages;
        this.guard = guard;
        this.dir = Files.createDirectories(dir);
        this.executor = executor;
        this.settings = settings;
    }

    public void settings(Settings s, long healthWaitMs) {
        this.settings = s;
        this.healthWaitMs = healthWaitMs;
    }

    /** Cancels a running download (installs are left to finish: DeploymentAdmin is not interruptible). */
    public void close() {
        Job j = current.get();
        if (j != null) j.cancelled = true;
    }

    // ---- requests

    @Override
    public KuraMessage doGet(RequestHandlerContext context, KuraMessage req) throws KuraException {
        String r = resource(req);
        KuraPayload p = ok();
        Job j = current.get();
        switch (r) {
            case RESOURCE_PACKAGES -> p.setBody(packagesXml(packages.list()).getBytes(StandardCharsets.UTF_8));
            case RESOURCE_DOWNLOAD -> {
                if (j != null && j.downloading) {
                    p.addMetric(DL_SIZE, (int) Math.max(0, j.total));
                    p.addMetric(DL_PROGRESS, j.percent());
                    p.addMetric(DL_STATUS, IN_PROGRESS);
                    p.addMetric(JOB_ID, j.jobId);
                } else {
                    p.addMetric(DL_SIZE, 0);
                    p.addMetric(DL_PROGRESS, 100);
                    p.addMetric(DL_STATUS, ALREADY_DONE);
                }
            }
            case RESOURCE_INSTALL -> {
                if (j != null && !j.downloading && !j.kind.equals(RESOURCE_UNINSTALL)) {
                    p.addMetric(IN_STATUS, IN_PROGRESS);
                    p.addMetric(DP_NAME, j.name);
                    p.addMetric(DP_VERSION, j.version);
                    p.addMetric(JOB_ID, j.jobId);
                } else {
                    p.addMetric(IN_STATUS, IDLE);
                }
            }
            default -> throw unknown(r, "GET", "packages, download, install");
        }
        return new KuraMessage(p);
    }

    @Override
    public KuraMessage doDel(RequestHandlerContext context, KuraMessage req) throws KuraException {
        String r = resource(req);
        if (!r.equals(RESOURCE_DOWNLOAD)) throw unknown(r, "DEL", "download");
        Job j = current.get();
        if (j != null && j.downloading) {
            j.cancelled = true;
            LOG.info("DEPLOY-V2: cancelling {}", j);
        }
        return new KuraMessage(ok());
    }

    @Override
    public KuraMessage doExec(RequestHandlerContext context, KuraMessage req) throws KuraException {
        String r = resource(req);
        KuraPayload in = req.getPayload() == null ? new KuraPayload() : req.getPayload();
        KuraPayload reply = ok();
        switch (r) {
            case RESOURCE_DOWNLOAD -> execDownload(context, in).addTo(reply);
            case RESOURCE_INSTALL -> execInstall(context, in);
            case RESOURCE_UNINSTALL -> execUninstall(context, in);
            default -> throw unknown(r, "EXEC", "download, install, uninstall");
        }
        return new KuraMessage(reply);
    }

    private Limits execDownload(RequestHandlerContext ctx, KuraPayload in) throws KuraException {
        String uri = required(in, DP_URI, String.class);
        String name = fileSafe(required(in, DP_NAME, String.class), DP_NAME);
        String version = fileSafe(required(in, DP_VERSION, String.class), DP_VERSION);
        String protocol = required(in, PROTOCOL, String.class);
        long jobId = jobId(in);
        systemUpdate(in);
        String requestor = requestor(in);
        Integer blockSize = optional(in, BLOCK_SIZE, Integer.class);
        Integer blockDelay = optional(in, BLOCK_DELAY, Integer.class);
        Integer timeout = optional(in, TIMEOUT, Integer.class);
        Integer notifyBlock = optional(in, NOTIFY_BLOCK_SIZE, Integer.class);
        boolean resume = Boolean.TRUE.equals(optional(in, RESUME, Boolean.class));
        boolean force = Boolean.TRUE.equals(optional(in, FORCE, Boolean.class));
        Boolean install = optional(in, INSTALL, Boolean.class);
        String hash = optional(in, HASH, String.class);
        byte[] signature = signature(in);
        if (blockSize != null && blockSize < 0 || blockDelay != null && blockDelay < 0 || timeout != null && timeout < 0
                || notifyBlock != null && notifyBlock < 0)
            throw bad(BLOCK_SIZE + ", " + BLOCK_DELAY + ", " + NOTIFY_BLOCK_SIZE + " and " + TIMEOUT + " must be >= 0");
        URI u;
        try {
            u = new URI(uri);
        } catch (URISyntaxException e) {
            throw bad("bad " + DP_URI + " '" + uri + "': " + e.getMessage());
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || u.getHost() == null)
            throw bad("bad " + DP_URI + " '" + uri + "': an http:// or https:// URL with a host is expected");
        Settings s = settings;
        try {
            s.downloads().checkSyntax(u); // the allow-list; the addresses are looked up by the job (DNS may be slow)
        } catch (OtaException e) {
            throw bad("bad " + DP_URI + " '" + uri + "': " + e.getMessage());
        }
        // Kapua's UI may say HTTP for an https:// URL: both go through the same client, the URL decides
        if (!protocol.equalsIgnoreCase("http") && !protocol.equalsIgnoreCase("https"))
            throw bad(PROTOCOL + " '" + protocol + "' is not supported (HTTP or HTTPS)");
        HashSpec expected;
        try {
            expected = hash == null || hash.isBlank() ? null : HashSpec.parse(hash);
        } catch (OtaException e) {
            throw bad(HASH + ": " + e.getMessage());
        }
        Limits limits = Limits.of(blockSize, blockDelay, notifyBlock, timeout, s.defaultTimeoutMs());
        HttpDownloader dl = new HttpDownloader(limits.timeoutMs(), s.maxBytes(), s.downloads());
        HttpDownloader.Blocks blocks = new HttpDownloader.Blocks(limits.blockSize(), limits.blockDelayMs(), limits.notifySize());
        Job job = new Job(RESOURCE_DOWNLOAD, jobId, name, version, notifier(ctx, requestor));
        job.downloading = true; // before it is visible to GET download/install
        job.limits = limits.text();
        start(job);
        if (!limits.adjusted().isEmpty()) LOG.info("DEPLOY-V2: {}: {}", job, limits.text());
        submit(job, () -> {
            Path file = downloaded(name, version);
            if (!download(job, u, file, resume, force, dl, blocks, expected)) return;
            job.downloading = false;
            if (install == null || install) install(job, file, expected, signature);
        });
        return limits;
    }

    private void execInstall(RequestHandlerContext ctx, KuraPayload in) throws KuraException {
        String name = fileSafe(required(in, DP_NAME, String.class), DP_NAME);
        String version = fileSafe(required(in, DP_VERSION, String.class), DP_VERSION);
        long jobId = jobId(in);
        systemUpdate(in);
        String requestor = requestor(in);
        byte[] signature = signature(in);
        Path file = downloaded(name, version);
        if (!Files.isRegularFile(file))
            throw bad(name + " " + version + " has not been downloaded (EXEC download with " + INSTALL + "=false first)");
        Job job = start(new Job(RESOURCE_INSTALL, jobId, name, version, notifier(ctx, requestor)));
        submit(job, () -> install(job, file, null, signature));
    }

    private void execUninstall(RequestHandlerContext ctx, KuraPayload in) throws KuraException {
        String name = required(in, DP_NAME, String.class);
        long jobId = jobId(in);
        String requestor = requestor(in);
        if (packages.get(name).isEmpty()) throw new KuraException(KuraErrorCode.NOT_FOUND, "no deployment package named " + name);
        Job job = start(new Job(RESOURCE_UNINSTALL, jobId, name, null, notifier(ctx, requestor)));
        submit(job, () -> {
            notify(job, RESOURCE_UNINSTALL, UN_STATUS, IN_PROGRESS, UN_PROGRESS, 0, null, null);
            try {
                packages.uninstall(name);
                notify(job, RESOURCE_UNINSTALL, UN_STATUS, COMPLETED, UN_PROGRESS, 100, null, null);
            } catch (OtaException e) {
                notify(job, RESOURCE_UNINSTALL, UN_STATUS, FAILED, UN_PROGRESS, 0, UN_ERROR, e.getMessage());
            }
        });
    }

    /**
     * The id of the DEPLOY-V2 job installing (or judging) package {@code name} right now, if one is: the OTA events of
     * that install carry it, so the cloud can tie a deployment record to its request.
     */
    public OptionalLong jobFor(String name) {
        Job j = current.get();
        return j != null && !j.kind.equals(RESOURCE_UNINSTALL) && j.name.equals(name) ? OptionalLong.of(j.jobId)
                : OptionalLong.empty();
    }

    // ---- jobs

    private synchronized Job start(Job j) throws KuraException {
        Job running = current.get();
        if (running != null)
            throw new KuraException(KuraErrorCode.PROCESS_EXECUTION_ERROR, "another DEPLOY-V2 job is in progress: " + running
                    + (running.downloading ? ", download at " + running.percent() + "%" : ""));
        current.set(j);
        return j;
    }

    private void submit(Job job, Runnable work) throws KuraException {
        LOG.info("DEPLOY-V2: {} started", job);
        try {
            executor.execute(() -> {
                try {
                    work.run();
                } catch (RuntimeException e) {
                    LOG.error("DEPLOY-V2: {} failed", job, e);
                    String type = job.kind.equals(RESOURCE_UNINSTALL) ? RESOURCE_UNINSTALL
                            : job.downloading ? RESOURCE_DOWNLOAD : RESOURCE_INSTALL;
                    notify(job, type, statusKey(type), FAILED, progressKey(type), 0, errorKey(type), "internal error: " + e);
                } finally {
                    current.compareAndSet(job, null);
                    LOG.info("DEPLOY-V2: {} done", job);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            current.compareAndSet(job, null);
            throw new KuraException(KuraErrorCode.SERVICE_UNAVAILABLE, "DEPLOY-V2 is shutting down");
        }
    }

    /** @return true when the file is there, complete and matching the hash */
    private boolean download(Job job, URI uri, Path file, boolean resume, boolean force, HttpDownloader dl,
            HttpDownloader.Blocks blocks, HashSpec expected) {
        Path part = file.resolveSibling(file.getFileName() + ".part");
        try {
            if (Files.isRegularFile(file) && !force) {
                job.total = job.done = Files.size(file);
                LOG.info("DEPLOY-V2: {} already downloaded", job);
                if (expected != null) expected.verifyOrDelete(file);
            } else {
                if (!resume) Files.deleteIfExists(part);
                // the hash is checked on the complete part, which is deleted on a mismatch
                HttpDownloader.Result r = dl.fetch(uri, part, new HttpDownloader.Transfer(resume, blocks, expected,
                        () -> job.cancelled, (done, total) -> {
                            job.done = done;
                            job.total = total;
                            if (total < 0 || done < total) downloadNote(job, IN_PROGRESS, null);
                        }));
                if (r.resumedFrom() > 0) LOG.info("DEPLOY-V2: {} resumed at byte {}", job, r.resumedFrom());
                Files.move(part, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
            job.done = job.total = Files.size(file);
            downloadNote(job, COMPLETED, null);
            return true;
        } catch (OtaException | IOException e) {
            if (!resume || job.cancelled) deleteQuietly(part);
            downloadNote(job, FAILED, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            deleteQuietly(part);
            downloadNote(job, FAILED, "download interrupted");
        }
        return false;
    }

    private void install(Job job, Path file, HashSpec expected, byte[] signature) {
        notify(job, RESOURCE_INSTALL, IN_STATUS, IN_PROGRESS, IN_PROGRESS_, 0, null, null);
        try {
            PackageManager.Result r = packages.install(file, expected, signature);
            DpInfo info = r.info();
            if (r.unchanged()) {
                notify(job, RESOURCE_INSTALL, IN_STATUS, COMPLETED, IN_PROGRESS_, 100, IN_MESSAGE, info.name() + " "
                        + info.version() + " is already installed with the same content: nothing to do");
                return;
            }
            Optional<CompletableFuture<ModelGuard.Outcome>> watch = guard == null ? Optional.empty() : guard.pending(info.name());
            if (watch.isEmpty()) {
                notify(job, RESOURCE_INSTALL, IN_STATUS, COMPLETED, IN_PROGRESS_, 100, IN_MESSAGE,
                        "installed " + info.name() + " " + info.version());
                return;
            }
            notify(job, RESOURCE_INSTALL, IN_STATUS, IN_PROGRESS, IN_PROGRESS_, 100, IN_MESSAGE,
                    "installed " + info.name() + " " + info.version() + "; watching its model before confirming");
            ModelGuard.Outcome o = watch.get().get(healthWaitMs, TimeUnit.MILLISECONDS);
            if (o.healthy()) {
                notify(job, RESOURCE_INSTALL, IN_STATUS, COMPLETED, IN_PROGRESS_, 100, IN_MESSAGE, o.reason());
            } else {
                notify(job, RESOURCE_INSTALL, IN_STATUS, FAILED, IN_PROGRESS_, 100, IN_ERROR, rollbackText(o));
            }
        } catch (OtaException e) {
            notify(job, RESOURCE_INSTALL, IN_STATUS, FAILED, IN_PROGRESS_, 0, IN_ERROR, e.getMessage());
        } catch (TimeoutException e) {
            notify(job, RESOURCE_INSTALL, IN_STATUS, COMPLETED, IN_PROGRESS_, 100, IN_MESSAGE,
                    "installed; no health verdict within " + healthWaitMs + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException e) {
            notify(job, RESOURCE_INSTALL, IN_STATUS, FAILED, IN_PROGRESS_, 100, IN_ERROR, String.valueOf(e.getCause()));
        } finally {
            deleteQuietly(file);
        }
    }

    public static String rollbackText(ModelGuard.Outcome o) {
        String what = o.rollbackError() != null ? "rollback FAILED (" + o.rollbackError() + ")"
                : o.uninstalled() ? "rolled back: " + o.name() + " uninstalled (it replaced nothing)"
                        : "rolled back to " + o.name() + " " + o.restoredVersion();
        return o.name() + " " + o.version() + " failed its health check: " + o.reason() + "; " + what;
    }

    private void downloadNote(Job job, String status, String error) {
        KuraPayload p = job.payload();
        p.addMetric(DL_SIZE, (int) Math.max(0, job.total));
        p.addMetric(DL_PROGRESS, COMPLETED.equals(status) ? 100 : job.percent());
        p.addMetric(DL_STATUS, status);
        p.addMetric(DL_INDEX, 0);
        if (error != null) p.addMetric(DL_ERROR, error);
        String limits = job.limits;
        if (limits != null) {
            p.addMetric(LIMITS, limits);
            job.limits = null;
        }
        job.notifier.send(RESOURCE_DOWNLOAD, p);
    }

    private void notify(Job job, String type, String statusKey, String status, String progressKey, int progress,
            String msgKey, String msg) {
        KuraPayload p = job.payload();
        p.addMetric(statusKey, status);
        p.addMetric(progressKey, progress);
        if (msgKey != null && msg != null) p.addMetric(msgKey, msg);
        job.notifier.send(type, p);
    }

    private static String statusKey(String type) {
        return switch (type) {
            case RESOURCE_DOWNLOAD -> DL_STATUS;
            case RESOURCE_UNINSTALL -> UN_STATUS;
            default -> IN_STATUS;
        };
    }

    private static String progressKey(String type) {
        return switch (type) {
            case RESOURCE_DOWNLOAD -> DL_PROGRESS;
            case RESOURCE_UNINSTALL -> UN_PROGRESS;
            default -> IN_PROGRESS_;
        };
    }

    private static String errorKey(String type) {
        return switch (type) {
            case RESOURCE_DOWNLOAD -> DL_ERROR;
            case RESOURCE_UNINSTALL -> UN_ERROR;
            default -> IN_ERROR;
        };
    }

    private Path downloaded(String name, String version) {
        return dir.resolve(name + "-" + version + ".dp");
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            LOG.warn("DEPLOY-V2: cannot delete {}: {}", p, e.getMessage());
        }
    }

    // ---- request parsing

    private Notifier notifier(RequestHandlerContext ctx, String requestor) throws KuraException {
        CloudNotificationPublisher pub = ctx == null ? null : ctx.getNotificationPublisher();
        if (pub == null)
            throw new KuraException(KuraErrorCode.SERVICE_UNAVAILABLE, "no notification publisher for this cloud connection");
        String clientId = ctx.getContextProperties().get(RequestHandlerContextConstants.DEVICE_ID.name());
        return new Notifier(pub, settings.appId(), requestor, clientId);
    }

    @SuppressWarnings("unchecked")
    private static String resource(KuraMessage req) throws KuraException {
        Object args = req.getProperties().get(RequestHandlerMessageConstants.ARGS_KEY.value());
        if (!(args instanceof List<?> l) || l.isEmpty() || !(l.get(0) instanceof String))
            throw bad("missing resource: DEPLOY-V2 requests name one (e.g. EXEC/download)");
        List<String> r = (List<String>) l;
        return r.get(0);
    }

    private static KuraException unknown(String r, String method, String known) {
        return new KuraException(KuraErrorCode.NOT_FOUND, "unknown resource " + method + " " + r
                + " (" + method + " serves " + known + ")");
    }

    static KuraException bad(String message) {
        return new KuraException(KuraErrorCode.BAD_REQUEST, message);
    }

    static <T> T optional(KuraPayload p, String name, Class<T> type) throws KuraException {
        Object v = p.getMetric(name);
        if (v == null) return null;
        // Kapua and mosquitto-side tools are loose with integer widths: accept a long that fits, and the reverse
        if (type == Integer.class && v instanceof Long l && l == l.intValue()) v = l.intValue();
        if (type == Long.class && v instanceof Integer i) v = i.longValue();
        if (!type.isInstance(v))
            throw bad("metric " + name + " must be " + typeName(type) + ", got " + typeName(v.getClass()) + " '" + v + "'");
        return type.cast(v);
    }

    static <T> T required(KuraPayload p, String name, Class<T> type) throws KuraException {
        T v = optional(p, name, type);
        if (v == null) throw bad("missing metric " + name + " (" + typeName(type) + ")");
        if (v instanceof String s && s.isBlank()) throw bad("metric " + name + " is empty");
        return v;
    }

    private static String typeName(Class<?> c) {
        if (c == Integer.class) return "an int32";
        if (c == Long.class) return "an int64";
        if (c == Boolean.class) return "a bool";
        if (c == String.class) return "a string";
        return "a " + c.getSimpleName().toLowerCase(Locale.ROOT);
    }

    private static long jobId(KuraPayload in) throws KuraException {
        return required(in, JOB_ID, Long.class);
    }

    private static void systemUpdate(KuraPayload in) throws KuraException {
        if (required(in, SYSTEM_UPDATE, Boolean.class))
            throw bad(SYSTEM_UPDATE + "=true (a shell-script system update) is not supported: deployment packages only");
    }

    private static String requestor(KuraPayload in) throws KuraException {
        return required(in, REQUESTER, String.class);
    }

    private static byte[] signature(KuraPayload in) throws KuraException {
        String s = optional(in, SIGNATURE, String.class);
        if (s == null || s.isBlank()) return null;
        try {
            byte[] b = Base64.getDecoder().decode(s.replaceAll("\\s", "")); // strict: the MIME decoder skips garbage
            if (b.length == 0) throw new IllegalArgumentException("empty");
            return b;
        } catch (IllegalArgumentException e) {
            throw bad(SIGNATURE + " is not base64");
        }
    }

    /** Names become file names here: no path separators or dot-dot. */
    private static String fileSafe(String v, String metric) throws KuraException {
        if (!v.matches("[A-Za-z0-9][A-Za-z0-9._+~-]*") || v.contains(".."))
            throw bad("metric " + metric + " '" + v + "' has characters that are not allowed (letters, digits, . _ + ~ -)");
        return v;
    }

    private static KuraPayload ok() {
        KuraPayload p = new KuraPayload();
        p.setTimestamp(new Date());
        p.addMetric(RESPONSE_CODE, 200);
        return p;
    }

    /** Kura's GET packages document. */
    static String packagesXml(List<Deployer.Installed> list) {
        StringWriter out = new StringWriter();
        try {
            XMLStreamWriter w = XMLOutputFactory.newDefaultFactory().createXMLStreamWriter(out);
            w.writeStartDocument("UTF-8", "1.0");
            w.writeCharacters("\n");
            w.writeStartElement("packages");
            for (Deployer.Installed i : list) {
                w.writeStartElement("package");
                element(w, "name", i.name());
                element(w, "version", i.version());
                w.writeStartElement("bundles");
                for (DpInfo.BundleRef b : i.bundles()) {
                    w.writeStartElement("bundle");
                    element(w, "name", b.symbolicName());
                    element(w, "version", b.version());
                    w.writeEndElement();
                }
                w.writeEndElement();
                w.writeEndElement();
            }
            w.writeEndElement();
            w.writeEndDocument();
            w.close();
        } catch (XMLStreamException e) {
            throw new IllegalStateException("cannot write the packages document", e); // a StringWriter does not fail
        }
        return out.toString();
    }

    private static void element(XMLStreamWriter w, String name, String text) throws XMLStreamException {
        w.writeStartElement(name);
        w.writeCharacters(xmlChars(text));
        w.writeEndElement();
    }

    /** The writer escapes markup but passes characters XML 1.0 forbids (controls): those become U+FFFD. */
    static String xmlChars(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(c -> b.appendCodePoint(c == 0x9 || c == 0xA || c == 0xD || c >= 0x20 && c <= 0xD7FF
                || c >= 0xE000 && c <= 0xFFFD || c >= 0x10000 && c <= 0x10FFFF ? c : 0xFFFD));
        return b.toString();
    }
}
