package io.fedsllm.plan;

import io.fedsllm.config.DelaySettings;
import io.fedsllm.config.PlannerSettings;
import io.fedsllm.config.SystemSettings;
import io.fedsllm.cost.ComputeProfile;
import io.fedsllm.cost.DelayModel;
import io.fedsllm.cost.SplitCosts;
import io.fedsllm.net.RoundChannel;
import java.util.List;

/**
 * Everything the planner needs for one round (problem 18 of the paper, SYSTEM_MODEL §6).
 *
 * @param costs           per-mini-batch FLOPs and bits as functions of split and rank
 * @param clientCompute   f_k and FLOPs/cycle of every client, K entries
 * @param server          the main server's processor
 * @param channel         both links of this round
 * @param localIterations I
 * @param ranks           candidate ranks, ascending
 * @param rounds          R(r)
 * @param delay           delay-model options (gradient downlink)
 */
public record PlanningProblem(SplitCosts costs, List<ComputeProfile> clientCompute, ComputeProfile server,
        RoundChannel channel, int localIterations, List<Integer> ranks, RoundsModel rounds, DelaySettings delay) {

    public PlanningProblem {
        clientCompute = List.copyOf(clientCompute);
        ranks = List.copyOf(ranks);
        int k = clientCompute.size();
        if (k == 0) {
            throw new IllegalArgumentException("planning needs at least one client");
        }
        if (channel.main().clients() != k || channel.fed().clients() != k) {
            throw new IllegalArgumentException("channel has " + channel.main().clients() + "/" + channel.fed().clients()
                    + " clients on main/fed, compute profiles " + k);
        }
        if (channel.main().subchannels() < k || channel.fed().subchannels() < k) {
            throw new IllegalArgumentException("every client needs a subchannel on each link: K = " + k + ", main "
                    + channel.main().subchannels() + ", fed " + channel.fed().subchannels());
        }
        if (ranks.isEmpty()) {
            throw new IllegalArgumentException("no candidate ranks");
        }
        if (costs.layers() < 2) {
            throw new IllegalArgumentException("a split needs at least 2 layers, got " + costs.layers());
        }
    }

    /** Assembles a problem from the settings records. */
    public static PlanningProblem of(SplitCosts costs, List<ComputeProfile> clientCompute, ComputeProfile server,
            RoundChannel channel, SystemSettings system, PlannerSettings planner, DelaySettings delay) {
        if (system.clients() != clientCompute.size()) {
            throw new IllegalArgumentException("system.clients = " + system.clients() + " but " + clientCompute.size()
                    + " compute profiles");
        }
        return new PlanningProblem(costs, clientCompute, server, channel, system.localIterations(), planner.ranks(),
                RoundsModel.from(planner), delay);
    }

    public int clients() {
        return clientCompute.size();
    }

    /** The number of transformer blocks L; splits are 1..L−1. */
    public int layers() {
        return costs.layers();
    }

    public DelayModel delayModel() {
        return new DelayModel(costs, clientCompute, server, localIterations, delay);
    }
}
