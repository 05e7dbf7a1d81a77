package io.fedsllm.nn;

/** A GPT-2 language model the trainer can step, evaluate and decode with, split or not. */
public interface LanguageModel extends AutoCloseable {

    /** One optimiser step on a batch; returns the mean loss (nats per labelled token) before the update. */
    double trainStep(int[][] inputs, int[][] labels, long step);

    /** Summed loss (nats) over the labelled positions of a batch, without dropout or gradients. */
    double lossSum(int[][] inputs, int[][] labels);

    /** The most likely next token at every position [B][T] (greedy decoding), without dropout or gradients. */
    int[][] argmaxNext(int[][] inputs);

    @Override
    void close();
}
