package io.fedsllm.data;

import io.fedsllm.config.PartitionSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** A printable summary of the data an experiment uses, and its export to files (the {@code data} command). */
public final class DataOverview {
    private DataOverview() {}

    /** Split sizes, text lengths, client shard sizes and label skew, one line each. */
    public static List<String> describe(E2eDataset d, Partitioner.Partition p, PartitionSettings s) {
        List<String> lines = new ArrayList<>();
        line(lines, "train", d.train());
        line(lines, "validation", d.validation());
        line(lines, "test", d.test());
        List<Integer> sizes = p.clients().stream().map(List::size).toList();
        lines.add(String.format(Locale.ROOT, "partition %s over %d clients: samples per client %s",
                s.scheme().name().toLowerCase(Locale.ROOT), p.clientCount(), sizes));
        List<String> labels = Partitioner.labels(d.train(), s.slot());
        lines.add(String.format(Locale.ROOT, "label skew over slot '%s' (mean total-variation distance): %.4f",
                s.slot(), Partitioner.labelSkew(p, labels)));
        return lines;
    }

    private static void line(List<String> lines, String name, List<E2eRecord> split) {
        long bytes = 0;
        for (E2eRecord r : split) {
            bytes += E2eText.trainingText(r).getBytes(StandardCharsets.UTF_8).length;
        }
        lines.add(String.format(Locale.ROOT, "%-10s %6d references, %5d MRs, mean 'MR || ref' %.1f bytes", name,
                split.size(), E2eDataset.forMr(split).size(), split.isEmpty() ? 0.0 : (double) bytes / split.size()));
    }

    /** Writes train.csv, validation.csv, test.csv (official format) and pretrain.txt (one document per line). */
    public static List<Path> export(Path dir, E2eDataset d, List<String> pretrainDocuments) {
        try {
            Files.createDirectories(dir);
            Path pretrain = dir.resolve("pretrain.txt");
            Files.write(pretrain, pretrainDocuments, StandardCharsets.UTF_8);
            List<Path> out = List.of(dir.resolve("train.csv"), dir.resolve("validation.csv"), dir.resolve("test.csv"), pretrain);
            E2eFiles.writeCsv(out.get(0), d.train());
            E2eFiles.writeCsv(out.get(1), d.validation());
            E2eFiles.writeCsv(out.get(2), d.test());
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the data files under " + dir, e);
        }
    }
}
