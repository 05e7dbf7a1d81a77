package io.fedsllm.cost;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fedsllm.config.DelaySettings;
import java.util.List;
import org.junit.jupiter.api.Test;

class DelayModelTest {

    // 3 layers of 2 GFLOP (+0.1 GFLOP per rank), head 1 GFLOP; activation 8 Mbit at split 1, 4 Mbit at split 2;
    // 1 Mbit of LoRA per layer per rank.
    private static final LinearCosts COSTS = new LinearCosts(new double[] {2e9, 2e9, 2e9}, new double[] {1e8, 1e8, 1e8},
            1e9, new double[] {8e6, 4e6}, 1e6);
    // Client 0: 1e9 cycles/s x 1 FLOP/cycle; client 1: 0.5e9 x 4 (twice as fast); server 4e9 x 4.
    private static final List<ComputeProfile> CLIENTS = List.of(new ComputeProfile(1e9, 1), new ComputeProfile(0.5e9, 4));
    private static final ComputeProfile SERVER = new ComputeProfile(4e9, 4);

    @Test
    void compositionMatchesHandArithmetic() {
        DelayModel dm = new DelayModel(COSTS, CLIENTS, SERVER, 3, new DelaySettings(false, 1));
        // split 1, rank 2: client FP = 2e9 + 2e8 = 2.2e9 FLOPs -> 2.2 s (client 0), 1.1 s (client 1)
        // server FP per client = 2 * 2.2e9 + 1e9 = 5.4e9 -> K=2 -> 10.8e9 / 16e9 = 0.675 s; BP 1.35 s
        // activation 8e6 bits: client 0 at 4e6 bit/s -> 2 s; client 1 at 16e6 -> 0.5 s
        // LoRA 2 * 1 * 1e6 = 2e6 bits: client 0 at 1e6 -> 2 s; client 1 at 4e6 -> 0.5 s
        DelayModel.Evaluation e = dm.evaluate(1, 2, new double[] {4e6, 16e6}, new double[] {1e6, 4e6}, 10);
        DelayModel.ClientDelays c0 = e.clients().get(0);
        assertEquals(2.2, c0.forwardS(), 1e-12);
        assertEquals(2.0, c0.activationUploadS(), 1e-12);
        assertEquals(4.4, c0.backwardS(), 1e-12);
        assertEquals(2.0, c0.loraUploadS(), 1e-12);
        assertEquals(0.0, c0.gradientDownloadS());
        DelayModel.Breakdown b = e.breakdown();
        assertEquals(4.2, b.t1(), 1e-12);          // max(2.2 + 2, 1.1 + 0.5)
        assertEquals(4.4, b.t2(), 1e-12);          // max(4.4, 2.2)
        assertEquals(2.0, b.t3(), 1e-12);          // max(2, 0.5)
        assertEquals(0.675, b.serverForwardS(), 1e-12);
        assertEquals(1.35, b.serverBackwardS(), 1e-12);
        assertEquals(4.2 + 0.675 + 1.35 + 4.4, b.iterationS(), 1e-12);   // 10.625
        assertEquals(3 * 10.625 + 2.0, b.roundS(), 1e-12);               // 33.875
        assertEquals(338.75, b.totalS(), 1e-9);
    }

    @Test
    void gradientDownlinkAddsToT2WhenEnabled() {
        DelayModel dm = new DelayModel(COSTS, CLIENTS, SERVER, 3, new DelaySettings(true, 8e6));
        DelayModel.Evaluation e = dm.evaluate(1, 2, new double[] {4e6, 16e6}, new double[] {1e6, 4e6}, 10);
        // 8e6 activation-gradient bits at 8e6 bit/s = 1 s before each client's backward
        assertEquals(1.0, e.clients().get(1).gradientDownloadS(), 1e-12);
        assertEquals(5.4, e.breakdown().t2(), 1e-12);
    }

    @Test
    void composeFromPerClientValuesEqualsEvaluate() {
        DelayModel dm = new DelayModel(COSTS, CLIENTS, SERVER, 3, new DelaySettings(false, 1));
        DelayModel.Evaluation e = dm.evaluate(2, 4, new double[] {3e6, 5e6}, new double[] {2e6, 7e6}, 4);
        DelayModel.Breakdown b = DelayModel.compose(e.clients(), dm.serverForwardS(2, 4), dm.serverBackwardS(2, 4), 3, 4);
        assertEquals(e.breakdown(), b);
        assertEquals(Double.POSITIVE_INFINITY, DelayModel.transferS(1, 0));
    }

