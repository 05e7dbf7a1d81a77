package io.fedsllm.emu;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import io.fedsllm.config.ConfigReader;
import io.fedsllm.config.CostSettings;
import io.fedsllm.config.DataUploadSettings;
import io.fedsllm.config.EmuRuntime;
import io.fedsllm.config.EmuSettings;
import io.fedsllm.config.ModelShape;
import io.fedsllm.config.OptimizationSettings;
import io.fedsllm.config.Seeds;
import io.fedsllm.config.TrainSettings;
import io.fedsllm.cost.CostModels;
import io.fedsllm.data.E2eRecord;
import io.fedsllm.nn.TextTokenizer;
import io.fedsllm.train.Evaluator;
import io.fedsllm.train.ServerStrategy;
import io.fedsllm.train.TrainContext;
import io.fedsllm.train.TrainData;
import java.util.ArrayList;
import java.util.List;

/**
 * What each party is given when its node spawns it (its "kit"), built from the experiment configuration and the
 * node's read-only resources: a client its id and its own shard, the main server the shared base (and every shard
 * only for the centralized scheme, whose one server holds all data), the federated server its seed and aggregation
 * strategy, the
 * evaluator the validation examples. Everything else reaches a party as a message. {@code RoleSeparationTest} walks
 * these kits to check that no party can reach another party's data.
 */
final class Kits {
    private Kits() {}

    /** The experiment configuration as text, as the coordinator sends it to every node (the {@code fedsllm} tree). */
    static String render(Config config) {
        return config.root().withOnlyKey("fedsllm").render(ConfigRenderOptions.concise());
    }

    /** The experiment configuration a node received. */
    static Config parse(String experiment) {
        return ConfigFactory.parseString(experiment);
    }

    static boolean real(Config config) {
        return EmuSettings.from(ConfigReader.root(config)).mode() == EmuSettings.Mode.REAL;
    }

    /** Virtual seconds per measured wall second, or null when compute delays come from the delay model. */
    private static Double measuredScale(EmuSettings emu) {
        return emu.computeDelay() == EmuSettings.ComputeDelay.MEASURED ? emu.measuredScale() : null;
    }

    static MainServer.Kit mainServer(Config config, NodeResources node) {
        ConfigReader root = ConfigReader.root(config);
        EmuSettings emu = EmuSettings.from(root);
        EmuRuntime runtime = EmuRuntime.from(root);
        int layers = CostModels.from(config).layers();
        ServerCompute compute = ServerCompute.ANALYTIC;
        if (emu.mode() == EmuSettings.Mode.REAL) {
            List<List<E2eRecord>> shards = emu.scheme() == EmuSettings.Scheme.CENTRALIZED
                    ? node.trainData(config).shards(clients(root)) : List.of();
            compute = ServerCompute.real(node.trainContext(config), shards, runtime.mainServerTorchThreads());
        }
        return new MainServer.Kit(layers, compute, measuredScale(emu), runtime.partyTimeout());
    }

    static FedServer.Kit fedServer(Config config) {
        ConfigReader root = ConfigReader.root(config);
        GlobalCopy copy = real(config) ? GlobalCopy.real(root.getLong("seed"),
                ServerStrategy.create(OptimizationSettings.from(root))) : GlobalCopy.ANALYTIC;
        return new FedServer.Kit(copy, EmuRuntime.from(root).partyTimeout());
    }

    /** The kits of the clients {@code ids} (each id in 0..K−1). */
    static List<Client.Kit> clients(Config config, NodeResources node, List<Integer> ids) {
        ConfigReader root = ConfigReader.root(config);
        EmuSettings emu = EmuSettings.from(root);
        EmuRuntime runtime = EmuRuntime.from(root);
        int k = clients(root);
        List<Client.Kit> kits = new ArrayList<>(ids.size());
        if (emu.mode() == EmuSettings.Mode.REAL) {
            TrainContext ctx = node.trainContext(config);
            List<List<E2eRecord>> shards = node.trainData(config).shards(k);
            for (int id : ids) {
                kits.add(new Client.Kit(id, ClientCompute.real(ctx, id, shards.get(id), runtime.clientTorchThreads()),
                        measuredScale(emu), runtime.partyTimeout()));
            }
        } else {
            int[] samples = analyticSamples(root.getLong("seed"), k, emu);
            for (int id : ids) {
                kits.add(new Client.Kit(id, ClientCompute.analytic(samples[id]), null, runtime.partyTimeout()));
            }
        }
        return kits;
    }

    static RoundEvaluator.Kit evaluator(Config config, NodeResources node) {
        TrainContext ctx = node.trainContext(config);
        return new RoundEvaluator.Kit(Evaluator.create(ctx, node.trainData(config).validationExamples()),
                EmuRuntime.from(ConfigReader.root(config)).evaluatorTorchThreads());
    }

    /** K, the clients of the experiment. */
    static int clients(ConfigReader root) {
        return root.section("system").positiveInt("clients");
    }

    /**
     * The tokens of each client's shard, which the centralized scheme uploads before round 0 (index = client id): real
     * mode its examples tokenised for {@code train.model} ({@link TrainData#shardTokens}), analytic mode |D_k| ×
     * {@code emu.centralized-upload.tokens-per-sample} (null: the cost model's seq-len).
     */
    static long[] shardTokens(Config config, TrainData data) {
        ConfigReader root = ConfigReader.root(config);
        EmuSettings emu = EmuSettings.from(root);
        int k = clients(root);
        if (emu.mode() == EmuSettings.Mode.REAL) {
            ModelShape shape = ModelShape.named(root, TrainSettings.from(root).model());
            return data.shardTokens(k, TextTokenizer.forModel(shape), shape.seqLen());
        }
        int perSample = DataUploadSettings.from(root).tokensPerSample(CostSettings.from(root).model().seqLen());
        int[] samples = analyticSamples(root.getLong("seed"), k, emu);
        long[] tokens = new long[k];
        for (int i = 0; i < k; i++) {
            tokens[i] = (long) samples[i] * perSample;
        }
        return tokens;
    }

    /** |D_k| in analytic mode: uniform whole numbers in [samples-min, samples-max], stream "analytic-samples", k. */
    static int[] analyticSamples(long seed, int clients, EmuSettings emu) {
        int[] s = new int[clients];
        for (int k = 0; k < clients; k++) {
            s[k] = Seeds.random(seed, "analytic-samples", k).nextInt(emu.samplesMin(), emu.samplesMax() + 1);
        }
        return s;
    }
}
