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
import java.nio.file.Path;
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
            description = "also write train.csv, validation.csv, test.csv (E2E CSV) and pretrain.txt here")
    Path out;

    @Override
    public Integer call() {
        Config c = config.load();
        ConfigReader root = ConfigReader.root(c);
        DataSettings ds = DataSettings.from(root);
        E2eDataset d = E2eDataset.load(ds);
        PartitionSettings ps = PartitionSettings.from(root);
        Partitioner.Partition p = Partitioner.partition(d.train(), SystemSettings.from(root).clients(), ps,
                root.getLong("seed"));
        DataOverview.describe(d, p, ps).forEach(System.out::println);
        if (out != null) {
            for (Path f : DataOverview.export(out, d, PretrainCorpus.documents(PretrainSettings.from(root), ds.seed()))) {
                System.out.println("wrote " + f);
            }
        }
        return 0;
    }
}
