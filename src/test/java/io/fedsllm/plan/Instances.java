package io.fedsllm.plan;

import io.fedsllm.config.DelaySettings;
import io.fedsllm.config.Seeds;
import io.fedsllm.cost.ComputeProfile;
import io.fedsllm.cost.LinearCosts;
import io.fedsllm.net.ClientRadio;
import io.fedsllm.net.LinkState;
import io.fedsllm.net.RoundChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Small random planning instances for tests: heterogeneous clients, Rayleigh-like per-subchannel gains. */
final class Instances {
    private Instances() {}

    /**
     * @param pthFraction p_th as a fraction of Σ p_max (1 = never binding)
     */
    static PlanningProblem random(long seed, int clients, int mainSubchannels, int fedSubchannels, int layers,
            List<Integer> ranks, double pthFraction) {
        return random(seed, clients, mainSubchannels, fedSubchannels, layers, ranks, pthFraction, false);
    }

    /** @param flat equal gains on all subchannels of a client (the paper's average-gain model) instead of Exp(1) */
    static PlanningProblem random(long seed, int clients, int mainSubchannels, int fedSubchannels, int layers,
            List<Integer> ranks, double pthFraction, boolean flat) {
        SplittableRandom r = Seeds.random(seed, "test-instance");
        double[] layerFlops = new double[layers];
        double[] lora = new double[layers];
        double[] act = new double[layers - 1];
        for (int j = 0; j < layers; j++) {
            layerFlops[j] = 2e11 * (0.5 + r.nextDouble());
            lora[j] = 1e10 * (0.5 + r.nextDouble());
        }
        for (int j = 0; j < layers - 1; j++) {
            act[j] = 2e7 * (0.2 + 1.6 * r.nextDouble());
        }
        LinearCosts costs = new LinearCosts(layerFlops, lora, 2e12, act, 1e7 * (0.5 + r.nextDouble()));
        List<ComputeProfile> compute = new ArrayList<>();
        List<ClientRadio> radios = new ArrayList<>();
        for (int k = 0; k < clients; k++) {
            compute.add(new ComputeProfile(1e9 * (1 + r.nextDouble()), 1024));
            radios.add(new ClientRadio(100, 100, -100, -100));
        }
        LinkState main = link(r, clients, mainSubchannels, 1e6, pthFraction, flat);
        LinkState fed = link(r, clients, fedSubchannels, 1e6, pthFraction, flat);
        return new PlanningProblem(costs, compute, new ComputeProfile(1.5e9, 65536), new RoundChannel(0, main, fed, radios),
                2, ranks, RoundsModel.parametric(10, 2), new DelaySettings(false, 1));
    }

    static LinkState link(SplittableRandom r, int clients, int subchannels, double hz, double pthFraction, boolean flat) {
        double[] width = new double[subchannels];
        java.util.Arrays.fill(width, hz);
        double[][] a = new double[clients][subchannels];
        double[] pmax = new double[clients];
        double sum = 0;
        for (int k = 0; k < clients; k++) {
            // Large-scale SNR per unit PSD spread over 30 dB; small-scale Exp(1) per subchannel.
            double base = Math.pow(10, (80 + 30 * r.nextDouble()) / 10);
            for (int i = 0; i < subchannels; i++) {
                a[k][i] = flat ? base : base * -Math.log(1 - r.nextDouble());
            }
            pmax[k] = 0.1 * (0.5 + r.nextDouble());
            sum += pmax[k];
        }
        return LinkState.of(width, a, pmax, pthFraction * sum);
    }
}
