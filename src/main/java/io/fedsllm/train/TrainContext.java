package io.fedsllm.train;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.typesafe.config.Config;
import io.fedsllm.config.ConfigReader;
import io.fedsllm.config.LoraSettings;
import io.fedsllm.config.ModelShape;
import io.fedsllm.config.OptimizationSettings;
import io.fedsllm.config.SystemSettings;
import io.fedsllm.config.TrainSettings;
import io.fedsllm.nn.AdamW;
import io.fedsllm.nn.Devices;
import io.fedsllm.nn.Optimizer;
import io.fedsllm.nn.Sgd;
import io.fedsllm.nn.ParamSet;
import io.fedsllm.nn.TextTokenizer;
import io.fedsllm.nn.TorchRuntime;

/**
 * What every trainer of one experiment on one node shares, read-only: the frozen base weights (loaded or
 * pre-trained once, by {@link BaseModels}), the model shape ({@code train.model}), LoRA ({@code lora}), optimiser
 * and federated-strategy ({@code train}) settings, the tokenizer, the mini-batch size and the seed. No data: each
 * party is given only its own ({@link TrainData}). Create one per node and hand it to every trainer of that node.
 *
 * <p>Every trainer reads these base weights in place ({@link io.fedsllm.nn.Gpt2Forward#sharingBase}: no copy per
 * client, never attached to a step, never mutated); each owns only its LoRA, optimiser state and open step. Immutable
 * after creation, so trainers on different threads may share it.
 */
public final class TrainContext implements AutoCloseable {
    private final ModelShape shape;
    private final LoraSettings lora;
    private final TrainSettings train;
    private final AdamW.Settings adam;
    private final OptimizationSettings optimization;
    private final int batchSize;
    private final long seed;
    private final TextTokenizer tokenizer;
    private final ParamSet base;
    private final String baseSource;
    private final Device device;

    private TrainContext(ModelShape shape, LoraSettings lora, TrainSettings train, OptimizationSettings optimization,
                         int batchSize, long seed, ParamSet base, String baseSource, Device device) {
        this.shape = shape;
        this.lora = lora;
        this.train = train;
        this.adam = adamW(train);
        this.optimization = optimization;
        this.batchSize = batchSize;
        this.seed = seed;
        this.tokenizer = TextTokenizer.forModel(shape);
        this.base = base;
        this.baseSource = baseSource;
        this.device = device;
    }

    /** {@link #create(Config, TrainProgress)} without showing progress. */
    public static TrainContext create(Config config) {
        return create(config, TrainProgress.NONE);
    }

    /** Reads the settings and obtains the base (from the cache, or pre-trained now, its steps to {@code progress}). */
    public static TrainContext create(Config config, TrainProgress progress) {
        ConfigReader root = ConfigReader.root(config);
        TrainSettings train = TrainSettings.from(root);
        OptimizationSettings optimization = OptimizationSettings.from(root);
        LoraSettings lora = LoraSettings.from(root);
        ModelShape shape = ModelShape.named(root, train.model());
        TextTokenizer.forModel(shape); // fail early on a vocabulary without a tokenizer
        lora.adaptedBlocks(shape); // and on a LoRA block range beyond the model
        int batchSize = SystemSettings.from(root).batchSize();
        TorchRuntime.configure(train.torchThreads());
        Device device = Devices.select(train.device());
        // Obtaining may pre-train the base, which leaves optimiser state in the manager: keep only a copy of the weights.
        try (NDManager scratch = NDManager.newBaseManager(device)) {
            BaseModels.Base b = BaseModels.obtain(root, shape, scratch, progress);
            ParamSet base = b.weights().copy(b.weights().names(), NDManager.newBaseManager(device));
            base.setRequiresGradient(false);
            return new TrainContext(shape, lora, train, optimization, batchSize, root.getLong("seed"), base, b.source(),
                    device);
        }
    }

    /** The device every tensor of this JVM's trainers lives on ({@code train.device}, see {@link Devices}). */
    public Device device() {
        return device;
    }

    /** A new base manager on {@link #device()}: every trainer's tensors descend from one of these. */
    NDManager newManager() {
        return NDManager.newBaseManager(device);
    }

    /** b: samples per client mini-batch ({@code system.batch-size}). */
    public int batchSize() {
        return batchSize;
    }

    public ModelShape shape() {
        return shape;
    }

    public LoraSettings lora() {
        return lora;
    }

    /** AdamW's settings ({@code train.learning-rate}, betas, epsilon, weight-decay, grad-clip-norm). */
    public AdamW.Settings adam() {
        return adam;
    }

    /** The optimiser of each client's LoRA ({@code train.client-optimizer}). */
    public Optimizer.Settings clientOptimizer() {
        return optimizer(optimization.clientOptimizer(), train, optimization);
    }

    /** The optimiser of the main server's LoRA ({@code train.server-optimizer}). */
    public Optimizer.Settings serverOptimizer() {
        return optimizer(optimization.serverOptimizer(), train, optimization);
    }

    /** The optimiser choices, the client gradient scale and the federated strategy ({@code train.*}). */
    public OptimizationSettings optimization() {
        return optimization;
    }

    /** A new federated-server strategy as {@code train.fed-strategy} configures it (one per experiment). */
    public ServerStrategy newServerStrategy() {
        return ServerStrategy.create(optimization);
    }

    static AdamW.Settings adamW(TrainSettings t) {
        return new AdamW.Settings(t.learningRate(), t.beta1(), t.beta2(), t.epsilon(), t.weightDecay(), t.gradClipNorm());
    }

    /** The settings of an optimiser of the given kind: AdamW from {@code train.*}, SGD from {@code train.sgd.*}; both clip. */
    static Optimizer.Settings optimizer(OptimizationSettings.OptimizerKind kind, TrainSettings t, OptimizationSettings o) {
        return switch (kind) {
            case ADAMW -> adamW(t);
            case SGD -> new Sgd.Settings(o.sgd().learningRate(), o.sgd().momentum(), o.sgd().nesterov(), o.sgd().weightDecay(),
                    t.gradClipNorm());
        };
    }

    public TextTokenizer tokenizer() {
        return tokenizer;
    }

    /** The experiment seed ({@code fedsllm.seed}). */
    public long seed() {
        return seed;
    }

    /** Where the base weights came from (cache entry, fresh pre-training or checkpoint). */
    public String baseSource() {
        return baseSource;
    }

    /** Sequences per evaluation batch ({@code train.batch-size}, as FineTuner). */
    public int evalBatchSize() {
        return train.batchSize();
    }

    /** The shared frozen base, read by every trainer and the Evaluator of this node. */
    ParamSet base() {
        return base;
    }

    /** Checks a split layer: a block boundary in [0, L] (0 = all blocks on the server, L = all on the client). */
    void checkSplit(int splitLayer) {
        if (splitLayer < 0 || splitLayer > shape.layers()) {
            throw new IllegalArgumentException("split layer " + splitLayer + ": expected a block boundary in [0, " + shape.layers()
                    + "] for model '" + shape.name() + "'");
        }
    }

    /** Native arrays held by the shared base's manager (tests check it stays flat). */
    int nativeArrays() {
        return base.manager().getManagedArrays().size();
    }

    @Override
    public void close() {
        base.close();
    }
}
