package io.fedsllm.population;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedsllm.config.UserError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AvailabilityTraceTest {
    @TempDir
    Path dir;

    private Path write(String text) throws IOException {
        Path p = dir.resolve("trace.csv");
        Files.writeString(p, text);
        return p;
    }

    @Test
    void devicesAreAvailableInsideTheirIntervalsOnly() throws IOException {
        Path f = write("device,start_s,end_s\n2,100,200\n\n0,0,50\n2,300,1e9\n");
        AvailabilityTrace t = AvailabilityTrace.read(f, 4);
        assertEquals(3, t.intervals());
        assertTrue(t.available(0, 0));
        assertFalse(t.available(0, 50), "end is exclusive");
        assertTrue(t.available(2, 100));
        assertFalse(t.available(2, 250));
        assertTrue(t.available(2, 5000));
        assertFalse(t.available(1, 100), "a device without rows is never available");
        assertFalse(t.available(3, 100));
        Population p = PopulationTest.population("population.devices=5", "population.availability=trace",
                "population.trace-file=\"" + f + "\"");
        assertArrayEquals(new int[] {2}, p.select(0, 150));
    }

    /** The error names the file, the line and the reason. */
    private void rejects(String text, int line, String reason) throws IOException {
        Path f = write(text);
        UserError e = assertThrows(UserError.class, () -> AvailabilityTrace.read(f, 4));
        assertTrue(e.getMessage().startsWith(f + ":" + line + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }

    @Test
    void malformedTracesAreRejectedWithFileLineAndReason() throws IOException {
        rejects("dev,start,end\n0,0,1\n", 1, "expected the header device,start_s,end_s");
        rejects("", 1, "empty trace");
        rejects("device,start_s,end_s\n0,0\n", 2, "expected 3 columns");
        rejects("device,start_s,end_s\n0,0,1\n4,0,1\n", 3, "expected a device id 0..3");
        rejects("device,start_s,end_s\nx,0,1\n", 2, "device = 'x'");
        rejects("device,start_s,end_s\n1,-5,1\n", 2, "start_s = -5 is negative");
        rejects("device,start_s,end_s\n1,5,5\n", 2, "expected end_s > start_s");
        rejects("device,start_s,end_s\n1,five,9\n", 2, "start_s = 'five'; expected a finite number");
        rejects("device,start_s,end_s\n1,0,100\n0,0,1\n1,50,200\n", 4, "overlaps its interval on line 2");
    }
}
