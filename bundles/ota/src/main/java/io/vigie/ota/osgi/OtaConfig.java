package io.vigie.ota.osgi;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The OTA configuration (PID {@code io.vigie.ota}) as the console shows it, read whole by the wiring
 * component. The packages servlet ({@link PackagesConfig}) and the health handler ({@link HealthConfig})
 * read their keys of the same configuration; the defaults below are shared so the three cannot drift.
 */
@ObjectClassDefinition(id = OtaComponent.PID, name = "Vigie OTA",
        description = "Deployment packages (models, core) over HTTP /vigie/api/packages, installed through DeploymentAdmin "
                + "and re-installed at start. Packages must carry a valid signature unless Require signature is off.")
@interface OtaConfig {
    int DOWNLOAD_TIMEOUT_SECONDS = 60;
    int MAX_PACKAGE_MB = 512;
    boolean ROLLBACK_ENABLED = true;
    int HEALTH_WINDOW_SECONDS = 30;
    int HEALTH_MAX_MODEL_ERRORS = 0;
    long HEALTH_LATENCY_BUDGET_MS = -1;
    double HEALTH_MIN_FPS_RATIO = 0.5;
    boolean DOWNLOAD_ALLOW_LOCAL = false;
    String DOWNLOAD_ALLOWED_HOSTS = "";

    @AttributeDefinition(name = "Require signature", description = "Refuse every package without a valid detached "
            + "signature (<name>.dp.sig, ./vigie sign) made with one of the public keys below; with no valid key, every "
            + "install is refused. OFF (signature.required=false) installs UNSIGNED packages: anyone who can reach the "
            + "API or DEPLOY-V2 runs code as the gateway; logged as a WARN at every configuration and shown as "
            + "signatureRequired:false by GET /vigie/api/packages.")
    boolean signature_required() default true;

    @AttributeDefinition(name = "Public keys", description = "Ed25519 or EC public keys (PEM or base64 X.509 "
            + "SubjectPublicKeyInfo; ./vigie keys prints one) that sign packages. Several are accepted at once (one per "
            + "entry, or separated by commas): key rotation adds the new key, then removes the old one once no package "
            + "signed with it is in use. Signatures sent with a package are checked whenever a key is set.",
            cardinality = 16)
    String[] public_key() default {};

    @AttributeDefinition(name = "Download timeout (s)", min = "1", max = "3600")
    int download_timeout_seconds() default DOWNLOAD_TIMEOUT_SECONDS;

    @AttributeDefinition(name = "Max package size (MB)", min = "1", max = "4096")
    int max_package_mb() default MAX_PACKAGE_MB;

    @AttributeDefinition(name = "Allow downgrades", description = "Accept a package older than the installed version of "
            + "that package (REST, DEPLOY-V2, seed). The automatic rollback always may.")
    boolean allow_downgrade() default false;

    @AttributeDefinition(name = "Downloads from local addresses", description = "Let package URLs (REST url/signatureUrl, "
            + "DEPLOY-V2 dp.uri) reach hosts that resolve to loopback, link-local (169.254/16, fe80::/10) or unspecified "
            + "addresses. Off: only other hosts.")
    boolean download_allow_local() default DOWNLOAD_ALLOW_LOCAL;

    @AttributeDefinition(name = "Download hosts", description = "Host names package URLs may point to, separated by "
            + "commas (*.example.com: its subdomains), checked on every redirect too. Empty: any host allowed above.")
    String download_allowed_hosts() default DOWNLOAD_ALLOWED_HOSTS;

    @AttributeDefinition(name = "Seed folder", description = "Folder of .dp files installed at start when not installed yet "
            + "(empty: framework property vigie.dp.seed).")
    String seed_dir() default "";

    /** The standalone runtime's cloud connection (bundles/cloud); see RequestHandlerRegistry_target. */
    String STANDALONE_REGISTRY = "(service.pid=io.vigie.cloud.paho)";

    @AttributeDefinition(name = "Cloud connections for DEPLOY-V2", description = "Filter selecting the RequestHandlerRegistry "
            + "services (cloud connections) the DEPLOY-V2 handler registers with. Default: the standalone runtime's own. Inside "
            + "Kura, Kura's DEPLOY-V2 already serves that app id: only widen this together with a different application id.")
    String RequestHandlerRegistry_target() default STANDALONE_REGISTRY;

    @AttributeDefinition(name = "DEPLOY-V2 application id", description = "Application id under which the cloud request "
            + "handler registers with every cloud connection ($EDC/account/client/APP-ID/...).")
    String deploy_v2_app_id() default "DEPLOY-V2";

    @AttributeDefinition(name = "Automatic rollback", description = "Watch the model of every installed model package and "
            + "re-install the previous package when it fails the health check.")
    boolean rollback_enabled() default ROLLBACK_ENABLED;

    @AttributeDefinition(name = "Health window (s)", description = "The new model must become active within this time after "
            + "the install, then serve this long within the thresholds below.", min = "1", max = "3600")
    int health_window_seconds() default HEALTH_WINDOW_SECONDS;

    @AttributeDefinition(name = "Max model errors", description = "Detector errors about the new model tolerated once it is "
            + "active (a refusal before that always fails).", min = "0")
    int health_max_model_errors() default HEALTH_MAX_MODEL_ERRORS;

    @AttributeDefinition(name = "Latency budget (ms)", description = "p95 of the frames' total.ms on the new model must stay "
            + "within this. -1: the detector's model.latency.budget.ms (read from its configuration, 1000 if unset); 0: not "
            + "checked.", min = "-1")
    long health_latency_budget_ms() default HEALTH_LATENCY_BUDGET_MS;

    @AttributeDefinition(name = "Min FPS ratio", description = "Frames per second on the new model must reach this fraction "
            + "of the rate before the install (0: not checked).", min = "0", max = "1")
    double health_min_fps_ratio() default HEALTH_MIN_FPS_RATIO;
}
