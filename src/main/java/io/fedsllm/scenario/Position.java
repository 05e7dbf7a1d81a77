package io.fedsllm.scenario;

/**
 * Where the run is, as the coordinator and the actors know it: global round (0-based), local iteration and
 * virtual time. {@code iteration} runs 0..I−1 for the local iterations and is I ({@code system.local-iterations})
 * for the round's LoRA upload, aggregation and broadcast, which on the iteration clock belongs to iteration I−1.
 *
 * @param round     global round, ≥ 0
 * @param iteration local iteration 0..I−1, or I for the LoRA upload phase
 * @param timeS     virtual time, seconds ≥ 0: when the compute, transmission or barrier being asked about starts
 */
public record Position(int round, int iteration, double timeS) {
    public Position {
        if (round < 0 || iteration < 0 || !(timeS >= 0) || Double.isInfinite(timeS)) {
            throw new IllegalArgumentException("position (round " + round + ", iteration " + iteration + ", "
                    + timeS + " s): expected round >= 0, iteration >= 0, a finite time >= 0");
        }
    }

    /** The start of a round (iteration 0) at virtual time {@code timeS}. */
    public static Position roundStart(int round, double timeS) {
        return new Position(round, 0, timeS);
    }
}
