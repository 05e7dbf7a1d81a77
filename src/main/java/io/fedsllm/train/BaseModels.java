package io.fedsllm.train;

import ai.djl.ndarray.NDManager;
import io.fedsllm.config.ConfigReader;
import io.fedsllm.config.ModelShape;
import io.fedsllm.config.PretrainRunSettings;
import io.fedsllm.config.TrainSettings;
import io.fedsllm.nn.Gpt2Weights;
import io.fedsllm.nn.ParamSet;
import java.nio.file.Path;

/** The base weights a command fine-tunes: a given HF checkpoint, or the project's pre-trained base (built if needed). */
public final class BaseModels {
    private BaseModels() {}

    /** The weights (owned by {@code manager}) and where they came from. */
    public record Base(ParamSet weights, String source) {}

    /** The base weights; pre-training (when the cache has none) reports its steps to {@code progress}. */
    public static Base obtain(ConfigReader root, ModelShape shape, NDManager manager, TrainProgress progress) {
        TrainSettings ts = TrainSettings.from(root);
        if (!ts.baseCheckpoint().isBlank()) {
            Path file = Path.of(ts.baseCheckpoint());
            if (!java.nio.file.Files.isRegularFile(file)) {
                throw root.section("train").invalid("base-checkpoint", (java.nio.file.Files.isDirectory(file)
                        ? "is a directory" : "no such file " + file.toAbsolutePath()) + "; expected \"\" (the project's "
                        + "pre-trained base) or the path of a Hugging Face GPT-2 model.safetensors");
            }
            return new Base(Gpt2Weights.fromSafeTensors(shape, file, manager), "checkpoint " + file);
        }
        BaseModelCache.Entry e = pretrained(root, shape, manager, progress);
        return new Base(e.weights(), (e.built() ? "pre-trained now, cached at " : "cached pre-trained base ") + e.file()
                + " (config " + e.configHash().substring(0, 12) + ")");
    }

    /**
     * Where the base weights live, as a PEFT adapter's {@code base_model_name_or_path}: the folder of
     * {@code train.base-checkpoint} (a Hugging Face model folder holds its model.safetensors), else the project's
     * cache entry ({@code pretrain.cache-dir/base-<model>}).
     */
    public static String location(ConfigReader root, ModelShape shape) {
        TrainSettings ts = TrainSettings.from(root);
        if (!ts.baseCheckpoint().isBlank()) {
            Path file = Path.of(ts.baseCheckpoint());
            return (file.getParent() == null ? Path.of(".") : file.getParent()).toString();
        }
        return BaseModelCache.dir(shape, PretrainRunSettings.from(root)).toString();
    }

    /** The project's pre-trained base for the shape, from the cache or pre-trained now (steps to {@code progress}). */
    public static BaseModelCache.Entry pretrained(ConfigReader root, ModelShape shape, NDManager manager,
            TrainProgress progress) {
        PretrainRunSettings p = PretrainRunSettings.from(root);
        // Where the base will be cached must be usable before minutes of pre-training, not after.
        io.fedsllm.report.OutputDir.requireDirectoryLocation(BaseModelCache.dir(shape, p),
                root.section("pretrain").source("cache-dir"));
        try (TrainProgress.Task bar = progress.start("pretrain " + shape.name(), p.steps())) {
            return BaseModelCache.obtain(shape, p, () -> E2eTask.corpus(root), E2eTask.corpusFingerprint(root), manager, bar::step);
        }
    }
}
