package io.vigie.it;

import java.io.BufferedReader;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Predicate;

import org.awaitility.Awaitility;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/** The gateway's server-sent events (/vigie/events), read one {@code event:}/{@code data:} pair at a time. */
final class SseEvents implements AutoCloseable {
    record Event(String type, String data) {
        JsonObject json() {
            return JsonParser.parseString(data).getAsJsonObject();
        }
    }

    private final BufferedReader in;

    SseEvents(InputStream body) {
        this.in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
    }

    /** The next event; blocks until one arrives. */
    Event next() throws IOException {
        String type = null, line;
        while ((line = in.readLine()) != null) {
            if (line.startsWith("event:")) type = line.substring(6).trim();
            else if (line.startsWith("data:") && type != null) return new Event(type, line.substring(5).trim());
        }
        throw new EOFException("the event stream ended");
    }

    /**
     * Reads events until one is ok, within the time (Awaitility: a stalled stream fails instead of hanging). Asks
     * again at once: the server drops events for a client that falls behind.
     */
    Event await(String what, Duration atMost, Predicate<Event> ok) {
        return Awaitility.await(what).atMost(atMost).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1))
                .until(this::next, ok);
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
