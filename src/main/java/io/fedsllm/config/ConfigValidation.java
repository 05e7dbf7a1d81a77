package io.fedsllm.config;

/**
 * Reads every section of a loaded configuration once, so that a bad value anywhere is rejected by every command
 * before it does any work, including values the command itself would never read (nothing is silently ignored).
 * Checks that need more than the configuration (files, memory, the mode a command runs in) stay where those are
 * known.
 */
public final class ConfigValidation {
    private ConfigValidation() {}

    /** Every settings record of {@code fedsllm}; the first bad value throws its {@link ConfigError}. */
    public static void all(ConfigReader root) {
        root.getLong("seed");
        ConfigReader models = root.section("models");
        for (String name : models.keys()) {
            ModelShape.named(root, name);
        }
        SystemSettings.from(root);
        LoraSettings.from(root);
        GeometrySettings.from(root);
        RadioSettings.from(root);
        ComputeSettings.from(root);
        CostSettings.from(root);
        PlannerSettings.from(root);
        DelaySettings.from(root);
        EnergySettings.from(root);
        BenchSettings.from(root);
        SweepSettings.from(root);
        ChartSettings.from(root);
        ProgressSettings.from(root);
        ConfigReader report = root.section("report");
        report.optionalDirectoryPath("out-dir");
        report.directoryPath("reports-dir");
        TrainSettings train = TrainSettings.from(root);
        ModelShape.presetAt(root.section("train"), "model");
        for (String m : train.bench().models()) {
            ModelShape.named(root, m);
        }
        PretrainRunSettings.from(root);
        root.section("pretrain").directoryPath("cache-dir");
        PretrainSettings.from(root);
        DataSettings.from(root);
        PartitionSettings.from(root);
        EmuSettings.from(root);
        EmuBenchSettings.from(root);
    }
}
