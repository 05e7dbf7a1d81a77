package io.fedsllm.nn;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.fedsllm.config.Seeds;

/**
 * Dropout on the LoRA adapter input for one training step. Each mask is drawn from PyTorch's generator reseeded
 * from (seed, stream, step, block, target), so masks do not depend on the order of calls: the client and server
 * of a split step draw exactly the masks the unsplit model draws.
 *
 * @param probability dropout probability p in [0, 1); 0 disables dropout
 * @param seed        experiment seed
 * @param stream      the training stream (e.g. client index)
 * @param step        the training step
 */
public record LoraDropout(double probability, long seed, long stream, long step) {

    /** Guards PyTorch's process-wide CPU generator: masks of parties computing at once must not interleave. */
    private static final Object GENERATOR = new Object();

    /** No dropout (evaluation, generation, or p = 0). */
    public static final LoraDropout NONE = new LoraDropout(0, 0, 0, 0);

    /** The mask (entries 0 or 1/(1-p)) for the adapter input of (block, target), or null without dropout. */
    public NDArray mask(NDManager manager, Shape shape, int block, String target) {
        if (probability == 0) {
            return null;
        }
        NDArray u;
        synchronized (GENERATOR) { // PyTorch's CPU generator is process-wide: seed and draw as one step
            Engine.getInstance().setRandomSeed((int) Seeds.derive(seed, "lora-dropout:" + target, stream, step, block));
            u = manager.randomUniform(0f, 1f, shape);
        }
        return u.gte(probability).toType(DataType.FLOAT32, false).mul((float) (1.0 / (1.0 - probability)));
    }
}
