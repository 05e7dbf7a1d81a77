package io.fedsllm.config;

/**
 * Pre-training of the base model ({@code fedsllm.pretrain}).
 *
 * @param cacheDir     directory of the cached base weights and manifest
 * @param seed         seed of the initial weights and batch order
 * @param steps        optimiser steps
 * @param batchSize    sequences per step
 * @param learningRate AdamW learning rate
 * @param weightDecay  AdamW decoupled weight decay
 * @param gradClipNorm global gradient-norm clip, 0 = off
 */
public record PretrainSettings(String cacheDir, long seed, int steps, int batchSize, double learningRate,
                               double weightDecay, double gradClipNorm) {
    public static PretrainSettings from(ConfigReader root) {
        ConfigReader r = root.section("pretrain");
        return new PretrainSettings(r.getString("cache-dir"), r.getLong("seed"), r.positiveInt("steps"),
                r.positiveInt("batch-size"), r.positiveDouble("learning-rate"), r.nonNegativeDouble("weight-decay"),
                r.nonNegativeDouble("grad-clip-norm"));
    }
}
