package io.vigie.telemetry.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.eclipse.kura.cloudconnection.request.RequestHandlerContext;
import org.junit.jupiter.api.Test;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.vigie.api.detect.DetectorStatus;

/** Pins the field names of the VIGIE-V1 {@code GET status} body: cloud applications read them. */
class StatusReplyJsonTest {
    @Test
    void statusBodyFieldNames() throws Exception {
        DetectorStatus st = CommandHandlerTest.status(DetectorStatus.State.RUNNING, null, "floor");
        CommandHandler h = new CommandHandler(() -> st, () -> new CommandHandlerTest.FakeSettings(), () -> null,
                () -> new Payloads.Counters(0, 0, 0, 0, 0, null, 0, 0, null), 500, 1000, CommandHandler.systemWaiter());
        byte[] body = h.doGet(new RequestHandlerContext(null, Map.of()), CommandHandlerTest.req(Map.of(), "status"))
                .getPayload().getBody();
        JsonObject o = JsonParser.parseString(new String(body, StandardCharsets.UTF_8)).getAsJsonObject();
        assertEquals(List.of("state", "fps", "framesProcessed", "sinkDrops", "source", "activeModel",
                "availableModels", "zones", "telemetry"), new ArrayList<>(o.keySet()), "error null: left out");
        JsonObject model = o.getAsJsonObject("activeModel");
        assertEquals(List.of("name", "precision", "version", "sha256", "shortId"), new ArrayList<>(model.keySet()));
        assertEquals(Frames.INT8.shortId(), model.get("shortId").getAsString());
        assertEquals(model, o.getAsJsonArray("availableModels").get(0));
        JsonObject zone = o.getAsJsonArray("zones").get(0).getAsJsonObject();
        assertEquals(List.of("name", "persons", "intrusion", "polygon"), new ArrayList<>(zone.keySet()));
        assertEquals(4, zone.getAsJsonArray("polygon").size());
        assertEquals(0.25f, zone.getAsJsonArray("polygon").get(0).getAsJsonArray().get(1).getAsFloat());
    }
}
