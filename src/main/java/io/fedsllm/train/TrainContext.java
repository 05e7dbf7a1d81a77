package io.fedsllm.train;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.typesafe.config.Config;
import io.fedsllm.config.ConfigReader;
import io.fedsllm.config.DataSettings;
import io.fedsllm.config.LoraSettings;
import io.fedsllm.config.ModelShape;
import io.fedsllm.config.PartitionSettings;
import io.fedsllm.config.SystemSettings;
import io.fedsllm.config.TrainSettings;
import io.fedsllm.data.E2eDataset;
import io.fedsllm.data.E2eRecord;
import io.fedsllm.data.Partitioner;
import io.fedsllm.nn.AdamW;
import io.fedsllm.nn.Devices;
import io.fedsllm.nn.ParamSet;
import io.fedsllm.nn.TextTokenizer;
import io.fedsllm.nn.TorchRuntime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What every trainer of one experiment shares, read-only: the frozen base weights (loaded or pre-trained once,
 * by {@link BaseModels}), the model shape ({@code train.model}), LoRA ({@code lora}) and AdamW
 * ({@code train}) settings, the tokenizer, the E2E data ({@code data}) and its partition among clients
 * ({@code data.partition}, seeded by {@code fedsllm.seed}). Create ONE per JVM and hand it to every trainer.
 *
 * <p>Every trainer reads these base weights in place ({@link io.fedsllm.nn.Gpt2Forward#sharingBase}: no copy per
 * client); each owns only its LoRA, optimiser state and open step. Single-threaded, like every object of this
 * package.
 */
public final class TrainContext implements AutoCloseable {
    private final ModelShape shape;
    private final LoraSettings lora;
    private final TrainSettings train;
    private final AdamW.Settings adam;
    private final int batchSize;
    private final long seed;
    private final PartitionSettings partition;
    private final E2eDataset data;
    private final TextTokenizer tokenizer;
    private final ParamSet base;
    private final String baseSource;
    private final Device device;
    private final Map<Integer, Partitioner.Partition> partitions = new HashMap<>();

    private TrainContext(ModelShape shape, LoraSettings lora, TrainSettings train, int batchSize, long seed,
                         PartitionSettings partition, E2eDataset data, ParamSet base, String baseSource, Device device) {
        this.shape = shape;
        this.lora = lora;
        this.train = train;
        this.adam = new AdamW.Settings(train.learningRate(), train.beta1(), train.beta2(), train.epsilon(),
                train.weightDecay(), train.gradClipNorm());
        this.batchSize = batchSize;
        this.seed = seed;
        this.partition = partition;
        this.data = data;
        this.tokenizer = TextTokenizer.forModel(shape);
        this.base = base;
        this.baseSource = baseSource;
        this.device = device;
    }

    /** {@link #create(Config, TrainProgress)} without showing progress. */
    public static TrainContext create(Config config) {
        return create(config, TrainProgress.NONE);
    }

    /** Reads the settings, loads the data and obtains the base (from the cache, or pre-trained now). */
    public static TrainContext create(Config config, TrainProgress progress) {
        ConfigReader root = ConfigReader.root(config);
        TrainSettings train = TrainSettings.from(root);
        LoraSettings lora = LoraSettings.from(root);
        ModelShape shape = ModelShape.named(root, train.model());
        TextTokenizer.forModel(shape); // fail early on a vocabulary without a tokenizer
        lora.adaptedBlocks(shape); // and on a LoRA block range beyond the model
        int batchSize = SystemSettings.from(root).batchSize();
        PartitionSettings partition = PartitionSettings.from(root);
        E2eDataset data = E2eDataset.load(DataSettings.from(root));
        TorchRuntime.configure(train.torchThreads());
        Device device = Devices.select(train.device());
        // Obtaining may pre-train the base, which leaves optimiser state in the manager: keep only a copy of the weights.
        try (NDManager scratch = NDManager.newBaseManager(device)) {
            BaseModels.Base b = BaseModels.obtain(root, shape, scratch, progress);
            ParamSet base = b.weights().copy(b.weights().names(), NDManager.newBaseManager(device));
            base.setRequiresGradient(false);
            return new TrainContext(shape, lora, train, batchSize, root.getLong("seed"), partition, data, base, b.source(),
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

    /** Client {@code client}'s training records when the train split is divided among {@code clients}. */
    public List<E2eRecord> shard(int client, int clients) {
        if (clients < 1 || client < 0 || client >= clients) {
            throw new IllegalArgumentException("client " + client + " of " + clients + ": expected 0 <= client < clients");
        }
        Partitioner.Partition p = partitions.computeIfAbsent(clients, k -> Partitioner.partition(data.train(), k, partition, seed));
        return p.samplesOf(client, data.train());
    }

    public LoraSettings lora() {
        return lora;
    }

    public AdamW.Settings adam() {
        return adam;
    }

    public TextTokenizer tokenizer() {
        return tokenizer;
    }

    /** The experiment seed ({@code fedsllm.seed}). */
    public long seed() {
        return seed;
    }

    public E2eDataset data() {
        return data;
    }

    /** Where the base weights came from (cache entry, fresh pre-training or checkpoint). */
    public String baseSource() {
        return baseSource;
    }

    /** The validation examples every evaluation uses: the first {@code train.eval-examples}, as FineTuner. */
    public List<PromptCompletion> validationExamples() {
        List<PromptCompletion> val = E2eTask.examples(data.validation());
        return val.subList(0, Math.min(train.evalExamples(), val.size()));
    }

    /** Sequences per evaluation batch ({@code train.batch-size}, as FineTuner). */
    public int evalBatchSize() {
        return train.batchSize();
    }

    /** The shared frozen base, read by every trainer and the Evaluator of this JVM. */
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
