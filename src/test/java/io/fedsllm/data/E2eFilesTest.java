package io.fedsllm.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedsllm.config.UserError;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class E2eFilesTest {
    @TempDir
    Path dir;

    private Path write(String name, String content) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, content, StandardCharsets.UTF_8);
        return p;
    }

    @Test
    void parsesOfficialCsvWithQuotedCommasQuotesAndLineBreaks() throws IOException {
        Path f = write("train.csv", "\uFEFFmr,ref\n"
                + "\"name[The Eagle], eatType[coffee shop], priceRange[less than £20]\",\"The Eagle, a coffee shop, is \"\"cheap\"\".\"\n"
                + "\n"
                + "\"name[Blue Spice], area[riverside]\",\"Blue Spice is\nby the river.\"\n"
                + "name[Zizzi],Zizzi is a place.\n");
        List<E2eRecord> rs = E2eFiles.read(f);
        assertEquals(3, rs.size());
        assertEquals(Map.of("name", "The Eagle", "eatType", "coffee shop", "priceRange", "less than £20"), rs.get(0).slots());
        assertEquals(List.of("name", "eatType", "priceRange"), List.copyOf(rs.get(0).slots().keySet()));
        assertEquals("The Eagle, a coffee shop, is \"cheap\".", rs.get(0).ref());
        assertEquals("Blue Spice is\nby the river.", rs.get(1).ref());
        assertEquals("name[Zizzi]", rs.get(2).mr());
    }

    @Test
    void parsesLineFormatAndRoundTripsBothWriters() throws IOException {
        Path f = write("train.txt", "name[The Mill], food[Italian] || The Mill serves Italian food.\n\n"
                + "name[Aromi], customer rating[5 out of 5] || Aromi is rated 5 out of 5.\n");
        List<E2eRecord> rs = E2eFiles.read(f);
        assertEquals(2, rs.size());
        assertEquals("name[The Mill], food[Italian] || The Mill serves Italian food.", E2eText.trainingText(rs.get(0)));
        assertEquals("name[Aromi], customer rating[5 out of 5] || ", E2eText.prompt(rs.get(1).slots()));

        List<E2eRecord> tricky = List.of(new E2eRecord(Map.of("name", "The Eagle"), "It says \"hi\", twice, £20-25."));
        Path csv = dir.resolve("out.csv");
        E2eFiles.writeCsv(csv, tricky);
        assertEquals(tricky, E2eFiles.read(csv));
        Path lines = dir.resolve("out.txt");
        E2eFiles.writeLines(lines, tricky);
        assertEquals(tricky, E2eFiles.read(lines));
    }

    @Test
    void parseMrRejectsEveryMalformedShape() {
        assertEquals(Map.of("name", "A", "near", "B, C"), E2eRecord.parseMr("name[A], near[B, C]"));
        for (String bad : List.of("name[A", "name A]", "name[A], colour[red]", "name[A] food[English]",
                "name[], food[English]", "name[A], name[B]", "", "name[A[B]]")) {
            assertThrows(IllegalArgumentException.class, () -> E2eRecord.parseMr(bad), bad);
        }
    }

    private void assertRejected(String name, String content, String where, String what) throws IOException {
        Path f = write(name, content);
        UserError e = assertThrows(UserError.class, () -> E2eFiles.read(f));
        assertTrue(e.getMessage().contains(f + ":" + where), e.getMessage());
        assertTrue(e.getMessage().contains(what), e.getMessage());
    }

    @Test
    void csvRejectsMalformedRecordsNamingFileAndLine() throws IOException {
        String head = "mr,ref\nname[A],A is fine.\n";
        assertRejected("hdr.csv", "meaning,text\nname[A],x\n", "1:", "bad header");
        assertRejected("hdr3.csv", "mr,ref,extra\n", "1:", "bad header");
        assertRejected("empty.csv", "", "1:", "empty file");
        assertRejected("col.csv", head + "name[C],\"multi\nline\"\nname[B]\n", "5:", "expected 2 columns");
        assertRejected("unbal.csv", head + "\"name[B], food[English\",B.\n", "3:", "unbalanced brackets");
        assertRejected("slot.csv", head + "\n\"name[B], colour[red]\",B.\n", "4:", "unknown slot 'colour'");
        assertRejected("ref.csv", head + "name[B],  \n", "3:", "empty reference");
        assertRejected("quote.csv", head + "\"name[B],B.\n", "3:", "malformed CSV");
    }

    @Test
    void linesRejectMalformedLinesNamingFileAndLine() throws IOException {
        String head = "name[A] || A.\n";
        assertRejected("sep.txt", head + "name[B] B.\n", "2:", "missing the '||' separator");
        assertRejected("unbal.txt", head + "\nname[B || B.\n", "3:", "unbalanced brackets");
        assertRejected("slot.txt", head + "name[B], stars[5] || B.\n", "2:", "unknown slot 'stars'");
        assertRejected("ref.txt", head + "name[B] ||   \n", "2:", "empty reference");
        UserError missing = assertThrows(UserError.class, () -> E2eFiles.read(dir.resolve("nope.csv")));
        assertTrue(missing.getMessage().contains("does not exist"));
    }
}
