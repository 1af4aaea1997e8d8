package io.vigie.tools.audit;

import static io.vigie.tools.audit.Events.DP_SHA;
import static io.vigie.tools.audit.Events.GW;
import static io.vigie.tools.audit.Events.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.vigie.api.ota.OtaTopics;
import io.vigie.tools.audit.DeploymentAuditor.Outcome;

class DeploymentAuditorTest {
    final DeploymentAuditor auditor = new DeploymentAuditor();

    DeploymentAuditor.Result accept(Map<String, Object> m) {
        return auditor.accept(Events.topic(GW), m, T0 + 99_000);
    }

    DeploymentRecord one(DeploymentAuditor.Result r) {
        assertEquals(Outcome.RECORD, r.outcome(), r.why());
        assertEquals(1, r.records().size());
        return r.records().get(0);
    }

    @Test
    void installThenVerdictIsOneDeploymentWithItsTimes() {
        DeploymentRecord pending = one(accept(Events.installed("1.0.1", DP_SHA, T0)));
        assertEquals(DeploymentRecord.PENDING, pending.verdict());
        assertEquals(GW, pending.gateway());
        assertEquals(DP_SHA, pending.sha256());
        assertEquals("INT8", pending.modelPrecision());
        DeploymentRecord done = one(accept(Events.healthy("1.0.1", DP_SHA, T0, T0 + 6_500)));
        assertEquals(pending.key(), done.key(), "the same deployment");
        assertEquals(DeploymentRecord.HEALTHY, done.verdict());
        assertEquals(6.5, done.healthWindowSeconds());
        assertTrue(done.reason().startsWith("healthy"));
        assertEquals(T0, done.installedAt());
    }

    @Test
    void duplicatesAndReplaysChangeNothing() {
        one(accept(Events.installed("1.0.1", DP_SHA, T0)));
        assertEquals(Outcome.UNCHANGED, accept(Events.installed("1.0.1", DP_SHA, T0)).outcome(), "QoS 1 redelivery");
        DeploymentRecord r = one(accept(Events.rollback("1.0.1", DP_SHA, T0, T0 + 9_000)));
        for (int i = 0; i < 3; i++) {
            assertEquals(Outcome.UNCHANGED, accept(Events.rollback("1.0.1", DP_SHA, T0, T0 + 9_000)).outcome());
            assertEquals(Outcome.UNCHANGED, accept(Events.installed("1.0.1", DP_SHA, T0)).outcome());
        }
        // a contradicting replay (same install judged again otherwise) does not rewrite history: the first verdict stays
        assertEquals(Outcome.UNCHANGED, accept(Events.healthy("1.0.1", DP_SHA, T0, T0 + 20_000)).outcome());
        assertEquals(DeploymentRecord.ROLLED_BACK, r.verdict());
        assertEquals("1.0.0", r.restoredVersion());
        assertEquals(7L, r.jobId());
    }

    @Test
    void verdictBeforeItsInstallMakesTheRecordAndTheLateInstallDoesNotUndoIt() {
        DeploymentRecord v = one(accept(Events.healthy("1.0.1", DP_SHA, T0, T0 + 6_000)));
        assertEquals(DeploymentRecord.HEALTHY, v.verdict());
        assertEquals(DeploymentRecord.key(GW, Events.PKG, DP_SHA, T0), v.key());
        Map<String, Object> in = Events.installed("1.0.1", DP_SHA, T0);
        in.put(OtaTopics.JOB_ID, 12L);
        DeploymentRecord later = one(accept(in)); // adds the job id, keeps the verdict
        assertEquals(v.key(), later.key());
        assertEquals(DeploymentRecord.HEALTHY, later.verdict());
        assertEquals(12L, later.jobId());
    }

