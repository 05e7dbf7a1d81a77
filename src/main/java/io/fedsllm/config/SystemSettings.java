package io.fedsllm.config;

/**
 * The shape of the federated system ({@code fedsllm.system}, SYSTEM_MODEL §1 and §8).
 *
 * @param clients          K
 * @param localIterations  I, local iterations per global round
 * @param batchSize        b, samples per client mini-batch
 */
public record SystemSettings(int clients, int localIterations, int batchSize) {
    public static SystemSettings from(ConfigReader root) {
        ConfigReader r = root.section("system");
        return new SystemSettings(r.positiveInt("clients"), r.positiveInt("local-iterations"), r.positiveInt("batch-size"));
    }
}
