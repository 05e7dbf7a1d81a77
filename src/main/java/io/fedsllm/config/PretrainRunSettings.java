package io.fedsllm.config;

/**
 * How the base model is pre-trained ({@code fedsllm.pretrain}); the corpus itself is {@code fedsllm.data.pretrain}.
 *
 * @param cacheDir     directory of the cached base weights and manifest
 * @param seed         seed of the initial weights and batch order
 * @param steps        optimiser steps
 * @param batchSize    sequences per step
 * @param learningRate AdamW learning rate
 * @param weightDecay  AdamW decoupled weight decay
 * @param gradClipNorm global gradient-norm clip, 0 = off
 */
public record PretrainRunSettings(String cacheDir, long seed, int steps, int batchSize, double learningRate,
                               double weightDecay, double gradClipNorm) {
    public static PretrainRunSettings from(ConfigReader root) {
        ConfigReader r = root.section("pretrain");
        return new PretrainRunSettings(r.getString("cache-dir"), r.getLong("seed"), r.positiveInt("steps"),
                r.positiveInt("batch-size"), r.positiveDouble("learning-rate"), r.nonNegativeDouble("weight-decay"),
                r.nonNegativeDouble("grad-clip-norm"));
    }
}
