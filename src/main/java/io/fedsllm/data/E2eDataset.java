package io.fedsllm.data;

import io.fedsllm.config.DataSettings;
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

    /** The dataset the settings name: generated (synthetic) or read from the three files. */
    public static E2eDataset load(DataSettings settings) {
        return switch (settings.dataset()) {
            case SYNTHETIC -> SyntheticE2e.generate(settings.synthetic(), settings.seed());
            case FILES -> new E2eDataset(E2eFiles.read(settings.trainFile()), E2eFiles.read(settings.validationFile()),
                    E2eFiles.read(settings.testFile()));
        };
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
