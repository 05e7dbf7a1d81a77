package io.fedsllm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import io.fedsllm.config.ConfigReader;
import io.fedsllm.config.LoraSettings;
import io.fedsllm.config.ModelShape;
import io.fedsllm.config.TrainSettings;
import io.fedsllm.nn.TorchRuntime;
import io.fedsllm.train.TrainBench;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code bench train}: LoRA training step time, tokens/s and peak memory per model shape. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Time LoRA training steps (forward, backward, AdamW) of the models in train.bench.models.")
public final class TrainBenchCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions config;

    @Option(names = "--model", paramLabel = "NAME", description = "measure only this model (default: train.bench.models)")
    String model;

    @Option(names = "--batch", paramLabel = "B", description = "sequences per step (default: train.bench.batch-size)")
    Integer batch;

    @Option(names = "--seq-len", paramLabel = "T", description = "tokens per sequence (default: train.bench.seq-len)")
    Integer seqLen;

    @Option(names = "--json", description = "print one JSON array instead of a table")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Config c = config.load();
        ConfigReader root = ConfigReader.root(c);
        TrainSettings s = TrainSettings.from(root);
        LoraSettings lora = LoraSettings.from(root);
        TorchRuntime.configure(s.torchThreads());
        List<String> models = model == null ? s.bench().models() : List.of(model);
        int b = batch == null ? s.bench().batchSize() : batch;
        int t = seqLen == null ? s.bench().seqLen() : seqLen;
        if (b < 1 || t < 1) {
            throw new io.fedsllm.config.UserError("--batch and --seq-len must be >= 1 (got " + b + ", " + t + ")");
        }
        List<TrainBench.Result> results = new ArrayList<>();
        for (String m : models) {
            ModelShape shape = ModelShape.named(root, m);
            if (t > shape.context()) {
                throw new io.fedsllm.config.UserError("seq-len " + t + " exceeds the context " + shape.context() + " of model '" + m + "'");
            }
            TrainBench.Result r = TrainBench.run(shape, lora, s, b, t, root.getLong("seed"));
            results.add(r);
            if (!json) {
                System.out.printf(Locale.ROOT,
                        "%-12s b=%d T=%d rank=%d threads=%d: %.3f s/step, %.0f tokens/s, LoRA %d params, base %d params, heap peak %.0f MiB, native RSS peak (VmHWM, process) %.0f MiB%n",
                        r.model(), r.batchSize(), r.seqLen(), lora.rank(), s.torchThreads(), r.stepSeconds(), r.tokensPerSecond(),
                        r.loraParameters(), r.baseParameters(), r.heapPeakMiB(), r.rssPeakMiB());
            }
        }
        if (json) {
            System.out.println(new ObjectMapper().writeValueAsString(results));
        }
        return 0;
    }
}
