package io.fedsllm.train;

import static io.fedsllm.train.SmallTraining.assertClose;
import static io.fedsllm.train.SmallTraining.assertSameLora;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedsllm.nn.ActivationCodec;
import io.fedsllm.nn.LmLoss;
import io.fedsllm.nn.Sgd;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client side of the federated optimisation settings on the small model: the own-loss gradient scale, SGD
 * clients, and FedProx's proximal term in the client step.
 */
class ClientOptimisationTest {
    @TempDir
    static Path dir;

    static final int SPLIT = 2;
    static final int RANK = 4;

    static TrainContext context(String... sets) {
        return TrainContext.create(SmallTraining.config(dir.resolve("cache"), sets));
    }

    /**
     * With {@code own-loss} the slice client 0 receives from a step on two clients is the gradient of its own mean
     * loss, i.e. what a server holding the same LoRA sends it when it steps on client 0 alone; with total-loss it is
     * n_0 / N of that (n_0 client 0's labelled tokens, N both clients').
     */
    @Test
    void ownLossSendsEachClientTheGradientOfItsOwnMeanLoss() {
        try (TrainContext own = context("train.client-gradient-scale=own-loss"); TrainContext total = context()) {
            LoraBlocks serverInit = SmallTraining.randomLora(own, RANK, SPLIT, SmallTraining.LAYERS, 3);
            try (ClientTrainer c0 = ClientTrainer.create(own, 0, SmallTraining.data(dir.resolve("cache")).shard(0, 2), SPLIT, RANK, SmallTraining.SEED);
                 ClientTrainer c1 = ClientTrainer.create(own, 1, SmallTraining.data(dir.resolve("cache")).shard(1, 2), SPLIT, RANK, SmallTraining.SEED);
                 ServerTrainer both = ServerTrainer.create(own, SPLIT, RANK, SmallTraining.SEED, serverInit);
                 ServerTrainer alone = ServerTrainer.create(own, SPLIT, RANK, SmallTraining.SEED, serverInit);
                 ServerTrainer bothTotal = ServerTrainer.create(total, SPLIT, RANK, SmallTraining.SEED, serverInit)) {
                ClientTrainer.Forward f0 = c0.forward(1, 2);
                ClientTrainer.Forward f1 = c1.forward(1, 2);
                float[] ownSlice = ActivationCodec.values(both.step(List.of(f0.activations(), f1.activations()),
                        List.of(f0.labels(), f1.labels())).activationGradients().get(0));
                float[] aloneSlice = ActivationCodec.values(alone.step(List.of(f0.activations()), List.<int[][]>of(f0.labels()))
                        .activationGradients().get(0));
                float[] totalSlice = ActivationCodec.values(bothTotal.step(List.of(f0.activations(), f1.activations()),
                        List.of(f0.labels(), f1.labels())).activationGradients().get(0));
                assertClose(aloneSlice, ownSlice, 1e-6, "own-loss slice = the gradient of client 0's own mean loss");
                double share = (double) LmLoss.labelled(f0.labels()) / (LmLoss.labelled(f0.labels()) + LmLoss.labelled(f1.labels()));
                assertTrue(share > 0.2 && share < 0.8, "client 0 holds part of the tokens: " + share);
                float[] scaled = new float[aloneSlice.length];
                double norm = 0;
                for (int i = 0; i < scaled.length; i++) {
                    scaled[i] = (float) (share * aloneSlice[i]);
                    norm += Math.abs(aloneSlice[i]);
                }
                assertClose(scaled, totalSlice, 1e-6, "total-loss slice = n_0/N times it");
                assertTrue(norm > 1e-3, "the gradients are not trivial: " + norm);
            }
        }
    }

