package io.vigie.video;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(id = FrameSourceFactoryComponent.PID, name = "Vigie video sources",
        description = "Defaults for frame sources (files, RTSP/HTTP streams, V4L2 cameras, image folders).")
public @interface VideoConfig {
    @AttributeDefinition(name = "Frame buffers per source", min = "2", max = "16",
            description = "Reused decode buffers per source: one being filled, one waiting, one lent to the consumer.")
    int bufferPoolSize() default 3;

    @AttributeDefinition(name = "Image folder rate (fps)", min = "0",
            description = "Native rate of dir: sources, used when a source plays in realtime (0 = as fast as taken).")
    double imageFolderFps() default 1.0;
}
