package io.vigie.tools.audit;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import io.vigie.api.ota.OtaTopics;

/**
 * The audit's core, no I/O: OTA events in (a gateway's telemetry message: topic + KuraPayload metrics), deployment
 * records out. An INSTALLED makes a record (PENDING when a model is to be judged), its HEALTHY / ROLLBACK completes it,
 * correlated per gateway + package + .dp sha256 + install time (verdicts carry the install's sha256 and time; from older
 * gateways without them: the latest unjudged install of that version). Any order, any number of repeats: a verdict
 * before its install makes the record from the verdict alone (or waits, when it cannot say which install it judges);
 * a repeat changes nothing and yields nothing. What is remembered is bounded (LRU), so the records themselves must be
 * idempotent downstream too (they are: same key, same record). Not thread-safe: one caller (the MQTT callback).
 */
public final class DeploymentAuditor {
    /** What one message did. */
    public enum Outcome {
        /** A new or changed record: write it. */
        RECORD,
        /** Already known as is (duplicate, replay): nothing to write. */
        UNCHANGED,
        /** Not an OTA install/verdict (metrics, model notices, UNINSTALLED, FAILED...) or a gateway not audited. */
        IGNORED,
        /** A verdict that cannot be tied to an install yet: kept until its INSTALLED comes. */
        WAITING,
        /** Garbage: said why. */
        REJECTED
    }

    public record Result(Outcome outcome, List<DeploymentRecord> records, String why) {
        static Result of(Outcome o, String why) {
            return new Result(o, List.of(), why);
        }
    }

    /** A decoded verdict or install, every field through {@link Names}. */
    private record Event(String gateway, String kind, String name, String version, String sha256, String model,
            String modelName, String modelPrecision, String modelVersion, String modelSha256, String state, String reason,
            String restoredVersion, String error, Long jobId, Boolean watched, Long installedAt, Long verdictAt) {
        DeploymentRecord record(String verdict, long installed) {
            return new DeploymentRecord(DeploymentRecord.key(gateway, name, sha256, installed), gateway, name, version, sha256,
                    model, modelName, modelPrecision, modelVersion, modelSha256, verdict, reason, restoredVersion, error,
                    jobId, installed, verdictAt);
        }
    }

    static final int MAX_RECORDS = 10_000;
    static final int MAX_WAITING = 1_000;

