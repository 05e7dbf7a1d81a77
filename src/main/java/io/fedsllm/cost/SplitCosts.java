package io.fedsllm.cost;

/**
 * The work and traffic of one client in one local iteration, as a function of the split layer ℓ (blocks on the
 * client, 1..L−1) and the LoRA rank r (SYSTEM_MODEL §2). Values are per client per mini-batch (b samples already
 * included), so the paper-faithful Table III mode (figures per mini-batch) fits the same interface.
 */
public interface SplitCosts {
    /** Number of transformer blocks L; valid splits are 1..L−1. */
    int layers();

    /** Client forward FLOPs for one mini-batch: b · Σ_{j≤ℓ}(ρ_j + r ρ'_j). Backward is twice this. */
    double clientForwardFlops(int split, int rank);

    /** Server forward FLOPs for ONE client's mini-batch: b · (Σ_{j>ℓ}(ρ_j + r ρ'_j) + head). Backward is twice this. */
    double serverForwardFlops(int split, int rank);

    /** Activation bits one client uploads per local iteration: b · ψ_ℓ (independent of r). */
    double activationBits(int split);

    /** Client-side LoRA bits uploaded to the federated server per round: r · Σ_{j≤ℓ} δ_j. */
    double clientLoraBits(int split, int rank);
}
