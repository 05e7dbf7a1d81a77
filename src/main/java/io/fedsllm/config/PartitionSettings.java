package io.fedsllm.config;

import io.fedsllm.data.E2eRecord;

/**
 * How the training split is divided among the K clients ({@code fedsllm.data.partition}).
 *
 * @param scheme  IID (shuffled near-equal shards) or DIRICHLET (label skew over {@code slot})
 * @param alpha   Dirichlet concentration, > 0 (used by DIRICHLET)
 * @param slot    the E2E slot whose value is the label (used by DIRICHLET)
 */
public record PartitionSettings(Scheme scheme, double alpha, String slot) {

    public enum Scheme { IID, DIRICHLET }

    public static PartitionSettings from(ConfigReader root) {
        ConfigReader r = root.section("data").section("partition");
        return new PartitionSettings(r.enumValue("scheme", Scheme.class), r.positiveDouble("alpha"),
                r.oneOf("slot", E2eRecord.SLOTS.toArray(String[]::new)));
    }
}
