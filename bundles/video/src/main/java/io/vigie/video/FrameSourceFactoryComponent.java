package io.vigie.video;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import org.eclipse.kura.configuration.ConfigurableComponent;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.vigie.api.video.FrameSource;
import io.vigie.api.video.FrameSourceFactory;
import io.vigie.api.video.SourceConfig;
import io.vigie.video.internal.CaptureSource;
import io.vigie.video.internal.FfmpegReader;
import io.vigie.video.internal.FrameReader;
import io.vigie.video.internal.ImageFolderReader;
import io.vigie.video.internal.JavaCppMemory;
import io.vigie.video.internal.SourceUri;

/**
 * Opens frame sources decoded by FFmpeg (JavaCV). Sources belong to their callers; those still
 * open when this component goes away are closed so no capture thread outlives the bundle.
 */
@Designate(ocd = VideoConfig.class)
@Component(name = FrameSourceFactoryComponent.PID, configurationPid = FrameSourceFactoryComponent.PID,
        service = { FrameSourceFactory.class, ConfigurableComponent.class },
        property = "service.pid=" + FrameSourceFactoryComponent.PID)
public class FrameSourceFactoryComponent implements FrameSourceFactory, ConfigurableComponent {
    public static final String PID = "io.vigie.video";
    private static final Logger LOG = LoggerFactory.getLogger(FrameSourceFactoryComponent.class);

    private final Set<CaptureSource> open = ConcurrentHashMap.newKeySet();
    private volatile int poolSize = 3;
    private volatile double folderFps = 1.0;
    private volatile boolean active = true;

    @Activate
    void activate(VideoConfig config) {
        if (!FfmpegReader.quietFfmpegLogs()) LOG.warn("{}: FFmpeg natives could not be loaded; sources will retry", PID);
        configure(config);
    }

    @Modified
    void configure(VideoConfig config) {
        int size = config.bufferPoolSize();
        if (size < 2 || size > 16) {
            LOG.warn("{}: bufferPoolSize {} outside 2..16, keeping {}", PID, size, poolSize);
        } else {
            poolSize = size;
        }
        double fps = config.imageFolderFps();
        if (!(fps >= 0) || Double.isInfinite(fps)) {
            LOG.warn("{}: imageFolderFps {} invalid, keeping {}", PID, fps, folderFps);
        } else {
            folderFps = fps;
        }
        active = true;
    }

    /**
     * @throws IllegalArgumentException for a malformed or unsupported URI (a configuration error);
     *         an unreachable input is not an error here: the source reports it and retries
     */
    @Override
    public FrameSource open(SourceConfig config) {
        if (!active) throw new IllegalStateException(PID + " is deactivated");
        SourceUri uri = SourceUri.parse(config.uri());
        if (uri.kind() != SourceUri.Kind.DIR) FfmpegReader.of(uri, config.openTimeoutMs()); // rejects bad options now
        double fps = folderFps;
        Supplier<FrameReader> readers = switch (uri.kind()) {
            case DIR -> () -> new ImageFolderReader(uri.path(), fps);
            default -> () -> FfmpegReader.of(uri, config.openTimeoutMs());
        };
        CaptureSource source = new CaptureSource(uri, config, readers, poolSize, new JavaCppMemory(), open::remove);
        open.add(source);
        LOG.info("{}: opening {} ({})", PID, uri, uri.kind());
        return source.start();
    }

    @Deactivate
    void deactivate() {
        active = false;
        List<CaptureSource> left = new ArrayList<>(open);
        if (!left.isEmpty()) LOG.info("{}: closing {} source(s) left open", PID, left.size());
        left.forEach(CaptureSource::close);
    }
}
