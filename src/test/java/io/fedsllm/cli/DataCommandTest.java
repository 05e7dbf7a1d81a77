package io.fedsllm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fedsllm.data.E2eFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataCommandTest {
    @TempDir
    Path dir;

    @Test
    void writesTheConfiguredSplitsAndCorpus() throws IOException {
        Path out = dir.resolve("data");
        int code = Main.run("data", "--set", "data.synthetic.train-mrs=30", "--set", "data.synthetic.validation-mrs=4",
                "--set", "data.synthetic.test-mrs=5", "--set", "data.synthetic.refs-per-mr=2",
                "--set", "data.pretrain.documents=7", "--set", "data.partition.scheme=dirichlet", "--out", out.toString());
        assertEquals(0, code);
        assertEquals(60, E2eFiles.read(out.resolve("train.csv")).size());
        assertEquals(8, E2eFiles.read(out.resolve("validation.csv")).size());
        assertEquals(10, E2eFiles.read(out.resolve("test.csv")).size());
        assertEquals(7, Files.readAllLines(out.resolve("pretrain.txt")).size());

        // The written files read back as dataset = files.
        assertEquals(0, Main.run("data", "--set", "data.dataset=files",
                "--set", "data.files.train=\"" + out.resolve("train.csv") + "\"",
                "--set", "data.files.validation=\"" + out.resolve("validation.csv") + "\"",
                "--set", "data.files.test=\"" + out.resolve("test.csv") + "\""));
    }

    @Test
    void userErrorsExitWithTwo() throws IOException {
        assertEquals(Main.USER_ERROR, Main.run("data", "--set", "data.dataset=files"));
        Path bad = dir.resolve("bad.csv");
        Files.writeString(bad, "mr,ref\nname[A], stars[5],x\n");
        assertEquals(Main.USER_ERROR, Main.run("data", "--set", "data.dataset=files",
                "--set", "data.files.train=\"" + bad + "\"", "--set", "data.files.validation=\"" + bad + "\"",
                "--set", "data.files.test=\"" + bad + "\""));
        assertEquals(Main.USER_ERROR, Main.run("data", "--set", "system.clients=100000"));
    }
}
