package io.fedsllm.cost;

/**
 * A processor: f cycles/s and 1/κ FLOPs per cycle (SYSTEM_MODEL §3). Time for W FLOPs = W / (f · flopsPerCycle).
 */
public record ComputeProfile(double cyclesPerSecond, double flopsPerCycle) {
    public ComputeProfile {
        if (!(cyclesPerSecond > 0) || !(flopsPerCycle > 0) || !Double.isFinite(cyclesPerSecond) || !Double.isFinite(flopsPerCycle)) {
            throw new IllegalArgumentException("compute profile needs finite positive values, got f=" + cyclesPerSecond
                    + " flops/cycle=" + flopsPerCycle);
        }
    }

    /** Seconds to execute {@code flops} floating-point operations. */
    public double seconds(double flops) {
        return flops / (cyclesPerSecond * flopsPerCycle);
    }
}
