package io.vigie.web.osgi;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(id = WebComponent.PID, name = "Vigie web",
        description = "Live annotated MJPEG stream, JSON API, Server-Sent Events and Prometheus metrics under /vigie.")
public @interface WebConfig {
    @AttributeDefinition(name = "JPEG quality", description = "1..100; higher is sharper and larger.", min = "1", max = "100")
    int jpeg_quality() default 75;

    @AttributeDefinition(name = "Max stream FPS", description = "Upper bound of frames per second sent to each MJPEG client "
            + "(a client may ask for less with ?fps=). 0 = no cap beyond the detector's rate.", min = "0")
    double stream_max_fps() default 10;

    @AttributeDefinition(name = "Max stream clients", description = "Concurrent MJPEG/snapshot clients; more get 503.", min = "1")
    int stream_max_clients() default 4;

    @AttributeDefinition(name = "Max SSE clients", description = "Concurrent /vigie/events clients; more get 503.", min = "1")
    int sse_max_clients() default 8;

    @AttributeDefinition(name = "SSE detection rate", description = "Max 'detection' events per second per SSE client "
            + "(intrusion events are never capped). 0 = every frame.", min = "0")
    double sse_detection_rate() default 10;
}
