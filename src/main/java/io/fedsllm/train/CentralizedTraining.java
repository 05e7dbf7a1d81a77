package io.fedsllm.train;

import ai.djl.ndarray.NDManager;
import io.fedsllm.config.ConfigReader;
import io.fedsllm.config.DataSettings;
import io.fedsllm.config.LoraSettings;
import io.fedsllm.config.ModelShape;
import io.fedsllm.config.TrainSettings;
import io.fedsllm.config.UserError;
import io.fedsllm.data.E2eDataset;
import io.fedsllm.nn.AdamW;
import io.fedsllm.nn.CausalLm;
import io.fedsllm.nn.LanguageModel;
import io.fedsllm.nn.LoraAdapters;
import io.fedsllm.nn.SplitLm;
import io.fedsllm.nn.TorchRuntime;

/** {@code train --scheme centralized}: LoRA fine-tuning on the E2E train split in one process, split or not. */
public final class CentralizedTraining {
    private CentralizedTraining() {}

    /** The report and where the base weights came from. */
    public record Outcome(FineTuner.Report report, String baseSource) {}

    /** {@code splitLayer} 0 = unsplit; otherwise the block boundary in [1, L-1] where the three split calls cut. */
    public static Outcome run(ConfigReader root, int splitLayer) {
        TrainSettings ts = TrainSettings.from(root);
        LoraSettings lora = LoraSettings.from(root);
        ModelShape shape = ModelShape.named(root, ts.model());
        if (splitLayer != 0 && (splitLayer < 1 || splitLayer >= shape.layers())) {
            throw new UserError("--split-layer " + splitLayer + ": expected a block boundary in [1, " + (shape.layers() - 1)
                    + "] for model '" + shape.name() + "' (" + shape.layers() + " blocks), or 0 for no split");
        }
        long seed = root.getLong("seed");
        TorchRuntime.configure(ts.torchThreads());
        E2eDataset data = E2eDataset.load(DataSettings.from(root));
        AdamW.Settings adam = new AdamW.Settings(ts.learningRate(), ts.beta1(), ts.beta2(), ts.epsilon(), ts.weightDecay(),
                ts.gradClipNorm());
        try (NDManager manager = NDManager.newBaseManager()) {
            BaseModels.Base base = BaseModels.obtain(root, shape, manager);
            LanguageModel lm = splitLayer == 0
                    ? CausalLm.withLora(shape, base.weights(), LoraAdapters.init(shape, lora, lora.rank(), seed, 0,
                            shape.layers(), base.weights().manager().newSubManager()), adam, lora.dropout(), seed, 0)
                    : new SplitLm(shape, base.weights(), lora, lora.rank(), splitLayer, adam, seed, 0);
            try (lm; Progress bar = new Progress("train " + shape.name(), ts.steps())) {
                FineTuner.Report r = FineTuner.run(lm, shape, ts, lora.rank(), splitLayer, seed,
                        E2eTask.examples(data.train()), E2eTask.examples(data.validation()), E2eTask.testMrs(data.test()),
                        E2eTask.scorer(data), (step, loss) -> bar.step(loss));
                return new Outcome(r, base.source());
            }
        }
    }
}
