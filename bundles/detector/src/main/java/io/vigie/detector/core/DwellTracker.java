package io.vigie.detector.core;

/**
 * Intrusion state of one zone. A person must stay {@code dwellMs} before START fires (filters
 * people crossing a corner); the zone must stay empty {@code cooldownMs} before END fires
 * (a missed detection or brief occlusion does not split one intrusion into several).
 */
public final class DwellTracker {
    public enum State { IDLE, PENDING, ACTIVE, COOLDOWN }

    public enum Transition { NONE, START, END }

    private final long dwellMs;
    private final long cooldownMs;
    private State state = State.IDLE;
    private long since;
    private long startedAt;
    private int maxPersons;

    public DwellTracker(long dwellMs, long cooldownMs) {
        if (dwellMs < 0 || cooldownMs < 0) throw new IllegalArgumentException("dwell and cooldown must be >= 0");
        this.dwellMs = dwellMs;
        this.cooldownMs = cooldownMs;
    }

    /** Feed one frame: how many people are in the zone at time {@code t} (ms). */
    public Transition update(long t, int persons) {
        switch (state) {
            case IDLE:
                if (persons > 0) {
                    state = State.PENDING;
                    since = t;
                    return dwellMs == 0 ? fireStart(t, persons) : Transition.NONE;
                }
                return Transition.NONE;
            case PENDING:
                if (persons == 0) {
                    state = State.IDLE;
                    return Transition.NONE;
                }
                return t - since >= dwellMs ? fireStart(t, persons) : Transition.NONE;
            case ACTIVE:
                if (persons > 0) {
                    maxPersons = Math.max(maxPersons, persons);
                    return Transition.NONE;
                }
                state = State.COOLDOWN;
                since = t;
                return cooldownMs == 0 ? fireEnd() : Transition.NONE;
            case COOLDOWN:
                if (persons > 0) {
                    state = State.ACTIVE;
                    maxPersons = Math.max(maxPersons, persons);
                    return Transition.NONE;
                }
                return t - since >= cooldownMs ? fireEnd() : Transition.NONE;
            default:
                throw new IllegalStateException(state.name());
        }
    }

    private Transition fireStart(long t, int persons) {
        state = State.ACTIVE;
        startedAt = t;
        maxPersons = persons;
        return Transition.START;
    }

    private Transition fireEnd() {
        state = State.IDLE;
        return Transition.END;
    }

    public State state() { return state; }

    /** True from START until END. */
    public boolean intrusion() { return state == State.ACTIVE || state == State.COOLDOWN; }

    public long startedAt() { return startedAt; }

    public int maxPersons() { return maxPersons; }
}
