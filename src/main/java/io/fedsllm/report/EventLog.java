package io.fedsllm.report;

import io.fedsllm.results.EventRecord;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Writes {@code events.jsonl}: one {@link EventRecord} per line, in the order given (the coordinator's order,
 * which is deterministic), flushed per line so a killed run keeps what it wrote. Counts the lines per type for
 * the summary at the end of a run.
 */
public final class EventLog implements AutoCloseable {
    public static final String FILE = "events.jsonl";

    private final Path file;
    private final BufferedWriter out;
    private final SortedMap<String, Integer> counts = new TreeMap<>();

    /** Creates (or truncates) {@code dir/events.jsonl}. */
    public EventLog(Path dir) {
        this(dir, false);
    }

    /**
     * Opens {@code dir/events.jsonl}: new (or truncated), or with {@code append} continued after its lines (a resumed
     * run, whose file was cut back to its checkpoint), whose types are counted.
     */
    public EventLog(Path dir, boolean append) {
        this.file = dir.resolve(FILE);
        try {
            Files.createDirectories(dir);
            if (append && Files.exists(file)) {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    counts.merge(RunWriter.JSON.readTree(line).path("type").asText(), 1, Integer::sum);
                }
            }
            this.out = append ? Files.newBufferedWriter(file, StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND) : Files.newBufferedWriter(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** Lines written so far (all of them, after a resume). */
    public long lines() {
        return counts.values().stream().mapToLong(Integer::longValue).sum();
    }

    public void write(EventRecord e) {
        try {
            out.write(RunWriter.JSON.writeValueAsString(e));
            out.write('\n');
            out.flush();
        } catch (IOException x) {
            throw new UncheckedIOException("cannot write " + file, x);
        }
        counts.merge(e.type(), 1, Integer::sum);
    }

    /** Lines written per event type, by type: what summary.json reports. */
    public SortedMap<String, Integer> counts() {
        return Collections.unmodifiableSortedMap(new TreeMap<>(counts));
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close " + file, e);
        }
    }
}
