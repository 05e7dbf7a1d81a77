package io.fedsllm.config;

/**
 * How the base model is pre-trained ({@code fedsllm.pretrain}); the corpus itself is {@code fedsllm.data.pretrain}.
 *
 * @param cacheDir     directory of the cached base weights and manifest
 * @param seed         seed of the initial weights and batch order
 * @param steps        optimiser steps
 * @param batchSize    sequences per step
 * @param learningRate AdamW peak learning rate
 * @param warmupSteps  steps of linear warm-up, then cosine decay to 10 % of the peak
 * @param weightDecay  AdamW decoupled weight decay
 * @param gradClipNorm global gradient-norm clip, 0 = off
 */
public record PretrainRunSettings(String cacheDir, long seed, int steps, int batchSize, double learningRate, int warmupSteps,
                               double weightDecay, double gradClipNorm) {
    public static PretrainRunSettings from(ConfigReader root) {
        ConfigReader r = root.section("pretrain");
        return new PretrainRunSettings(r.getString("cache-dir"), r.getLong("seed"), r.positiveInt("steps"),
                r.positiveInt("batch-size"), r.positiveDouble("learning-rate"), r.nonNegativeInt("warmup-steps"), r.nonNegativeDouble("weight-decay"),
                r.nonNegativeDouble("grad-clip-norm"));
    }
}
