package io.vigie.ota.osgi;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(id = OtaComponent.PID, name = "Vigie OTA",
        description = "Deployment packages (models, core) over HTTP /vigie/api/packages, installed through DeploymentAdmin and re-installed at start.")
@interface OtaConfig {
    @AttributeDefinition(name = "Require signature", description = "Refuse packages without a valid detached signature (<name>.dp.sig) made with the key below.")
    boolean signature_required() default false;

    @AttributeDefinition(name = "Public key", description = "Ed25519 or EC public key (PEM or base64 X.509 SubjectPublicKeyInfo) that signs packages. Signatures sent with a package are checked whenever a key is set.")
    String public_key() default "";

    @AttributeDefinition(name = "Download timeout (s)", min = "1", max = "3600")
    int download_timeout_seconds() default 60;

    @AttributeDefinition(name = "Max package size (MB)", min = "1", max = "4096")
    int max_package_mb() default 512;

    @AttributeDefinition(name = "Seed folder", description = "Folder of .dp files installed at start when not installed yet (empty: framework property vigie.dp.seed).")
    String seed_dir() default "";
}
