package io.fedsllm.config;

import java.util.List;

/**
 * Real LoRA fine-tuning ({@code fedsllm.train}).
 *
 * @param model          preset name under fedsllm.models
 * @param torchThreads   PyTorch intra-op threads
 * @param baseCheckpoint "" = the project's pre-trained base; otherwise a Hugging Face model.safetensors path
 * @param steps          optimiser steps
 * @param batchSize      sequences per step
 * @param learningRate   AdamW learning rate
 * @param beta1          AdamW beta1
 * @param beta2          AdamW beta2
 * @param epsilon        AdamW epsilon
 * @param weightDecay    AdamW decoupled weight decay
 * @param gradClipNorm   global gradient-norm clip, 0 = off
 * @param evalEvery      steps between validation evaluations
 * @param evalExamples   validation examples per evaluation
 * @param generationMrs  test MRs decoded for the generation metrics
 * @param maxNewTokens   generated tokens per MR at most
 * @param decodeBatch    prompts decoded together (one forward per generated token for the whole batch)
 * @param bench          the settings of {@code bench train}
 * @param device         where DJL work runs: cpu, gpu, gpu:N or auto (resolved by io.fedsllm.nn.Devices)
 */
public record TrainSettings(String model, int torchThreads, String baseCheckpoint, int steps, int batchSize, double learningRate,
                            double beta1, double beta2, double epsilon, double weightDecay, double gradClipNorm,
                            int evalEvery, int evalExamples, int generationMrs, int maxNewTokens, int decodeBatch,
                            Bench bench, String device) {

    /** {@code fedsllm.train.bench}. */
    public record Bench(List<String> models, int batchSize, int seqLen, int warmupSteps, int steps) {}

    /** The spellings of {@code train.device}: cpu, gpu, gpu:N, auto. */
    public static final java.util.regex.Pattern DEVICE = java.util.regex.Pattern.compile("cpu|gpu|gpu:(0|[1-9][0-9]{0,3})|auto");

    public static TrainSettings from(ConfigReader root) {
        ConfigReader r = root.section("train");
        String device = r.getString("device");
        if (!DEVICE.matcher(device).matches()) {
            throw r.bad(r.key("device"), "cpu, gpu (the first GPU), gpu:N (GPU number N, e.g. gpu:1) or auto (a GPU if one is"
                    + " visible, else the CPU)");
        }
        ConfigReader b = r.section("bench");
        List<String> benchModels = b.getStringList("models");
        if (benchModels.isEmpty()) {
            throw b.bad(b.key("models"), "a non-empty list of model presets");
        }
        return new TrainSettings(r.getString("model"), r.positiveInt("torch-threads"), r.getString("base-checkpoint"), r.positiveInt("steps"),
                r.positiveInt("batch-size"), r.positiveDouble("learning-rate"), r.doubleInRange("beta1", 0, 0.999999),
                r.doubleInRange("beta2", 0, 0.999999), r.positiveDouble("epsilon"), r.nonNegativeDouble("weight-decay"),
                r.nonNegativeDouble("grad-clip-norm"), r.positiveInt("eval-every"), r.positiveInt("eval-examples"),
                r.positiveInt("generation-mrs"), r.positiveInt("max-new-tokens"), r.positiveInt("decode-batch"),
                new Bench(List.copyOf(benchModels), b.positiveInt("batch-size"), b.positiveInt("seq-len"), b.nonNegativeInt("warmup-steps"),
                        b.positiveInt("steps")), device);
    }
}
