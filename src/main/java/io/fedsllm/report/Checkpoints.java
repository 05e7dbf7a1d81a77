package io.fedsllm.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fedsllm.config.UserError;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A run's checkpoints, in {@code DIR/checkpoints/round-NNNNNN/}: the state files of the end of one global round and a
 * {@code manifest.json} with each file's SHA-256 and how many lines the run's JSONL outputs had then. A checkpoint is
 * written into a {@code .partial} sibling, every file and the directory forced to disk, then renamed into place (a
 * crash leaves either the whole checkpoint or a partial directory that is never read); the last {@code keep} are
 * kept. Reading takes the newest checkpoint whose files match their checksums, and says which one was skipped.
 */
public final class Checkpoints {
    private static final Logger LOG = LoggerFactory.getLogger(Checkpoints.class);
    public static final String DIR = "checkpoints";
    private static final String MANIFEST = "manifest.json";
    private static final String PREFIX = "round-";

    private Checkpoints() {}

    /** A checkpoint read back: its round, its files and the line counts of the outputs it belongs to. */
    public record Loaded(int round, Map<String, byte[]> files, Map<String, Long> lines, Path path) {}

    /** Test hook (documented in docs/resume.md): milliseconds to pause after the first file, to kill mid-write. */
    private static final long PAUSE_MS = Long.getLong("fedsllm.test.checkpoint-pause-ms", 0L);

    /**
     * Writes round {@code round}'s checkpoint into {@code runDir} atomically and keeps the last {@code keep}.
     *
     * @param lines output file → its line count at this checkpoint (a resumed run truncates it there)
     */
    public static Path write(Path runDir, int round, Map<String, byte[]> files, Map<String, Long> lines, int keep) {
        Path parent = runDir.resolve(DIR);
        Path target = parent.resolve(name(round));
        Path partial = parent.resolve(name(round) + ".partial");
        try {
            Files.createDirectories(parent);
            deleteTree(partial);
            Files.createDirectory(partial);
            ObjectNode manifest = RunWriter.JSON.createObjectNode();
            manifest.put("round", round);
            ObjectNode sums = manifest.putObject("sha256");
            boolean first = true;
            for (Map.Entry<String, byte[]> f : new TreeMap<>(files).entrySet()) {
                writeForced(partial.resolve(f.getKey()), f.getValue());
                sums.put(f.getKey(), sha256(f.getValue()));
                if (first && PAUSE_MS > 0) {
                    Thread.sleep(PAUSE_MS);
                }
                first = false;
            }
            ObjectNode counts = manifest.putObject("lines");
            new TreeMap<>(lines).forEach(counts::put);
            writeForced(partial.resolve(MANIFEST), RunWriter.JSON.writerWithDefaultPrettyPrinter()
                    .writeValueAsBytes(manifest));
            force(partial);
            deleteTree(target);
            Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
            force(parent);
            List<Path> all = list(parent);
            for (int i = 0; i + keep < all.size(); i++) {
                deleteTree(all.get(i));
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the checkpoint of round " + round + " to " + target, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while writing a checkpoint", e);
        }
    }

    /**
     * The newest checkpoint of {@code runDir} whose files are whole; a corrupt or truncated newer one is skipped with
     * a warning naming it. A user error when the run has no usable checkpoint.
     */
    public static Loaded latest(Path runDir) {
        Path parent = runDir.resolve(DIR);
        List<Path> all = Files.isDirectory(parent) ? list(parent) : List.of();
        List<String> skipped = new ArrayList<>();
        for (int i = all.size() - 1; i >= 0; i--) {
            try {
                Loaded l = read(all.get(i));
                if (!skipped.isEmpty()) {
                    LOG.warn("checkpoint {} is damaged ({}): resuming from {}", skipped, String.join("; ", skipped),
                            all.get(i).getFileName());
                }
                return l;
            } catch (IllegalArgumentException | IOException e) {
                skipped.add(all.get(i).getFileName() + ": " + e.getMessage());
            }
        }
        throw new UserError("--resume " + runDir + ": no usable checkpoint in " + parent
                + (skipped.isEmpty() ? " (the run ended before its first round was checkpointed)" : ": " + skipped));
    }

    private static Loaded read(Path dir) throws IOException {
        JsonNode manifest = RunWriter.JSON.readTree(dir.resolve(MANIFEST).toFile());
        Map<String, byte[]> files = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = manifest.get("sha256").fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            byte[] bytes = Files.readAllBytes(dir.resolve(e.getKey()));
            if (!sha256(bytes).equals(e.getValue().asText())) {
                throw new IllegalArgumentException(e.getKey() + " does not match its checksum");
            }
            files.put(e.getKey(), bytes);
        }
        Map<String, Long> lines = new TreeMap<>();
        manifest.get("lines").fields().forEachRemaining(e -> lines.put(e.getKey(), e.getValue().asLong()));
        return new Loaded(manifest.get("round").asInt(), files, lines, dir);
    }

    /** The complete checkpoints, oldest first (partial ones are never listed). */
    private static List<Path> list(Path parent) {
        try (Stream<Path> s = Files.list(parent)) {
            return s.filter(p -> p.getFileName().toString().startsWith(PREFIX) && !p.getFileName().toString().endsWith(".partial"))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + parent, e);
        }
    }

    private static String name(int round) {
        return String.format(java.util.Locale.ROOT, PREFIX + "%06d", round);
    }

    private static void writeForced(Path file, byte[] bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
    }

    /** Forces a directory's entries to disk (where the platform allows opening a directory). */
    private static void force(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Not every file system lets a directory be opened; the rename is still atomic.
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
