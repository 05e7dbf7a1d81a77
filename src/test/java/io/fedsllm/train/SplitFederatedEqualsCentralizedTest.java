package io.fedsllm.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Split-federated LoRA with I = 1 is centralized LoRA training, to float tolerance, under this configuration
 * (every other key at its default):
 * <ul>
 *   <li>{@code train.client-optimizer = sgd} with {@code train.sgd.learning-rate = η_c} (any; the test uses K and 1),
 *       momentum 0, weight decay 0, and {@code train.client-gradient-scale = total-loss} (the default);</li>
 *   <li>{@code train.fed-strategy = fedadam} with the centralized AdamW's settings: {@code fedopt.learning-rate =
 *       train.learning-rate}, {@code beta1}, {@code beta2} = {@code train.beta1}, {@code train.beta2},
 *       {@code bias-correction = true}, {@code weight-decay = train.weight-decay}, and
 *       {@code fedopt.epsilon = train.epsilon · η_c / K} (η_c = K: AdamW's epsilon itself);</li>
 *   <li>{@code system.local-iterations = 1} (one client step between averages), equal shards (equal |D_k|), LoRA
 *       dropout 0, {@code train.grad-clip-norm = 0} (each party would clip by its own norm, centralized by the norm
 *       of all adapters).</li>
 * </ul>
 * Why: the main server's loss is the mean over all K·b sequences and its segment takes the same AdamW step as the
 * centralized server's on the same examples (centralized draws one mini-batch per shard with the clients' batch
 * streams). Client k's LoRA gradient g_k is its share of the gradient G of that loss, Σ_k g_k = G. With SGD at
 * lr η_c from the global copy w (one step, no momentum), client k uploads w − η_c g_k; the equal-weight average is
 * w − η_c G/K, so the pseudo-gradient is Δ = −(η_c/K) G. Adam's step m̂ / (sqrt(v̂) + ε) is invariant to a constant
 * scale c of its gradient once ε scales too (c m̂ / (c sqrt(v̂) + c ε)), so FedAdam on Δ with ε·η_c/K is AdamW on G:
 * the client-side LoRA takes the centralized AdamW step, decoupled weight decay included. What remains is float
 * rounding (w − η_c g_k and the average are float32).
 */
class SplitFederatedEqualsCentralizedTest {
    @TempDir
    static Path dir;

    static final int CLIENTS = 4;
    static final int SPLIT = 2;
    static final int RANK = 4;
    static final int ROUNDS = 6;

    /** The client and server LoRA of split-federated training after {@link #ROUNDS} rounds of one iteration each. */
    record Lora(LoraBlocks client, LoraBlocks server) {}

    static TrainContext context(String... sets) {
        List<String> all = new ArrayList<>(List.of("train.grad-clip-norm=0"));
        all.addAll(List.of(sets));
        return TrainContext.create(SmallTraining.config(dir.resolve("cache"), all.toArray(String[]::new)));
    }

    /** The configuration of the class comment for client SGD at {@code clientLr}, from AdamW's settings {@code a}. */
    static String[] equivalentSettings(io.fedsllm.nn.AdamW.Settings a, double clientLr) {
        return new String[] {"train.client-optimizer=sgd", "train.sgd.learning-rate=" + clientLr, "train.fed-strategy=fedadam",
                "train.fedopt.learning-rate=" + a.learningRate(), "train.fedopt.beta1=" + a.beta1(), "train.fedopt.beta2=" + a.beta2(),
                "train.fedopt.epsilon=" + a.epsilon() * clientLr / CLIENTS, "train.fedopt.bias-correction=true",
                "train.fedopt.weight-decay=" + a.weightDecay()};
    }

    static Lora splitFederated(TrainContext ctx, LoraBlocks initial) {
        ServerStrategy strategy = ctx.newServerStrategy();
        List<ClientTrainer> clients = new ArrayList<>();
        try (ServerTrainer server = ServerTrainer.create(ctx, SPLIT, RANK, SmallTraining.SEED, initial.select(SPLIT, SmallTraining.LAYERS))) {
            List<Integer> samples = new ArrayList<>();
            for (int k = 0; k < CLIENTS; k++) {
                clients.add(ClientTrainer.create(ctx, k, SmallTraining.data(dir.resolve("cache")).shard(k, CLIENTS), SPLIT, RANK, SmallTraining.SEED));
                samples.add(clients.get(k).samples());
            }
            LoraBlocks global = initial.select(0, SPLIT);
            for (int round = 0; round < ROUNDS; round++) {
                for (ClientTrainer c : clients) {
                    c.importLora(global);
                }
                SmallTraining.iteration(server, round, 0, clients.toArray(ClientTrainer[]::new));
                global = strategy.aggregate(global, clients.stream().map(ClientTrainer::exportLora).toList(), samples);
            }
            return new Lora(global, server.serverLora());
        } finally {
            clients.forEach(ClientTrainer::close);
        }
    }

