package io.fedsllm.train;

import ai.djl.ndarray.NDManager;
import io.fedsllm.config.ConfigReader;
import io.fedsllm.config.DataSettings;
import io.fedsllm.config.LoraSettings;
import io.fedsllm.config.ModelShape;
import io.fedsllm.config.OptimizationSettings;
import io.fedsllm.config.TrainSettings;
import io.fedsllm.config.UserError;
import io.fedsllm.data.E2eDataset;
import io.fedsllm.nn.Optimizer;
import io.fedsllm.nn.CausalLm;
import io.fedsllm.nn.Devices;
import io.fedsllm.nn.LanguageModel;
import io.fedsllm.nn.LoraAdapters;
import io.fedsllm.nn.SplitLm;
import io.fedsllm.nn.TorchRuntime;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code train --scheme centralized}: LoRA fine-tuning on the E2E train split in one process, split or not. */
public final class CentralizedTraining {
    private CentralizedTraining() {}

    /** The report, where the base weights came from, and the trained LoRA of every adapted block. */
    public record Outcome(FineTuner.Report report, String baseSource, LoraBlocks lora) {}

    /** {@link #run(ConfigReader, int, Path, TrainProgress)} without saving the adapters or showing progress. */
    public static Outcome run(ConfigReader root, int splitLayer) {
        return run(root, splitLayer, null, TrainProgress.NONE);
    }

    /**
     * {@code splitLayer} 0 = unsplit; otherwise the block boundary in [1, L-1] where the three split calls cut.
     * {@code saveLora} (null = don't) receives the trained adapters of every block as safetensors
     * ({@link LoraAdapters#save}, metadata: model, rank, alpha, targets, blocks, split), and the folder
     * {@link PeftAdapters#folderFor} next to it the same adapters in Hugging Face PEFT's layout; steps go to
     * {@code progress}. Runs on any thread.
     */
    public static Outcome run(ConfigReader root, int splitLayer, Path saveLora, TrainProgress progress) {
        TrainSettings ts = TrainSettings.from(root);
        LoraSettings lora = LoraSettings.from(root);
        ModelShape shape = ModelShape.named(root, ts.model());
        if (splitLayer != 0 && (splitLayer < 1 || splitLayer >= shape.layers())) {
            throw new UserError("--split-layer " + splitLayer + ": expected a block boundary in [1, " + (shape.layers() - 1)
                    + "] for model '" + shape.name() + "' (" + shape.layers() + " blocks), or 0 for no split");
        }
        lora.adaptedBlocks(shape); // a block range beyond the model fails before pre-training
        if (saveLora != null && java.nio.file.Files.isDirectory(saveLora)) {
            throw new UserError("--save-lora " + saveLora + " is a directory: expected a file path (e.g. " + saveLora.resolve("lora.safetensors") + ")");
        }
        long seed = root.getLong("seed");
        TorchRuntime.configure(ts.torchThreads());
        TorchRuntime.prepareThread();
        E2eDataset data = E2eDataset.load(DataSettings.from(root));
        // Centralized training is the server's alone: its LoRA is trained by the server's optimiser (train.server-optimizer).
        OptimizationSettings optimization = OptimizationSettings.from(root);
        Optimizer.Settings optimizer = TrainContext.optimizer(optimization.serverOptimizer(), ts, optimization);
        try (NDManager manager = NDManager.newBaseManager(Devices.select(ts.device()))) {
            BaseModels.Base base = BaseModels.obtain(root, shape, manager, progress);
            LoraAdapters unsplitLora = splitLayer != 0 ? null : LoraAdapters.init(shape, lora, lora.rank(), seed, 0,
                    shape.layers(), base.weights().manager().newSubManager());
            LanguageModel lm = splitLayer == 0
                    ? CausalLm.withLora(shape, base.weights(), unsplitLora, optimizer, lora.dropout(), seed, 0)
                    : new SplitLm(shape, base.weights(), lora, lora.rank(), splitLayer, optimizer, seed, 0);
            try (lm; TrainProgress.Task bar = progress.start("train " + shape.name(), ts.steps())) {
                FineTuner.Report r = FineTuner.run(lm, shape, ts, lora.rank(), splitLayer, seed,
                        E2eTask.examples(data.train()), E2eTask.examples(data.validation()), E2eTask.testMrs(data.test()),
                        E2eTask.scorer(data), (step, loss) -> bar.step(loss));
                LoraBlocks trained = lm instanceof SplitLm split
                        ? LoraBlocks.of(split.clientLora()).merge(LoraBlocks.of(split.serverLora()))
                        : LoraBlocks.of(unsplitLora);
                if (saveLora != null) {
                    save(trained, shape, lora, splitLayer, saveLora);
                    PeftAdapters.write(trained, shape, lora, BaseModels.location(root, shape), PeftAdapters.folderFor(saveLora));
                }
                return new Outcome(r, base.source(), trained);
            }
        }
    }

    /** Writes the adapters of every block in the unsplit layout (loadable with LoraAdapters.load over [0, L)). */
    private static void save(LoraBlocks trained, ModelShape shape, LoraSettings lora, int splitLayer, Path file) {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("model", shape.name());
        meta.put("alpha", Double.toString(lora.alpha()));
        meta.put("targets", String.join(",", lora.targets()));
        meta.put("blocks", lora.adaptedBlocks(shape).toString());
        meta.put("split", Integer.toString(splitLayer));
        // Only bytes for a file: the CPU, whatever train.device says (DJL's default would be a visible GPU).
        try (LoraAdapters all = trained.toAdapters(shape, lora, 0, shape.layers(), NDManager.newBaseManager(ai.djl.Device.cpu()))) {
            all.save(file, meta);
        }
    }
}