    @Test
    void sequentialSplitLearningRoundIsTheSumOfSingleClientRounds() {
        DelayModel dm = new DelayModel(COSTS, CLIENTS, SERVER, 3, new DelaySettings(false, 1));
        // Split 1, rank 2, the per-client delays of compositionMatchesHandArithmetic; the server runs ONE client's
        // mini-batch at a time: 5.4e9 / 16e9 = 0.3375 s forward, 0.675 s backward.
        assertEquals(0.3375, dm.serverForwardPerClientS(1, 2), 1e-12);
        List<DelayModel.ClientDelays> clients = dm.evaluate(1, 2, new double[] {4e6, 16e6}, new double[] {1e6, 4e6}, 10)
                .clients();
        DelayModel.Breakdown b = DelayModel.sequential(clients, 0.3375, 0.675, 3, 10);
        // client 0: I (2.2 + 2 + 0.3375 + 0.675 + 4.4) + 2 = 3 * 9.6125 + 2 = 30.8375
        // client 1: I (1.1 + 0.5 + 0.3375 + 0.675 + 2.2) + 0.5 = 3 * 4.8125 + 0.5 = 14.9375
        assertEquals(30.8375 + 14.9375, b.roundS(), 1e-12);
        assertEquals(457.75, b.totalS(), 1e-9);
        assertEquals(9.6125, b.iterationS(), 1e-12);
        assertEquals(4.2, b.t1(), 1e-12);
        assertEquals(4.4, b.t2(), 1e-12);
        assertEquals(2.0, b.t3(), 1e-12);
    }

    @Test
    void federatedLoraRoundIsTheSlowestClientTrainingTheWholeModel() {
        DelayModel dm = new DelayModel(COSTS, CLIENTS, SERVER, 3, new DelaySettings(false, 1));
        // Whole model at rank 2: 3 x (2e9 + 2e8) + 1e9 head = 7.6e9 FLOPs -> 7.6 s (client 0), 3.8 s (client 1).
        assertEquals(7.6, dm.wholeModelClientForwardS(0, 2), 1e-12);
        assertEquals(3.8, dm.wholeModelClientForwardS(1, 2), 1e-12);
        // 6 Mbit of LoRA: client 0 at 1e6 bit/s -> 6 s; client 1 at 4e6 -> 1.5 s.
        DelayModel.Evaluation e = dm.evaluateFederated(2, 6e6, new double[] {1e6, 4e6}, 10);
        DelayModel.ClientDelays c0 = e.clients().get(0);
        assertEquals(15.2, c0.backwardS(), 1e-12);
        assertEquals(0.0, c0.activationUploadS());
        assertEquals(6.0, c0.loraUploadS(), 1e-12);
        // max(3 (7.6 + 15.2) + 6, 3 (3.8 + 7.6) + 1.5) = max(74.4, 35.7)
        DelayModel.Breakdown b = e.breakdown();
        assertEquals(74.4, b.roundS(), 1e-12);
        assertEquals(744.0, b.totalS(), 1e-9);
        assertEquals(22.8, b.iterationS(), 1e-12);
        assertEquals(6.0, b.t3(), 1e-12);
        assertEquals(0.0, b.serverForwardS());
        assertEquals(b, DelayModel.federated(e.clients(), 3, 10));
    }

    @Test
    void centralizedRoundIsTheServerAloneOnEveryMiniBatch() {
        DelayModel dm = new DelayModel(COSTS, CLIENTS, SERVER, 3, new DelaySettings(false, 1));
        // 7.6e9 FLOPs per mini-batch / 16e9 = 0.475 s; K = 2 mini-batches per iteration -> T_s^F = 0.95 s, T_s^B = 1.9 s.
        assertEquals(0.475, dm.wholeModelServerForwardPerBatchS(2), 1e-12);
        DelayModel.Breakdown b = dm.evaluateCentralized(2, 10);
        assertEquals(0.95, b.serverForwardS(), 1e-12);
        assertEquals(1.9, b.serverBackwardS(), 1e-12);
        assertEquals(2.85, b.iterationS(), 1e-12);
        assertEquals(3 * 2.85, b.roundS(), 1e-12);    // no links: T_round = I (T_s^F + T_s^B)
        assertEquals(85.5, b.totalS(), 1e-9);
        assertEquals(0.0, b.t1() + b.t2() + b.t3());
    }
}
