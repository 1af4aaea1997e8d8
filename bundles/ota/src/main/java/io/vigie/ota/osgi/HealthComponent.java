package io.vigie.ota.osgi;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.vigie.api.detect.DetectorSettingsService;
import io.vigie.api.detect.DetectorTopics;
import io.vigie.api.detect.FrameListener;
import io.vigie.api.detect.FrameResult;
import io.vigie.api.video.ImageView;
import io.vigie.ota.core.HealthFeed;
import io.vigie.ota.core.HealthPolicy;

/**
 * The health watch's OSGi side: a {@link FrameListener} (the detector calls it from a bounded queue of its own,
 * never with pixels), an EventHandler for the detector's MODEL events (a model taken or refused), and the thread
 * that ticks the {@link io.vigie.ota.core.ModelGuard} twice a second, where verdicts and rollbacks run. Reads the
 * {@code rollback.enabled} and {@code health.*} keys of the OTA configuration; a latency budget of -1 follows the
 * detector's, read through its {@link DetectorSettingsService} (1000 ms while there is none).
 */
@Component(name = HealthComponent.NAME, configurationPid = OtaComponent.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL,
        service = { FrameListener.class, EventHandler.class },
        property = EventConstants.EVENT_TOPIC + "=" + DetectorTopics.MODEL_CHANGED)
public class HealthComponent implements FrameListener, EventHandler {
    static final String NAME = "io.vigie.ota.health";
    private static final Logger LOG = LoggerFactory.getLogger(HealthComponent.class);
    static final long TICK_MS = 500;

    private final HealthFeed feed;
    private final ScheduledExecutorService ticker;

    @Activate
    public HealthComponent(@Reference OtaAgent ota, HealthConfig config) {
        this.feed = new HealthFeed(ota.guard(), System::currentTimeMillis);
        modified(config);
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "vigie-ota-health");
            t.setDaemon(true);
            return t;
        });
        // verdicts and rollbacks run here: never on EventAdmin's, the detector's or SCR's threads
        ticker.scheduleWithFixedDelay(() -> {
            try {
                feed.tick();
            } catch (RuntimeException e) {
                LOG.error("OTA: health check failed", e);
            }
        }, TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
    }

    @Modified
    void modified(HealthConfig c) {
        HealthPolicy p = feed.configure(new HealthFeed.Settings(c.rollback_enabled(), c.health_window_seconds(),
                c.health_max_model_errors(), c.health_latency_budget_ms(), c.health_min_fps_ratio()));
        LOG.info("OTA: rollback {}, health window {} s, health budget {} ms{}, min fps ratio {}, max model errors {}",
                c.rollback_enabled() ? "on" : "off", c.health_window_seconds(), Math.round(p.latencyBudgetMs()),
                c.health_latency_budget_ms() < 0 ? " (the detector's, read at each install)" : "", p.minFpsRatio(),
                p.maxModelErrors());
    }

    @Deactivate
    void deactivate() {
        ticker.shutdownNow();
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    void bindDetectorSettings(DetectorSettingsService s) {
        feed.detector(s);
    }

    void unbindDetectorSettings(DetectorSettingsService s) {
        feed.detectorGone(s);
    }

    @Override
    public void onFrame(FrameResult result, ImageView image) {
        feed.onFrame(result, image);
    }

    @Override
    public boolean wantsImages() {
        return false;
    }

    @Override
    public void handleEvent(Event e) {
        feed.modelEvent(e::getProperty);
    }
}
