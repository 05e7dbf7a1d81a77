package io.fedsllm.report;

import io.fedsllm.results.RoundRecord;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fedsllm.config.ChartSettings;
import io.fedsllm.results.FinalLora;
import io.fedsllm.results.RunResult;
import io.fedsllm.results.RunSink;
import io.fedsllm.train.LoraBlocks;
import io.fedsllm.train.PeftAdapters;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;

/**
 * Writes a run's outputs to a directory: {@code rounds.jsonl} (one {@link RoundRecord} per line, virtual values
 * only, so the same seed gives the same bytes), {@code wall.jsonl} (wall seconds per round), {@code summary.json},
 * {@code loss.png} (loss against virtual time; only when losses exist), {@code breakdown.png} (per-round delay
 * breakdown, stacked) and, real mode, {@code adapter/} (the final LoRA in PEFT's layout). Optionally shows a progress
 * bar and one line per round on stderr.
 *
 * <p>The directory is an {@link OutputDir} checked before the run starts and created only when the first round is
 * written (or at {@link #finish}), so a run rejected before it has a round to record leaves the file system as it
 * was. From its creation until {@link #finish} has written everything, the directory holds {@value #INCOMPLETE}
 * (state, start time, process id; a failed run also the reason): {@code report} refuses such a directory and a
 * later {@code run --resume DIR} finds an interrupted run's files in DIR itself.
 */