    /** Centralized training as the emulator's centralized scheme does it: one server, K mini-batches per iteration. */
    static LoraBlocks centralized(TrainContext ctx, LoraBlocks initial) {
        List<ClientTrainer> embedders = new ArrayList<>();
        try (ServerTrainer server = ServerTrainer.create(ctx, 0, RANK, SmallTraining.SEED, initial)) {
            for (int k = 0; k < CLIENTS; k++) {
                embedders.add(ClientTrainer.create(ctx, k, SmallTraining.data(dir.resolve("cache")).shard(k, CLIENTS), 0, RANK, SmallTraining.SEED));
            }
            for (int round = 0; round < ROUNDS; round++) {
                SmallTraining.iteration(server, round, 0, embedders.toArray(ClientTrainer[]::new));
            }
            return server.serverLora();
        } finally {
            embedders.forEach(ClientTrainer::close);
        }
    }

    static double largest(LoraBlocks b) {
        double m = 0;
        for (var t : b.blocks().values()) {
            for (float[] v : t.values()) {
                for (float x : v) {
                    m = Math.max(m, Math.abs(x));
                }
            }
        }
        return m;
    }

    @Test
    void sgdClientsAndAnEquivalentFedAdamTrackCentralizedTraining() {
        try (TrainContext reference = context()) {
            for (int k = 1; k < CLIENTS; k++) {
                assertEquals(SmallTraining.data(dir.resolve("cache")).shard(0, CLIENTS).size(), SmallTraining.data(dir.resolve("cache")).shard(k, CLIENTS).size(), "equal shards");
            }
            LoraBlocks initial = SmallTraining.randomLora(reference, RANK, 0, SmallTraining.LAYERS, 21);
            LoraBlocks central = centralized(reference, initial);
            double scale = largest(central);
            double moved = SmallTraining.maxDiff(initial.select(0, SPLIT), central.select(0, SPLIT)) / scale;
            // lr K: the pseudo-gradient is -G itself (fedadam with AdamW's epsilon); lr 1: -G/K (epsilon/K). Tolerances
            // relative to the largest LoRA value: w - lr·g_k rounds at the ulp of w, a K times larger share of a
            // K times smaller step with lr 1.
            double[][] cases = {{CLIENTS, 1e-5}, {1, 5e-5}};
            for (double[] c : cases) {
                try (TrainContext sfl = context(equivalentSettings(reference.adam(), c[0]))) {
                    Lora fed = splitFederated(sfl, initial);
                    double clientGap = SmallTraining.maxDiff(central.select(0, SPLIT), fed.client()) / scale;
                    double serverGap = SmallTraining.maxDiff(central.select(SPLIT, SmallTraining.LAYERS), fed.server()) / scale;
                    System.out.printf("client sgd lr %.0f: SFL vs centralized after %d rounds: client LoRA %.3g, server LoRA %.3g "
                            + "(relative to the largest value); training moved the client LoRA by %.3g%n", c[0], ROUNDS, clientGap,
                            serverGap, moved);
                    assertTrue(clientGap < c[1], "lr " + c[0] + ": client-side LoRA, max relative gap " + clientGap);
                    assertTrue(serverGap < c[1], "lr " + c[0] + ": server-side LoRA, max relative gap " + serverGap);
                }
            }
            assertTrue(moved > 100 * cases[1][1], "training moved the client LoRA far beyond the tolerances: " + moved);

            // The same rounds with today's defaults (AdamW clients, fedavg) are not centralized training.
            Lora today = splitFederated(reference, initial);
            double todayGap = SmallTraining.maxDiff(central.select(0, SPLIT), today.client()) / scale;
            assertTrue(todayGap > 100 * cases[1][1], "AdamW clients + fedavg differ from centralized: " + todayGap);
        }
    }
}
