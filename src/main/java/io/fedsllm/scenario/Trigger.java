package io.fedsllm.scenario;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * When something happens: on the step clock (the start of iteration {@code iteration} of round {@code round}) or
 * on the virtual clock (a time in seconds). Step positions are ordered lexicographically by (round, iteration);
 * time triggers by time. A scenario never compares the two clocks with each other: a duration is measured on the
 * clock of its trigger.
 */
public sealed interface Trigger permits Trigger.AtStep, Trigger.AtTime {

    /** Negative when the trigger lies before {@code p} on its clock, 0 exactly at it, positive after it. */
    int compareTo(Position p);

    /** Whether the run has reached the trigger at {@code p} (the trigger lies at or before {@code p}). */
    default boolean reachedBy(Position p) {
        return compareTo(p) <= 0;
    }

    /** Whether the trigger lies in [from, to): what fires when the run moves from {@code from} to {@code to}. */
    default boolean within(Position from, Position to) {
        return compareTo(from) >= 0 && compareTo(to) < 0;
    }

    /** The trigger as fields of an {@code events.jsonl} line. */
    Map<String, Object> describe();

    /** The start of iteration {@code iteration} of round {@code round}; iteration 0 = the round start. */
    record AtStep(int round, int iteration) implements Trigger {
        @Override
        public int compareTo(Position p) {
            int c = Integer.compare(round, p.round());
            return c != 0 ? c : Integer.compare(iteration, p.iteration());
        }

        @Override
        public Map<String, Object> describe() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("atRound", round);
            m.put("atIteration", iteration);
            return m;
        }
    }

    /** Virtual time {@code timeS}, seconds. */
    record AtTime(double timeS) implements Trigger {
        @Override
        public int compareTo(Position p) {
            return Double.compare(timeS, p.timeS());
        }

        @Override
        public Map<String, Object> describe() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("atTimeS", timeS);
            return m;
        }
    }
}
