package io.vigie.web.osgi;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(id = IntrusionComponent.PID, name = "Vigie intrusion log",
        description = "Intrusions with a small snapshot each, kept in ${vigie.data}/intrusions across restarts, served at "
                + "/vigie/api/intrusions. Changes apply at the next activation.")
public @interface IntrusionConfig {
    @AttributeDefinition(name = "Max intrusions", description = "Records kept; the oldest go first.", min = "1", max = "100000")
    int max_events() default 1000;

    @AttributeDefinition(name = "Max snapshot MB", description = "Total size of the snapshots kept; over it the oldest "
            + "snapshots go (their records stay).", min = "0", max = "1024")
    int max_thumbs_mb() default 16;

    @AttributeDefinition(name = "Snapshot width", description = "Pixels; the annotated frame is scaled down to this.",
            min = "64", max = "1920")
    int thumb_width() default 320;
}
