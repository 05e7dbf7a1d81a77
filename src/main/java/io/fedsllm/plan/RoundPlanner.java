package io.fedsllm.plan;

import com.typesafe.config.Config;
import io.fedsllm.net.Deployment;

/**
 * Plans one global round of the emulator for the clients taking part: the scheme's planner ({@code emu.scheme}) on
 * the round's channel realisation ({@link Deployment#channel(int)}) and the one delay model. Pure: the emulator's
 * coordinator calls it and turns the {@link RoundPlan} into messages.
 */
public interface RoundPlanner {

    /** The round's plan for the given participants (ascending client ids; at least one unless centralized). */
    RoundPlan plan(int round, int[] participants);

    /**
     * As {@link #plan(int, int[])} on a channel with extra path loss per participant (a scenario's fades in force
     * at the round start), dB ≥ 0, aligned with {@code participants}: the planner sees the faded links and adapts
     * subchannels, power, split and rank to them.
     */
    RoundPlan plan(int round, int[] participants, double[] extraLossMainDb, double[] extraLossFedDb);

    /** L, the transformer blocks of the model the delay model describes. */
    int layers();

    /**
     * The planner of {@code emu.scheme} with {@code emu.planner} (split-federated) over the given deployment, for a
     * scheme other than centralized (which needs the shards' sizes: {@link #create(Config, Deployment, long[])}).
     */
    static RoundPlanner create(Config config, Deployment deployment) {
        return new SchemePlanner(config, deployment, null);
    }

    /**
     * As {@link #create(Config, Deployment)}; {@code shardTokens} = the tokens of each client's shard (index = client
     * id, K entries), which the centralized scheme's round-0 plan uploads ({@link DataUpload}, at
     * {@code emu.centralized-upload.bytes-per-token}); null for the other schemes (a centralized planner without them
     * is an IllegalArgumentException).
     */
    static RoundPlanner create(Config config, Deployment deployment, long[] shardTokens) {
        return new SchemePlanner(config, deployment, shardTokens);
    }
}
