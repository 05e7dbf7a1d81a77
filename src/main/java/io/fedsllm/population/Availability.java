package io.fedsllm.population;

import io.fedsllm.config.PopulationSettings;
import io.fedsllm.config.Seeds;
import java.nio.file.Path;

/**
 * When a device can be selected ({@code population.availability}), as a pure function of (device, virtual time):
 * nothing is stored per device, so a population of any size costs nothing until asked, and the answer never
 * depends on the order of questions (exact resume needs no availability state).
 */
public sealed interface Availability permits Availability.Always, Availability.OnOff, AvailabilityTrace {

    /** Whether {@code device} can be selected at virtual time {@code timeS} (seconds, ≥ 0). */
    boolean available(int device, double timeS);

    /** The availability the settings describe; a trace file is read and checked now (file and line on error). */
    static Availability from(PopulationSettings s, long seed) {
        return switch (s.availability()) {
            case ALWAYS -> Always.INSTANCE;
            case ON_OFF -> new OnOff(seed, s.meanOnS(), s.meanOffS());
            case TRACE -> AvailabilityTrace.read(Path.of(s.traceFile()), s.devices());
        };
    }

    /** Every device at every time. */
    enum Always implements Availability {
        INSTANCE;

        @Override
        public boolean available(int device, double timeS) {
            return true;
        }
    }

    /**
     * An alternating renewal process per device: available and unavailable periods, exponential with means
     * {@code meanOnS} and {@code meanOffS}, started in the stationary state (available at time 0 with probability
     * on / (on + off); by memorylessness the first period is then exponential too). Draw 0 of the device's stream
     * (seed, "availability", device) picks the initial state, draw j ≥ 1 the length of period j, read by index
     * ({@link Seeds#uniformAt}). A question at time t walks the periods before t: O(1 + t / (on + off)).
     */
    record OnOff(long seed, double meanOnS, double meanOffS) implements Availability {
        public OnOff {
            if (!(meanOnS > 0) || !(meanOffS > 0)) {
                throw new IllegalArgumentException("mean on/off periods must be > 0 s, got " + meanOnS + ", " + meanOffS);
            }
        }

        @Override
        public boolean available(int device, double timeS) {
            long stream = Seeds.derive(seed, "availability", device);
            boolean on = Seeds.uniformAt(stream, 0) < meanOnS / (meanOnS + meanOffS);
            double periodEndS = 0;
            for (long j = 1; ; j++) {
                periodEndS += -(on ? meanOnS : meanOffS) * Math.log1p(-Seeds.uniformAt(stream, j));
                if (timeS < periodEndS) {
                    return on;
                }
                on = !on;
            }
        }
    }
}