    @Test
    void anOldGatewaysVerdictWaitsForItsInstall() {
        Map<String, Object> v = Events.healthy("1.0.1", DP_SHA, T0, T0 + 6_000);
        v.remove(OtaTopics.SHA256);
        v.remove(OtaTopics.INSTALLED_AT);
        assertEquals(Outcome.WAITING, accept(v).outcome());
        assertEquals(Outcome.UNCHANGED, accept(v).outcome(), "the same verdict again waits once");
        assertEquals(1, auditor.waiting());
        DeploymentAuditor.Result r = accept(Events.installed("1.0.1", DP_SHA, T0));
        DeploymentRecord rec = one(r);
        assertEquals(DeploymentRecord.HEALTHY, rec.verdict());
        assertEquals(0, auditor.waiting());
        // and in the usual order: the latest unjudged install of that version is the one judged
        one(accept(Events.installed("1.0.2", "ef".repeat(32), T0 + 100_000)));
        Map<String, Object> rb = Events.rollback("1.0.2", DP_SHA, 0, T0 + 106_000);
        rb.remove(OtaTopics.SHA256);
        rb.remove(OtaTopics.INSTALLED_AT);
        DeploymentRecord judged = one(accept(rb));
        assertEquals("ef".repeat(32), judged.sha256());
        assertEquals(DeploymentRecord.ROLLED_BACK, judged.verdict());
    }

    @Test
    void theSamePackageInstalledAgainLaterIsAnotherDeployment() {
        DeploymentRecord a = one(accept(Events.installed("1.0.1", DP_SHA, T0)));
        DeploymentRecord b = one(accept(Events.installed("1.0.1", DP_SHA, T0 + 3_600_000)));
        assertNotEquals(a.key(), b.key());
        DeploymentRecord other = one(auditor.accept(Events.topic("gw-2"), Events.installed("1.0.1", DP_SHA, T0), null));
        assertNotEquals(a.key(), other.key(), "per gateway");
    }

    @Test
    void rollbackThatFailedAndUninstallsOrFailuresAreTold() {
        one(accept(Events.installed("1.0.1", DP_SHA, T0)));
        Map<String, Object> rb = Events.rollback("1.0.1", DP_SHA, T0, T0 + 5_000);
        rb.put(OtaTopics.STATE, "ROLLBACK_FAILED");
        rb.put(OtaTopics.ERROR, "DeploymentAdmin refused 1.0.0");
        DeploymentRecord r = one(accept(rb));
        assertEquals(DeploymentRecord.ROLLBACK_FAILED, r.verdict());
        assertEquals("DeploymentAdmin refused 1.0.0", r.error());
        for (String t : new String[] { "OTA_UNINSTALLED", "OTA_FAILED", "MODEL_CHANGED", "DP_COMPLETE", "OTA_" })
            assertEquals(Outcome.IGNORED, accept(new HashMap<>(Map.of("type", t, OtaTopics.NAME, "x"))).outcome(), t);
        assertEquals(Outcome.IGNORED, accept(new HashMap<>(Map.of("frames", 10L))).outcome(), "a metrics message");
    }

    @Test
    void anInstallWithoutAModelOrWatchIsNotWaitedFor() {
        Map<String, Object> core = Events.installed("2.0.0", DP_SHA, T0);
        core.put(OtaTopics.WATCHED, false); // e.g. the re-install of a rollback, or rollback switched off
        assertEquals(DeploymentRecord.INSTALLED, one(accept(core)).verdict());
        Map<String, Object> old = Events.installed("2.0.1", DP_SHA, T0 + 1);
        for (String k : new String[] { OtaTopics.WATCHED, OtaTopics.MODEL, OtaTopics.MODEL_SHA256 }) old.remove(k);
        assertEquals(DeploymentRecord.INSTALLED, one(accept(old)).verdict(), "an older gateway's non-model package");
    }

