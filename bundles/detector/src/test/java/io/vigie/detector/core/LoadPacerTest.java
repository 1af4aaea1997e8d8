package io.vigie.detector.core;

import static org.junit.jupiter.api.Assertions.*;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

class LoadPacerTest {
    @Test
    void aWaitingLoaderGoesOnAtTheNextTurn() throws Exception {
        LoadPacer p = new LoadPacer(60_000);
        CompletableFuture<Boolean> waited = CompletableFuture.supplyAsync(p::awaitTurn);
        while (!waited.isDone()) { // turns before the loader waits do not count: keep turning until it saw one
            p.turn();
            Thread.sleep(1);
        }
        assertTrue(waited.get(10, TimeUnit.SECONDS));
    }

    @Test
    void onlyAShortCpuIsPaced() {
        assertTrue(new LoadPacer(0, () -> 1).cpuShort(1), "half a core (a quota) is one processor");
        assertTrue(new LoadPacer(0, () -> 2).cpuShort(2));
        assertFalse(new LoadPacer(0, () -> 2).cpuShort(1), "a free core for the loader");
    }

    @Test
    void withoutFramesTheWaitIsBounded() {
        assertFalse(new LoadPacer(20).awaitTurn(), "no turn came: gave up after the bound");
        assertFalse(new LoadPacer(0).awaitTurn());
    }
}
