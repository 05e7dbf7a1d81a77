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
import io.fedsllm.config.PopulationSettings;
import io.fedsllm.config.Seeds;
import io.fedsllm.config.TrainSettings;
import io.fedsllm.cost.CostModels;
import io.fedsllm.data.E2eRecord;
import io.fedsllm.nn.TextTokenizer;
import io.fedsllm.scenario.Scenario;
import io.fedsllm.scenario.ScenarioContext;
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

    /**
     * The client actors of the experiment: in real mode one per device of the population (N; each holds its shard),
     * in analytic mode one per client a round starts (K, or K + x under over-selection), each being whichever device
     * the round's selection gives it.
     */
    static int slots(Config config, Scenario scenario) {
        ConfigReader root = ConfigReader.root(config);
        return real(config) ? PopulationSettings.from(root).devices() : scenario.clientsStarted();
    }

    /** The run's scenario as a node reads it from the coordinator's enrolment (none: text null). */
    static Scenario scenario(Config config, String text, String file) {
        return text == null ? Scenario.none(ScenarioContext.from(config))
                : Scenario.parse(text, java.nio.file.Path.of(file), config);
    }

    static MainServer.Kit mainServer(Config config, NodeResources node, Scenario scenario) {
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
        return new MainServer.Kit(layers, compute, measuredScale(emu), runtime.partyTimeout(), scenario);
    }

    static FedServer.Kit fedServer(Config config, Scenario scenario) {
        ConfigReader root = ConfigReader.root(config);
        GlobalCopy copy = real(config) ? GlobalCopy.real(root.getLong("seed"),
                ServerStrategy.create(OptimizationSettings.from(root))) : GlobalCopy.ANALYTIC;
        return new FedServer.Kit(copy, EmuRuntime.from(root).partyTimeout(), scenario);
    }

    /** The kits of the clients {@code ids} (each id in 0..{@link #slots}−1). */
    static List<Client.Kit> clients(Config config, NodeResources node, List<Integer> ids, Scenario scenario) {
        ConfigReader root = ConfigReader.root(config);
        EmuSettings emu = EmuSettings.from(root);
        EmuRuntime runtime = EmuRuntime.from(root);
        List<Client.Kit> kits = new ArrayList<>(ids.size());
        if (emu.mode() == EmuSettings.Mode.REAL) {
            TrainContext ctx = node.trainContext(config);
            List<List<E2eRecord>> shards = node.trainData(config).shards(PopulationSettings.from(root).devices());
            for (int id : ids) {
                kits.add(new Client.Kit(id, ClientCompute.real(ctx, id, shards.get(id), runtime.clientTorchThreads()),
                        measuredScale(emu), runtime.partyTimeout(), scenario, true));
            }
        } else {
            long seed = root.getLong("seed");
            for (int id : ids) {
                kits.add(new Client.Kit(id, ClientCompute.analytic(d -> analyticSamples(seed, d, emu)), null,
                        runtime.partyTimeout(), scenario, true));
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
        long[] tokens = new long[k];
        for (int i = 0; i < k; i++) {
            tokens[i] = (long) analyticSamples(root.getLong("seed"), i, emu) * perSample;
        }
        return tokens;
    }

    /** |D_k| of device k in analytic mode: a uniform whole number in [samples-min, samples-max], stream "analytic-samples", k. */
    static int analyticSamples(long seed, int device, EmuSettings emu) {
        return Seeds.random(seed, "analytic-samples", device).nextInt(emu.samplesMin(), emu.samplesMax() + 1);
    }
}