    private final Predicate<String> gateways;
    private final Map<String, DeploymentRecord> records = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, DeploymentRecord> e) {
            return size() > MAX_RECORDS;
        }
    };
    private final Deque<Event> waiting = new ArrayDeque<>();

    /** @param gateways which gateway ids are audited (e.g. a fleet list); others are IGNORED */
    public DeploymentAuditor(Predicate<String> gateways) {
        this.gateways = gateways;
    }

    public DeploymentAuditor() {
        this(g -> true);
    }

    /**
     * @param topic   the MQTT topic ({@code account/client-id/app-id/app-topic...}: the gateway id is the second level)
     * @param metrics the KuraPayload's metrics
     * @param sentAt  the payload's timestamp (epoch ms), null when it had none
     */
    public Result accept(String topic, Map<String, Object> metrics, Long sentAt) {
        String[] levels = topic == null ? new String[0] : topic.split("/", -1);
        if (levels.length < 3 || Names.name(levels[1]) == null) return Result.of(Outcome.REJECTED, "no gateway id in the topic");
        Object type = metrics.get("type");
        if (!(type instanceof String t) || !t.startsWith(OtaTopics.TYPE_PREFIX))
            return Result.of(Outcome.IGNORED, "not an OTA event");
        String kind = t.substring(OtaTopics.TYPE_PREFIX.length());
        if (!kind.equals("INSTALLED") && !kind.equals("HEALTHY") && !kind.equals("ROLLBACK"))
            return Result.of(Outcome.IGNORED, "OTA " + Names.name(kind) + " is not an install or a verdict");
        String gateway = Names.name(levels[1]);
        if (!gateways.test(gateway)) return Result.of(Outcome.IGNORED, "gateway " + gateway + " is not audited");
        Event e = event(gateway, kind, metrics, sentAt);
        if (e.name == null) return Result.of(Outcome.REJECTED, "OTA " + kind + " without a package name");
        if (e.version == null) return Result.of(Outcome.REJECTED, "OTA " + kind + " of " + e.name + " without a version");
        return kind.equals("INSTALLED") ? installed(e) : verdict(e);
    }

    private static Event event(String gateway, String kind, Map<String, Object> m, Long sentAt) {
        String state = Names.name(m.get(OtaTopics.STATE));
        Long verdictAt = Names.time(m.get(OtaTopics.VERDICT_AT));
        Long sent = Names.time(sentAt);
        Long installedAt = Names.time(m.get(OtaTopics.INSTALLED_AT));
        if (kind.equals("INSTALLED") && installedAt == null) installedAt = sent; // a gateway that did not say: when it sent
        if (!kind.equals("INSTALLED") && verdictAt == null) verdictAt = sent;
        return new Event(gateway, kind, Names.name(m.get(OtaTopics.NAME)), Names.name(m.get(OtaTopics.VERSION)),
                Names.sha256(m.get(OtaTopics.SHA256)), Names.name(m.get(OtaTopics.MODEL)),
                Names.name(m.get(OtaTopics.MODEL_NAME)), Names.name(m.get(OtaTopics.MODEL_PRECISION)),
                Names.name(m.get(OtaTopics.MODEL_VERSION)), Names.sha256(m.get(OtaTopics.MODEL_SHA256)), state,
                Names.text(m.get(OtaTopics.REASON), Names.MAX_TEXT), Names.name(m.get(OtaTopics.RESTORED_VERSION)),
                Names.text(m.get(OtaTopics.ERROR), Names.MAX_TEXT), Names.number(m.get(OtaTopics.JOB_ID)),
                m.get(OtaTopics.WATCHED) instanceof Boolean b ? b : null, installedAt, verdictAt);
    }

    private static String verdictOf(Event e) {
        if (e.kind.equals("HEALTHY")) return DeploymentRecord.HEALTHY;
        return DeploymentRecord.ROLLBACK_FAILED.equals(e.state) || e.error != null ? DeploymentRecord.ROLLBACK_FAILED
                : DeploymentRecord.ROLLED_BACK;
    }

    private Result installed(Event e) {
        if (e.sha256 == null) return Result.of(Outcome.REJECTED, "OTA INSTALLED of " + e.name + " without a valid sha256");
        if (e.installedAt == null) return Result.of(Outcome.REJECTED, "OTA INSTALLED of " + e.name + " without a time");
        // a verdict follows when the gateway says it watches the install (older gateways: when it carries a model)
        boolean judged = e.watched != null ? e.watched : e.modelSha256 != null || e.model != null;
        String verdict = judged ? DeploymentRecord.PENDING : DeploymentRecord.INSTALLED;
        // an install does not carry a verdict's words
        Event clean = new Event(e.gateway, e.kind, e.name, e.version, e.sha256, e.model, e.modelName, e.modelPrecision,
                e.modelVersion, e.modelSha256, null, null, null, null, e.jobId, e.watched, e.installedAt, null);
        List<DeploymentRecord> out = new ArrayList<>();
        DeploymentRecord r = put(clean.record(verdict, e.installedAt), out);
        // verdicts that came first and could not say which install they judged: this one, if it matches
        for (Iterator<Event> it = waiting.iterator(); it.hasNext();) {
            Event w = it.next();
            if (w.gateway.equals(e.gateway) && w.name.equals(e.name) && w.version.equals(e.version)
                    && (w.sha256 == null || w.sha256.equals(e.sha256)) && !r.judged()) {
                it.remove();
                r = put(verdictRecord(w, r), out);
            }
        }
        return new Result(out.isEmpty() ? Outcome.UNCHANGED : Outcome.RECORD, List.copyOf(out), null);
    }

    private Result verdict(Event e) {
        DeploymentRecord target = null;
        if (e.sha256 != null && e.installedAt != null) {
            DeploymentRecord known = records.get(DeploymentRecord.key(e.gateway, e.name, e.sha256, e.installedAt));
            // unknown: the verdict alone says everything the record needs (its install may come later, or was seen
            // before this auditor started: the record downstream is found by the same key either way)
            target = known != null ? known : e.record(DeploymentRecord.PENDING, e.installedAt);
        } else {
            for (DeploymentRecord r : records.values()) {
                if (r.gateway().equals(e.gateway) && r.packageName().equals(e.name) && e.version.equals(r.version())
                        && (e.sha256 == null || e.sha256.equals(r.sha256())) && !r.judged()
                        && (target == null || r.installedAt() > target.installedAt())) target = r;
            }
        }
        if (target == null) {
            if (waiting.contains(e)) return Result.of(Outcome.UNCHANGED, "verdict already waiting for its install");
            if (waiting.size() >= MAX_WAITING) waiting.removeFirst();
            waiting.addLast(e);
            return Result.of(Outcome.WAITING, "OTA " + e.kind + " of " + e.name + " " + e.version + " on " + e.gateway
                    + ": no install known for it yet (kept until it comes)");
        }
        List<DeploymentRecord> out = new ArrayList<>();
        put(verdictRecord(e, target), out);
        return new Result(out.isEmpty() ? Outcome.UNCHANGED : Outcome.RECORD, List.copyOf(out), null);
    }

    /** The target with this verdict merged in (the target's identity: the verdict may lack sha256 or install time). */
    private static DeploymentRecord verdictRecord(Event e, DeploymentRecord target) {
        DeploymentRecord v = new DeploymentRecord(target.key(), target.gateway(), target.packageName(), e.version, e.sha256,
                e.model, e.modelName, e.modelPrecision, e.modelVersion, e.modelSha256, verdictOf(e), e.reason,
                e.restoredVersion, e.error, e.jobId, target.installedAt(), e.verdictAt);
        return target.merge(v);
    }

    /** Remembers {@code r} merged with what was known; adds it to {@code out} when that changed anything. */
    private DeploymentRecord put(DeploymentRecord r, List<DeploymentRecord> out) {
        DeploymentRecord known = records.get(r.key());
        DeploymentRecord merged = known == null ? r : known.merge(r);
        if (!merged.equals(known)) {
            records.put(r.key(), merged);
            out.removeIf(x -> x.key().equals(merged.key()));
            out.add(merged);
        }
        return merged;
    }

    /** Verdicts waiting for their install (for the listener's status line and tests). */
    public int waiting() {
        return waiting.size();
    }
}
