package io.fedsllm.cli;

import com.typesafe.config.Config;
import io.fedsllm.config.ConfigReader;
import io.fedsllm.config.DataSettings;
import io.fedsllm.config.PartitionSettings;
import io.fedsllm.config.PretrainSettings;
import io.fedsllm.config.SystemSettings;
import io.fedsllm.data.DataOverview;
import io.fedsllm.data.E2eDataset;
import io.fedsllm.data.Partitioner;
import io.fedsllm.data.PretrainCorpus;
import io.fedsllm.report.OutputDir;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code fedsllm data}: summarises the configured dataset and client partition, optionally writes them out. */
@Command(name = "data", mixinStandardHelpOptions = true,
        description = "Load or generate the E2E data (data.*), partition it among the clients and print a summary.")
public final class DataCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions config;

    @Option(names = "--out", paramLabel = "DIR",
            description = "also write train.csv, validation.csv, test.csv (E2E CSV) and pretrain.txt here (new or empty)")
    Path out;

    @Option(names = "--overwrite", description = "replace a non-empty output directory whole")
    boolean overwrite;

    @Override
    public Integer call() {
        Config c = config.load(List.of());
        ConfigReader root = ConfigReader.root(c);
        DataSettings ds = DataSettings.from(root);
        OutputDir target = null;
        if (out != null) {
            List<Path> inputs = new ArrayList<>(config.inputs());
            if (ds.dataset() == DataSettings.Dataset.FILES) {
                inputs.addAll(List.of(ds.trainFile(), ds.validationFile(), ds.testFile()));
            }
            target = OutputDir.exact(out, "--out " + out, overwrite, inputs);
        }
        E2eDataset d = E2eDataset.load(ds);
        PartitionSettings ps = PartitionSettings.from(root);
        int clients = SystemSettings.from(root).clients();
        E2eDataset.requireTrainingExamplesFor(d, ds, clients, root.section("system").source("clients"));
        Partitioner.Partition p = Partitioner.partition(d.train(), clients, ps, root.getLong("seed"));
        List<String> corpus = target == null ? List.of() : PretrainCorpus.documents(PretrainSettings.from(root), ds.seed());
        DataOverview.describe(d, p, ps).forEach(System.out::println);
        if (target != null) {
            List<Path> files = new ArrayList<>();
            Path written = target.publish(staging -> DataOverview.export(staging, d, corpus)
                    .forEach(f -> files.add(staging.relativize(f))));
            files.forEach(f -> System.out.println("wrote " + written.resolve(f)));
        }
        return 0;
    }
}
