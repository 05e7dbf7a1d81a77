package io.fedsllm.plan;

import io.fedsllm.net.LinkState;
import java.util.Arrays;

/**
 * What centralizing the data costs: every client uploads its raw shard (its samples tokenised) to the server once,
 * before training starts, so that the centralized scheme's virtual time compares like with like with the schemes
 * that keep the data on the clients. The upload uses the clients' main link (the link to the server that trains) on
 * the round-0 channel, with round-robin equal subchannels and exact power control
 * ({@link EqualPlanner#roundRobin}, {@link PowerControl}: the smallest T = max_k D_k / R_k under C4 and C5, every
 * client starting at 0), as federated LoRA uses the fed link. The upload ends when the last shard has arrived: the
 * server draws a mini-batch from every shard in every iteration. Arrays are owned by the record (do not mutate).
 *
 * @param bytes     each client's shard in bytes (index = client id; D_k = 8 × bytes bits)
 * @param rateBps   R_k, each client's planned rate, bit/s (0 for an empty shard)
 * @param seconds   D_k / R_k, when each client's shard has arrived (all equal to {@code durationS} with exact power
 *                  control: a client that could finish earlier lowers its power instead)
 * @param durationS T, when the last shard has arrived: the server starts training then
 */
public record DataUpload(long[] bytes, double[] rateBps, double[] seconds, double durationS) {

    /** Nothing uploaded (every round of every scheme but the centralized scheme's first). */
    public static final DataUpload NONE = new DataUpload(new long[0], new double[0], new double[0], 0);

    public DataUpload {
        if (rateBps.length != bytes.length || seconds.length != bytes.length) {
            throw new IllegalArgumentException(bytes.length + " shards, " + rateBps.length + " rates, " + seconds.length
                    + " times");
        }
    }

    /**
     * The upload of shards of {@code bytes[k]} bytes (k = row of {@code main}) over {@code main}: round-robin equal
     * subchannels, exact power; the rate of each client is its allocation's planned rate
     * ({@link LinkAllocation#rateBps()}), as the emulator charges every other transfer.
     *
     * @param relativeTolerance the power-control bisection's relative width ({@code planner.bisection-tolerance})
     */
    public static DataUpload plan(LinkState main, long[] bytes, double relativeTolerance) {
        int k = bytes.length;
        if (main.clients() != k) {
            throw new IllegalArgumentException(k + " shards but the link has " + main.clients() + " clients");
        }
        double[] bits = new double[k];
        for (int i = 0; i < k; i++) {
            if (bytes[i] < 0) {
                throw new IllegalArgumentException("client " + i + ": shard of " + bytes[i] + " bytes");
            }
            bits[i] = 8.0 * bytes[i];
        }
        WaterFilling[] wf = EqualPlanner.roundRobin(main, k);
        PowerControl.LinkSolution sol = PowerControl.solve(wf, new double[k], bits, main.pmaxW(), main.pthW(),
                relativeTolerance);
        double[] rate = new double[k];
        double[] seconds = new double[k];
        double duration = 0;
        for (int i = 0; i < k; i++) {
            if (bits[i] > 0) {
                rate[i] = LinkAllocation.of(main, i, wf[i].index(), EqualPlanner.psdOf(wf[i], sol.waterLevel()[i]))
                        .rateBps();
                seconds[i] = bits[i] / rate[i];
                duration = Math.max(duration, seconds[i]);
            }
        }
        return new DataUpload(bytes.clone(), rate, seconds, duration);
    }

    /** Σ_k bytes, what the upload adds to the main link's bytes. */
    public long totalBytes() {
        long sum = 0;
        for (long b : bytes) {
            sum += b;
        }
        return sum;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DataUpload u && Arrays.equals(bytes, u.bytes) && Arrays.equals(rateBps, u.rateBps)
                && Arrays.equals(seconds, u.seconds) && durationS == u.durationS;
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(bytes) + Arrays.hashCode(rateBps)) + Double.hashCode(durationS);
    }

    @Override
    public String toString() {
        return "DataUpload[" + totalBytes() + " bytes from " + bytes.length + " clients, " + durationS + " s]";
    }
}
