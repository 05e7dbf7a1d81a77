package io.fedsllm.data;

import io.fedsllm.config.DataSettings;
import io.fedsllm.config.UserError;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The three E2E splits, one record per (MR, reference) pair, in file or generation order.
 * Test metrics need every reference of an MR: {@link #forMr} groups them.
 */
public record E2eDataset(List<E2eRecord> train, List<E2eRecord> validation, List<E2eRecord> test) {

    public E2eDataset {
        train = List.copyOf(train);
        validation = List.copyOf(validation);
        test = List.copyOf(test);
    }

    /**
     * One MR with all its references.
     *
     * @param slots the MR (ordered)
     * @param refs  its references, in the order they appear
     */
    public record MrRefs(Map<String, String> slots, List<String> refs) {
        public MrRefs {
            slots = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(slots));
            refs = List.copyOf(refs);
        }

        public String mr() {
            return E2eRecord.mr(slots);
        }
    }

    /**
     * The dataset the settings name: generated (synthetic) or read from the three files; a file without a single
     * example (empty, or a CSV header alone) is an error naming its key and file.
     */
    public static E2eDataset load(DataSettings settings) {
        return switch (settings.dataset()) {
            case SYNTHETIC -> SyntheticE2e.generate(settings.synthetic(), settings.seed());
            case FILES -> new E2eDataset(split("train", settings.trainFile()), split("validation", settings.validationFile()),
                    split("test", settings.testFile()));
        };
    }

    private static List<E2eRecord> split(String key, java.nio.file.Path file) {
        List<E2eRecord> records = E2eFiles.read(file);
        if (records.isEmpty()) {
            throw new UserError("fedsllm.data.files." + key + " = " + file + ": the file holds no example ("
                    + (E2eFiles.isCsv(file) ? "at most the header mr,ref" : "no 'MR || reference' line")
                    + "); expected at least one");
        }
        return records;
    }

    /**
     * Every client needs at least one training example: an error naming where the training split comes from and
     * the client count as the user set it ({@code clientsSource}, e.g. "--clients 9"), before anything is built.
     */
    public static void requireTrainingExamplesFor(E2eDataset data, DataSettings settings, int clients, String clientsSource) {
        int n = data.train().size();
        if (n < clients) {
            String source = settings.dataset() == DataSettings.Dataset.FILES
                    ? "fedsllm.data.files.train = " + settings.trainFile()
                    : "the synthetic training split (data.synthetic.train-mrs x refs-per-mr)";
            throw new UserError("cannot give each of the " + clients + " clients (" + clientsSource + ") at least one "
                    + "training example: " + source + " holds " + n + "; use at most " + n + " clients or more data");
        }
    }

    /** Groups records by MR (its official spelling), in order of first appearance. */
    public static List<MrRefs> forMr(List<E2eRecord> records) {
        Map<String, Map<String, String>> slots = new LinkedHashMap<>();
        Map<String, List<String>> refs = new LinkedHashMap<>();
        for (E2eRecord r : records) {
            String mr = r.mr();
            slots.putIfAbsent(mr, r.slots());
            refs.computeIfAbsent(mr, k -> new ArrayList<>()).add(r.ref());
        }
        List<MrRefs> out = new ArrayList<>();
        slots.forEach((mr, s) -> out.add(new MrRefs(s, refs.get(mr))));
        return out;
    }
}
