package io.fedsllm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13: every bad input is rejected with exit code 2, a message that says what, where and what is allowed, no
 * stack trace, and the file system exactly as it was. Each case runs twice: with {@code OUT} a directory that does
 * not exist yet, and with {@code OUT} an existing run directory and {@code --overwrite} (so not even a command
 * allowed to replace its output touches it when it rejects its input). The whole temporary tree (inputs, both
 * output directories, a base-model cache location) is compared before and after.
 */
@Timeout(120)
class InputRejectionTest {

    @TempDir
    static Path shared;

    /** A finished analytic run, written once, that report cases read. */
    static Path finishedRun;

    @TempDir
    Path tmp;

    Path fresh;
    Path existing;

    @BeforeAll
    static void writeAFinishedRun() {
        finishedRun = shared.resolve("finished");
        CliRun r = CliRun.of("run", "--mode", "analytic", "--rounds", "1", "--clients", "3", "--out", finishedRun.toString(),
                "--set", "emu.progress=false");
        assertEquals(0, r.code(), r.err());
    }

    @BeforeEach
    void outputs() throws IOException {
        fresh = tmp.resolve("new-out");
        existing = tmp.resolve("old-run");
        Files.createDirectories(existing);
        Files.writeString(existing.resolve("rounds.jsonl"), "{\"round\":0}\n");
        Files.writeString(existing.resolve("summary.json"), "{\"scheme\":\"sfl\"}\n");
        Files.writeString(existing.resolve("loss.png"), "an old chart");
    }

    /**
     * Runs {@code args} with "OUT" replaced by a new directory, then by the existing one plus {@code --overwrite};
     * both must be rejected naming every part, and leave every file under the temporary directory as it was.
     */
    private void rejected(List<String> parts, String... args) {
        for (Path out : List.of(fresh, existing)) {
            Map<String, String> before = CliRun.snapshot(tmp);
            List<String> line = new ArrayList<>();
            for (String a : args) {
                line.add(a.replace("OUT", out.toString()).replace("TMP", tmp.toString()));
            }
            if (out == existing) {
                line.add("--overwrite");
            }
            CliRun.of(line.toArray(String[]::new)).assertUserError(parts.toArray(String[]::new));
            assertEquals(before, CliRun.snapshot(tmp), "the file system changed: " + line);
            assertFalse(Files.exists(fresh), "a rejected command created " + fresh);
        }
    }

    private static List<String> says(String... parts) {
        return List.of(parts);
    }

    private Path file(String name, String text) throws IOException {
        Path f = tmp.resolve("inputs").resolve(name);
        Files.createDirectories(f.getParent());
        Files.writeString(f, text, StandardCharsets.UTF_8);
        return f;
    }

