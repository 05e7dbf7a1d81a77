package io.fedsllm.train;

import com.typesafe.config.Config;
import io.fedsllm.config.ConfigReader;
import io.fedsllm.config.DataSettings;
import io.fedsllm.config.PartitionSettings;
import io.fedsllm.config.SystemSettings;
import io.fedsllm.config.TrainSettings;
import io.fedsllm.data.E2eDataset;
import io.fedsllm.data.E2eRecord;
import io.fedsllm.data.Partitioner;
import io.fedsllm.nn.TextTokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * The E2E data of one experiment ({@code data}) and how it is handed out: each client's shard of the training split
 * ({@code data.partition}, seeded by {@code fedsllm.seed}) and the validation examples of evaluations (the first
 * {@code train.eval-examples}). A node loads it to give each of its parties only what that party holds; the parties
 * never see this object. Immutable.
 */
public final class TrainData {
    private final E2eDataset data;
    private final PartitionSettings partition;
    private final long seed;
    private final int evalExamples;

    private TrainData(E2eDataset data, PartitionSettings partition, long seed, int evalExamples) {
        this.data = data;
        this.partition = partition;
        this.seed = seed;
        this.evalExamples = evalExamples;
    }

    /**
     * Loads (or generates) the configured data; every device of the population ({@code population.devices}, by default
     * the {@code system.clients} clients) must get an example: each holds a shard.
     */
    public static TrainData load(Config config) {
        ConfigReader root = ConfigReader.root(config);
        DataSettings settings = DataSettings.from(root);
        E2eDataset data = E2eDataset.load(settings);
        ConfigReader population = root.section("population");
        boolean devices = !population.config().getIsNull(population.key("devices"));
        E2eDataset.requireTrainingExamplesFor(data, settings, io.fedsllm.config.PopulationSettings.from(root).devices(),
                devices ? population.source("devices") : root.section("system").source("clients"));
        return new TrainData(data, PartitionSettings.from(root), root.getLong("seed"), TrainSettings.from(root).evalExamples());
    }

    /** Every client's shard when the training split is divided among {@code clients} (index = client id). */
    public List<List<E2eRecord>> shards(int clients) {
        if (clients < 1) {
            throw new IllegalArgumentException(clients + " clients: expected at least 1");
        }
        Partitioner.Partition p = Partitioner.partition(data.train(), clients, partition, seed);
        List<List<E2eRecord>> out = new ArrayList<>(clients);
        for (int k = 0; k < clients; k++) {
            out.add(List.copyOf(p.samplesOf(k, data.train())));
        }
        return List.copyOf(out);
    }

    /** Client {@code client}'s shard when the training split is divided among {@code clients}. */
    public List<E2eRecord> shard(int client, int clients) {
        if (clients < 1 || client < 0 || client >= clients) {
            throw new IllegalArgumentException("client " + client + " of " + clients + ": expected 0 <= client < clients");
        }
        return shards(clients).get(client);
    }

    /**
     * The tokens of every client's shard when the training split is divided among {@code clients} (index = client id):
     * its examples tokenised by {@code tok} as the trainers build them ({@link TokenBatch#tokens}), what uploading the
     * shard takes in the centralized scheme.
     */
    public long[] shardTokens(int clients, TextTokenizer tok, int seqLen) {
        List<List<E2eRecord>> shards = shards(clients);
        long[] tokens = new long[clients];
        for (int k = 0; k < clients; k++) {
            tokens[k] = TokenBatch.tokens(E2eTask.examples(shards.get(k)), tok, seqLen);
        }
        return tokens;
    }

    /** The training split (its size is Σ |D_k|). */
    public List<E2eRecord> train() {
        return data.train();
    }

    /** The validation examples every evaluation uses: the first {@code train.eval-examples}, as FineTuner. */
    public List<PromptCompletion> validationExamples() {
        List<PromptCompletion> val = E2eTask.examples(data.validation());
        return List.copyOf(val.subList(0, Math.min(evalExamples, val.size())));
    }
}
