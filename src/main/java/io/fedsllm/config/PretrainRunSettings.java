package io.fedsllm.config;

/**
 * How the base model is pre-trained ({@code fedsllm.pretrain}); the corpus itself is {@code fedsllm.data.pretrain}.
 *
 * @param cacheDir      directory of the cached base weights and manifest
 * @param seed          seed of the initial weights and batch order
 * @param steps         optimiser steps
 * @param batchSize     sequences per step
 * @param learningRate  AdamW peak learning rate
 * @param warmupSteps   steps of linear warm-up, then cosine decay to {@code minLrFraction} of the peak
 * @param minLrFraction the cosine schedule's floor, a fraction of the peak learning rate
 * @param beta1         AdamW beta1
 * @param beta2         AdamW beta2
 * @param epsilon       AdamW epsilon
 * @param weightDecay   AdamW decoupled weight decay
 * @param gradClipNorm  global gradient-norm clip, 0 = off
 */
public record PretrainRunSettings(String cacheDir, long seed, int steps, int batchSize, double learningRate, int warmupSteps,
                                  double minLrFraction, double beta1, double beta2, double epsilon, double weightDecay,
                                  double gradClipNorm) {
    public static PretrainRunSettings from(ConfigReader root) {
        ConfigReader r = root.section("pretrain");
        return new PretrainRunSettings(r.getString("cache-dir"), r.getLong("seed"), r.positiveInt("steps"),
                r.positiveInt("batch-size"), r.positiveDouble("learning-rate"), r.nonNegativeInt("warmup-steps"),
                r.doubleInRange("min-lr-fraction", 0, 1), r.doubleInRange("beta1", 0, 0.999999), r.doubleInRange("beta2", 0, 0.999999),
                r.positiveDouble("epsilon"), r.nonNegativeDouble("weight-decay"), r.nonNegativeDouble("grad-clip-norm"));
    }
}