    /** data.dataset = files with the three given files, and the cache where pre-training would write. */
    private String[] files(Path train, Path validation, Path test) {
        return new String[] {"--set", "data.dataset=files", "--set", "data.files.train=\"" + train + "\"",
            "--set", "data.files.validation=\"" + validation + "\"", "--set", "data.files.test=\"" + test + "\"",
            "--set", "pretrain.cache-dir=\"" + tmp.resolve("cache") + "\""};
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    private static final String EXAMPLE = "name[The Eagle], food[French] || The Eagle serves French food.\n";

    // ---- class 1: output written before input was checked (checks the emulator makes when it starts) ----------

    @Test
    void targetLossInAnalyticModeTouchesNothing() {
        rejected(says("--target-loss 2 (config key 'fedsllm.emu.target-loss')", "analytic mode (--mode analytic)",
                "never be reached"), "run", "--mode", "analytic", "--target-loss", "2", "--out", "OUT");
    }

    @Test
    void moreClientsThanSubchannelsTouchesNothing() {
        rejected(says("fedsllm.radio.main.subchannels", "= 160", "expected a count >= --clients 200"),
                "run", "--mode", "analytic", "--clients", "200", "--out", "OUT");
    }

    @Test
    void slowdownOfAClientThatDoesNotExistTouchesNothing() {
        rejected(says("fedsllm.emu.slowdown", "names client 9", "--clients 3", "ids 0..2"),
                "run", "--mode", "analytic", "--clients", "3", "--set", "emu.slowdown.\"9\"=2", "--out", "OUT");
    }

    @Test
    void killOfAClientThatDoesNotExistTouchesNothing() {
        rejected(says("fedsllm.emu.kill-at-round", "names client 5", "fedsllm.system.clients = 5", "ids 0..4"),
                "run", "--mode", "analytic", "--set", "emu.kill-at-round.\"5\"=1", "--out", "OUT");
    }

    @Test
    void measuredComputeInAnalyticModeTouchesNothing() {
        rejected(says("config key 'fedsllm.emu.compute-delay' = \"measured\"", "analytic mode", "no compute to measure"),
                "run", "--mode", "analytic", "--set", "emu.compute-delay=measured", "--out", "OUT");
    }

    @Test
    void paperTableForTheTinyModelInRealModeTouchesNothing() {
        rejected(says("fedsllm.cost.mode", "paper-table", "train.model = 'tiny'"),
                "run", "--set", "cost.mode=paper-table", "--set", "cost.model=gpt2-small", "--out", "OUT");
    }

    @Test
    void missingDataFileTouchesNothing() throws IOException {
        Path ok = file("ok.txt", EXAMPLE);
        Path missing = tmp.resolve("inputs/missing.csv");
        rejected(says("fedsllm.data.files.train", "missing.csv", "no such file"),
                concat(new String[] {"run", "--out", "OUT"}, files(missing, ok, ok)));
    }

    @Test
    void headerOnlyTrainingFileTouchesNothingAndNamesTheFile() throws IOException {
        Path header = file("train.csv", "mr,ref\n");
        Path ok = file("ok.txt", EXAMPLE);
        rejected(says("fedsllm.data.files.train = " + header, "holds no example", "at most the header mr,ref"),
                concat(new String[] {"run", "--out", "OUT"}, files(header, ok, ok)));
    }

    @Test
    void fewerTrainingExamplesThanClientsTouchesNothingAndNamesFileAndFlag() throws IOException {
        Path three = file("train.txt", EXAMPLE + EXAMPLE + EXAMPLE);
        Path ok = file("ok.txt", EXAMPLE);
        rejected(says("cannot give each of the 4 clients (--clients 4)", "fedsllm.data.files.train = " + three, "holds 3"),
                concat(new String[] {"run", "--clients", "4", "--out", "OUT"}, files(three, ok, ok)));
    }

    @Test
    void missingBaseCheckpointTouchesNothingAndSaysItDoesNotExist() {
        rejected(says("fedsllm.train.base-checkpoint", "no such file", "model.safetensors"),
                "run", "--rounds", "1", "--set", "train.base-checkpoint=\"TMP/none/model.safetensors\"",
                "--set", "pretrain.cache-dir=\"TMP/cache\"", "--out", "OUT");
    }

    // ---- class 2: bad output locations --------------------------------------------------------------------------

    @Test
    void runIntoARegularFileIsRejectedBeforeRunning() throws IOException {
        Path f = file("a-file", "not a directory");
        Map<String, String> before = CliRun.snapshot(tmp);
        CliRun.of("run", "--mode", "analytic", "--out", f.toString()).assertUserError("--out " + f, "is a file, not a directory");
        assertEquals(before, CliRun.snapshot(tmp));
    }

    @Test
    void reportAndDataIntoARegularFileAreRejectedBeforeTheirWork() throws IOException {
        Path f = file("a-file", "not a directory");
        Map<String, String> before = CliRun.snapshot(tmp);
        CliRun.of("report", finishedRun.toString(), "--out", f.toString()).assertUserError("--out " + f, "is a file, not a directory");
        CliRun data = CliRun.of("data", "--out", f.toString()).assertUserError("--out " + f, "is a file, not a directory");
        assertFalse(data.out().contains("references"), "data summarised the data before checking its output:\n" + data.out());
        assertEquals(before, CliRun.snapshot(tmp));
    }

    @Test
    void unknownModelIsNamedAsTheFlagTyped() {
        rejected(says("--model gpt9 (config key 'fedsllm.train.model')", "unknown model 'gpt9'", "gpt2-small"),
                "train", "--model", "gpt9", "--save-lora", "OUT/lora.safetensors");
    }

    @Test
    void sweepUnderARegularFileIsRejectedBeforeSweeping() throws IOException {
        Path f = file("a-file", "not a directory");
        Map<String, String> before = CliRun.snapshot(tmp);
        CliRun r = CliRun.of("sweep", "--param", "pmax", "--values", "10,20", "--seeds", "1", "--out", f.resolve("sub").toString());
        r.assertUserError("--out " + f.resolve("sub"), f + " is a file, so the directory");
        assertFalse(r.err().contains("sweep pmax"), "the sweep ran before its output was checked:\n" + r.err());
        assertEquals(before, CliRun.snapshot(tmp));
    }

    @Test
    void existingRunIsRefusedWithoutOverwrite() {
        Map<String, String> before = CliRun.snapshot(tmp);
        CliRun.of("run", "--mode", "analytic", "--rounds", "1", "--out", existing.toString(), "--set", "emu.progress=false")
                .assertUserError("--out " + existing, "is not empty", "loss.png", "--overwrite");
        assertEquals(before, CliRun.snapshot(tmp));
    }

    @Test
    void reportDataAndSweepRefuseANonEmptyOutputWithoutOverwrite() {
        Map<String, String> before = CliRun.snapshot(tmp);
        CliRun.of("report", finishedRun.toString(), "--out", existing.toString()).assertUserError("is not empty", "--overwrite");
        CliRun.of("data", "--out", existing.toString()).assertUserError("is not empty", "--overwrite");
        CliRun.of("sweep", "--param", "pmax", "--values", "10", "--seeds", "1", "--out", existing.toString())
                .assertUserError("is not empty", "--overwrite");
        assertEquals(before, CliRun.snapshot(tmp));
    }

    @Test
    void overwriteNeverReplacesADirectoryHoldingAnInput() throws IOException {
        Path runs = tmp.resolve("runs");
        Path run = runs.resolve("a");
        Files.createDirectories(runs);
        try (var files = Files.list(finishedRun)) {
            Files.createDirectories(run);
            for (Path p : files.toList()) {
                Files.copy(p, run.resolve(p.getFileName()));
            }
        }
        Map<String, String> before = CliRun.snapshot(tmp);
        CliRun.of("report", run.toString(), "--out", runs.toString(), "--overwrite")
                .assertUserError("--out " + runs, "--overwrite would delete", "holds " + run);
        assertEquals(before, CliRun.snapshot(tmp));
    }

    @Test
    void badSweepValueIsRejectedBeforeTheSweepNamingValues() {
        rejected(says("--values 10,-1000", "fedsllm.radio.pmax-dbm", "a power in dBm in [-30, 60]"),
                "sweep", "--param", "pmax", "--values", "10,-1000", "--seeds", "1", "--out", "OUT");
    }

    // ---- class 3: input silently changed or ignored -----------------------------------------------------------

    @Test
    void fractionForAnIntegerKeyIsRejectedNotTruncated() {
        rejected(says("config key 'fedsllm.system.batch-size' = 2.9", "whole number", "not a fraction"),
                "run", "--mode", "analytic", "--set", "system.batch-size=2.9", "--out", "OUT");
    }

    @Test
    void fractionInAListOfRanksIsRejected() {
        rejected(says("fedsllm.planner.ranks", "1.5", "whole number"),
                "run", "--mode", "analytic", "--set", "planner.ranks=1.5,2", "--out", "OUT");
    }

    @Test
    void seedBeyondTheLongRangeIsRejectedNotSaturated() {
        rejected(says("config key 'fedsllm.seed' = 1.0E30", "expected a whole number"),
                "run", "--mode", "analytic", "--set", "seed=1e30", "--out", "OUT");
    }

    @Test
    void configFileWithoutTheFedsllmRootIsRejectedWithKeyFileAndLine() throws IOException {
        Path conf = file("mine.conf", "# my settings\nsystem.clients = 0\n");
        rejected(says("config key 'system.clients' = 0 in " + conf + ", line 2", "outside 'fedsllm'",
                "did you mean 'fedsllm.system.clients'?"), "run", "--mode", "analytic", "--config", conf.toString(), "--out", "OUT");
    }

    @Test
    void powerFarBelowItsRangeIsRejectedInsteadOfAnInfiniteDelay() {
        rejected(says("config key 'fedsllm.radio.pmax-dbm' = -1000", "a power in dBm in [-30, 60]"),
                "run", "--mode", "analytic", "--set", "radio.pmax-dbm=-1000", "--out", "OUT");
    }

    @Test
    void linkTooWeakToComputeWithIsRejectedInsteadOfAnInfiniteDelay() {
        rejected(says("radio link budget is too weak", "below -100 dB", "fedsllm.radio.pmax-dbm"),
                "run", "--mode", "analytic", "--set", "radio.pmax-dbm=-30", "--set", "radio.noise-psd-dbm-per-hz=-100",
                "--set", "geometry.disc-radius-m=10000", "--out", "OUT");
    }

    @Test
    void notANumberTargetLossIsRejectedByReport() {
        rejected(says("--target-loss", "'NaN' is not a finite number"), "report", finishedRun.toString(), "--target-loss", "NaN",
                "--out", "OUT");
    }

    @Test
    void infiniteTargetLossIsRejectedByRun() {
        rejected(says("--target-loss", "'Infinity' is not a finite number"), "run", "--target-loss", "Infinity", "--out", "OUT");
    }

    @Test
    void negativeTargetLossIsRejectedByReport() {
        rejected(says("--target-loss -1.0", "expected a validation loss > 0"), "report", finishedRun.toString(),
                "--target-loss", "-1", "--out", "OUT");
    }

    @Test
    void aBadKeyTheCommandDoesNotUseIsStillRejected() {
        rejected(says("config key 'fedsllm.emu.rounds' = 0", "expected a whole number >= 1"),
                "data", "--set", "emu.rounds=0", "--out", "OUT");
    }

    @Test
    void zeroSeedsIsRejectedBeforeTheSweep() {
        rejected(says("--seeds 0", "expected a whole number >= 1"), "sweep", "--param", "pmax", "--values", "10", "--seeds", "0",
                "--out", "OUT");
    }

    // ---- class 4: unclear messages ---------------------------------------------------------------------------

    @Test
    void clientsFlagIsNamedAsTyped() {
        rejected(says("--clients 0 (config key 'fedsllm.system.clients'): expected a whole number >= 1"),
                "run", "--mode", "analytic", "--clients", "0", "--out", "OUT");
        assertFalse(CliRun.of("run", "--clients", "0", "--out", fresh.toString()).err().contains("--set"));
    }

    @Test
    void fileThatIsNotUtf8IsNamedWithItsLine() throws IOException {
        Path latin1 = tmp.resolve("inputs/latin1.txt");
        Files.createDirectories(latin1.getParent());
        byte[] text = (EXAMPLE + EXAMPLE + "name[Caf\u00e9 Rouge] || Caf\u00e9 Rouge.\n").getBytes(StandardCharsets.ISO_8859_1);
        Files.write(latin1, text);
        Path ok = file("ok.txt", EXAMPLE);
        rejected(says(latin1 + ":3: not UTF-8 text", "byte 0xE9 at byte 9 of the line"),
                concat(new String[] {"data", "--out", "OUT"}, files(latin1, ok, ok)));
    }

    @Test
    void emptyValidationFileIsNamed() throws IOException {
        Path ok = file("ok.txt", EXAMPLE + EXAMPLE + EXAMPLE + EXAMPLE + EXAMPLE);
        Path empty = file("empty.txt", "\n\n");
        rejected(says("fedsllm.data.files.validation = " + empty, "holds no example", "no 'MR || reference' line"),
                concat(new String[] {"data", "--out", "OUT"}, files(ok, empty, ok)));
    }

    @Test
    void corruptSummaryIsBlamedOnTheSummary() throws IOException {
        Path run = tmp.resolve("inputs/corrupt");
        Files.createDirectories(run);
        Files.copy(finishedRun.resolve("rounds.jsonl"), run.resolve("rounds.jsonl"));
        Files.writeString(run.resolve("summary.json"), "{\"scheme\": \"sfl\", ");
        rejected(says(run.resolve("summary.json") + ": not a run summary"), "report", run.toString(), "--out", "OUT");
        assertFalse(CliRun.of("report", run.toString(), "--out", fresh.toString()).err().contains("rounds.jsonl"));
    }

    @Test
    void incompleteRunIsRefusedByReport() throws IOException {
        Path run = tmp.resolve("inputs/interrupted");
        Files.createDirectories(run);
        Files.copy(finishedRun.resolve("rounds.jsonl"), run.resolve("rounds.jsonl"));
        Files.writeString(run.resolve("incomplete.json"), "{\"state\": \"running\", \"startedAt\": \"2026-01-02T03:04:05Z\", "
                + "\"pid\": 4242}\n");
        rejected(says(run + " holds an incomplete run", "state running", "process 4242", "finished runs only"),
                "report", run.toString(), "--out", "OUT");
    }

    @Test
    void missingBaseCheckpointOfTrainIsRejectedBeforeTraining() {
        Path lora = fresh.resolve("lora.safetensors");
        Map<String, String> before = CliRun.snapshot(tmp);
        CliRun.of("train", "--steps", "1", "--set", "train.base-checkpoint=\"" + tmp.resolve("gone.safetensors") + "\"",
                "--set", "pretrain.cache-dir=\"" + tmp.resolve("cache") + "\"", "--save-lora", lora.toString())
                .assertUserError("fedsllm.train.base-checkpoint", "gone.safetensors", "no such file");
        assertEquals(before, CliRun.snapshot(tmp));
    }

    @Test
    void existingSaveLoraFileIsRefusedWithoutOverwrite() throws IOException {
        Path lora = file("lora.safetensors", "old adapters");
        Map<String, String> before = CliRun.snapshot(tmp);
        CliRun.of("train", "--steps", "1", "--save-lora", lora.toString()).assertUserError("--save-lora " + lora, "exists",
                "--overwrite");
        assertEquals(before, CliRun.snapshot(tmp));
    }

    // ---- class 5: sizes that cannot fit --------------------------------------------------------------------------

    @Test
    void hundredMillionClientsAreRejectedAtOnceWithAMemoryEstimate() {
        long t0 = System.nanoTime();
        rejected(says("--clients 100000000 with fedsllm.radio.main.subchannels = 100000000", "needs about 20.1 GiB",
                "-Xmx"), "run", "--mode", "analytic", "--clients", "100000000", "--set", "radio.main.subchannels=100000000",
                "--set", "radio.fed.subchannels=100000000", "--out", "OUT");
        assertTrue(System.nanoTime() - t0 < 30e9, "rejected up front, not after filling the heap");
    }

    @Test
    void syntheticDataThatCannotFitIsRejectedWithAMemoryEstimate() {
        rejected(says("data.synthetic: 100000200 MRs", "needs about", "GiB", "-Xmx"),
                "data", "--set", "data.synthetic.train-mrs=100000000", "--out", "OUT");
    }

    @Test
    void pretrainingCorpusThatCannotFitIsRejectedWithAMemoryEstimate() {
        rejected(says("data.pretrain.documents = 2000000000", "needs about", "GiB"),
                "data", "--set", "data.pretrain.documents=2000000000", "--out", "OUT");
    }
}
