package io.fedsllm.config;

import java.nio.file.Path;

/**
 * Which E2E data the experiment uses ({@code fedsllm.data}, {@code data.files}, {@code data.synthetic}).
 *
 * @param dataset    synthetic (generated, {@link Synthetic}) or files (the three paths)
 * @param seed       seed of the synthetic dataset and of the pre-training corpus (not the experiment seed)
 * @param trainFile  training file when dataset = files, else null
 * @param validationFile validation file when dataset = files, else null
 * @param testFile   test file when dataset = files, else null
 * @param synthetic  generator sizes
 */
public record DataSettings(Dataset dataset, long seed, Path trainFile, Path validationFile, Path testFile,
        Synthetic synthetic) {

    public enum Dataset { SYNTHETIC, FILES }

    /**
     * Sizes of the synthetic E2E dataset.
     *
     * @param trainMrs       distinct MRs in the training split
     * @param validationMrs  distinct MRs in the validation split
     * @param testMrs        distinct MRs in the test split
     * @param refsPerMr      references per MR
     * @param extraSlotsMin  slots besides name per MR, at least
     * @param extraSlotsMax  slots besides name per MR, at most (there are 7)
     * @param maxTextBytes   soft budget of a training text {@code MR || ref}, UTF-8 bytes
     */
    public record Synthetic(int trainMrs, int validationMrs, int testMrs, int refsPerMr, int extraSlotsMin,
            int extraSlotsMax, int maxTextBytes) {}

    public static DataSettings from(ConfigReader root) {
        ConfigReader r = root.section("data");
        Dataset dataset = r.enumValue("dataset", Dataset.class);
        ConfigReader f = r.section("files");
        Path train = null;
        Path validation = null;
        Path test = null;
        if (dataset == Dataset.FILES) {
            train = requiredPath(f, "train");
            validation = requiredPath(f, "validation");
            test = requiredPath(f, "test");
        }
        ConfigReader s = r.section("synthetic");
        int min = s.intInRange("extra-slots-min", 0, 7);
        int max = s.intInRange("extra-slots-max", 0, 7);
        if (max < min) {
            throw s.invalid("extra-slots-max", "must be >= extra-slots-min (" + min + ")");
        }
        Synthetic synthetic = new Synthetic(s.positiveInt("train-mrs"), s.positiveInt("validation-mrs"),
                s.positiveInt("test-mrs"), s.positiveInt("refs-per-mr"), min, max, s.positiveInt("max-text-bytes"));
        return new DataSettings(dataset, r.getLong("seed"), train, validation, test, synthetic);
    }

    /** A data file that must exist now (relative paths from the working directory), so a typo fails before any work. */
    private static Path requiredPath(ConfigReader f, String name) {
        String v = f.getString(name).trim();
        if (v.isEmpty()) {
            throw f.invalid(name, "a file path is required when data.dataset = files");
        }
        Path p = Path.of(v);
        if (!java.nio.file.Files.isRegularFile(p)) {
            throw f.invalid(name, (java.nio.file.Files.isDirectory(p) ? "is a directory" : "no such file "
                    + p.toAbsolutePath()) + "; expected an E2E data file (.csv, or 'MR || reference' lines)");
        }
        return p;
    }
}
