package io.fedsllm.train;

import ai.djl.ndarray.NDManager;
import io.fedsllm.config.LoraSettings;
import io.fedsllm.config.ModelShape;
import io.fedsllm.config.Seeds;
import io.fedsllm.config.TrainSettings;
import io.fedsllm.nn.AdamW;
import io.fedsllm.nn.CausalLm;
import io.fedsllm.nn.Devices;
import io.fedsllm.nn.Gpt2Weights;
import io.fedsllm.nn.LmLoss;
import io.fedsllm.nn.LoraAdapters;
import io.fedsllm.nn.ParamSet;
import io.fedsllm.nn.TorchRuntime;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Measures LoRA training steps (forward, backward, AdamW) of a model shape on random base weights: the step time
 * does not depend on the weights' values. Peak memory is the JVM heap peak plus the process's native peak RSS
 * (VmHWM from /proc/self/status, a process-wide high-water mark). Runs on any thread.
 */
public final class TrainBench {
    private TrainBench() {}

    public record Result(String model, int batchSize, int seqLen, int steps, double stepSeconds, double tokensPerSecond,
                         long loraParameters, long baseParameters, double heapPeakMiB, double rssPeakMiB) {}

    public static Result run(ModelShape shape, LoraSettings lora, TrainSettings s, int batch, int seqLen, long seed) {
        if (seqLen > shape.context()) {
            throw new IllegalArgumentException("bench seq-len " + seqLen + " exceeds the context " + shape.context()
                    + " of model '" + shape.name() + "'");
        }
        TorchRuntime.prepareThread();
        try (ParamSet base = Gpt2Weights.random(shape, seed, NDManager.newBaseManager(Devices.select(s.device())))) {
            LoraAdapters adapters = LoraAdapters.init(shape, lora, lora.rank(), seed, 0, shape.layers(),
                    base.manager().newSubManager());
            AdamW.Settings adam = new AdamW.Settings(s.learningRate(), s.beta1(), s.beta2(), s.epsilon(), s.weightDecay(),
                    s.gradClipNorm());
            CausalLm lm = CausalLm.withLora(shape, base, adapters, adam, lora.dropout(), seed, 0);
            int[][] in = new int[batch][seqLen];
            int[][] lab = new int[batch][seqLen];
            SplittableRandom r = Seeds.random(seed, "bench-train-tokens");
            for (int i = 0; i < batch; i++) {
                for (int j = 0; j < seqLen; j++) {
                    in[i][j] = r.nextInt(shape.vocab());
                    lab[i][j] = j == 0 ? LmLoss.IGNORE : r.nextInt(shape.vocab());
                }
            }
            for (int w = 0; w < s.bench().warmupSteps(); w++) {
                lm.trainStep(in, lab, w);
            }
            long t0 = System.nanoTime();
            for (int k = 0; k < s.bench().steps(); k++) {
                lm.trainStep(in, lab, s.bench().warmupSteps() + k);
            }
            double step = (System.nanoTime() - t0) / 1e9 / s.bench().steps();
            return new Result(shape.name(), batch, seqLen, s.bench().steps(), step, batch * seqLen / step,
                    adapters.params().size(), base.size(), heapPeakMiB(), rssPeakMiB());
        }
    }

    static double heapPeakMiB() {
        long peak = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP && p.getPeakUsage() != null) {
                peak += p.getPeakUsage().getUsed();
            }
        }
        return peak / 1048576.0;
    }

    /** VmHWM of this process in MiB, or NaN where /proc is not available (not Linux). */
    static double rssPeakMiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return Double.NaN;
        }
        return Double.NaN;
    }
}
