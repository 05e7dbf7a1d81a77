package io.fedsllm.cli;

import ai.djl.ndarray.NDManager;
import io.fedsllm.config.ConfigReader;
import io.fedsllm.config.ModelShape;
import io.fedsllm.config.TrainSettings;
import io.fedsllm.nn.Devices;
import io.fedsllm.nn.TorchRuntime;
import io.fedsllm.train.BaseModelCache;
import io.fedsllm.report.ConsoleProgress;
import io.fedsllm.train.BaseModels;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code pretrain}: builds (or finds in the cache) the project's pre-trained base model. */
@Command(name = "pretrain", mixinStandardHelpOptions = true,
        description = "Pre-train the base model on the generated (non-E2E) corpus and cache it (see fedsllm.pretrain).")
public final class PretrainCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;
    @Mixin
    ConfigOptions config;

    @Option(names = "--model", paramLabel = "NAME", description = "model preset (default: train.model)")
    String model;

    @Override
    public Integer call() {
        ConfigReader root = ConfigReader.root(config.load(new FlagOverrides(spec).add("--model", "train.model", model).list()));
        TrainSettings ts = TrainSettings.from(root);
        ModelShape shape = ModelShape.named(root, ts.model());
        TorchRuntime.configure(ts.torchThreads());
        long t0 = System.nanoTime();
        try (NDManager manager = NDManager.newBaseManager(Devices.select(ts.device()))) {
            BaseModelCache.Entry e = BaseModels.pretrained(root, shape, manager, ConsoleProgress.stderr(root).trainProgress());
            System.out.printf(java.util.Locale.ROOT, "%s base '%s' (%d parameters) at %s%nconfig hash %s%nweights sha256 %s%n%.1f s%n",
                    e.built() ? "pre-trained" : "found cached", shape.name(), e.weights().size(), e.file(), e.configHash(),
                    e.weightsSha256(), (System.nanoTime() - t0) / 1e9);
            if (e.built()) {
                System.out.println("built because " + e.buildReason());
            }
        }
        return 0;
    }
}