    @Test
    void garbageIsRejectedWithAReason() {
        Map<String, Object> noName = Events.installed("1", DP_SHA, T0);
        noName.remove(OtaTopics.NAME);
        assertTrue(accept(noName).why().contains("without a package name"));
        Map<String, Object> badSha = Events.installed("1", "not-a-hash", T0);
        assertEquals(Outcome.REJECTED, accept(badSha).outcome());
        assertEquals(Outcome.REJECTED, accept(Events.installed("1", "ab".repeat(33), T0)).outcome(), "65+ hex");
        Map<String, Object> noVersion = Events.installed("1", DP_SHA, T0);
        noVersion.put(OtaTopics.VERSION, new byte[] { 1, 2 }); // not text
        assertEquals(Outcome.REJECTED, accept(noVersion).outcome());
        assertEquals(Outcome.REJECTED, auditor.accept("no-levels", Events.installed("1", DP_SHA, T0), null).outcome());
        assertEquals(Outcome.REJECTED, auditor.accept(null, Events.installed("1", DP_SHA, T0), null).outcome());
        assertEquals(Outcome.REJECTED, auditor.accept("a/\u0000\u0001/VIGIE/model", Events.installed("1", DP_SHA, T0), null)
                .outcome(), "a gateway id of control characters only");
        assertEquals(Outcome.IGNORED, accept(new HashMap<>(Map.of("type", 42L))).outcome());
        // no install time and no payload time: cannot be told apart from a later install of the same file
        Map<String, Object> noTime = Events.installed("1", DP_SHA, T0);
        noTime.put(OtaTopics.INSTALLED_AT, -5L);
        assertEquals(Outcome.REJECTED, auditor.accept(Events.topic(GW), noTime, 0L).outcome());
        assertEquals(T0 + 99_000, one(accept(noTime)).installedAt(), "the payload's time when the event had none");
    }

    @Test
    void hostileTextIsCleanedAndCut() {
        Map<String, Object> m = Events.installed("1.0\u0000\u202e\n.1", "AB".repeat(32), T0);
        m.put(OtaTopics.NAME, "x".repeat(10_000));
        m.put(OtaTopics.JOB_ID, "123");
        m.put(OtaTopics.MODEL_PRECISION, "INT8\r\n\u0007");
        DeploymentRecord r = one(auditor.accept("acme/../../etc\u0007/VIGIE/model", m, null));
        assertEquals(Names.MAX_NAME, r.packageName().length());
        assertTrue(r.packageName().endsWith("..."));
        assertEquals("1.0   .1", r.version(), "control and direction characters blanked");
        assertEquals("ab".repeat(32), r.sha256(), "sha256 normalised to lower case");
        assertEquals(123L, r.jobId());
        assertEquals("INT8", r.modelPrecision());
        assertEquals("..", r.gateway());
        String tag = MlflowAuditWriter.deployedTag(r.gateway());
        assertTrue(tag.matches("deployed\\.[A-Za-z0-9_-]+"), tag);
        assertFalse(tag.substring("deployed.".length()).contains(".."));
        DeploymentRecord big = one(auditor.accept("acme/" + "g/".repeat(5_000) + "/VIGIE/model", Events.installed("2", DP_SHA,
                T0), null));
        assertEquals("g", big.gateway(), "the second level only");
        Map<String, Object> times = Events.installed("3", DP_SHA, T0);
        times.put(OtaTopics.INSTALLED_AT, Long.MAX_VALUE); // a clock gone mad is no time: the payload's is used
        assertEquals(T0 + 99_000, one(accept(times)).installedAt());
    }

    @Test
    void gatewaysOutsideTheFleetAreIgnored() {
        DeploymentAuditor fleet = new DeploymentAuditor(Set.of("gw-1")::contains);
        assertEquals(Outcome.RECORD, fleet.accept(Events.topic("gw-1"), Events.installed("1", DP_SHA, T0), null).outcome());
        DeploymentAuditor.Result r = fleet.accept(Events.topic("intruder"), Events.installed("1", DP_SHA, T0), null);
        assertEquals(Outcome.IGNORED, r.outcome());
        assertTrue(r.why().contains("intruder"));
    }

    @Test
    void waitingVerdictsAreBounded() {
        for (int i = 0; i < DeploymentAuditor.MAX_WAITING + 50; i++) {
            Map<String, Object> v = Events.healthy("v" + i, DP_SHA, T0, T0 + 1);
            v.remove(OtaTopics.INSTALLED_AT);
            assertEquals(Outcome.WAITING, accept(v).outcome());
        }
        assertEquals(DeploymentAuditor.MAX_WAITING, auditor.waiting());
    }
}