public final class RunWriter implements RunSink, AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    /** The folder of the run directory holding the final adapters in PEFT's layout (real mode). */
    public static final String ADAPTER_DIR = "adapter";

    /** The marker of a run directory whose run has not finished (running, interrupted or failed). */
    public static final String INCOMPLETE = "incomplete.json";

    private final OutputDir out;
    private final ConsoleProgress console;
    private final int maxRounds;
    private final ChartSettings chart;
    private final String startedAt = java.time.Instant.now().toString();
    private PeftAdapters.Export adapters;
    private Path dir;
    private BufferedWriter rounds;
    private BufferedWriter wall;
    private ProgressBar progress;
    private long roundLines;
    private long wallLines;
    private String runConfig;          // written as run.conf when the directory is created (a resume reads it)
    private int keepCheckpoints = 2;
    private Checkpoints.Loaded resumed; // the checkpoint a resumed run continues from, or null
    private EventLog events;
    private io.fedsllm.config.TimelineSettings timeline; // null: no timeline.png
    private double timelineDurationS = Double.NEGATIVE_INFINITY; // the slowest round drawn so far

    /**
     * @param out where the outputs go (checked already; created with the first round)
     * @param console where the per-round lines and the progress bar go; null for none
     * @param maxRounds rounds limit (the progress bar's length)
     * @param chart size of loss.png and breakdown.png
     */
    public RunWriter(OutputDir out, ConsoleProgress console, int maxRounds, ChartSettings chart) {
        this.out = out;
        this.console = console;
        this.maxRounds = maxRounds;
        this.chart = chart;
    }

    /** Into {@code dir} exactly, which must be new or empty (checked now, a {@link io.fedsllm.config.UserError} if not). */
    public RunWriter(Path dir, ConsoleProgress console, int maxRounds, ChartSettings chart) {
        this(OutputDir.exact(dir, dir.toString(), false, java.util.List.of()), console, maxRounds, chart);
    }

    /**
     * Real mode: the run's final LoRA ({@link #finalLora}) is written to {@value #ADAPTER_DIR}/ in Hugging Face PEFT's
     * layout with {@code export}. Without it the final LoRA is not written.
     */
    public RunWriter exportingAdapters(PeftAdapters.Export export) {
        this.adapters = export;
        return this;
    }

    /** The file a run's configuration is saved in (with the code's fingerprint), read by {@code run --resume}. */
    public static final String RUN_CONF = "run.conf";

    /**
     * Saves {@code text} (the experiment's configuration and the code's fingerprint, HOCON) as {@link #RUN_CONF} when
     * the directory is created, and keeps the last {@code keep} checkpoints.
     */
    public RunWriter saving(String text, int keep) {
        this.runConfig = text;
        this.keepCheckpoints = keep;
        return this;
    }

    /** Draws {@code timeline.png} as {@code settings} say (the slowest round, or a given one). */
    public RunWriter timeline(io.fedsllm.config.TimelineSettings settings) {
        this.timeline = settings;
        return this;
    }

    /**
     * Continues the interrupted run in {@code dir} from checkpoint {@code from}: its records are cut back to the lines
     * the checkpoint counted (what came after is redone), the directory stays marked incomplete until finish.
     */
    public static RunWriter resume(Path dir, Checkpoints.Loaded from, ConsoleProgress console, int maxRounds,
            ChartSettings chart, int keep) {
        RunWriter w = new RunWriter(OutputDir.existing(dir), console, maxRounds, chart);
        w.keepCheckpoints = keep;
        w.resumed = from;
        try {
            w.writeMarker(dir, "running", null);
            w.roundLines = truncate(dir.resolve("rounds.jsonl"), from.lines().getOrDefault("rounds.jsonl", 0L));
            w.wallLines = truncate(dir.resolve("wall.jsonl"), from.lines().getOrDefault("wall.jsonl", 0L));
            truncate(dir.resolve(EventLog.FILE), from.lines().getOrDefault(EventLog.FILE, 0L));
            for (String line : Files.readAllLines(dir.resolve("rounds.jsonl"), StandardCharsets.UTF_8)) {
                RoundRecord r = JSON.readValue(line, RoundRecord.class);
                w.timelineDurationS = Math.max(w.timelineDurationS, r.durationS());
            }
            w.rounds = Files.newBufferedWriter(dir.resolve("rounds.jsonl"), StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.APPEND);
            w.wall = Files.newBufferedWriter(dir.resolve("wall.jsonl"), StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot continue the run outputs in " + dir, e);
        }
        w.events = new EventLog(dir, true);
        w.dir = dir;
        return w;
    }

    /** Keeps the first {@code lines} lines of a file (the bytes up to their last newline); returns that count. */
    private static long truncate(Path file, long lines) throws IOException {
        byte[] bytes = Files.exists(file) ? Files.readAllBytes(file) : new byte[0];
        int end = 0;
        long seen = 0;
        while (seen < lines && end < bytes.length) {
            if (bytes[end++] == '\n') {
                seen++;
            }
        }
        if (seen < lines) {
            throw new IOException(file + " has " + seen + " complete lines, the checkpoint counted " + lines);
        }
        Files.write(file, java.util.Arrays.copyOf(bytes, end));
        return lines;
    }

    @Override
    public void checkpoint(int round, java.util.Map<String, byte[]> files) {
        open();
        java.util.Map<String, Long> lines = new java.util.TreeMap<>();
        lines.put("rounds.jsonl", roundLines);
        lines.put("wall.jsonl", wallLines);
        lines.put(EventLog.FILE, events.lines());
        Checkpoints.write(dir, round, files, lines, keepCheckpoints);
    }

    /** The run directory once created (the first round or finish), else where it will be. */
    public Path dir() {
        return dir != null ? dir : out.path();
    }

    /** Creates the directory, marks it incomplete and opens the record files, once. */
    private void open() {
        if (dir != null) {
            return;
        }
        Path d = out.create();
        try {
            writeMarker(d, "running", null);
            if (runConfig != null) {
                Files.writeString(d.resolve(RUN_CONF), runConfig);
            }
            rounds = Files.newBufferedWriter(d.resolve("rounds.jsonl"), StandardCharsets.UTF_8);
            wall = Files.newBufferedWriter(d.resolve("wall.jsonl"), StandardCharsets.UTF_8);
            events = new EventLog(d);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the run outputs to " + d, e);
        }
        dir = d;
    }

    private void writeMarker(Path d, String state, String reason) throws IOException {
        ObjectNode m = JSON.createObjectNode();
        m.put("state", state);
        m.put("startedAt", startedAt);
        m.put("pid", ProcessHandle.current().pid());
        m.put("roundsLimit", maxRounds);
        if (reason != null) {
            m.put("reason", reason);
        }
        Files.writeString(d.resolve(INCOMPLETE), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(m) + "\n");
    }

    /**
     * Records in the marker that the run failed (and why), when the directory exists; a run that failed before its
     * first round has no directory and this does nothing.
     */
    public void fail(Throwable cause) {
        if (dir == null) {
            return;
        }
        try {
            writeMarker(dir, "failed", cause.getClass().getSimpleName() + ": " + cause.getMessage());
        } catch (IOException e) {
            cause.addSuppressed(e);
        }
    }

    @Override
    public void round(RoundRecord r, double wallSeconds) {
        round(r, wallSeconds, io.fedsllm.results.RoundDetails.NONE);
    }

    @Override
    public void round(RoundRecord r, double wallSeconds, io.fedsllm.results.RoundDetails details) {
        open();
        details.events().forEach(events::write);
        try {
            rounds.write(JSON.writeValueAsString(r));
            rounds.write('\n');
            rounds.flush();
            roundLines++;
            ObjectNode w = JSON.createObjectNode();
            w.put("round", r.round());
            w.put("wallSeconds", wallSeconds);
            wall.write(JSON.writeValueAsString(w));
            wall.write('\n');
            wall.flush();
            wallLines++;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir, e);
        }
        drawTimeline(r, details);
        if (console != null) {
            if (progress == null) {
                // Created with the first round, so that it does not interleave with the base model's pre-training bar.
                progress = console.bar("rounds", maxRounds, true);
            }
            progress.step();
            console.line(line(r));
        }
    }

    /**
     * Writes the final LoRA — the global client-side copy and the main server's LoRA, merged into the adapters of every
     * block — as a PEFT folder {@value #ADAPTER_DIR}/ ({@code adapter_model.safetensors}, {@code adapter_config.json}),
     * when {@link #exportingAdapters} was given.
     */
    @Override
    public void finalLora(FinalLora lora) {
        if (adapters == null) {
            return;
        }
        open();
        adapters.write(LoraBlocks.fromBytes(lora.clientGlobal()).merge(LoraBlocks.fromBytes(lora.server())),
                dir.resolve(ADAPTER_DIR));
    }

    /**
     * timeline.png of this round when it is the chosen one: the given round, or (-1) the slowest so far (ties: the
     * earliest). Written to a temporary file and renamed, so a killed run never leaves half a picture.
     */
    private void drawTimeline(RoundRecord r, io.fedsllm.results.RoundDetails details) {
        if (timeline == null || details.spans().isEmpty()) {
            return;
        }
        if (timeline.round() >= 0 ? r.round() != timeline.round() : !(r.durationS() > timelineDurationS)) {
            return;
        }
        timelineDurationS = r.durationS();
        List<Integer> rows = busiest(details.spans(), timeline.maxClients());
        java.util.Set<Integer> shown = new java.util.HashSet<>(rows);
        List<io.fedsllm.results.ClientSpan> spans = details.spans().stream().filter(x -> shown.contains(x.client())).toList();
        List<io.fedsllm.results.EventMark> marks = details.marks().stream()
                .filter(m -> m.client() == null || shown.contains(m.client())).toList();
        Path png = dir.resolve("timeline.png");
        Path tmp = dir.resolve("timeline.partial.png");
        Timeline.write(chart, tmp, r.round(), spans, marks);
        try {
            Files.move(tmp, png, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + png, e);
        }
    }

    /** The {@code max} busiest clients of the spans (forward + uploads + backward; ties: the lower id). */
    static List<Integer> busiest(List<io.fedsllm.results.ClientSpan> spans, int max) {
        java.util.Map<Integer, Double> busy = new java.util.TreeMap<>();
        for (io.fedsllm.results.ClientSpan x : spans) {
            busy.merge(x.client(), x.kind() == io.fedsllm.results.ClientSpan.Kind.WAIT ? 0 : x.durationS(), Double::sum);
        }
        return busy.entrySet().stream()
                .sorted(java.util.Map.Entry.<Integer, Double>comparingByValue().reversed()
                        .thenComparing(java.util.Map.Entry.comparingByKey()))
                .limit(max).map(java.util.Map.Entry::getKey).sorted().toList();
    }

    /** The lines of events.jsonl per type so far (empty before the first round). */
    public java.util.SortedMap<String, Integer> eventCounts() {
        return events == null ? new java.util.TreeMap<>() : events.counts();
    }

    /** The per-round stderr line: round, virtual time, loss, split, rank, slowest client. */
    static String line(RoundRecord r) {
        String loss = r.trainLoss() == null ? "n/a (analytic)" : String.format(Locale.ROOT, "train %.4f  val %s",
                r.trainLoss(), r.valLoss() == null ? "-" : String.format(Locale.ROOT, "%.4f", r.valLoss()));
        return String.format(Locale.ROOT, "round %d  virtual %.3f s  loss %s  split %d  rank %d  slowest client %s%s",
                r.round(), r.virtualEndS(), loss,
                r.splitLayer(), r.rank(), r.slowestClient() == null ? "-" : r.slowestClient().toString(),
                r.dropped().isEmpty() ? "" : "  dropped " + r.dropped());
    }

    /** Writes summary.json and the charts, then removes the incomplete marker: the run directory is complete. */
    public void finish(RunResult result, long seed, Double targetLoss) {
        open();
        ObjectNode s = JSON.createObjectNode();
        s.put("scheme", result.scheme());
        s.put("mode", result.mode());
        s.put("clients", result.clients());
        s.put("rounds", result.rounds().size());
        s.put("stopReason", result.stopReason());
        s.put("virtualSeconds", result.virtualSeconds());
        s.put("wallSeconds", result.wallSeconds());
        if (result.finalValLoss() == null) {
            s.putNull("finalValLoss");
        } else {
            s.put("finalValLoss", result.finalValLoss());
        }
        s.put("messages", result.messages());
        s.put("rejectedMessages", result.rejected());
        s.put("bytesMain", result.bytesMain());
        s.put("bytesFed", result.bytesFed());
        s.put("seed", seed);
        ObjectNode counts = s.putObject("events");
        events.counts().forEach(counts::put);
        ObjectNode failures = s.putObject("clientFailures");
        result.clientFailures().forEach((client, cause) -> failures.put(Integer.toString(client), cause));
        if (targetLoss != null) {
            s.put("targetLoss", targetLoss);
            if (result.timeToTargetS() == null) {
                s.putNull("timeToTargetS");
            } else {
                s.put("timeToTargetS", result.timeToTargetS());
            }
        }
        try {
            Files.writeString(dir.resolve("summary.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(s) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir.resolve("summary.json"), e);
        }
        charts(result.rounds());
        closeRecords();
        try {
            Files.delete(dir.resolve(INCOMPLETE));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + dir.resolve(INCOMPLETE), e);
        }
    }

    private void charts(List<RoundRecord> records) {
        if (records.isEmpty()) {
            return;
        }
        List<Double> t = new ArrayList<>();
        List<Double> loss = new ArrayList<>();
        for (RoundRecord r : records) {
            Double l = r.valLoss() != null ? r.valLoss() : r.trainLoss();
            if (l != null) {
                t.add(r.virtualEndS());
                loss.add(l);
            }
        }
        if (!loss.isEmpty()) {
            Charts.lines(chart, dir.resolve("loss.png"), "Loss against virtual time", "virtual time (s)", "loss", false, false,
                    List.of(new Charts.Series(records.get(0).valLoss() != null ? "validation" : "training",
                            toArray(t), toArray(loss))));
        }
        List<String> categories = new ArrayList<>();
        double[][] v = new double[6][records.size()];
        boolean upload = false;
        for (int i = 0; i < records.size(); i++) {
            RoundRecord.Breakdown b = records.get(i).breakdown();
            categories.add(Integer.toString(records.get(i).round()));
            v[0][i] = b.dataUploadS();
            v[1][i] = b.t1S();
            v[2][i] = b.serverForwardS();
            v[3][i] = b.serverBackwardS();
            v[4][i] = b.t2S();
            v[5][i] = b.t3S();
            upload |= b.dataUploadS() > 0;
        }
        List<String> names = List.of("data upload (centralized)", "T1 (forward + activation upload)", "server forward",
                "server backward", "T2 (client backward)", "T3 (LoRA upload)");
        // The data-upload bar only where there is one (the centralized scheme): other charts stay as they were.
        int from = upload ? 0 : 1;
        Charts.stackedBars(chart, dir.resolve("breakdown.png"), "Delay breakdown per round", "round", "virtual seconds",
                categories, names.subList(from, names.size()), List.of(java.util.Arrays.copyOfRange(v, from, v.length)));
    }

    private static double[] toArray(List<Double> l) {
        double[] a = new double[l.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = l.get(i);
        }
        return a;
    }

    private void closeRecords() {
        try {
            if (rounds != null) {
                rounds.close();
            }
            if (wall != null) {
                wall.close();
            }
            if (events != null) {
                events.close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        closeRecords();
        if (progress != null) {
            progress.close();
        }
    }
}
