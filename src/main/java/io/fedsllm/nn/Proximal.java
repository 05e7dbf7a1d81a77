package io.fedsllm.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;

/**
 * FedProx's proximal term (Li et al. 2020, eq. 2) on a party's objective: {@code (μ/2) ||w − w_anchor||²}, w_anchor
 * being the global copy the round started from. Its gradient {@code μ (w − w_anchor)} is added to the accumulated
 * gradients before the optimiser step (so the optimiser's clip sees it too).
 *
 * @param mu     μ > 0
 * @param anchor the anchor values, one array per trained parameter in the optimiser's order (row-major)
 */
public record Proximal(double mu, List<float[]> anchor) {
    public Proximal {
        if (!(mu > 0)) {
            throw new IllegalArgumentException("proximal term mu " + mu + ": expected > 0 (no term = no Proximal)");
        }
        anchor = List.copyOf(anchor);
    }

    /** Adds μ (p − anchor) to the gradient of every parameter, in place; temporaries go to {@code stepManager}. */
    void addGradients(List<NDArray> params, NDManager stepManager) {
        if (params.size() != anchor.size()) {
            throw new IllegalArgumentException("proximal anchor of " + anchor.size() + " arrays for " + params.size() + " parameters");
        }
        Optimizer.withoutGradMode(() -> {
            try (NDManager tmp = stepManager.newSubManager()) {
                for (int i = 0; i < params.size(); i++) {
                    NDArray p = params.get(i);
                    NDArray a = tmp.create(anchor.get(i), p.getShape());
                    NDArray pull = p.sub(a);
                    pull.attach(tmp);
                    NDArray g = p.getGradient();
                    g.attach(tmp);
                    g.addi(pull.mul((float) mu)); // g shares the parameter's gradient storage: updated in place
                }
            }
        });
    }
}
