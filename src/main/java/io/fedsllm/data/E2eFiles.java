package io.fedsllm.data;

import io.fedsllm.config.UserError;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVPrinter;
import org.apache.commons.csv.CSVRecord;

/**
 * Reads and writes E2E data files (UTF-8). Two formats:
 * <ul>
 *   <li>the official CSV ({@code trainset.csv}, {@code devset.csv}, {@code testset_w_refs.csv}): header
 *       {@code mr,ref}, RFC-4180 quoting, one record per reference;</li>
 *   <li>lines {@code MR || ref}, one example per line, blank lines ignored.</li>
 * </ul>
 * A file ending in {@code .csv} is CSV, anything else is lines. Every malformed record is a {@link UserError}
 * naming the file, the line and what is wrong.
 */
public final class E2eFiles {
    private E2eFiles() {}

    /** Reads a file in the format its name says ({@code .csv} → CSV, else {@code MR || ref} lines). */
    public static List<E2eRecord> read(Path file) {
        return isCsv(file) ? readCsv(file) : readLines(file);
    }

    public static boolean isCsv(Path file) {
        return file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".csv");
    }

    /** The official CSV format: header {@code mr,ref} (case-insensitive, a UTF-8 BOM is allowed). */
    public static List<E2eRecord> readCsv(Path file) {
        String text = readText(file);
        LineIndex lines = new LineIndex(text);
        List<E2eRecord> out = new ArrayList<>();
        try (CSVParser parser = CSVFormat.RFC4180.builder().setIgnoreEmptyLines(true).build()
                .parse(new StringReader(text))) {
            Iterator<CSVRecord> it = parser.iterator();
            boolean header = true;
            while (true) {
                CSVRecord rec;
                long lastLine = parser.getCurrentLineNumber();
                try {
                    if (!it.hasNext()) {
                        break;
                    }
                    rec = it.next();
                } catch (UncheckedIOException | IllegalStateException e) {
                    throw new UserError(file + ":" + (lastLine + 1) + ": malformed CSV record starting here ("
                            + rootMessage(e) + "); expected RFC-4180 records mr,ref");
                }
                // The parser's position includes the skipped blank lines before the record.
                int start = (int) rec.getCharacterPosition();
                while (start < text.length() && (text.charAt(start) == '\n' || text.charAt(start) == '\r')) {
                    start++;
                }
                long line = lines.lineOf(start);
                if (header) {
                    header = false;
                    String first = rec.size() > 0 ? rec.get(0).replace("\uFEFF", "").trim() : "";
                    if (rec.size() != 2 || !first.equalsIgnoreCase("mr") || !rec.get(1).trim().equalsIgnoreCase("ref")) {
                        throw new UserError(file + ":" + line + ": bad header " + rec.toList()
                                + "; expected the two columns mr,ref");
                    }
                } else {
                    if (rec.size() != 2) {
                        throw new UserError(file + ":" + line + ": expected 2 columns (mr,ref) but found " + rec.size());
                    }
                    out.add(record(file, line, rec.get(0), rec.get(1)));
                }
            }
            if (header) {
                throw new UserError(file + ":1: empty file; expected the header mr,ref");
            }
        } catch (IOException e) {
            throw new UserError("cannot read E2E file " + file + ": " + e.getMessage(), e);
        }
        return out;
    }

    /** The line format {@code MR || ref}; blank lines are skipped. */
    public static List<E2eRecord> readLines(Path file) {
        List<E2eRecord> out = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new StringReader(readText(file)))) {
            String text;
            int line = 0;
            while ((text = in.readLine()) != null) {
                line++;
                if (line == 1) {
                    text = text.replace("\uFEFF", "");
                }
                if (text.isBlank()) {
                    continue;
                }
                int sep = text.indexOf(E2eText.SEPARATOR.trim());
                if (sep < 0) {
                    throw new UserError(file + ":" + line + ": missing the '" + E2eText.SEPARATOR.trim()
                            + "' separator; expected 'MR" + E2eText.SEPARATOR + "reference'");
                }
                out.add(record(file, line, text.substring(0, sep), text.substring(sep + 2)));
            }
        } catch (IOException e) {
            throw new UserError("cannot read E2E file " + file + ": " + e.getMessage(), e);
        }
        return out;
    }

    /** Writes the official CSV format (header {@code mr,ref}). */
    public static void writeCsv(Path file, List<E2eRecord> records) {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
                CSVPrinter p = CSVFormat.RFC4180.builder().setHeader("mr", "ref").build().print(w)) {
            for (E2eRecord r : records) {
                p.printRecord(r.mr(), r.ref());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** Writes the line format {@code MR || ref}. */
    public static void writeLines(Path file, List<E2eRecord> records) {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (E2eRecord r : records) {
                if (r.ref().indexOf('\n') >= 0 || r.ref().indexOf('\r') >= 0) {
                    throw new IllegalArgumentException("a reference with a line break cannot be written as a line: " + r);
                }
                w.write(E2eText.trainingText(r));
                w.write('\n');
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static E2eRecord record(Path file, long line, String mr, String ref) {
        Map<String, String> slots;
        try {
            slots = E2eRecord.parseMr(mr.trim());
        } catch (IllegalArgumentException e) {
            throw new UserError(file + ":" + line + ": " + e.getMessage());
        }
        String text = ref.trim();
        if (text.isEmpty()) {
            throw new UserError(file + ":" + line + ": empty reference for MR '" + mr.trim() + "'");
        }
        return new E2eRecord(slots, text);
    }

    /** 1-based line numbers of character offsets. */
    private static final class LineIndex {
        private final List<Integer> starts = new ArrayList<>();

        LineIndex(String text) {
            starts.add(0);
            for (int i = 0; i < text.length(); i++) {
                if (text.charAt(i) == '\n') {
                    starts.add(i + 1);
                }
            }
        }

        long lineOf(long offset) {
            int pos = java.util.Collections.binarySearch(starts, (int) offset);
            return pos >= 0 ? pos + 1 : -pos - 1;
        }
    }

    /**
     * The file as UTF-8 text. Bytes that are not UTF-8 are an error naming the line and column (and the byte), not a
     * bare "Input length = 1".
     */
    private static String readText(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new UserError("E2E data file " + file + " does not exist or is not a regular file");
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UserError("cannot read E2E file " + file + ": " + e.getMessage(), e);
        }
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult r = decoder.decode(in, out, true);
        if (r.isError()) {
            int at = in.position();
            int line = 1;
            int lineStart = 0;
            for (int i = 0; i < at; i++) {
                if (bytes[i] == '\n') {
                    line++;
                    lineStart = i + 1;
                }
            }
            throw new UserError(String.format(Locale.ROOT, "%s:%d: not UTF-8 text (byte 0x%02X at byte %d of the line);"
                    + " E2E files must be UTF-8: convert it, e.g. iconv -f latin1 -t utf-8", file, line, bytes[at] & 0xFF,
                    at - lineStart + 1));
        }
        decoder.flush(out);
        out.flip();
        return out.toString();
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage();
    }
}
