package io.vigie.telemetry.osgi;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Metatype of io.vigie.telemetry: what the Kura web console (and Felix's) shows. */
@ObjectClassDefinition(id = TelemetryComponent.PID, name = "Vigie telemetry",
        description = "Intrusion events, periodic metrics and model notices through a Kura CloudPublisher, "
                + "and the VIGIE-V1 request handler (status, config, snapshot, model). Changes apply live.")
public @interface TelemetryConfig {

    @AttributeDefinition(name = "CloudPublisher target filter", description = "Which CloudPublisher to publish with "
            + "(Kura: (kura.service.pid=<your publisher pid>)). No matching publisher = nothing is sent, no error.")
    String CloudPublisher_target()
            default "(objectClass=org.eclipse.kura.cloudconnection.publisher.CloudPublisher)";

    @AttributeDefinition(name = "Publish", description = "Off = no messages (commands still answer).")
    boolean enabled() default true;

    @AttributeDefinition(name = "Intrusion app topic",
            description = "START/END events, priority 'Intrusion priority', never dropped by the rate limit.")
    String topic_intrusion() default "events/intrusion";

    @AttributeDefinition(name = "Metrics app topic")
    String topic_metrics() default "metrics";

    @AttributeDefinition(name = "Model app topic", description = "Model changed / failed notices.")
    String topic_model() default "model";

    @AttributeDefinition(name = "Intrusion priority", description = "0 = most important (Kura's convention).",
            min = "0", max = "9")
    int priority_intrusion() default 1;

    @AttributeDefinition(name = "Model notice priority", min = "0", max = "9")
    int priority_model() default 3;

    @AttributeDefinition(name = "Metrics priority", min = "0", max = "9")
    int priority_metrics() default 7;

    @AttributeDefinition(name = "Metrics interval (s)", min = "1", max = "86400")
    int metrics_interval_s() default 10;

    @AttributeDefinition(name = "Max message rate (msg/s)", description = "Token bucket refill rate. Metrics over the "
            + "rate are dropped and counted; intrusion and model messages always go but use up tokens.")
    double rate_max_per_s() default 1.0;

    @AttributeDefinition(name = "Rate burst (messages)", min = "1", max = "10000")
    int rate_burst() default 10;

    @AttributeDefinition(name = "Snapshot on intrusion", description = "JPEG of the next frame in the intrusion message body.")
    boolean snapshot_enabled() default true;

    @AttributeDefinition(name = "Annotated snapshot", description = "Draw zones and boxes on snapshots (off = raw frame).")
    boolean snapshot_annotated() default true;

    @AttributeDefinition(name = "Snapshot max bytes", description = "Quality, then size, is lowered until the JPEG fits.",
            min = "1024", max = "16777216")
    int snapshot_max_bytes() default 150000;

    @AttributeDefinition(name = "Snapshot max width (px)", min = "16", max = "8192")
    int snapshot_max_width() default 640;

    @AttributeDefinition(name = "Snapshot JPEG quality", min = "1", max = "100")
    int snapshot_jpeg_quality() default 70;

    @AttributeDefinition(name = "Snapshot timeout (ms)", description = "Max wait for a frame "
            + "(intrusion messages go without picture after it).", min = "1", max = "60000")
    long snapshot_timeout_ms() default 2000;

    @AttributeDefinition(name = "Request handler app id",
            description = "Commands arrive on $EDC/{account}/{client}/<this>/{GET|PUT|EXEC}/...")
    String request_app_id() default "VIGIE-V1";

    @AttributeDefinition(name = "Config apply timeout (ms)", description = "PUT config with zones waits this long "
            + "for the detector's verdict.", min = "100", max = "60000")
    long config_apply_timeout_ms() default 5000;
}
