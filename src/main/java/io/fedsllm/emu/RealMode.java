package io.fedsllm.emu;

import io.fedsllm.data.E2eRecord;
import io.fedsllm.nn.TorchRuntime;
import io.fedsllm.train.TrainContext;
import java.util.List;

/**
 * What real mode hands to the actors: the experiment's shared training context and every client's shard (index =
 * client id; |D_k| = its size) and, for compute-delay = measured, the virtual seconds per measured wall second
 * ({@code measuredScale}; null = compute delays from the delay model). Every actor that touches it runs on the
 * one-thread compute dispatcher.
 */
public record RealMode(TrainContext context, List<List<E2eRecord>> shards, Double measuredScale) {
    public RealMode {
        shards = List.copyOf(shards);
    }

    /** Called by every real-mode actor when it starts, on the compute dispatcher's thread. */
    static void prepareComputeThread() {
        TorchRuntime.prepareThread();
    }

    /** |D_k| of every client. */
    int[] samples() {
        return shards.stream().mapToInt(List::size).toArray();
    }
}
