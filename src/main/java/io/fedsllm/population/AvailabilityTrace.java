package io.fedsllm.population;

import io.fedsllm.config.UserError;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Availability from a CSV trace ({@code population.availability = trace}): header {@code device,start_s,end_s},
 * then one row per interval [start_s, end_s) of virtual seconds in which the device can be selected. Blank lines
 * are skipped. A device without rows is never available. Every malformed row is a {@link UserError} naming the
 * file, the line and what is allowed: a device id outside 0..N−1, a start below 0, an end not above its start, a
 * non-number, a wrong column count, or two intervals of one device that overlap (both lines named). Memory is
 * three values per row, nothing per device.
 */
public final class AvailabilityTrace implements Availability {
    static final String HEADER = "device,start_s,end_s";

    private final int[] device;  // rows sorted by (device, start)
    private final double[] startS;
    private final double[] endS;

    private AvailabilityTrace(int[] device, double[] startS, double[] endS) {
        this.device = device;
        this.startS = startS;
        this.endS = endS;
    }

    /** Reads and checks {@code file} for a population of {@code devices} devices. */
    public static AvailabilityTrace read(Path file, int devices) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UserError("cannot read the availability trace " + file + " (population.trace-file): " + e, e);
        }
        record Row(int line, int device, double start, double end) {}
        List<Row> rows = new ArrayList<>();
        boolean header = false;
        for (int i = 0; i < lines.size(); i++) {
            String text = lines.get(i).strip();
            int line = i + 1;
            if (text.isEmpty()) {
                continue;
            }
            if (!header) {
                if (!text.replace(" ", "").equals(HEADER)) {
                    throw new UserError(file + ":" + line + ": expected the header " + HEADER + " but found '" + text + "'");
                }
                header = true;
                continue;
            }
            String[] f = text.split(",", -1);
            if (f.length != 3) {
                throw new UserError(file + ":" + line + ": expected 3 columns (" + HEADER + ") but found " + f.length);
            }
            int d = deviceId(file, line, f[0].strip(), devices);
            double start = seconds(file, line, "start_s", f[1].strip());
            double end = seconds(file, line, "end_s", f[2].strip());
            if (start < 0) {
                throw new UserError(file + ":" + line + ": start_s = " + f[1].strip() + " is negative; expected >= 0");
            }
            if (!(end > start)) {
                throw new UserError(file + ":" + line + ": end_s = " + f[2].strip() + " is not after start_s = "
                        + f[1].strip() + "; expected end_s > start_s");
            }
            rows.add(new Row(line, d, start, end));
        }
        if (!header) {
            throw new UserError(file + ":1: empty trace; expected the header " + HEADER);
        }
        rows.sort(Comparator.comparingInt(Row::device).thenComparingDouble(Row::start));
        int n = rows.size();
        int[] dev = new int[n];
        double[] s = new double[n];
        double[] e = new double[n];
        for (int i = 0; i < n; i++) {
            Row r = rows.get(i);
            if (i > 0 && dev[i - 1] == r.device() && r.start() < e[i - 1]) {
                throw new UserError(file + ":" + r.line() + ": device " + r.device() + " interval [" + r.start() + ", "
                        + r.end() + ") overlaps its interval on line " + rows.get(i - 1).line() + " ending at "
                        + e[i - 1] + " s; a device's intervals must not overlap");
            }
            dev[i] = r.device();
            s[i] = r.start();
            e[i] = r.end();
        }
        return new AvailabilityTrace(dev, s, e);
    }

    private static int deviceId(Path file, int line, String text, int devices) {
        try {
            int d = Integer.parseInt(text);
            if (d >= 0 && d < devices) {
                return d;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UserError(file + ":" + line + ": device = '" + text + "'; expected a device id 0.." + (devices - 1)
                + " (population.devices = " + devices + ")");
    }

    private static double seconds(Path file, int line, String column, String text) {
        try {
            double v = Double.parseDouble(text);
            if (Double.isFinite(v)) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UserError(file + ":" + line + ": " + column + " = '" + text + "'; expected a finite number of virtual seconds");
    }

    @Override
    public boolean available(int d, double timeS) {
        int i = Arrays.binarySearch(device, d);
        if (i < 0) {
            return false;
        }
        while (i > 0 && device[i - 1] == d) {
            i--;
        }
        for (; i < device.length && device[i] == d && startS[i] <= timeS; i++) {
            if (timeS < endS[i]) {
                return true;
            }
        }
        return false;
    }

    /** Rows of the trace (intervals). */
    public int intervals() {
        return device.length;
    }
}
