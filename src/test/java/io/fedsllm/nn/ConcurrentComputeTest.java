package io.fedsllm.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Parties of one JVM compute at the same time on different threads (what real mode's compute pool does): split
 * training steps with LoRA dropout, on one shared frozen base, give the same bits on two threads as one after the
 * other (no global collector, grad mode per thread, the dropout generator guarded); and PyTorch's intra-op thread
 * count is per thread once set ({@link TorchRuntime#enter}), which real mode relies on to give the main server more
 * threads than the clients. Both facts are below DJL's public API: these tests pin them.
 */
@Timeout(120)
class ConcurrentComputeTest {
    static final AdamW.Settings ADAM = SplitLoraTest.ADAM;

    /** One party pair's training: client segment and server segment over the shared base, {@code steps} split steps. */
    private static List<float[]> train(ParamSet base, long seed, int steps, CyclicBarrier together) throws Exception {
        int split = 2;
        TorchRuntime.enter(1);
        try (NDManager m = NDManager.newBaseManager()) {
            LoraAdapters clientLora = LoraAdapters.init(SplitLoraTest.SHAPE, SplitLoraTest.LORA, 4, seed, 0, split, m.newSubManager());
            LoraAdapters serverLora = LoraAdapters.init(SplitLoraTest.SHAPE, SplitLoraTest.LORA, 4, seed, split,
                    SplitLoraTest.SHAPE.layers(), m.newSubManager());
            SplitLoraTest.randomizeB(clientLora, seed);
            SplitLoraTest.randomizeB(serverLora, seed + 1);
            SplitClient client = new SplitClient(Gpt2Forward.sharingBase(SplitLoraTest.SHAPE, base, clientLora), split, ADAM,
                    0.1, seed, 0);
            SplitServer server = new SplitServer(Gpt2Forward.sharingBase(SplitLoraTest.SHAPE, base, serverLora), split, ADAM,
                    0.1, seed, -1);
            List<float[]> out = new ArrayList<>();
            for (int s = 0; s < steps; s++) {
                int[][][] data = SplitLoraTest.batch(seed * 31 + s, 3, 12);
                if (together != null) {
                    together.await(); // both threads step at the same time
                }
                byte[] acts = client.clientForward(data[0], s);
                SplitServer.StepResult r = server.serverStep(acts, data[1], s);
                client.clientBackward(r.activationGradient());
                out.add(new float[] {(float) r.loss()});
            }
            for (String n : clientLora.params().names()) {
                out.add(clientLora.params().get(n).toFloatArray());
            }
            for (String n : serverLora.params().names()) {
                out.add(serverLora.params().get(n).toFloatArray());
            }
            client.close();
            return out;
        }
    }

    @Test
    void twoPartiesTrainingAtOnceGiveTheBitsOfOneAfterTheOther() throws Exception {
        try (ParamSet base = Gpt2Weights.random(SplitLoraTest.SHAPE, 5, NDManager.newBaseManager())) {
            base.setRequiresGradient(false);
            List<float[]> aAlone = FreshThread.call(() -> train(base, 3, 6, null));
            List<float[]> bAlone = FreshThread.call(() -> train(base, 4, 6, null));
            CyclicBarrier together = new CyclicBarrier(2);
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                Future<List<float[]>> a = pool.submit((Callable<List<float[]>>) () -> train(base, 3, 6, together));
                Future<List<float[]>> b = pool.submit((Callable<List<float[]>>) () -> train(base, 4, 6, together));
                List<float[]> aTogether = a.get();
                List<float[]> bTogether = b.get();
                assertEquals(aAlone.size(), aTogether.size());
                for (int i = 0; i < aAlone.size(); i++) {
                    assertArrayEquals(aAlone.get(i), aTogether.get(i), "party a, value " + i);
                    assertArrayEquals(bAlone.get(i), bTogether.get(i), "party b, value " + i);
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void intraOpThreadsArePerThread() throws Exception {
        CyclicBarrier set = new CyclicBarrier(2);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<int[]> two = pool.submit(() -> {
                TorchRuntime.enter(2);
                set.await();             // the other thread has set 1 by now
                int seen = TorchRuntime.threads();
                set.await();
                return new int[] {seen};
            });
            Future<int[]> one = pool.submit(() -> {
                TorchRuntime.enter(1);
                set.await();
                int seen = TorchRuntime.threads();
                set.await();
                return new int[] {seen};
            });
            assertEquals(2, two.get()[0], "the thread that asked for 2 computes with 2");
            assertEquals(1, one.get()[0], "the thread that asked for 1 computes with 1");
        } finally {
            pool.shutdownNow();
        }
    }
}