    /**
     * SGD clients step w ← w − lr · g; under fedprox the step adds μ (w − w_global): two clients from the same global
     * copy with the same batches agree after the first iteration (w = w_global there, the term is 0) and differ after
     * the second by exactly lr · μ · (w_1 − w_global).
     */
    @Test
    void sgdClientsStepAlongTheGradientAndFedProxPullsThemBackToTheGlobalCopy() {
        double lr = 0.5;
        double mu = 0.3;
        String[] sgd = {"train.client-optimizer=sgd", "train.sgd.learning-rate=" + lr, "train.grad-clip-norm=0"};
        List<String> prox = new ArrayList<>(List.of(sgd));
        prox.addAll(List.of("train.fed-strategy=fedprox", "train.fedprox.mu=" + mu));
        try (TrainContext plain = context(sgd); TrainContext proximal = context(prox.toArray(String[]::new))) {
            assertTrue(plain.clientOptimizer() instanceof Sgd.Settings);
            assertEquals(0, plain.optimization().proximalMu(), 0);
            LoraBlocks global = SmallTraining.randomLora(plain, RANK, 0, SPLIT, 4);
            LoraBlocks serverInit = SmallTraining.randomLora(plain, RANK, SPLIT, SmallTraining.LAYERS, 5);
            try (ClientTrainer a = ClientTrainer.create(plain, 0, SmallTraining.data(dir.resolve("cache")).shard(0, 2), SPLIT, RANK, SmallTraining.SEED);
                 ClientTrainer b = ClientTrainer.create(proximal, 0, SmallTraining.data(dir.resolve("cache")).shard(0, 2), SPLIT, RANK, SmallTraining.SEED);
                 ServerTrainer sa = ServerTrainer.create(plain, SPLIT, RANK, SmallTraining.SEED, serverInit);
                 ServerTrainer sb = ServerTrainer.create(proximal, SPLIT, RANK, SmallTraining.SEED, serverInit)) {
                a.importLora(global);
                b.importLora(global);
                Map<String, float[]> ga1 = step(a, sa, 0);
                step(b, sb, 0);
                LoraBlocks w1 = a.exportLora();
                assertSameLora(sgdStep(global, ga1, lr, 0, global), w1, 1e-6);
                assertSameLora(w1, b.exportLora(), 0);
                Map<String, float[]> ga2 = step(a, sa, 1);
                Map<String, float[]> gb2 = step(b, sb, 1);
                ga2.forEach((n, g) -> assertClose(g, gb2.get(n), 1e-6, "same loss gradient at the same weights, " + n));
                assertSameLora(sgdStep(w1, ga2, lr, 0, global), a.exportLora(), 1e-6);
                assertSameLora(sgdStep(w1, ga2, lr, mu, global), b.exportLora(), 1e-6);
                assertTrue(SmallTraining.maxDiff(a.exportLora(), b.exportLora()) > 1e-4, "the proximal term moved client b");
            }
        }
    }

    /** One iteration of one client; returns the loss gradients the client applied. */
    static Map<String, float[]> step(ClientTrainer c, ServerTrainer s, int iteration) {
        ClientTrainer.Forward f = c.forward(0, iteration);
        ServerTrainer.Step st = s.step(List.of(f.activations()), List.<int[][]>of(f.labels()));
        return c.backwardReturningGradients(st.activationGradients().get(0));
    }

    /** w − lr (g + μ (w − anchor)) by hand. */
    static LoraBlocks sgdStep(LoraBlocks w, Map<String, float[]> grads, double lr, double mu, LoraBlocks anchor) {
        java.util.TreeMap<Integer, Map<String, float[]>> out = new java.util.TreeMap<>();
        w.blocks().forEach((block, m) -> {
            Map<String, float[]> t = new java.util.LinkedHashMap<>();
            m.forEach((n, p) -> {
                float[] g = grads.get("h." + block + "." + n);
                float[] a = anchor.blocks().get(block).get(n);
                float[] q = new float[p.length];
                for (int i = 0; i < p.length; i++) {
                    q[i] = (float) (p[i] - lr * (g[i] + mu * (p[i] - a[i])));
                }
                t.put(n, q);
            });
            out.put(block, t);
        });
        return new LoraBlocks(out, w.rank());
    }
}
