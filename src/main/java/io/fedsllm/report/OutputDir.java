package io.fedsllm.report;

import io.fedsllm.config.UserError;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The directory a command writes its outputs to, checked when it is built (before the command does any work) and
 * not touched until the command writes: a rejected command leaves the file system as it was (docs/configuration.md
 * "Output directories"). Two kinds:
 * <ul>
 *   <li>{@link #exact}: the directory the user named. It may be new or empty; a non-empty one is refused unless
 *       {@code overwrite}, which replaces it whole (nothing of the old content stays).</li>
 *   <li>{@link #fresh}: a new directory {@code <parent>/<name>} ({@code <name>-2}, {@code -3}, ... when taken, picked
 *       atomically when it is created), and {@code <parent>/latest} is made a symbolic link to it; so default
 *       locations never collide run after run.</li>
 * </ul>
 * Outputs are written either in place ({@link #create}, for a run, which marks itself incomplete until it ends) or
 * all at once ({@link #publish}: written into a hidden sibling, then moved into place), so nothing half-written is
 * ever left under the name.
 */
public final class OutputDir {
    private static final Logger LOG = LoggerFactory.getLogger(OutputDir.class);

    /** The link {@link #fresh} directories keep pointing at the newest of them. */
    public static final String LATEST = "latest";

    /** UTC timestamps of fresh directory names: sortable, no characters a shell or Windows treats specially. */
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    private final String label;
    private final Path dir;
    private final Path parent;
    private final String name;
    private final boolean overwrite;
    private Path created;

    private OutputDir(String label, Path dir, Path parent, String name, boolean overwrite) {
        this.label = label;
        this.dir = dir;
        this.parent = parent;
        this.name = name;
        this.overwrite = overwrite;
    }

    /**
     * The directory {@code dir}, checked now: it must be new (every missing parent creatable), or an empty
     * directory, or non-empty with {@code overwrite}; an existing one must be writable.
     *
     * @param label     how messages name it, as the user gave it (e.g. {@code --out runs/a})
     * @param protect   inputs of the command: {@code overwrite} may not replace a directory holding one of them
     *                  (nor the working directory, the home directory or a file-system root)
     */
    public static OutputDir exact(Path dir, String label, boolean overwrite, Collection<Path> protect) {
        Path abs = dir.toAbsolutePath().normalize();
        if (Files.isSymbolicLink(abs) && !Files.exists(abs)) {
            throw new UserError(label + ": a symbolic link to nothing (" + abs + "); expected a directory, new or existing");
        }
        if (Files.exists(abs)) {
            Path real = realPath(abs);
            if (!Files.isDirectory(real)) {
                throw new UserError(label + ": " + abs + " is a file, not a directory; expected a directory that is new, "
                        + "empty, or replaced whole with --overwrite");
            }
            List<String> entries = entries(real);
            if (!entries.isEmpty() && !overwrite) {
                throw new UserError(label + ": directory " + abs + " is not empty (" + sample(entries) + "); give "
                        + "--overwrite to replace it whole, or name a new or empty directory");
            }
            if (!entries.isEmpty()) {
                checkReplaceable(real, label, protect);
            }
            if (!Files.isWritable(real)) {
                throw new UserError(label + ": directory " + abs + " is not writable");
            }
            checkCreatable(real.getParent(), label, abs);
            return new OutputDir(label, real, null, null, overwrite);
        }
        checkCreatable(abs.getParent(), label, abs);
        return new OutputDir(label, abs, null, null, overwrite);
    }

    /** An existing run directory that a resumed run continues writing into (already there: never created or replaced). */
    public static OutputDir existing(Path dir) {
        OutputDir d = new OutputDir(dir.toString(), dir.toAbsolutePath().normalize(), null, null, false);
        d.created = d.dir;
        return d;
    }

    /**
     * A new directory {@code <parent>/<name>} (a free name is picked when it is created) that {@code <parent>/latest}
     * will point to. Checked now: {@code parent} must be a directory or creatable.
     *
     * @param label how messages name the parent (e.g. {@code fedsllm.emu.runs-dir = "runs"})
     */
    public static OutputDir fresh(Path parent, String name, String label) {
        return new OutputDir(label, null, requireDirectoryLocation(parent, label), name, false);
    }

    /**
     * Checks a directory a command keeps files in (created when missing, never replaced; e.g. the base-model cache):
     * an existing one must be a writable directory, a missing one creatable. Returns its absolute (real) path.
     */
    public static Path requireDirectoryLocation(Path dir, String label) {
        Path abs = dir.toAbsolutePath().normalize();
        if (Files.exists(abs)) {
            Path real = realPath(abs);
            if (!Files.isDirectory(real)) {
                throw new UserError(label + ": " + abs + " is a file, not a directory; expected a directory (new or existing)");
            }
            if (!Files.isWritable(real)) {
                throw new UserError(label + ": directory " + abs + " is not writable");
            }
            return real;
        }
        checkCreatable(abs.getParent(), label, abs);
        return abs;
    }

    /**
     * Checks an output file (e.g. {@code train --save-lora}): not a directory, its directory creatable, and an
     * existing file only with {@code overwrite}.
     */
    public static void requireFileLocation(Path file, String label, boolean overwrite) {
        Path abs = file.toAbsolutePath().normalize();
        if (Files.isDirectory(abs)) {
            throw new UserError(label + " is a directory: expected a file path (e.g. " + file.resolve("lora.safetensors") + ")");
        }
        if (Files.exists(abs) && !overwrite) {
            throw new UserError(label + ": file " + abs + " exists; give --overwrite to replace it, or another path");
        }
        if (Files.exists(abs) && !Files.isWritable(abs)) {
            throw new UserError(label + ": file " + abs + " is not writable");
        }
        checkCreatable(abs.getParent(), label, abs);
    }

    /** "20261130-101500-" + suffix: the name of a fresh directory started now. */
    public static String stampedName(Clock clock, String suffix) {
        return STAMP.format(clock.instant()) + (suffix.isEmpty() ? "" : "-" + suffix);
    }

    /** Where outputs go: the exact directory, or (fresh) {@code parent/name} as planned; the final name once created. */
    public Path path() {
        if (created != null) {
            return created;
        }
        return dir != null ? dir : parent.resolve(name);
    }

    /** Whether {@link #create} or {@link #publish} has made the directory. */
    public boolean exists() {
        return created != null;
    }

    /**
     * Makes the directory and returns it (idempotent): an exact one is created, or emptied by moving its old content
     * away and deleting it (when {@code overwrite} was given); a fresh one gets a free name and the latest link.
     */
    public synchronized Path create() {
        if (created == null) {
            try {
                if (dir != null) {
                    replaceOrCreate(null);
                    created = dir;
                } else {
                    Files.createDirectories(parent);
                    created = claimFreshName(candidate -> Files.createDirectory(candidate));
                    linkLatest(created);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create the output directory " + path(), e);
            }
        }
        return created;
    }

    /**
     * Writes every output at once: {@code write} fills a hidden sibling directory, which then takes the place of the
     * output directory (an old one, with {@code overwrite}, is moved away first and deleted). If {@code write} throws,
     * the sibling is deleted and the output location is as it was. Returns the final directory.
     */
    public synchronized Path publish(Consumer<Path> write) {
        if (created != null) {
            throw new IllegalStateException("output directory " + created + " was already created");
        }
        Path home = dir != null ? dir.getParent() : parent;
        Path staging;
        try {
            Files.createDirectories(home);
            staging = Files.createTempDirectory(home, "." + path().getFileName() + ".partial-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a staging directory beside " + path(), e);
        }
        try {
            write.accept(staging);
            if (dir != null) {
                replaceOrCreate(staging);
                created = dir;
            } else {
                created = claimFreshName(candidate -> Files.move(staging, candidate));
                linkLatest(created);
            }
            return created;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move the outputs into " + path(), e);
        } finally {
            if (Files.exists(staging, LinkOption.NOFOLLOW_LINKS)) {
                deleteQuietly(staging);
            }
        }
    }

    /** Moves an existing (non-empty, overwrite) directory away, then creates it anew or moves {@code staged} there. */
    private void replaceOrCreate(Path staged) throws IOException {
        Path trash = null;
        if (Files.isDirectory(dir) && !entries(dir).isEmpty()) {
            if (!overwrite) {
                // It was empty or missing when checked; something else wrote there since.
                throw new UserError(label + ": directory " + dir + " is not empty any more (" + sample(entries(dir))
                        + "); give --overwrite to replace it whole");
            }
            trash = Files.createTempDirectory(dir.getParent(), "." + dir.getFileName() + ".old-");
            Files.move(dir, trash, StandardCopyOption.REPLACE_EXISTING);
        } else if (Files.isDirectory(dir) && staged != null) {
            // The user's own empty directory stays (its permissions too, and it may be the working directory).
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(staged)) {
                for (Path e : entries) {
                    Files.move(e, dir.resolve(e.getFileName()));
                }
            }
            Files.delete(staged);
            return;
        }
        if (staged != null) {
            Files.createDirectories(dir.getParent());
            Files.move(staged, dir);
        } else {
            Files.createDirectories(dir);
        }
        if (trash != null) {
            deleteQuietly(trash);
        }
    }

    @FunctionalInterface
    private interface Claim {
        void at(Path candidate) throws IOException;
    }

    /** Tries name, name-2, name-3, ... until {@code claim} succeeds (it fails when the name is taken). */
    private Path claimFreshName(Claim claim) throws IOException {
        for (int i = 1; ; i++) {
            Path candidate = parent.resolve(i == 1 ? name : name + "-" + i);
            if (Files.exists(candidate, LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            try {
                claim.at(candidate);
                return candidate;
            } catch (FileAlreadyExistsException e) {
                // taken between the check and the claim: try the next name
            }
        }
    }

    /**
     * Points {@code parent/latest} at {@code target} (a relative link, replaced atomically). A {@code latest} that is
     * not a link (e.g. a directory an older version wrote there) is left alone with a warning; so is a file system
     * without symbolic links.
     */
    private void linkLatest(Path target) {
        Path latest = parent.resolve(LATEST);
        if (Files.exists(latest, LinkOption.NOFOLLOW_LINKS) && !Files.isSymbolicLink(latest)) {
            LOG.warn("{} is not a symbolic link (left as it is): it does not point to the new {}", latest, target);
            return;
        }
        Path tmp = parent.resolve("." + LATEST + "-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
        try {
            Files.createSymbolicLink(tmp, target.getFileName());
            Files.move(tmp, latest, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | UnsupportedOperationException e) {
            LOG.warn("cannot point {} to {}: {}", latest, target, e.toString());
            deleteQuietly(tmp);
        }
    }

    /** Refuses to replace a root, the home or working directory, or a directory holding one of the inputs. */
    private static void checkReplaceable(Path real, String label, Collection<Path> protect) {
        List<Path> guarded = new ArrayList<>();
        guarded.add(Path.of("").toAbsolutePath());
        guarded.add(Path.of(System.getProperty("user.home")).toAbsolutePath());
        for (Path p : protect) {
            guarded.add(p.toAbsolutePath().normalize());
        }
        if (real.getParent() == null) {
            throw new UserError(label + ": " + real + " is a file-system root; --overwrite never replaces one");
        }
        for (Path g : guarded) {
            Path resolved = Files.exists(g) ? realPath(g) : g;
            if (resolved.startsWith(real)) {
                throw new UserError(label + ": --overwrite would delete " + real + ", which holds " + g
                        + " (the working or home directory, or an input of this command); name another directory");
            }
        }
    }

    /** The nearest existing ancestor of {@code start} must be a writable directory, so {@code target} can be made. */
    private static void checkCreatable(Path start, String label, Path target) {
        Path p = start;
        while (p != null && !Files.exists(p)) {
            if (Files.isSymbolicLink(p)) {
                throw new UserError(label + ": " + p + " is a symbolic link to nothing, so " + target + " cannot be made");
            }
            p = p.getParent();
        }
        if (p == null) {
            throw new UserError(label + ": no existing directory above " + target);
        }
        if (!Files.isDirectory(p)) {
            throw new UserError(label + ": " + p + " is a file, so the directory " + target + " cannot be made under it");
        }
        if (!Files.isWritable(p)) {
            throw new UserError(label + ": cannot create " + target + ": directory " + p + " is not writable");
        }
    }

    private static Path realPath(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot resolve " + p, e);
        }
    }

    /** Names in a directory, sorted. */
    static List<String> entries(Path dir) {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            s.forEach(p -> names.add(p.getFileName().toString()));
        } catch (IOException e) {
            throw new UserError("cannot list directory " + dir + ": " + e.getMessage(), e);
        }
        names.sort(null);
        return names;
    }

    private static String sample(List<String> entries) {
        String shown = String.join(", ", entries.subList(0, Math.min(3, entries.size())));
        return entries.size() > 3 ? entries.size() + " entries: " + shown + ", ..." : "holds " + shown;
    }

    /** Deletes a file or a directory tree without following links; failures are logged, not thrown. */
    static void deleteQuietly(Path root) {
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    Files.delete(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            LOG.warn("cannot delete {}: {}", root, e.toString());
        }
    }
}
